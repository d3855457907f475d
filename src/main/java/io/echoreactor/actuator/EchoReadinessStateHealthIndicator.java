package io.echoreactor.actuator;

import io.echoreactor.reactor.EchoServer;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;

/**
 * Readiness that also follows the {@link EchoServer}: the application's readiness state
 * only while the echo server runs, {@link ReadinessState#REFUSING_TRAFFIC} otherwise.
 * Spring Boot reports {@code ACCEPTING_TRAFFIC} once the context has started, which is
 * after the echo port is bound, and {@code EchoServerLifecycle} publishes
 * {@code REFUSING_TRAFFIC} when the drain starts; tying readiness to the server's own
 * state as well means that no later event (a late {@code ACCEPTING_TRAFFIC} from a
 * start-up racing with a shutdown, say) can make a draining or stopped server ready
 * again.
 *
 * <p>
 * Readiness also refuses traffic while stalled threads would strand new connections or
 * datagrams: in {@code reuseport} mode one stalled reactor (the kernel goes on routing
 * connections and datagrams to its sockets), in {@code acceptor} mode a stalled acceptor,
 * every reactor stalled, or the first reactor stalled while it owns the UDP socket.
 *
 * <p>
 * Registered as {@code readinessStateHealthIndicator}, in place of Boot's.
 */
public class EchoReadinessStateHealthIndicator extends ReadinessStateHealthIndicator {

	private final ApplicationAvailability availability;

	private final EchoServer server;

	/**
	 * Create the indicator.
	 * @param availability the application's availability
	 * @param server the echo server
	 */
	public EchoReadinessStateHealthIndicator(ApplicationAvailability availability, EchoServer server) {
		super(availability);
		this.availability = availability;
		this.server = server;
	}

	@Override
	protected AvailabilityState getState(ApplicationAvailability applicationAvailability) {
		if (this.server.view().status() != EchoServer.Status.RUNNING || !this.server.view().isServingNewConnections()) {
			return ReadinessState.REFUSING_TRAFFIC;
		}
		return super.getState(applicationAvailability);
	}

	/**
	 * Return whether the service takes traffic now. Called from any thread.
	 * @return whether readiness is {@link ReadinessState#ACCEPTING_TRAFFIC}
	 */
	public boolean isAcceptingTraffic() {
		return getState(this.availability) == ReadinessState.ACCEPTING_TRAFFIC;
	}

}

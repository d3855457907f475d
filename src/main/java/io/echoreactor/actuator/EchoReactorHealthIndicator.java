package io.echoreactor.actuator;

import java.util.ArrayList;
import java.util.List;

import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.ReactorStatistics;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code echo} health indicator: DOWN when a reactor thread, or the acceptor thread,
 * has died while the {@link EchoServer} runs, or has stalled (not returned from
 * {@code select()} for {@code echo.server.stall-timeout}: blocked in a slow log appender,
 * say). A dead or wedged thread is internal state that only a restart fixes, so the
 * indicator belongs to the liveness group. Before the server starts
 * and once it has begun to drain, its threads ending is expected and the indicator stays
 * UP; readiness, not liveness, covers those phases.
 *
 * <p>
 * Details: {@code state}, {@code port}, {@code connections}, {@code reactors},
 * {@code reactorsAlive} and, when DOWN, the names of the {@code deadThreads} and
 * {@code stalledThreads}. With the
 * echo server disabled the indicator is UP with {@code enabled=false}, so that the
 * liveness group can include it either way.
 */
public class EchoReactorHealthIndicator extends AbstractHealthIndicator {

	private final @Nullable EchoServer server;

	/**
	 * Create the indicator.
	 * @param server the echo server, or {@code null} when it is disabled
	 */
	public EchoReactorHealthIndicator(@Nullable EchoServer server) {
		super("Echo server health check failed");
		this.server = server;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		EchoServer server = this.server;
		if (server == null) {
			builder.up().withDetail("enabled", false);
			return;
		}
		EchoServer.Status status = server.view().status();
		List<EchoReactor> reactors = server.view().reactors();
		List<String> deadThreads = new ArrayList<>();
		int alive = 0;
		for (EchoReactor reactor : reactors) {
			if (reactor.isAlive()) {
				alive++;
			}
			else {
				deadThreads.add(reactor.threadName());
			}
		}
		boolean running = status == EchoServer.Status.RUNNING;
		if (!server.view().isAcceptorAlive()) {
			ReactorStatistics acceptor = server.view().acceptorStatistics();
			deadThreads.add((acceptor != null) ? acceptor.owner() : "acceptor");
		}
		List<String> stalledThreads = server.view().stalledThreads();
		builder.withDetail("state", status.name())
			.withDetail("port", server.port())
			.withDetail("connections", server.view().activeConnections())
			.withDetail("reactors", server.view().settings().reactors())
			.withDetail("reactorsAlive", alive);
		if (running && (!deadThreads.isEmpty() || !stalledThreads.isEmpty())) {
			builder.down();
			if (!deadThreads.isEmpty()) {
				builder.withDetail("deadThreads", deadThreads);
			}
			if (!stalledThreads.isEmpty()) {
				builder.withDetail("stalledThreads", stalledThreads);
			}
		}
		else {
			builder.up();
		}
	}

}

package io.echoreactor.context;

import io.echoreactor.reactor.EchoServer;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the {@link EchoServer} with the application context and drains it on shutdown;
 * nothing more: the server does the work.
 */
public final class EchoServerLifecycle implements SmartLifecycle {

	/**
	 * The phase of the echo server. Above the web server's graceful-shutdown phase
	 * ({@code SmartLifecycle.DEFAULT_PHASE - 1024}), so the echo server starts after the
	 * Actuator's HTTP server and drains before it stops: health and metrics answer
	 * throughout the drain.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	private final EchoServer server;

	private final ApplicationEventPublisher eventPublisher;

	private volatile boolean running;

	public EchoServerLifecycle(EchoServer server, ApplicationEventPublisher eventPublisher) {
		this.server = server;
		this.eventPublisher = eventPublisher;
	}

	@Override
	public void start() {
		this.server.start();
		this.running = true;
	}

	@Override
	public void stop(Runnable callback) {
		// Refuse traffic from the first moment of the drain; nothing flips it back.
		AvailabilityChangeEvent.publish(this.eventPublisher, this, ReadinessState.REFUSING_TRAFFIC);
		this.server.shutDownGracefully((result) -> {
			this.running = false;
			callback.run();
		});
	}

	@Override
	public void stop() {
		this.server.stop();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}

package io.echoreactor.reactor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

import io.echoreactor.reactor.accept.EchoAcceptor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The end of an {@link EchoServer}'s life: the drain (stop accepting, echo until the
 * clients have closed or the shutdown timeout has passed, then close what is left) and the
 * immediate stop. Both end with every reactor's connections closed and its thread ended.
 *
 * <p>
 * <strong>Threading:</strong> {@link #drain(long)} runs on the server's shutdown thread,
 * {@link #stop()} on the caller's; both only wait for the reactors, which do the closing
 * on their own threads.
 */
final class GracefulShutdown {

	private static final Log logger = LogFactory.getLog(GracefulShutdown.class);

	private final @Nullable EchoAcceptor acceptor;

	private final List<EchoReactor> reactors;

	private final IntSupplier activeConnections;

	private final Duration flushTimeout;

	/**
	 * @param acceptor the acceptor, or {@code null} in {@code reuseport} mode
	 * @param reactors the reactors
	 * @param activeConnections the connections open over all reactors
	 * @param flushTimeout how long the final phase writes pending bytes before closing
	 */
	GracefulShutdown(@Nullable EchoAcceptor acceptor, List<EchoReactor> reactors, IntSupplier activeConnections,
			Duration flushTimeout) {
		this.acceptor = acceptor;
		this.reactors = reactors;
		this.activeConnections = activeConnections;
		this.flushTimeout = flushTimeout;
	}

	/**
	 * Drain: stop accepting (connections the kernel has queued are accepted and served),
	 * keep echoing until every client has closed or {@code deadlineNanos} has passed, then
	 * write what is pending for up to the flush timeout, send FIN and close.
	 * @param deadlineNanos when to stop waiting for clients, in {@link System#nanoTime()}
	 * terms
	 * @return {@link ShutdownResult#IDLE} if every client closed in time, else
	 * {@link ShutdownResult#CONNECTIONS_ACTIVE}
	 */
	ShutdownResult drain(long deadlineNanos) {
		ShutdownResult result = ShutdownResult.CONNECTIONS_ACTIVE;
		logger.info("Commencing graceful shutdown of the echo server. Waiting for "
				+ this.activeConnections.getAsInt() + " connection(s) to close");
		List<CompletableFuture<Void>> acceptingStopped = new ArrayList<>();
		if (this.acceptor != null) {
			acceptingStopped.add(this.acceptor.stop());
		}
		await(acceptingStopped, deadlineNanos);
		for (EchoReactor reactor : this.reactors) {
			acceptingStopped.add(reactor.stopAccepting());
		}
		await(acceptingStopped, deadlineNanos);
		if (await(this.reactors.stream().map(EchoReactor::drained).toList(), deadlineNanos)) {
			result = ShutdownResult.IDLE;
		}
		int open = this.activeConnections.getAsInt();
		// Count the flush from the deadline, not from whenever this thread woke up after it.
		closeAndAwait(Math.min(System.nanoTime(), deadlineNanos) + this.flushTimeout.toNanos());
		if (result == ShutdownResult.IDLE) {
			logger.info("Graceful shutdown of the echo server complete");
		}
		else {
			logger.info("Graceful shutdown of the echo server ended by shutdown-timeout; closed " + open
					+ " connection(s) still open");
		}
		return result;
	}

	/**
	 * Stop at once: close every connection and end the reactor threads, waiting for them for
	 * at most the flush timeout.
	 */
	void stop() {
		if (this.acceptor != null) {
			await(List.of(this.acceptor.stop()), System.nanoTime() + this.flushTimeout.toNanos());
		}
		closeAndAwait(System.nanoTime());
	}

	private void closeAndAwait(long deadlineNanos) {
		for (EchoReactor reactor : this.reactors) {
			reactor.closeConnections(deadlineNanos);
		}
		// The reactors close what is left at the deadline themselves; allow for one pass.
		await(this.reactors.stream().map(EchoReactor::terminated).toList(),
				Math.max(deadlineNanos, System.nanoTime()) + TimeUnit.MILLISECONDS.toNanos(90));
	}

	private static boolean await(List<CompletableFuture<Void>> futures, long deadlineNanos) {
		try {
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
				.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
			return true;
		}
		catch (TimeoutException | ExecutionException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}

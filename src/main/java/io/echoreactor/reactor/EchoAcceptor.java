package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The {@code acceptor} strategy: one listening socket served by its own thread, named
 * {@code echo-acceptor}, which hands each accepted channel to the next reactor in turn.
 *
 * <p>
 * <strong>Threading:</strong> the listener, the selector and the statistics are confined
 * to the acceptor thread; {@link #stop()} may be called from any thread.
 */
final class EchoAcceptor {

	private static final Log logger = LogFactory.getLog(EchoAcceptor.class);

	static final String THREAD_NAME = "echo-acceptor";

	private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final ServerSocketChannel listener;

	private final List<EchoReactor> reactors;

	private final ReactorStatistics statistics = new ReactorStatistics(THREAD_NAME);

	private final Accepting accepting;

	private final Selector selector;

	private final long selectTimeoutMillis;

	private final Thread thread;

	private final CompletableFuture<Void> stopped = new CompletableFuture<>();

	private volatile boolean stopRequested;

	private int next;

	EchoAcceptor(ServerSocketChannel listener, List<EchoReactor> reactors, ConnectionLimit limit,
			long selectTimeoutMillis) throws IOException {
		this.listener = listener;
		this.reactors = reactors;
		this.accepting = new Accepting(this.statistics, limit);
		this.selectTimeoutMillis = selectTimeoutMillis;
		this.selector = Selector.open();
		listener.register(this.selector, SelectionKey.OP_ACCEPT);
		this.thread = new Thread(this::run, THREAD_NAME);
	}

	ReactorStatistics statistics() {
		return this.statistics;
	}

	boolean isAlive() {
		return this.thread.isAlive();
	}

	void start() {
		this.thread.start();
	}

	/**
	 * Stop accepting once the connections the kernel has already queued are handed over,
	 * and close the listener. Called from any thread.
	 * @return completes when the listener is closed
	 */
	CompletableFuture<Void> stop() {
		this.stopRequested = true;
		this.selector.wakeup();
		return this.stopped;
	}

	private void run() {
		SelectionKey key = this.listener.keyFor(this.selector);
		long pausedUntil = 0;
		try {
			while (!this.stopRequested) {
				try {
					boolean paused = key.interestOps() == 0;
					long timeout = paused ? Math.max(1, (pausedUntil - System.nanoTime()) / 1_000_000)
							: this.selectTimeoutMillis;
					if (this.selector.select(timeout) > 0) {
						this.selector.selectedKeys().clear();
						if (!this.accepting.accept(this.listener, Accepting.BATCH, this::handOff)) {
							key.interestOps(0);
							pausedUntil = System.nanoTime() + Accepting.BACKOFF_NANOS;
						}
					}
					else if (paused && System.nanoTime() - pausedUntil >= 0) {
						key.interestOps(SelectionKey.OP_ACCEPT);
					}
				}
				catch (IOException | RuntimeException ex) {
					this.statistics.increment(ReactorStatistics.Counter.LOOP_FAILURES);
					logger.warn("Unexpected failure in " + THREAD_NAME + "; continuing after a pause", ex);
					// A failure that repeats (a broken selector, say) must neither spin this
					// thread nor flood the log.
					LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
				}
			}
			// Connections the kernel has already completed are served, not reset.
			this.accepting.accept(this.listener, Integer.MAX_VALUE, this::handOff);
		}
		finally {
			close();
			this.stopped.complete(null);
		}
	}

	private void handOff(SocketChannel channel) {
		EchoReactor reactor = this.reactors.get(this.next);
		this.next = (this.next + 1) % this.reactors.size();
		reactor.register(channel);
	}

	private void close() {
		try {
			this.listener.close();
			this.selector.close();
		}
		catch (IOException ex) {
			// Ignore: the port is released either way
		}
	}

}

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

	private final long selectTimeoutMillis;

	private final int backlog;

	private final ThrottledWarning failures = new ThrottledWarning(logger);

	private volatile Selector selector;

	private final Thread thread;

	private final CompletableFuture<Void> stopped = new CompletableFuture<>();

	private volatile boolean stopRequested;

	private int next;

	EchoAcceptor(ServerSocketChannel listener, List<EchoReactor> reactors, ConnectionLimit limit,
			long selectTimeoutMillis, int backlog) throws IOException {
		this.listener = listener;
		this.reactors = reactors;
		this.accepting = new Accepting(this.statistics, limit);
		this.selectTimeoutMillis = selectTimeoutMillis;
		this.backlog = backlog;
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
		long pausedUntil = 0;
		try {
			while (!this.stopRequested) {
				try {
					SelectionKey key = this.listener.keyFor(this.selector);
					boolean paused = key.interestOps() == 0;
					long timeout = paused ? Math.max(1, (pausedUntil - System.nanoTime()) / 1_000_000)
							: this.selectTimeoutMillis;
					if (select(timeout) > 0) {
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
					this.failures.warn("Unexpected failure in " + THREAD_NAME + "; continuing after a pause", ex);
					// A failure that repeats must not spin this thread.
					LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
				}
			}
			// Connections the kernel has already completed are served, not reset; at most one
			// backlog's worth, so that clients still arriving cannot hold the stop up.
			this.accepting.accept(this.listener, this.backlog, this::handOff);
		}
		finally {
			close();
			this.stopped.complete(null);
		}
	}

	private int select(long timeoutMillis) throws IOException {
		try {
			return this.selector.select(timeoutMillis);
		}
		catch (IOException ex) {
			// A broken epoll descriptor would otherwise stop accepting for good while the
			// thread, and so the health check, looked alive.
			Selector broken = this.selector;
			Selector rebuilt = Selector.open();
			SelectionKey key = this.listener.keyFor(broken);
			int ops = (key != null && key.isValid()) ? key.interestOps() : SelectionKey.OP_ACCEPT;
			if (key != null) {
				key.cancel();
			}
			this.listener.register(rebuilt, ops);
			this.selector = rebuilt;
			Closeables.closeQuietly(broken);
			this.statistics.increment(ReactorStatistics.Counter.SELECTOR_REBUILDS);
			this.failures.warn("select() failed on " + THREAD_NAME + "; rebuilt the selector", ex);
			return 0;
		}
	}

	private void handOff(SocketChannel channel) {
		// Skip a reactor whose thread has died: nothing would ever serve or close the
		// connection there.
		for (int attempt = 0; attempt < this.reactors.size(); attempt++) {
			EchoReactor reactor = this.reactors.get(this.next);
			this.next = (this.next + 1) % this.reactors.size();
			if (reactor.state() != EchoReactor.State.TERMINATED) {
				reactor.register(channel);
				return;
			}
		}
		this.accepting.abandon(channel);
	}

	private void close() {
		Closeables.closeQuietly(this.listener);
		Closeables.closeQuietly(this.selector);
	}

}

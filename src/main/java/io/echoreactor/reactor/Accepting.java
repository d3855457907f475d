package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Accepts ready connections from a listening socket for the thread that owns it: the
 * acceptor thread, or a reactor in {@code reuseport} mode. Counts every {@code accept()}
 * call and enforces {@code max-connections}.
 *
 * <p>
 * <strong>Threading:</strong> confined to the owning thread; its statistics are that
 * thread's.
 */
final class Accepting {

	private static final Log logger = LogFactory.getLog(Accepting.class);

	/** Connections accepted per readiness event before other work gets a turn. */
	static final int BATCH = 64;

	/** How long accepting pauses after a failure, so that EMFILE cannot spin the loop. */
	static final long BACKOFF_NANOS = 100_000_000L;

	private final ReactorStatistics statistics;

	private final ConnectionLimit limit;

	private final ThrottledWarning failures = new ThrottledWarning(logger);

	Accepting(ReactorStatistics statistics, ConnectionLimit limit) {
		this.statistics = statistics;
		this.limit = limit;
	}

	/**
	 * Accept up to {@code max} connections and hand each one that fits the limit to
	 * {@code handoff}.
	 * @param listener the non-blocking listening socket
	 * @param max the most connections to accept
	 * @param handoff receives each accepted channel, which it then owns
	 * @return {@code false} if accepting failed and should pause for {@link #BACKOFF_NANOS}
	 */
	boolean accept(ServerSocketChannel listener, int max, Consumer<SocketChannel> handoff) {
		for (int i = 0; i < max; i++) {
			SocketChannel channel;
			this.statistics.increment(ReactorStatistics.Counter.ACCEPTS);
			try {
				channel = listener.accept();
			}
			catch (IOException ex) {
				failed(ex);
				return false;
			}
			if (channel == null) {
				this.statistics.increment(ReactorStatistics.Counter.ACCEPTS_EMPTY);
				return true;
			}
			if (this.limit.tryAcquire()) {
				handoff.accept(channel);
			}
			else {
				reject(channel);
			}
		}
		return true;
	}

	private void reject(SocketChannel channel) {
		this.statistics.increment(ReactorStatistics.Counter.CONNECTIONS_REJECTED_LIMIT);
		Closeables.closeQuietly(channel);
	}

	/**
	 * Close an accepted channel that no reactor can take (every reactor thread has died)
	 * and give back its place under the limit.
	 * @param channel the channel
	 */
	void abandon(SocketChannel channel) {
		Closeables.closeQuietly(channel);
		this.limit.release();
	}

	private void failed(IOException ex) {
		boolean tooManyFiles = String.valueOf(ex.getMessage()).contains("Too many open files");
		this.statistics.increment(tooManyFiles ? ReactorStatistics.Counter.ACCEPT_ERRORS_TOO_MANY_OPEN_FILES
				: ReactorStatistics.Counter.ACCEPT_ERRORS_OTHER);
		this.failures.warn("Accept failed on " + this.statistics.owner() + ": " + ex.getMessage()
				+ "; pausing accepts for " + BACKOFF_NANOS / 1_000_000 + " ms", ex);
	}

}

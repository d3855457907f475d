package io.echoreactor.reactor.accept;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.echoreactor.reactor.counters.AcceptError;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.Selectable;
import io.echoreactor.reactor.loop.ThrottledWarning;
import org.jspecify.annotations.Nullable;

/**
 * A listening socket on an {@link EventLoop}: the one accept loop of both strategies. In
 * {@code acceptor} mode its loop is the acceptor thread and it hands each connection to a
 * reactor; in {@code reuseport} mode each reactor's loop has one and keeps what it
 * accepts. It counts every {@code accept()} call, enforces {@code max-connections} and
 * {@code max-connections-per-address}, and pauses for {@link #BACKOFF_NANOS} after a
 * failure (running out of descriptors, say) so that it cannot spin; the pause is a
 * deadline of its own, which nothing else can move.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread; its statistics are the loop's.
 */
public final class Listener extends Deadlines.Entry implements Selectable {

	private static final ReactorLog logger = ReactorLog.of(Listener.class);

	/** Connections accepted per readiness event before other work gets a turn. */
	static final int BATCH = 64;

	/** How long accepting pauses after a failure, so that EMFILE cannot spin the loop. */
	static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final EventLoop loop;

	private final ServerSocketChannel channel;

	private final ConnectionLimit limit;

	private final Handoff handoff;

	private final AcceptOperation acceptOperation;

	private final boolean tls;

	private final Predicate<InetAddress> countsAddressLater;

	private final ThrottledWarning failures = new ThrottledWarning(logger);

	@SuppressWarnings("NullAway.Init") // registered in open(), before the loop can select it
	private SelectionKey key;

	/**
	 * @param loop the loop that owns it
	 * @param channel the bound, non-blocking listening socket
	 * @param limit the connection limits
	 * @param handoff receives each accepted connection
	 * @param acceptOperation the accept call
	 * @param tls whether its connections begin with a TLS handshake
	 * @param countsAddressLater whether a peer's connections are counted against the
	 * per-address limit only once their PROXY header names the client
	 */
	public Listener(EventLoop loop, ServerSocketChannel channel, ConnectionLimit limit, Handoff handoff,
			AcceptOperation acceptOperation, boolean tls, Predicate<InetAddress> countsAddressLater) {
		this.loop = loop;
		this.channel = channel;
		this.limit = limit;
		this.handoff = handoff;
		this.acceptOperation = acceptOperation;
		this.tls = tls;
		this.countsAddressLater = countsAddressLater;
	}

	/** @return whether its connections begin with a TLS handshake */
	boolean isTls() {
		return this.tls;
	}

	/** Start accepting. Loop thread only. */
	public void open() throws ClosedChannelException {
		this.key = this.loop.register(this.channel, SelectionKey.OP_ACCEPT, this);
	}

	/** @return whether accepting is paused after a failure */
	boolean isPaused() {
		return isScheduled();
	}

	@Override
	public void ready(int readyOps) {
		accept(BATCH);
	}

	private void accept(int max) {
		ReactorStatistics statistics = this.loop.statistics();
		for (int i = 0; i < max; i++) {
			SocketChannel accepted;
			statistics.increment(Counter.ACCEPTS);
			try {
				accepted = this.acceptOperation.accept(this.channel);
			}
			catch (IOException ex) {
				failed(ex);
				return;
			}
			if (accepted == null) {
				statistics.increment(Counter.ACCEPTS_EMPTY);
				return;
			}
			admit(accepted);
		}
	}

	private void admit(SocketChannel accepted) {
		ReactorStatistics statistics = this.loop.statistics();
		if (!this.limit.tryAcquire()) {
			statistics.increment(RejectCause.LIMIT);
			Closeables.closeQuietly(accepted);
			return;
		}
		InetAddress address = null;
		if (this.limit.limitsAddresses()) {
			address = peerAddress(accepted);
			if (address != null && this.countsAddressLater.test(address)) {
				address = null;
			}
			else if (address != null && !this.limit.tryAcquire(address)) {
				this.limit.release();
				statistics.increment(RejectCause.ADDRESS_LIMIT);
				Closeables.closeQuietly(accepted);
				return;
			}
		}
		this.handoff.accept(accepted, address, this.tls);
	}

	private static @Nullable InetAddress peerAddress(SocketChannel channel) {
		try {
			return ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
		}
		catch (IOException ex) {
			// Already reset by the client: nothing to count, and the reactor will see it closed
			return null;
		}
	}

	private void failed(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		boolean tooManyFiles = message.contains("Too many open files");
		AcceptError error = tooManyFiles ? AcceptError.TOO_MANY_OPEN_FILES : AcceptError.OTHER;
		this.loop.statistics().increment(error);
		if (this.failures.due()) {
			this.failures.log("Accept failed on " + this.loop.name() + ": " + message + "; pausing accepts for "
					+ TimeUnit.NANOSECONDS.toMillis(BACKOFF_NANOS) + " ms",
					LogFacts.connection(this.loop.name(), this.channel, null).cause(error), ex);
		}
		if (this.key.isValid()) {
			this.key.interestOps(0);
			this.loop.deadlines().schedule(this, this.loop.now() + BACKOFF_NANOS);
		}
	}

	@Override
	protected void expired(long nowNanos) {
		if (this.key.isValid()) {
			this.key.interestOps(SelectionKey.OP_ACCEPT);
		}
	}

	/**
	 * Stop: accept the connections the kernel has already completed, so that they are
	 * served rather than reset (at most {@code backlog} of them, so that clients still
	 * arriving cannot hold the stop up), then close. Loop thread only.
	 * @param backlog the most connections to accept
	 */
	public void close(int backlog) {
		this.loop.deadlines().cancel(this);
		if (this.channel.isOpen()) {
			accept(backlog);
		}
		Closeables.closeQuietly(this.channel);
	}

	@Override
	public void rekeyed(SelectionKey key) {
		this.key = key;
	}

	@Override
	public void abort(CloseCause cause) {
		this.loop.deadlines().cancel(this);
		if (cause == CloseCause.ERROR && this.channel.isOpen()) {
			logger.warn("Closing the listener of " + this.loop.name() + " after a failure; the other listeners "
					+ "(if any) go on accepting",
					LogFacts.connection(this.loop.name(), this.channel, null).cause(cause), null);
		}
		Closeables.closeQuietly(this.channel);
	}

	/**
	 * Receives each accepted connection that fits the limits, and then owns it.
	 */
	@FunctionalInterface
	public interface Handoff {

		/**
		 * @param channel the accepted channel, still blocking
		 * @param address the client address counted against the per-address limit, or
		 * {@code null} when that limit is off; released when the connection closes
		 * @param tls whether the connection begins with a TLS handshake
		 */
		void accept(SocketChannel channel, @Nullable InetAddress address, boolean tls);

	}

	/**
	 * The {@code accept()} call, behind a seam so that tests can make it fail the way it
	 * does when the process runs out of descriptors.
	 */
	@FunctionalInterface
	public interface AcceptOperation {

		AcceptOperation DEFAULT = ServerSocketChannel::accept;

		SocketChannel accept(ServerSocketChannel listener) throws IOException;

	}

}

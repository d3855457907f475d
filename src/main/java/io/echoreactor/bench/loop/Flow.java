package io.echoreactor.bench.loop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Objects;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tls.ClientTls;
import io.echoreactor.bench.tls.TlsBuffers;
import org.jspecify.annotations.Nullable;

/**
 * One connection of the load (for UDP, one flow: a socket connected to the server),
 * driven by the {@link LoadLoop} it belongs to: opened, readied (PROXY header, TLS
 * handshake, greeting), started, given messages to send on schedule in the open loop,
 * stopped at the end of the measured window, and checked for timeouts.
 *
 * <p>
 * The loop knows its flows only as this class: the TCP and UDP flows are above it, made
 * by the {@link Factory} their {@link LoadRun} is given.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
public abstract class Flow {

	protected final LoadLoop loop;

	/** Where the flow counts what it sees: its loop's. */
	protected final LoopFigures figures;

	/** The flow's number, 0 to connections - 1: its payload and schedule depend on it. */
	protected final int id;

	/** Messages this flow sends in all: its share of {@code --messages}, or unlimited. */
	protected final long quota;

	// The socket's registration with the loop's selector, and the interest set last given to it.
	private @Nullable SelectionKey key;

	private int interest;

	/**
	 * Create a flow of a loop.
	 * @param loop the loop that drives it
	 * @param id its number
	 * @param quota messages it sends in all
	 */
	protected Flow(LoadLoop loop, int id, long quota) {
		this.loop = loop;
		this.figures = loop.figures;
		this.id = id;
		this.quota = quota;
	}

	/**
	 * Register {@code channel} with the loop's selector, this flow attached.
	 * @param channel the flow's socket
	 * @param ops the interest set
	 * @throws ClosedChannelException if the socket is closed
	 */
	public void register(SelectableChannel channel, int ops) throws ClosedChannelException {
		this.key = channel.register(this.loop.selector, ops, this);
		this.interest = ops;
	}

	/** @return the interest set last given to the selector */
	public int interest() {
		return this.interest;
	}

	/**
	 * Change the interest set, if it changes and the socket is still registered.
	 * @param ops the new interest set
	 */
	public void interest(int ops) {
		if (this.interest != ops && this.key != null && this.key.isValid()) {
			this.key.interestOps(ops);
			this.interest = ops;
		}
	}

	/**
	 * Cancel the registration and close {@code channel}, if there is one; ready for another.
	 * @param channel the flow's socket, or {@code null}
	 */
	public void close(@Nullable Channel channel) {
		if (this.key != null) {
			this.key.cancel();
			this.key = null;
		}
		this.interest = 0;
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// Ignore: closing
			}
		}
	}

	/**
	 * Open the connection; it reports to the loop once ready or failed.
	 * @param now the time
	 */
	protected abstract void open(long now);

	/**
	 * Handle what the selector reported.
	 * @param readyOps the ready operations
	 */
	protected abstract void selected(int readyOps);

	/**
	 * Begin the echo: the closed loop sends its first messages.
	 * @param now the time
	 */
	protected abstract void start(long now);

	/**
	 * Open loop: send one more message, due now or earlier.
	 * @param now the time
	 */
	protected abstract void release(long now);

	/**
	 * Send no more messages; finish once the echoes of those sent are back.
	 * @param now the time
	 */
	protected abstract void stop(long now);

	/**
	 * Fail or give up what has waited too long.
	 * @param now the time
	 */
	protected abstract void expire(long now);

	/**
	 * The wait for what is in flight after the window is over: count what never came back
	 * and end, or leave the flow to the loop, which closes it.
	 * @param now the time
	 */
	protected abstract void cutOff(long now);

	/** @return whether the flow has ended, well or not */
	public abstract boolean isDone();

	/** Close the socket without counting anything: the loop is ending. */
	protected abstract void abandon();

	/**
	 * Describe a failure of the flow, for the summary.
	 * @param what what the flow is called: {@code connection} or {@code flow}
	 * @param ex the failure
	 * @return what failed, where, and why
	 */
	protected final String describe(String what, Exception ex) {
		String message = (ex instanceof SSLException) ? ClientTls.explain(ex)
				: (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
		return what + " " + this.id + " to " + options().target() + ": " + message;
	}

	/**
	 * Return a failure as an {@link IOException}, as {@link ErrorKind} classifies them.
	 * @param ex the failure
	 * @return it, or an {@link IOException} caused by it
	 */
	protected static IOException asIOException(Exception ex) {
		return (ex instanceof IOException io) ? io : new IOException(ex.toString(), ex);
	}

	/** @return the loop that drives the flow */
	public final LoadLoop loop() {
		return this.loop;
	}

	/** @return where the flow counts what it sees: its loop's */
	public final LoopFigures figures() {
		return this.figures;
	}

	/** @return the run's options */
	public final BenchOptions options() {
		return this.loop.options;
	}

	/** @return where the flow reads into: its loop's buffer, which TCP flows verify from at once */
	public final ByteBuffer readBuffer() {
		return this.loop.readBuffer;
	}

	/** @return the payload that echoes are checked against: its loop's view, positioned by each check */
	public final ByteBuffer expected() {
		return this.loop.expected;
	}

	/**
	 * Return the buffers the loop's TLS connections share, made for the first engine.
	 * @param engine an engine of the loop's
	 * @return the buffers
	 */
	public final TlsBuffers tlsBuffers(SSLEngine engine) {
		TlsBuffers buffers = this.loop.tlsBuffers;
		if (buffers == null) {
			buffers = new TlsBuffers(engine.getSession());
			this.loop.tlsBuffers = buffers;
		}
		return buffers;
	}

	/**
	 * Return when a message was meant to be sent, in the open loop.
	 * @param message the message's number on this flow
	 * @return its intended send time
	 */
	public final long intended(long message) {
		return Objects.requireNonNull(this.loop.schedule, "the closed loop has no schedule").intended(this.id, message);
	}

	/**
	 * Return whether a moment falls in the measured window, without a branch.
	 * @param at the moment
	 * @return 1 if it does, 0 if not: {@link MeasuredWindow#measured(long)}
	 */
	public final int measured(long at) {
		return this.loop.window.measured(at);
	}

	/**
	 * Return when the selector reported the event being handled: the first ready key of its
	 * turn, so that a connect's latency leaves out what the loop did for the flows dispatched
	 * before this one (under TLS, each one's first handshake message). For an event found
	 * without the selector, such as a connect complete at once, it is now.
	 * @param since when the flow started waiting for the event
	 * @return when the event was reported
	 */
	protected final long readySince(long since) {
		long at = this.loop.readyAt;
		return (at != 0 && at - since >= 0) ? at : System.nanoTime();
	}

	/** @return the server's address */
	protected final InetSocketAddress address() {
		return this.loop.run.address();
	}

	/** @return the client's TLS, or {@code null} */
	protected final @Nullable ClientTls tls() {
		return this.loop.run.tls();
	}

	/** @return the flow's number, 0 to connections - 1 */
	public final int id() {
		return this.id;
	}

	/** @return messages this flow sends in all */
	public final long quota() {
		return this.quota;
	}

	/**
	 * Makes the flows of a loop, of the run's protocol.
	 */
	@FunctionalInterface
	public interface Factory {

		/**
		 * Create a flow.
		 * @param loop the loop that drives it
		 * @param id its number, 0 to connections - 1
		 * @param quota messages it sends in all: its share of {@code --messages}, or
		 * {@link Long#MAX_VALUE}
		 * @return the flow, not yet open
		 */
		Flow create(LoadLoop loop, int id, long quota);

	}

}

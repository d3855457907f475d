package io.echoreactor.bench;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import org.jspecify.annotations.Nullable;

/**
 * One connection of the load (for UDP, one flow: a socket connected to the server),
 * driven by the {@link LoadLoop} it belongs to: opened, readied (PROXY header, TLS
 * handshake, greeting), started, given messages to send on schedule in the open loop,
 * stopped at the end of the measured window, and checked for timeouts.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
abstract class Flow {

	final LoadLoop loop;

	/** The flow's number, 0 to connections - 1: its payload and schedule depend on it. */
	final int id;

	/** Messages this flow sends in all: its share of {@code --messages}, or unlimited. */
	final long quota;

	// The socket's registration with the loop's selector, and the interest set last given to it.
	private @Nullable SelectionKey key;

	private int interest;

	Flow(LoadLoop loop, int id, long quota) {
		this.loop = loop;
		this.id = id;
		this.quota = quota;
	}

	/** Register {@code channel} with the loop's selector, this flow attached. */
	void register(SelectableChannel channel, int ops) throws ClosedChannelException {
		this.key = channel.register(this.loop.selector, ops, this);
		this.interest = ops;
	}

	/** @return the interest set last given to the selector */
	int interest() {
		return this.interest;
	}

	/** Change the interest set, if it changes and the socket is still registered. */
	void interest(int ops) {
		if (this.interest != ops && this.key != null && this.key.isValid()) {
			this.key.interestOps(ops);
			this.interest = ops;
		}
	}

	/** Cancel the registration and close {@code channel}, if there is one; ready for another. */
	void close(@Nullable Channel channel) {
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
	abstract void open(long now);

	/**
	 * Handle what the selector reported.
	 * @param readyOps the ready operations
	 */
	abstract void selected(int readyOps);

	/**
	 * Begin the echo: the closed loop sends its first messages.
	 * @param now the time
	 */
	abstract void start(long now);

	/**
	 * Open loop: send one more message, due now or earlier.
	 * @param now the time
	 */
	abstract void release(long now);

	/**
	 * Send no more messages; finish once the echoes of those sent are back.
	 * @param now the time
	 */
	abstract void stop(long now);

	/**
	 * Fail or give up what has waited too long.
	 * @param now the time
	 */
	abstract void expire(long now);

	/** @return whether the flow has ended, well or not */
	abstract boolean isDone();

	/** Close the socket without counting anything: the loop is ending. */
	abstract void abandon();

}

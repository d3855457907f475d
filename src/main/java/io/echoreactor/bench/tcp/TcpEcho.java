package io.echoreactor.bench.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.Locale;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.Payload;
import io.echoreactor.bench.options.BenchOptions;

/**
 * The echo on a ready {@link TcpFlow}: what it releases, sends and gets back, each
 * message's latency, and the check of every echoed byte. Message {@code m} is bytes
 * {@code [m * size, (m + 1) * size)} of the connection's {@link Payload} stream, so each
 * echoed byte is checked against the table as it arrives and nothing sent is kept.
 *
 * <p>
 * <strong>Closed loop</strong> ({@code --depth}): {@code depth} messages are in flight;
 * each completed echo releases the next, and a message's latency runs from the write that
 * took its first byte to the read that returned its last, as in the C client.
 * <strong>Open loop</strong> ({@code --rate}): the loop releases messages on a schedule,
 * whatever is in flight; a message's latency runs from its intended send time, so a
 * message sent late because the server (or this client) fell behind carries the delay.
 *
 * <p>
 * At the end it sends no more, has the flow end its output once all is sent (TLS:
 * {@code close_notify} once every echo is back) and waits for the server's end of stream:
 * anything missing then is an error. A wrong byte fails the flow at once; its stream can
 * no longer be trusted. With {@code --reconnect} the same echo serves each of the flow's
 * connections in turn, one message each.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class TcpEcho {

	private static final int PERIOD = Payload.PERIOD;

	private final TcpFlow flow;

	private final TcpTransport transport;

	private final int size;

	private final int depth;

	private final boolean openLoop;

	private final boolean reconnect;

	private final int start;

	private final ByteBuffer view = Payload.view();

	// Closed loop: when each message in flight was sent, a ring by message number % depth (empty in
	// the open loop); the slots of the next message to be stamped and of the oldest in flight, kept
	// without a division.
	private final long[] sentAt;

	private int nextSent;

	private int oldestSent;

	private long queued;

	private long sent;

	private long received;

	private long stamped;

	private long released;

	private long completed;

	private boolean running;

	private boolean outputShut;

	// Messages this connection sends: what the flow's quota has left, or with --reconnect one while it lasts.
	private long limit;

	// With --reconnect or --keep-going: messages done on the flow's earlier connections.
	private long previous;

	private long waitingSince;

	private long closingSince;

	TcpEcho(TcpFlow flow) {
		this.flow = flow;
		this.transport = flow.transport;
		BenchOptions options = flow.options();
		this.size = options.size();
		this.depth = options.depth();
		this.openLoop = options.openLoop();
		this.reconnect = options.reconnect();
		this.start = Payload.start(flow.id());
		this.sentAt = new long[this.openLoop ? 0 : this.depth];
	}

	/**
	 * The run starts on a ready connection: the closed loop's first messages.
	 * @param now the time
	 */
	void start(long now) {
		this.running = true;
		begin(now);
	}

	/**
	 * Begin echoing on a ready connection: the closed loop's first messages; once the run
	 * has stopped, only the end.
	 * @param now the time
	 */
	void begin(long now) {
		this.waitingSince = now;
		long left = this.flow.quota() - this.previous;
		this.limit = this.reconnect ? Math.min(1, left) : left;
		if (!this.openLoop && this.running) {
			long initial = Math.min(this.depth, this.limit);
			this.released = initial;
			this.queued = initial * this.size;
		}
		try {
			sendSome();
		}
		catch (IOException | RuntimeException ex) {
			this.flow.failed(ex);
		}
	}

	/**
	 * Open loop: send one more message.
	 * @param now the time
	 */
	void release(long now) {
		if (!this.running || this.released >= this.limit) {
			return;
		}
		if (this.completed == this.released) {
			this.waitingSince = now;
		}
		this.released++;
		this.queued += this.size;
		if ((this.flow.interest() & SelectionKey.OP_WRITE) == 0) {
			try {
				sendSome();
			}
			catch (IOException | RuntimeException ex) {
				this.flow.failed(ex);
			}
		}
	}

	/**
	 * Send no more messages; on a connection that echoes, end its output once all is sent.
	 * @param now the time
	 * @param echoing whether the connection echoes
	 */
	void stop(long now, boolean echoing) {
		this.running = false;
		if (this.openLoop) {
			// What the socket has not taken by the end is never sent: the drain waits only for what
			// is in flight. A message begun is finished, so that the stream stays whole.
			long begun = (this.sent + this.size - 1) / this.size;
			this.flow.figures().unsent(this.released - begun);
			this.released = begun;
			this.queued = begun * this.size;
		}
		if (echoing) {
			try {
				endIfAllSent(now);
			}
			catch (IOException | RuntimeException ex) {
				this.flow.failed(ex);
			}
		}
	}

	/**
	 * The socket takes bytes again (TLS: and the records pending have gone).
	 * @throws IOException if writing fails
	 */
	void writable() throws IOException {
		if (this.sent < this.queued) {
			sendSome();
		}
		else {
			this.flow.interest(SelectionKey.OP_READ);
			endIfAllSent(System.nanoTime());
		}
	}

	private void sendSome() throws IOException {
		long now = System.nanoTime();
		ByteBuffer view = this.view;
		while (this.sent < this.queued) {
			int offset = (int) ((this.start + this.sent) % PERIOD);
			int chunk = (int) Math.min(this.queued - this.sent, PERIOD);
			view.limit(offset + chunk).position(offset);
			int written = this.transport.write(view);
			if (written > 0) {
				this.sent += written;
				if (!this.openLoop) {
					// A message is in flight from the write that took its first byte.
					while (this.stamped * this.size < this.sent) {
						this.sentAt[this.nextSent] = now;
						this.nextSent = (this.nextSent + 1 == this.depth) ? 0 : this.nextSent + 1;
						this.stamped++;
					}
				}
			}
			if (view.hasRemaining() || this.transport.outputPending()) {
				this.flow.interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
				return;
			}
		}
		this.flow.interest(SelectionKey.OP_READ);
		endIfAllSent(now);
	}

	// At the end, end of stream tells the server that everything has been sent; the echo must
	// then come back complete, followed by the server's own end of stream.
	private void endIfAllSent(long now) throws IOException {
		if (this.outputShut || (this.running && this.released < this.limit) || this.sent < this.queued) {
			return;
		}
		if (!this.transport.endOutput(this.completed == this.released)) {
			return;
		}
		this.outputShut = true;
		this.closingSince = now;
	}

	/**
	 * Take echoed bytes: check them, complete the messages they finish and send what that
	 * releases.
	 * @param data the bytes
	 * @param now when they were read
	 */
	void received(ByteBuffer data, long now) {
		int length = data.remaining();
		long extra = this.received + length - this.sent;
		if (extra > 0) {
			length -= (int) extra;
			data.limit(data.position() + length);
		}
		if (length > 0 && !StreamCheck.verify(this.flow, this.start, this.received, data, length)) {
			return;
		}
		if (extra > 0) {
			this.flow.fail(ErrorKind.EXTRA, extra, "the server echoed " + extra + " byte(s) more than were sent");
			return;
		}
		this.received += length;
		this.waitingSince = now;
		long size = this.size;
		int measuredNow = this.flow.measured(now);
		while ((this.completed + 1) * size <= this.received) {
			long latency;
			int measured;
			if (this.openLoop) {
				long intended = this.flow.intended(this.completed);
				latency = now - intended;
				measured = this.flow.measured(intended);
			}
			else {
				latency = now - this.sentAt[this.oldestSent];
				this.oldestSent = (this.oldestSent + 1 == this.depth) ? 0 : this.oldestSent + 1;
				measured = measuredNow;
			}
			this.completed++;
			this.flow.figures().completed(now, latency, measured);
			if (!this.openLoop && this.running && this.released < this.limit) {
				// Closed loop: one message out per echo back.
				this.released++;
				this.queued += size;
			}
		}
		try {
			if (this.sent < this.queued) {
				if ((this.flow.interest() & SelectionKey.OP_WRITE) == 0) {
					sendSome();
				}
			}
			else {
				endIfAllSent(now);
			}
		}
		catch (IOException | RuntimeException ex) {
			this.flow.failed(ex);
		}
	}

	static String seconds(long nanos) {
		return String.format(Locale.ROOT, "%.3gs", nanos / 1e9);
	}

	/** @return whether the output has ended and every byte sent has come back */
	boolean isComplete() {
		return this.outputShut && this.received == this.sent;
	}

	/** @return whether the run goes on and the flow's quota has messages left for another connection */
	boolean hasMoreToSend() {
		return this.running && this.previous + this.released < this.flow.quota();
	}

	/**
	 * Return whether a failed connection is worth replacing (with {@code --keep-going}): the
	 * run goes on and the flow's quota has messages not yet echoed.
	 * @return whether the flow goes on
	 */
	boolean goesOn() {
		return this.running && this.previous + this.completed < this.flow.quota();
	}

	/** @return the bytes sent and not (yet) echoed */
	long unechoed() {
		return this.sent - this.received;
	}

	/**
	 * Fail, or finish, what has waited too long while the run sends: an echo due, or the
	 * server's end of stream once the flow's last message is sent.
	 * @param now the time
	 */
	void expire(long now) {
		if (!this.running) {
			// After the window the loop's cut-off decides, --timeout after its end (cutOff()).
			return;
		}
		long timeout = this.flow.options().timeoutNanos();
		if (this.outputShut) {
			if (now - this.closingSince >= timeout) {
				if (this.received == this.sent && this.completed == this.released) {
					// Every echo is back; the server only keeps its side open.
					this.flow.finish();
				}
				else {
					this.flow.fail(ErrorKind.TIMEOUT, 1, (this.sent - this.received) + " byte(s) not echoed "
							+ seconds(timeout) + " after the end");
				}
			}
		}
		else if (this.completed < this.released && now - this.waitingSince >= timeout) {
			this.flow.fail(ErrorKind.TIMEOUT, 1, "no echo for " + seconds(timeout) + " with "
					+ (this.released - this.completed) + " message(s) in flight");
		}
	}

	/** The wait after the window is over: what is still in flight is unanswered, an error. */
	void cutOff() {
		long unanswered = this.released - this.completed;
		if (unanswered > 0) {
			this.flow.fail(ErrorKind.UNANSWERED, unanswered, unanswered + " message(s) not echoed "
					+ seconds(this.flow.options().timeoutNanos()) + " after the end");
		}
		else {
			this.flow.finish();
		}
	}

	/**
	 * Ready for the flow's next connection. After this one echoed and ended well
	 * ({@code --reconnect}) what it released counts as the flow's; in place of this one,
	 * which failed ({@code --keep-going}), only what it echoed does, and what it lost is sent
	 * again, so that {@code --messages} still counts echoes. The stream starts again.
	 * @param failed whether this connection failed
	 */
	void next(boolean failed) {
		this.previous += failed ? this.completed : this.released;
		this.queued = 0;
		this.sent = 0;
		this.received = 0;
		this.stamped = 0;
		this.released = 0;
		this.completed = 0;
		this.nextSent = 0;
		this.oldestSent = 0;
		this.outputShut = false;
	}

}

package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.IncompleteWrite;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.Selectable;
import io.echoreactor.reactor.memory.MemoryHolder;
import io.echoreactor.reactor.memory.PendingOutput;
import org.jspecify.annotations.Nullable;

/**
 * The socket side of a {@link TcpConnection}, what Jetty calls its end point: reading
 * within the read budget and what memory allows, writing, pending output while a write
 * is incomplete, backpressure at the water marks, half-close and the interest ops. What
 * the bytes read mean, the memory the connection waits for, and when it closes, are the
 * business of its subclasses ({@link MemoryEndPoint}, {@link TcpConnection}), which hear
 * of them through the abstract methods.
 *
 * <p>
 * A superclass rather than an object of its own, as Netty layers its channels, so that
 * an idle connection stays one object.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread, like the
 * connection.
 */
abstract class TcpEndPoint extends Deadlines.Entry implements Selectable, MemoryHolder {

	/** Reading is paused: pending output passed the high-water mark. */
	static final int PAUSED = 1;

	/** Reading waits for memory for pending output. */
	static final int AWAITING_MEMORY = 2;

	/** The client shut down its output. */
	static final int INPUT_SHUTDOWN = 4;

	/** The server sent its FIN, or sends it once pending output is written. */
	static final int OUTPUT_SHUTDOWN = 8;

	/** Reading waits for session memory: a TLS handshake to start, or room for a record in part. */
	static final int AWAITING_SESSION_MEMORY = 16;

	final ConnectionContext context;

	final SocketChannel channel;

	// Set by open(), before the key is ever used: a connection is registered before the
	// reactor hands it any event or task.
	@SuppressWarnings("NullAway.Init")
	private SelectionKey key;

	private int interestOps;

	private int flags;

	private @Nullable PendingOutput pending;

	private long lastReadNanos;

	private long lastWriteNanos;

	// Plain fields: only this thread writes them and a snapshot reads them here too; one add per I/O.
	long bytesReceived;

	long bytesSent;

	TcpEndPoint(ConnectionContext context, SocketChannel channel) {
		this.context = context;
		this.channel = channel;
		this.lastReadNanos = context.loop().now();
		this.lastWriteNanos = this.lastReadNanos;
	}

	/** Register with the reactor's selector, interested in reading. */
	public void open() throws IOException {
		this.interestOps = SelectionKey.OP_READ;
		this.key = this.context.loop().register(this.channel, this.interestOps, this);
		scheduleDeadline();
	}

	public SocketChannel channel() {
		return this.channel;
	}

	boolean isOpen() {
		return this.channel.isOpen();
	}

	boolean hasPendingOutput() {
		return this.pending != null;
	}

	/** @return the pending output, or {@code null} while nothing is pending */
	@Nullable PendingOutput pendingOutput() {
		return this.pending;
	}

	/** @return the chunks of pending output held, 0 if none */
	@Override
	public int heldChunks() {
		PendingOutput pending = this.pending;
		return (pending != null) ? pending.chunks() : 0;
	}

	boolean isInputShutdown() {
		return (this.flags & INPUT_SHUTDOWN) != 0;
	}

	boolean isOutputShutdown() {
		return (this.flags & OUTPUT_SHUTDOWN) != 0;
	}

	/** @return whether the connection reads now: not paused, waiting for memory, or at the end of its input */
	boolean isReading() {
		return (this.interestOps & SelectionKey.OP_READ) != 0;
	}

	@Override
	public long lastReadNanos() {
		return this.lastReadNanos;
	}

	@Override
	public long lastWriteNanos() {
		return this.lastWriteNanos;
	}

	@Override
	public void rekeyed(SelectionKey key) {
		this.key = key;
	}

	/** Hand bytes read on, through TLS on a TLS connection; consumes them entirely. */
	abstract void received(ByteBuffer bytes) throws IOException;

	/** The socket reached the end of its input. */
	abstract void endOfStream() throws IOException;

	/** Pending output is all written. */
	abstract void flushed() throws IOException;

	/** @return whether the next read could hold bytes in part where session memory has no room */
	abstract boolean mustWaitForSessionMemory();

	/** Wait, with reading off, until memory for pending output comes back. */
	abstract void awaitMemory();

	/** Wait, with reading off, until session memory comes back. */
	abstract void awaitSessionMemory();

	/** Schedule the earliest of the connection's deadlines. */
	abstract void scheduleDeadline();

	/** Close with a reset for {@code cause}. */
	abstract void reset(CloseCause cause);

	final void read() throws IOException {
		assert this.context.loop().inLoop();
		ByteBuffer buffer = this.context.readBuffer();
		ReactorStatistics statistics = statistics();
		int budget = this.context.readBudget();
		if (mustWaitForSessionMemory()) {
			awaitSessionMemory();
			return;
		}
		while (true) {
			int limit = this.context.memory().readLimit(buffer.capacity());
			if (limit == 0) {
				awaitMemory();
				return;
			}
			buffer.clear().limit(limit);
			int n = this.channel.read(buffer);
			statistics.increment(Counter.READS);
			if (n > 0) {
				statistics.add(Counter.BYTES_RECEIVED, n);
				this.bytesReceived += n;
				this.lastReadNanos = this.context.loop().now();
				buffer.flip();
				received(buffer);
				if ((this.interestOps & SelectionKey.OP_READ) == 0 || !this.channel.isOpen()) {
					return;
				}
				// A short read means the socket is drained; the selector is level-triggered
				// and reports it again when more arrives, so no read() just to meet EAGAIN.
				budget -= n;
				if (n < limit || budget <= 0) {
					return;
				}
			}
			else if (n == 0) {
				statistics.increment(Counter.READS_EMPTY);
				return;
			}
			else {
				endOfStream();
				return;
			}
		}
	}

	/** The client shut down its output: stop reading. */
	final void inputShutdown() {
		stopReading(INPUT_SHUTDOWN);
	}

	/**
	 * Write {@code data} to the socket, keeping what it does not take as pending output.
	 * Consumes {@code data} entirely.
	 * @param data the bytes to write
	 * @throws IOException if the write fails
	 */
	final void sendRaw(ByteBuffer data) throws IOException {
		assert this.context.loop().inLoop();
		long now = this.context.loop().now();
		PendingOutput pending = this.pending;
		if (pending == null) {
			int offered = data.remaining();
			int written = this.channel.write(data);
			countWrite(offered, written);
			if (!data.hasRemaining()) {
				this.lastWriteNanos = now;
				return;
			}
			// Progress is measured from here: a connection that starts waiting is not stalled yet.
			this.lastWriteNanos = now;
			pending = new PendingOutput(this.context.memory());
			this.pending = pending;
			this.context.memory().budget().holderAdded();
			interestOps(this.interestOps | SelectionKey.OP_WRITE);
			statistics().increment(Counter.OP_WRITE_REGISTRATIONS);
		}
		long before = pending.bytes();
		boolean kept = pending.append(data, now);
		statistics().add(Gauge.PENDING_BYTES, pending.bytes() - before);
		if (!kept) {
			// Only a stage that sends more than it read can get here.
			this.context.memory().warnShort();
			reset(CloseCause.ERROR);
			return;
		}
		if ((this.flags & PAUSED) == 0 && pending.bytes() > this.context.writeBufferHighWaterMark()) {
			stopReading(PAUSED);
			statistics().increment(Counter.BACKPRESSURE_PAUSES);
			statistics().add(Gauge.CONNECTIONS_PAUSED, 1);
		}
		if (before == 0) {
			scheduleDeadline();
		}
	}

	final void flush() throws IOException {
		PendingOutput pending = this.pending;
		if (pending == null) {
			return;
		}
		long offered = pending.bytes();
		long written = pending.writeTo(this.channel);
		countWrite(offered, written);
		statistics().add(Gauge.PENDING_BYTES, -written);
		if (written > 0) {
			this.lastWriteNanos = this.context.loop().now();
		}
		if ((this.flags & PAUSED) != 0 && pending.bytes() <= this.context.writeBufferLowWaterMark()) {
			this.flags &= ~PAUSED;
			statistics().add(Gauge.CONNECTIONS_PAUSED, -1);
			resumeReadingIfAllowed();
		}
		if (pending.isEmpty()) {
			dropPendingOutput(pending);
			interestOps(this.interestOps & ~SelectionKey.OP_WRITE);
			scheduleDeadline();
			if ((this.flags & OUTPUT_SHUTDOWN) != 0) {
				// The FIN waited for what was pending, a close_notify say.
				this.channel.shutdownOutput();
			}
			flushed();
		}
	}

	private void countWrite(long offered, long written) {
		ReactorStatistics statistics = statistics();
		statistics.increment(Counter.WRITES);
		statistics.add(Counter.BYTES_SENT, written);
		this.bytesSent += written;
		if (written == 0) {
			statistics.increment(IncompleteWrite.EMPTY);
		}
		else if (written < offered) {
			statistics.increment(IncompleteWrite.PARTIAL);
		}
	}

	private void dropPendingOutput(PendingOutput pending) {
		this.pending = null;
		statistics().add(Gauge.PENDING_BYTES, -pending.bytes());
		this.context.memory().budget().holderRemoved();
		pending.release();
	}

	/** Send the FIN once everything pending is written; the client can still send. */
	final void shutdownOutputWhenFlushed() throws IOException {
		this.flags |= OUTPUT_SHUTDOWN;
		if (this.pending == null) {
			this.channel.shutdownOutput();
		}
	}

	final void resumeReadingIfAllowed() {
		if ((this.flags & (PAUSED | AWAITING_MEMORY | AWAITING_SESSION_MEMORY | INPUT_SHUTDOWN)) == 0) {
			interestOps(this.interestOps | SelectionKey.OP_READ);
		}
	}

	/** Stop selecting: the first step of a close. */
	final void cancelKey() {
		this.key.cancel();
	}

	/**
	 * Close the socket, with a reset (SO_LINGER 0) if asked, and end a pause.
	 * @param reset whether to reset
	 */
	final void closeSocket(boolean reset) {
		assert this.context.loop().inLoop();
		if (reset) {
			try {
				this.channel.setOption(StandardSocketOptions.SO_LINGER, 0);
				statistics().increment(Counter.CLOSE_RESETS);
			}
			catch (IOException | RuntimeException ex) {
				// Ignore: closed either way, and a peer that already reset needs no reset
			}
		}
		Closeables.closeQuietly(this.channel);
		if ((this.flags & PAUSED) != 0) {
			this.flags &= ~PAUSED;
			statistics().add(Gauge.CONNECTIONS_PAUSED, -1);
		}
	}

	/** Give back the pending output of a closed connection, if it has any. */
	final void releasePendingOutput() {
		PendingOutput pending = this.pending;
		if (pending != null) {
			dropPendingOutput(pending);
		}
	}

	final ReactorStatistics statistics() {
		return this.context.loop().statistics();
	}

	/** Stop reading for the reason {@code flag} names, until every reason is gone. */
	final void stopReading(int flag) {
		this.flags |= flag;
		interestOps(this.interestOps & ~SelectionKey.OP_READ);
	}

	/**
	 * End the wait {@code flag} names.
	 * @return whether the connection was waiting so and is still open
	 */
	final boolean endWait(int flag) {
		if ((this.flags & flag) == 0 || !this.channel.isOpen()) {
			return false;
		}
		this.flags &= ~flag;
		return true;
	}

	final boolean hasFlag(int flag) {
		return (this.flags & flag) != 0;
	}

	/** Forget every state the flags hold: the connection is closed. */
	final void clearFlags() {
		this.flags = 0;
	}

	private void interestOps(int ops) {
		if (ops != this.interestOps) {
			this.interestOps = ops;
			this.key.interestOps(ops);
		}
	}

}

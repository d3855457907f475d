package io.echoreactor.reactor.fault;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.Selectable;
import org.jspecify.annotations.Nullable;

/**
 * A connection of a fault port: the echo with its {@link FaultProfile profile's} faults,
 * apart from the plain ports' connections so that their hot path has no branch for any of
 * this. What is read waits in a queue of chunks, each with the time it may leave
 * ({@code delay} plus its jitter); {@code bandwidth} paces the writes with a
 * {@link TokenBucket}; {@code close-after} and {@code reset-after} read no more than that
 * many bytes, write them back, then send FIN or RST. Every wait is a deadline on the
 * loop, the connection's one {@link Deadlines.Entry entry}: never a sleep. Reading pauses
 * while {@link #MAX_PENDING} bytes wait, and while the fault ports' memory is spent, so
 * memory stays bounded whatever the client does.
 *
 * <p>
 * The connection ends when the client closes (after the last echo is written), at the
 * fault's own end, or after {@code idle-timeout} without a byte either way: a
 * {@code no-read} connection is never read, so it cannot see its client close, and holds
 * its place under the fault ports' connection limit until then.
 *
 * <p>
 * <strong>Threading:</strong> confined to its reactor's thread.
 */
final class FaultConnection extends Deadlines.Entry implements Selectable {

	/** Bytes read and not yet written back at which a connection stops reading. */
	static final int MAX_PENDING = 64 * 1024;

	/** The most bytes one read takes. */
	static final int READ_SIZE = 16 * 1024;

	/** How long a connection that sent FIN waits for its client's before closing. */
	static final long FIN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

	/** How often a connection waiting for the fault ports' memory looks again. */
	static final long MEMORY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private final EventLoop loop;

	private final SocketChannel channel;

	private final FaultPort port;

	private final FaultProfile profile;

	private final FaultCounts counts;

	private final ArrayDeque<Chunk> pending = new ArrayDeque<>();

	private final @Nullable TokenBucket bucket;

	@SuppressWarnings("NullAway.Init") // registered in open(), before the loop can select it
	private SelectionKey key;

	private State state = State.WAITING;

	private int pendingBytes;

	// Bytes still to be read before the fault ends the connection; MAX_VALUE for never.
	private long readable;

	private boolean writeBlocked;

	private boolean memoryWait;

	private boolean inputEnded;

	private long lastActivityNanos;

	// The next time the connection has work of its own; MAX_VALUE for none.
	private long nextWorkNanos = Long.MAX_VALUE;

	FaultConnection(EventLoop loop, SocketChannel channel, FaultPort port, FaultCounts counts) {
		this.loop = loop;
		this.channel = channel;
		this.port = port;
		this.profile = port.profile();
		this.counts = counts;
		long endAfter = this.profile.endAfter();
		this.readable = (endAfter >= 0) ? endAfter : Long.MAX_VALUE;
		this.bucket = (this.profile.bandwidth() > 0) ? new TokenBucket(this.profile.bandwidth(), loop.now()) : null;
	}

	/** Register with the loop and begin: at once, or after {@code accept-delay}. Loop thread only. */
	void open() throws IOException {
		assert this.loop.inLoop();
		this.channel.configureBlocking(false);
		this.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
		this.key = this.loop.register(this.channel, 0, this);
		this.counts.connections(1);
		long now = this.loop.now();
		this.lastActivityNanos = now;
		if (this.profile.noRead()) {
			this.counts.increment(FaultKind.NO_READ);
		}
		long acceptDelay = this.profile.acceptDelayNanos();
		if (acceptDelay > 0) {
			this.counts.increment(FaultKind.ACCEPT_DELAY);
			this.nextWorkNanos = now + acceptDelay;
			arm();
		}
		else {
			serve(now);
		}
	}

	private void serve(long now) throws IOException {
		this.state = State.SERVING;
		this.nextWorkNanos = Long.MAX_VALUE;
		this.lastActivityNanos = now;
		flush(now);
	}

	@Override
	public void ready(int readyOps) {
		try {
			long now = this.loop.now();
			if ((readyOps & SelectionKey.OP_WRITE) != 0) {
				this.writeBlocked = false;
				flush(now);
			}
			if ((readyOps & SelectionKey.OP_READ) != 0 && this.state != State.CLOSED) {
				read(now);
			}
		}
		catch (IOException ex) {
			// The client reset or went away: a fault port owes it nothing more.
			close();
		}
	}

	private void read(long now) throws IOException {
		if (this.state == State.FIN_SENT) {
			discard();
			return;
		}
		int room = (int) Math.min(Math.min(MAX_PENDING - this.pendingBytes, READ_SIZE), this.readable);
		if (room <= 0) {
			update();
			return;
		}
		int granted = this.port.memory().tryAcquire(room);
		if (granted == 0) {
			this.memoryWait = true;
			this.nextWorkNanos = Math.min(this.nextWorkNanos, now + MEMORY_RETRY_NANOS);
			update();
			return;
		}
		ByteBuffer buffer = ByteBuffer.allocate(granted);
		int read = this.channel.read(buffer);
		if (read <= 0) {
			this.port.memory().release(granted);
			if (read < 0) {
				this.inputEnded = true;
				flush(now);
			}
			return;
		}
		this.port.memory().release(granted - read);
		this.lastActivityNanos = now;
		Double resetProbability = this.profile.resetProbability();
		if (resetProbability != null && ThreadLocalRandom.current().nextDouble() < resetProbability) {
			this.port.memory().release(read);
			this.counts.increment(FaultKind.RESET_RANDOM);
			reset();
			return;
		}
		this.readable -= read;
		buffer.flip();
		long due = now + this.profile.delayNanos();
		long jitter = this.profile.delayJitterNanos();
		if (jitter > 0) {
			due += ThreadLocalRandom.current().nextLong(jitter + 1);
		}
		if (due != now || this.profile.delay() != null) {
			this.counts.increment(FaultKind.DELAY);
		}
		this.pending.add(new Chunk(buffer, due));
		this.pendingBytes += read;
		flush(now);
	}

	// After FIN only the client's FIN is awaited; what it still sends is read and dropped,
	// so that closing does not turn into a reset for want of reading it.
	private void discard() throws IOException {
		ByteBuffer scratch = ByteBuffer.allocate(READ_SIZE);
		if (this.channel.read(scratch) < 0) {
			close();
		}
	}

	private void flush(long now) throws IOException {
		if (this.state != State.SERVING) {
			update();
			return;
		}
		this.nextWorkNanos = this.memoryWait ? this.nextWorkNanos : Long.MAX_VALUE;
		while (!this.pending.isEmpty() && !this.writeBlocked) {
			Chunk head = this.pending.peek();
			if (head.dueNanos - now > 0) {
				this.nextWorkNanos = Math.min(this.nextWorkNanos, head.dueNanos);
				break;
			}
			ByteBuffer data = head.data;
			int wanted = data.remaining();
			TokenBucket bucket = this.bucket;
			if (bucket != null) {
				long available = bucket.available(now);
				if (available == 0) {
					this.counts.increment(FaultKind.BANDWIDTH);
					this.nextWorkNanos = Math.min(this.nextWorkNanos, bucket.readyAt(now, wanted));
					break;
				}
				wanted = (int) Math.min(wanted, available);
			}
			int limit = data.limit();
			data.limit(data.position() + wanted);
			int written = this.channel.write(data);
			data.limit(limit);
			if (bucket != null) {
				bucket.consume(written);
			}
			if (written > 0) {
				this.lastActivityNanos = now;
			}
			if (written < wanted) {
				this.writeBlocked = true;
			}
			if (!data.hasRemaining()) {
				this.pending.poll();
				this.pendingBytes -= data.limit();
				this.port.memory().release(data.limit());
			}
		}
		if (this.pending.isEmpty()) {
			if (this.readable == 0) {
				end();
				return;
			}
			if (this.inputEnded) {
				this.channel.shutdownOutput();
				close();
				return;
			}
		}
		update();
	}

	// The fault's own end, once exactly close-after or reset-after bytes went back.
	private void end() throws IOException {
		if (this.profile.resetAfter() >= 0) {
			this.counts.increment(FaultKind.RESET);
			reset();
			return;
		}
		this.counts.increment(FaultKind.CLOSE);
		this.channel.shutdownOutput();
		if (this.inputEnded) {
			close();
			return;
		}
		this.state = State.FIN_SENT;
		this.nextWorkNanos = this.loop.now() + FIN_WAIT_NANOS;
		update();
	}

	private void update() {
		if (this.state == State.CLOSED || !this.key.isValid()) {
			return;
		}
		int ops = this.writeBlocked ? SelectionKey.OP_WRITE : 0;
		if (this.state == State.FIN_SENT || (this.state == State.SERVING && !this.profile.noRead() && !this.inputEnded
				&& !this.memoryWait && this.pendingBytes < MAX_PENDING && this.readable > 0)) {
			ops |= SelectionKey.OP_READ;
		}
		this.key.interestOps(ops);
		arm();
	}

	private void arm() {
		long due = this.nextWorkNanos;
		long idle = this.port.idleTimeoutNanos();
		if (idle > 0 && this.state != State.FIN_SENT) {
			long idleDue = this.lastActivityNanos + idle;
			due = (idleDue - due < 0) ? idleDue : due;
		}
		if (due == Long.MAX_VALUE) {
			this.loop.deadlines().cancel(this);
		}
		else {
			this.loop.deadlines().schedule(this, due);
		}
	}

	@Override
	protected void expired(long nowNanos) {
		try {
			long idle = this.port.idleTimeoutNanos();
			if (this.state == State.FIN_SENT || (idle > 0 && nowNanos - (this.lastActivityNanos + idle) >= 0)) {
				close();
				return;
			}
			if (this.state == State.WAITING) {
				serve(nowNanos);
				return;
			}
			this.memoryWait = false;
			this.nextWorkNanos = Long.MAX_VALUE;
			flush(nowNanos);
		}
		catch (IOException ex) {
			// As in ready(): the client is gone.
			close();
		}
	}

	// SO_LINGER 0 makes close() send RST instead of FIN and drop what is unsent.
	private void reset() {
		try {
			this.channel.setOption(StandardSocketOptions.SO_LINGER, 0);
		}
		catch (IOException ex) {
			// Closed already: there is nothing left to reset
		}
		close();
	}

	void close() {
		if (this.state == State.CLOSED) {
			return;
		}
		this.state = State.CLOSED;
		this.loop.deadlines().cancel(this);
		long held = 0;
		for (Chunk chunk : this.pending) {
			held += chunk.data.limit();
		}
		this.pending.clear();
		this.pendingBytes = 0;
		this.port.memory().release(held);
		Closeables.closeQuietly(this.channel);
		this.counts.connections(-1);
		this.port.limit().release();
	}

	@Override
	public void rekeyed(SelectionKey key) {
		this.key = key;
	}

	@Override
	public void abort(CloseCause cause) {
		close();
	}

	@Override
	public String toString() {
		return "fault connection " + this.channel + " (" + this.port.name() + ")";
	}

	/** Bytes read and the time they may be written back. */
	private record Chunk(ByteBuffer data, long dueNanos) {

	}

	private enum State {

		/** Waiting for {@code accept-delay}. */
		WAITING,

		/** Echoing with the profile's faults. */
		SERVING,

		/** FIN sent after {@code close-after}; waiting for the client's. */
		FIN_SENT,

		/** Closed. */
		CLOSED

	}

}

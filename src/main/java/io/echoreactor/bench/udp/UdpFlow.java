package io.echoreactor.bench.udp;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Objects;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.Flow;
import io.echoreactor.bench.loop.LoadLoop;
import io.echoreactor.bench.options.BenchOptions;
import org.jspecify.annotations.Nullable;

/**
 * One UDP flow of the load: a datagram socket connected to the server, so that it hears
 * only the server and learns of an ICMP "port unreachable". Its datagrams name their
 * sequence number and flow ({@link DatagramFormat}): an echo names the datagram it
 * answers and is compared with it byte for byte.
 *
 * <p>
 * A datagram not answered within {@code --udp-timeout} is <em>lost</em>: counted, and not
 * an error, since UDP promises no delivery. An echo of a datagram already answered or
 * given up is <em>late</em>. Errors are wrong bytes, echoes of another length, and echoes
 * of datagrams this flow never sent.
 *
 * <p>
 * In flight, datagrams occupy slots: in the closed loop {@code depth} of them, slot
 * {@code k} sending {@code k, k + depth, ...} in turn; in the open loop a ring large enough
 * for twice the datagrams of one timeout at the flow's rate, sequence number {@code s} in
 * slot {@code s % ring}.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
public final class UdpFlow extends Flow {

	// Echoes read per readiness event before other flows get a turn.
	private static final int READ_BATCH = 64;

	private static final int MAX_RING = 1 << 20;

	private final int size;

	private final boolean openLoop;

	private final DatagramFormat format;

	private final int slots;

	private final long[] slotSeq;

	private final long[] slotSentAt;

	private final boolean[] inFlight;

	// Closed loop: slots whose next datagram waits to be sent, a ring; empty in the open loop.
	private final int[] unsent;

	private int unsentHead;

	private int unsentCount;

	private int inFlightCount;

	private long released;

	// Open loop: the next sequence number to send, and the oldest not yet answered or lost.
	private long sendSeq;

	private long oldest;

	// Set by open(); the flow reads and sends only once open() has registered it.
	private @Nullable DatagramChannel channel;

	private boolean running;

	private boolean done;

	/** Create flow {@code id} of {@code loop}, which sends {@code quota} datagrams in all. */
	public UdpFlow(LoadLoop loop, int id, long quota) {
		super(loop, id, quota);
		BenchOptions options = options();
		this.size = options.size();
		this.openLoop = options.openLoop();
		this.format = new DatagramFormat(id, this.size);
		if (this.openLoop) {
			double perFlow = (double) options.rate() / options.connections();
			long wanted = (long) Math.ceil(perFlow * options.udpTimeoutNanos() / 1e9 * 2) + 64;
			this.slots = (int) Math.min(MAX_RING, Long.highestOneBit(Math.max(1, wanted - 1)) << 1);
		}
		else {
			this.slots = options.depth();
		}
		this.slotSeq = new long[this.slots];
		this.slotSentAt = new long[this.slots];
		this.inFlight = new boolean[this.slots];
		this.unsent = new int[this.openLoop ? 0 : this.slots];
	}

	@Override
	protected void open(long now) {
		InetSocketAddress address = address();
		try {
			DatagramChannel channel = DatagramChannel.open((address.getAddress() instanceof Inet6Address)
					? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
			this.channel = channel;
			channel.configureBlocking(false);
			channel.connect(address);
			register(channel, SelectionKey.OP_READ);
			this.loop.ready();
		}
		catch (IOException | RuntimeException ex) {
			IOException io = asIOException(ex);
			this.figures.error(ErrorKind.ofConnect(io), 1, describe("flow", ex));
			finish(true);
		}
	}

	@Override
	protected void start(long now) {
		if (this.done) {
			return;
		}
		if (options().durationNanos() == 0) {
			finish(false);
			return;
		}
		this.running = true;
		if (!this.openLoop) {
			for (int k = 0; k < this.slots && this.released < this.quota; k++) {
				this.slotSeq[k] = k;
				queue(k);
			}
			sendQueued();
		}
	}

	@Override
	protected void release(long now) {
		if (this.done || !this.running || this.released >= this.quota) {
			return;
		}
		this.released++;
		if ((interest() & SelectionKey.OP_WRITE) == 0) {
			sendQueued();
		}
	}

	@Override
	protected void stop(long now) {
		this.running = false;
		// Waiting to go out still: never sent, nothing to wait for (in the open loop, counted).
		if (this.openLoop) {
			this.figures.unsent(this.released - this.sendSeq);
			this.released = this.sendSeq;
		}
		else {
			this.unsentCount = 0;
		}
		finishIfIdle();
	}

	@Override
	protected void selected(int readyOps) {
		if ((readyOps & SelectionKey.OP_READ) != 0) {
			readable();
		}
		if (!this.done && (readyOps & SelectionKey.OP_WRITE) != 0) {
			sendQueued();
		}
	}

	private void readable() {
		DatagramChannel channel = Objects.requireNonNull(this.channel, "not open");
		ByteBuffer buffer = readBuffer();
		for (int i = 0; i < READ_BATCH && !this.done; i++) {
			buffer.clear();
			int read;
			try {
				read = channel.read(buffer);
			}
			catch (PortUnreachableException ex) {
				this.figures.error(ErrorKind.REFUSED, 1, describe("flow", ex));
				continue;
			}
			catch (IOException | RuntimeException ex) {
				this.figures.error((ex instanceof IOException io) ? ErrorKind.of(io) : ErrorKind.IO, 1,
						describe("flow", ex));
				finish(false);
				return;
			}
			if (read <= 0) {
				break;
			}
			check(buffer, read, System.nanoTime());
		}
		if (!this.done) {
			sendQueued();
		}
	}

	private void check(ByteBuffer echo, int length, long now) {
		if (length != this.size) {
			this.figures.error(ErrorKind.LENGTH, 1,
					"flow " + this.id + " got an echo of " + length + " bytes for datagrams of " + this.size);
			return;
		}
		long seq = DatagramFormat.sequence(echo);
		int flow = DatagramFormat.flow(echo);
		int slot = (int) (seq % this.slots);
		boolean unknown = flow != this.id || seq < 0;
		if (!unknown) {
			unknown = this.openLoop ? seq >= this.sendSeq
					: seq > this.slotSeq[slot] || (seq == this.slotSeq[slot] && !this.inFlight[slot]);
		}
		if (unknown) {
			this.figures.error(ErrorKind.UNKNOWN, 1, "flow " + this.id + " got an echo of datagram " + seq + " of flow "
					+ flow + ", which it did not send");
			return;
		}
		long wrong = this.format.wrongBytes(echo, seq, expected());
		if (wrong > 0) {
			this.figures.error(ErrorKind.CORRUPT, wrong,
					"datagram " + seq + " of flow " + this.id + " came back with " + wrong + " wrong byte(s)");
		}
		boolean answer = this.slotSeq[slot] == seq && this.inFlight[slot];
		if (!answer) {
			this.figures.echoedLate();
			return;
		}
		if (wrong == 0) {
			long latency;
			int measured;
			if (this.openLoop) {
				long intended = intended(seq);
				latency = now - intended;
				measured = measured(intended);
			}
			else {
				latency = now - this.slotSentAt[slot];
				measured = measured(now);
			}
			this.figures.completed(now, latency, measured);
		}
		resolve(slot);
	}

	// The slot's datagram is answered or lost; in the closed loop its next one may go.
	private void resolve(int slot) {
		this.inFlight[slot] = false;
		this.inFlightCount--;
		if (!this.openLoop) {
			this.slotSeq[slot] += this.slots;
			if (this.running && this.released < this.quota) {
				queue(slot);
			}
		}
	}

	private void queue(int slot) {
		this.unsent[(this.unsentHead + this.unsentCount++) % this.slots] = slot;
		this.released++;
	}

	// Sends what waits until the socket takes no more.
	private void sendQueued() {
		long now = System.nanoTime();
		if (this.openLoop) {
			while (this.sendSeq < this.released) {
				int slot = (int) (this.sendSeq % this.slots);
				if (this.inFlight[slot]) {
					// The ring came round to a datagram still unanswered, twice the timeout old.
					lose(slot);
				}
				if (!send(this.sendSeq)) {
					return;
				}
				this.slotSeq[slot] = this.sendSeq++;
				sent(slot, now);
			}
		}
		else {
			while (this.unsentCount > 0) {
				int slot = this.unsent[this.unsentHead];
				if (!send(this.slotSeq[slot])) {
					return;
				}
				this.unsentHead = (this.unsentHead + 1) % this.slots;
				this.unsentCount--;
				sent(slot, now);
			}
		}
		interest(SelectionKey.OP_READ);
		finishIfIdle();
	}

	private void sent(int slot, long now) {
		this.slotSentAt[slot] = now;
		this.inFlight[slot] = true;
		this.inFlightCount++;
	}

	// Returns false when the socket's buffer is full.
	private boolean send(long seq) {
		if (this.done) {
			return false;
		}
		DatagramChannel channel = Objects.requireNonNull(this.channel, "not open");
		try {
			if (channel.write(this.format.datagram(seq)) == 0) {
				interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
				return false;
			}
		}
		catch (PortUnreachableException ex) {
			// The datagram counts as sent, and as lost when its time is up.
			this.figures.error(ErrorKind.REFUSED, 1, describe("flow", ex));
		}
		catch (IOException | RuntimeException ex) {
			this.figures.error((ex instanceof IOException io) ? ErrorKind.of(io) : ErrorKind.IO, 1,
					describe("flow", ex));
			finish(false);
			return false;
		}
		return true;
	}

	@Override
	protected void expire(long now) {
		long timeout = options().udpTimeoutNanos();
		if (this.openLoop) {
			while (this.oldest < this.sendSeq) {
				int slot = (int) (this.oldest % this.slots);
				if (this.slotSeq[slot] == this.oldest && this.inFlight[slot]) {
					if (now - this.slotSentAt[slot] < timeout) {
						break;
					}
					lose(slot);
				}
				this.oldest++;
			}
		}
		else {
			for (int slot = 0; slot < this.slots; slot++) {
				if (this.inFlight[slot] && now - this.slotSentAt[slot] >= timeout) {
					lose(slot);
				}
			}
			sendQueued();
		}
		finishIfIdle();
	}

	private void lose(int slot) {
		long counted = this.openLoop ? intended(this.slotSeq[slot]) : this.slotSentAt[slot];
		this.figures.gaveUp(measured(counted));
		resolve(slot);
	}

	private void finishIfIdle() {
		if (this.done || (this.running && this.released < this.quota) || this.inFlightCount > 0) {
			return;
		}
		if (this.openLoop ? this.sendSeq < this.released : this.unsentCount > 0) {
			return;
		}
		if (this.loop.runStarted()) {
			finish(false);
		}
	}

	@Override
	public boolean isDone() {
		return this.done;
	}

	@Override
	protected void cutOff(long now) {
		// Whatever is still out has waited --udp-timeout since the window's end: lost.
		expire(now + options().udpTimeoutNanos());
	}

	@Override
	protected void abandon() {
		close(this.channel);
		this.done = true;
	}

	private void finish(boolean settingUp) {
		this.done = true;
		close(this.channel);
		this.loop.done(settingUp);
	}

}

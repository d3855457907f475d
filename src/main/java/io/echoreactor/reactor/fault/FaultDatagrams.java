package io.echoreactor.reactor.fault;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.Selectable;

/**
 * The UDP socket of a fault port: the echo of datagrams with {@code udp-drop-probability}
 * (each datagram dropped unanswered with that chance) and {@code udp-delay} (each answer
 * held that long, as a deadline on the loop). At most {@link #MAX_HELD} answers are held
 * at once; beyond that a datagram is dropped and counted as {@code udp-drop}. As on the
 * plain UDP port, datagrams from a source port below 1024 are never answered, so that no
 * other service can be made to bounce datagrams with this one; they are not counted as
 * faults.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class FaultDatagrams extends Deadlines.Entry implements Selectable {

	/** The most answers held back at once. */
	static final int MAX_HELD = 1024;

	/** Datagrams received per wakeup before other work gets a turn. */
	static final int RECEIVE_BUDGET = 64;

	private final EventLoop loop;

	private final DatagramChannel channel;

	private final FaultProfile profile;

	private final FaultCounts counts;

	private final ByteBuffer buffer = ByteBuffer.allocate(65536);

	private final ArrayDeque<Held> held = new ArrayDeque<>();

	FaultDatagrams(EventLoop loop, DatagramChannel channel, FaultProfile profile, FaultCounts counts) {
		this.loop = loop;
		this.channel = channel;
		this.profile = profile;
		this.counts = counts;
	}

	/** Start receiving. Called before the loop starts, or on its thread. */
	void open() throws IOException {
		this.loop.register(this.channel, SelectionKey.OP_READ, this);
	}

	@Override
	public void ready(int readyOps) {
		try {
			for (int i = 0; i < RECEIVE_BUDGET; i++) {
				this.buffer.clear();
				SocketAddress source = this.channel.receive(this.buffer);
				if (source == null) {
					return;
				}
				this.buffer.flip();
				answer((InetSocketAddress) source);
			}
		}
		catch (IOException ex) {
			// A failed receive or send loses one datagram, which UDP allows; go on with the next.
		}
	}

	private void answer(InetSocketAddress source) throws IOException {
		if (source.getPort() < 1024) {
			return;
		}
		Double dropProbability = this.profile.udpDropProbability();
		if (dropProbability != null && ThreadLocalRandom.current().nextDouble() < dropProbability) {
			this.counts.increment(FaultKind.UDP_DROP);
			return;
		}
		long delay = this.profile.udpDelayNanos();
		if (delay == 0) {
			this.channel.send(this.buffer, source);
			return;
		}
		if (this.held.size() >= MAX_HELD) {
			this.counts.increment(FaultKind.UDP_DROP);
			return;
		}
		ByteBuffer copy = ByteBuffer.allocate(this.buffer.remaining()).put(this.buffer).flip();
		long due = this.loop.now() + delay;
		this.held.add(new Held(copy, source, due));
		this.counts.increment(FaultKind.UDP_DELAY);
		if (!isScheduled()) {
			this.loop.deadlines().schedule(this, due);
		}
	}

	@Override
	protected void expired(long nowNanos) {
		while (!this.held.isEmpty() && this.held.peek().dueNanos - nowNanos <= 0) {
			Held next = this.held.poll();
			try {
				this.channel.send(next.data, next.target);
			}
			catch (IOException ex) {
				// As in ready(): one datagram lost.
			}
		}
		if (!this.held.isEmpty()) {
			this.loop.deadlines().schedule(this, this.held.peek().dueNanos);
		}
	}

	/**
	 * Run {@code task} on this socket's loop. Called from any thread.
	 * @param task the task
	 */
	void loopExecute(Runnable task) {
		this.loop.execute(task);
	}

	/** Close the socket and forget what is held. Loop thread only. */
	void close() {
		this.loop.deadlines().cancel(this);
		this.held.clear();
		Closeables.closeQuietly(this.channel);
	}

	@Override
	public void rekeyed(SelectionKey key) {
		// Nothing keeps the key: the interest set never changes.
	}

	@Override
	public void abort(CloseCause cause) {
		close();
	}

	private record Held(ByteBuffer data, InetSocketAddress target, long dueNanos) {

	}

}

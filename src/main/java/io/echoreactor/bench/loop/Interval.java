package io.echoreactor.bench.loop;

import java.util.concurrent.ConcurrentLinkedQueue;

import org.HdrHistogram.Histogram;

/**
 * What a {@link LoadLoop} hands the reporting thread once per second, and once more when
 * it ends: the latencies measured since its previous hand-off and its counters so far.
 * Passing these is the only traffic between the loops and the reporter while the load
 * runs, so a loop touches no shared state per message.
 *
 * <p>
 * <strong>Threading:</strong> filled by the loop, then owned by the reporter until it
 * {@link #recycle() recycles} it; the queue's hand-off orders the two.
 */
public final class Interval {

	/** Longest latency recorded exactly: one hour, in nanoseconds. */
	static final long HIGHEST = 3_600_000_000_000L;

	/** The loop that sent it. */
	final int loop;

	/** Latencies measured since the previous hand-off, in nanoseconds. */
	Histogram latency = histogram();

	/** The second it ends: {@code k} ends at the measured window's start plus k seconds. */
	long tick;

	/** Whether the loop has ended; nothing follows from it. */
	boolean last;

	/** Messages measured so far. */
	long messages;

	/** Messages echoed so far, warm-up and drain included: for the progress line's rate. */
	long allMessages;

	/** Errors so far, all kinds. */
	long errors;

	/** Connections (flows) open now. */
	int open;

	private final ConcurrentLinkedQueue<Interval> free;

	Interval(int loop, ConcurrentLinkedQueue<Interval> free) {
		this.loop = loop;
		this.free = free;
	}

	/** @return a latency histogram: nanoseconds up to an hour, three significant digits */
	public static Histogram histogram() {
		return new Histogram(HIGHEST, 3);
	}

	/** Give the interval back to its loop, emptied. Called by the reporter. */
	public void recycle() {
		this.latency.reset();
		this.free.offer(this);
	}

	/** @return the loop that sent it */
	public int loop() {
		return this.loop;
	}

	/** @return the latencies measured since the previous hand-off, in nanoseconds */
	public Histogram latency() {
		return this.latency;
	}

	/** @return the second it ends: {@code k} ends at the measured window's start plus k seconds */
	public long tick() {
		return this.tick;
	}

	/** @return whether the loop has ended; nothing follows from it */
	public boolean isLast() {
		return this.last;
	}

	/** @return messages echoed so far, warm-up and drain included */
	public long allMessages() {
		return this.allMessages;
	}

	/** @return errors so far, all kinds */
	public long errors() {
		return this.errors;
	}

	/** @return connections (flows) open when it was handed over */
	public int open() {
		return this.open;
	}

}

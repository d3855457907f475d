package io.echoreactor.bench.loop;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The measured window as one {@link LoadLoop} sees it: when it starts and ends, whether a
 * moment falls in it, and how much CPU time the loop's thread spent in it (to say whether
 * the client kept up). Before the echo starts the window starts never and holds nothing.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class MeasuredWindow {

	private long start = Long.MAX_VALUE;

	private long end = Long.MAX_VALUE;

	// The window's length from its start; Long.MAX_VALUE with --messages, 0 before the start.
	private long length;

	private long cpuAtStart = -1;

	// When the wait for what is in flight after the window ends, or Long.MAX_VALUE.
	private long drainEnd = Long.MAX_VALUE;

	/**
	 * Set the window once the echo starts.
	 * @param start when it starts
	 * @param end when it ends, or {@link Long#MAX_VALUE} when a number of messages ends the run
	 * @param length its length, or {@link Long#MAX_VALUE} for one without end
	 * @param drain how long what is in flight at the end is waited for
	 */
	void set(long start, long end, long length, long drain) {
		this.start = start;
		this.end = end;
		this.length = length;
		this.drainEnd = (end == Long.MAX_VALUE) ? Long.MAX_VALUE : end + drain;
	}

	/**
	 * Return whether the wait for what is in flight after the window is over.
	 * @param now the time
	 * @return whether it is; never with a window without end
	 */
	boolean drained(long now) {
		return this.drainEnd != Long.MAX_VALUE && now - this.drainEnd >= 0;
	}

	/** @return when the window starts */
	long start() {
		return this.start;
	}

	/** @return when it ends */
	long end() {
		return this.end;
	}

	/**
	 * Return whether a moment falls in the window: 1 if it does, 0 if not.
	 * <p>
	 * Computed without a branch, so that the echo path runs the same code in the warm-up
	 * as in the window. The JIT compiles a branch that the warm-up never took as a trap;
	 * the window's first echo would then send the hottest methods back to the interpreter,
	 * and their compilation (and that of the latency recording) into the measured time,
	 * on the client's one core.
	 * @param at the moment: when an echo completed, or in the open loop when its message
	 * was due
	 * @return 1 or 0
	 */
	int measured(long at) {
		return inWindow(at, this.start, this.length);
	}

	/**
	 * Return whether a moment falls between the window's start and its end, with a branch:
	 * for what is counted once per connection, not per message.
	 * @param at the moment
	 * @return whether it does
	 */
	boolean contains(long at) {
		return at >= this.start && at < this.end;
	}

	/**
	 * Return 1 if {@code start <= at < start + length} in {@link System#nanoTime()} terms,
	 * else 0, without a branch.
	 * @param at the moment
	 * @param start the window's start
	 * @param length its length, 0 for none, {@link Long#MAX_VALUE} for one without end
	 * @return 1 or 0
	 */
	static int inWindow(long at, long start, long length) {
		// A difference of nanoTime values, valid across the clock's wrap-around; in the window
		// when 0 <= since < length, and both signs are read at once from the top bits.
		long since = at - start;
		return (int) ((~since & (since - length)) >>> 63);
	}

	/** @return whether the thread's CPU time at the window's start is known */
	boolean cpuClockStarted() {
		return this.cpuAtStart >= 0;
	}

	/** Take the thread's CPU time at the window's start; it stays unknown where the JVM cannot tell. */
	void startCpuClock() {
		this.cpuAtStart = cpuTime();
	}

	/** @return the thread's CPU time since the window's start; only once {@link #cpuClockStarted()} */
	long cpuSinceStart() {
		return cpuTime() - this.cpuAtStart;
	}

	// The loop's own CPU time; -1 where the JVM cannot tell.
	private static long cpuTime() {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
	}

}

package io.echoreactor.bench.loop;

import org.HdrHistogram.Histogram;

/**
 * What one {@link LoadLoop} counts for the run: latencies, echoes, errors, lost and late
 * datagrams, connects, handshakes, greetings and sessions. Its flows record into it as the
 * load runs; once per second the loop hands the measured latencies and the counters so
 * far to the reporter in an {@link Interval}, and at the end the summary adds up
 * the figures of every loop.
 *
 * <p>
 * <strong>Threading:</strong> written only by its loop's thread; read by the starting
 * thread after that thread has ended.
 */
public final class LoopFigures {

	// Index 1: latencies measured since the last hand-off; index 0: those of the warm-up and the
	// drain, recorded only so that the window runs code the warm-up has compiled (see
	// MeasuredWindow.measured).
	private final Histogram[] latencies = { Interval.histogram(), Interval.histogram() };

	// When the last echo completed, by the same index: [1] is the last measured one.
	private final long[] echoedAt = new long[2];

	private final Histogram connectLatency = Interval.histogram();

	private final Histogram handshakeLatency = Interval.histogram();

	private final Tally greetings = new Tally();

	private final Tally sessions = new Tally();

	private final long[] errors = new long[ErrorKind.values().length];

	private final String[] firstErrors = new String[ErrorKind.values().length];

	// Where the time of an echo's completion is placed: in the open loop a message is measured
	// by when it was due, but the rate achieved counts the echoes that came back in the window.
	private final MeasuredWindow window;

	/** Echoes measured: completed in the measured window, or in the open loop due in it. */
	private long messages;

	/** Echoes completed in the measured window, whenever their messages were due. */
	private long echoedInWindow;

	/** Messages released to be sent and never sent: the socket took no more by the window's end. */
	private long unsent;

	/** Echoes completed, warm-up and drain included. */
	private long allMessages;

	/** Datagrams given up in the measured window. */
	private long lost;

	/** Echoes of datagrams already answered or given up. */
	private long late;

	/** TLS handshakes completed in the measured window. */
	private long handshakes;

	/** CPU time of the loop's thread in the measured window, or -1 when unknown. */
	long cpuInWindow = -1;

	/** Flows that became ready to echo. */
	int established;

	LoopFigures(MeasuredWindow window) {
		this.window = window;
	}

	/**
	 * A message's echo is complete.
	 * @param now when
	 * @param latencyNanos its latency
	 * @param measured 1 when it counts, 0 when not: {@link MeasuredWindow#measured(long)}
	 */
	public void completed(long now, long latencyNanos, int measured) {
		this.allMessages++;
		this.messages += measured;
		this.echoedInWindow += this.window.measured(now);
		// Indexed rather than branched on, for the reason given in MeasuredWindow.measured(long).
		this.latencies[measured].recordValue(clamp(latencyNanos));
		this.echoedAt[measured] = now;
	}

	/** @return when the last measured echo completed, or 0 before any */
	public long lastMeasuredAt() {
		return this.echoedAt[1];
	}

	/**
	 * Count errors of one kind, keeping the first one's description.
	 * @param kind the kind
	 * @param count how many
	 * @param message what happened
	 */
	public void error(ErrorKind kind, long count, String message) {
		this.errors[kind.ordinal()] += count;
		if (this.firstErrors[kind.ordinal()] == null) {
			this.firstErrors[kind.ordinal()] = message;
		}
	}

	/** @return the errors of every kind */
	public long totalErrors() {
		long total = 0;
		for (long count : this.errors) {
			total += count;
		}
		return total;
	}

	/**
	 * A connection is established.
	 * @param latencyNanos how long connecting took
	 */
	public void connected(long latencyNanos) {
		this.connectLatency.recordValue(clamp(latencyNanos));
	}

	/**
	 * A TLS handshake is complete.
	 * @param latencyNanos how long it took
	 * @param session its protocol and cipher suite
	 * @param inWindow whether it completed in the measured window
	 */
	void handshaken(long latencyNanos, String session, boolean inWindow) {
		this.handshakeLatency.recordValue(clamp(latencyNanos));
		this.sessions.add(session);
		if (inWindow) {
			this.handshakes++;
		}
	}

	/**
	 * Hand the latencies measured since the last call to {@code interval}, taking its
	 * emptied histogram in their place, and copy the counters so far.
	 * @param interval the interval going to the reporter
	 */
	void handOff(Interval interval) {
		Histogram measured = this.latencies[1];
		this.latencies[1] = interval.latency;
		interval.latency = measured;
		interval.messages = this.messages;
		interval.allMessages = this.allMessages;
		interval.errors = totalErrors();
	}

	/**
	 * A greeting line is read.
	 * @param key what it is counted by
	 */
	public void greeted(String key) {
		this.greetings.add(key);
	}

	/**
	 * Messages released are dropped unsent at the window's end.
	 * @param count how many
	 */
	public void unsent(long count) {
		this.unsent += count;
	}

	/** A UDP echo came for a datagram already answered or given up. */
	public void echoedLate() {
		this.late++;
	}

	/**
	 * A UDP datagram is given up.
	 * @param measured 1 when it counts, 0 when not: {@link MeasuredWindow#measured(long)}
	 */
	public void gaveUp(int measured) {
		this.lost += measured;
	}

	// Read by the summary once the loop's thread has ended.

	/** @return connect latencies */
	public Histogram connectLatency() {
		return this.connectLatency;
	}

	/** @return TLS handshake latencies */
	public Histogram handshakeLatency() {
		return this.handshakeLatency;
	}

	/** @return the greetings seen, by what they are counted by */
	public Tally greetings() {
		return this.greetings;
	}

	/** @return the TLS sessions' protocols and cipher suites */
	public Tally sessions() {
		return this.sessions;
	}

	/**
	 * Return the errors of one kind.
	 * @param kind the kind
	 * @return how many
	 */
	public long errors(ErrorKind kind) {
		return this.errors[kind.ordinal()];
	}

	/**
	 * Return the first error of one kind.
	 * @param kind the kind
	 * @return its description, or {@code null} when there was none
	 */
	public String firstError(ErrorKind kind) {
		return this.firstErrors[kind.ordinal()];
	}

	/** @return echoes measured: completed in the measured window, or in the open loop due in it */
	public long messages() {
		return this.messages;
	}

	/** @return echoes completed in the measured window, whenever their messages were due */
	public long echoedInWindow() {
		return this.echoedInWindow;
	}

	/** @return messages released and never sent */
	public long unsent() {
		return this.unsent;
	}

	/** @return echoes completed, warm-up and drain included */
	public long allMessages() {
		return this.allMessages;
	}

	/** @return datagrams given up in the measured window */
	public long lost() {
		return this.lost;
	}

	/** @return echoes of datagrams already answered or given up */
	public long late() {
		return this.late;
	}

	/** @return TLS handshakes completed in the measured window */
	public long handshakes() {
		return this.handshakes;
	}

	/** @return CPU time of the loop's thread in the measured window, or -1 when unknown */
	public long cpuInWindow() {
		return this.cpuInWindow;
	}

	/** @return flows that became ready to echo */
	public int established() {
		return this.established;
	}

	private static long clamp(long latencyNanos) {
		return Math.max(0, Math.min(latencyNanos, Interval.HIGHEST));
	}

}

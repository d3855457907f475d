package io.echoreactor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import javax.net.ssl.SSLEngine;

import org.HdrHistogram.Histogram;

/**
 * One client event loop: a thread, a {@link Selector} and the {@link Flow}s it drives.
 * Connection {@code i} of the run belongs to loop {@code i % threads}.
 *
 * <p>
 * Each turn: select with a timeout no longer than the next thing due, dispatch the ready
 * keys to their flows (with {@link Selector#select(Consumer, long)}, which builds no
 * selected-key set), then do what is due: open connections at the connect rate, start
 * the echo, release open-loop messages on their schedule, end the measured window, hand
 * the second's figures to the reporter and expire what waited too long. Open-loop sends
 * are timed to the nanosecond: the selector's timeout has millisecond resolution, so the
 * last millisecond before a send is spent polling.
 *
 * <p>
 * <strong>Memory.</strong> The loop owns one read buffer and the verification view of the
 * payload for all its flows; latencies go into an HdrHistogram swapped once per second
 * with the reporter's. Nothing is allocated per message (with {@code --reconnect}, each
 * new connection allocates its own socket and TLS engine).
 *
 * <p>
 * <strong>Threading:</strong> everything here runs on the loop's thread, except
 * {@link #wakeup()}; results are read by the starting thread after the thread has ended.
 */
final class LoadLoop implements Runnable {

	static final long SECOND = 1_000_000_000L;

	private static final long MILLISECOND = 1_000_000L;

	private static final int READ_BUFFER_SIZE = 64 * 1024;

	private static final int OPEN_BATCH = 16;

	final int index;

	final LoadRun run;

	final BenchOptions options;

	final Selector selector;

	/** Where flows read into; TCP flows verify from it at once, so one serves all. */
	final ByteBuffer readBuffer;

	/** The payload, positioned by each verification. */
	final ByteBuffer expected = Payload.view();

	private final Flow[] flows;

	private final Consumer<SelectionKey> dispatch = this::dispatch;

	private final ConcurrentLinkedQueue<Interval> free = new ConcurrentLinkedQueue<>();

	private final long expiryPeriod;

	private TlsBuffers tlsBuffers;

	// Results, read by the starting thread once this thread has ended.

	// Index 1: latencies measured since the last hand-off; index 0: those of the warm-up and the
	// drain, recorded only so that the window runs code the warm-up has compiled (see measured).
	private final Histogram[] latencies = { Interval.histogram(), Interval.histogram() };

	// When the last echo completed, by the same index: [1] is the last measured one.
	private final long[] echoedAt = new long[2];

	final Histogram connectLatency = Interval.histogram();

	final Histogram handshakeLatency = Interval.histogram();

	final Tally greetings = new Tally();

	final Tally sessions = new Tally();

	final long[] errors = new long[ErrorKind.values().length];

	final String[] firstErrors = new String[ErrorKind.values().length];

	long messages;

	long allMessages;

	long lost;

	long late;

	/** TLS handshakes completed in the measured window. */
	long handshakes;

	/** CPU time of this loop's thread in the measured window, or -1 when unknown. */
	long cpuInWindow = -1;

	int established;

	Throwable failure;

	// State.

	private int open;

	private int settingUp;

	private int nextToOpen;

	private boolean connectedReported;

	private boolean started;

	private boolean running;

	private long cpuAtWindowStart = -1;

	private long windowStart = Long.MAX_VALUE;

	private long windowEnd = Long.MAX_VALUE;

	// The window's length from windowStart; Long.MAX_VALUE with --messages, 0 before the start.
	private long windowLength;

	private long nextTickAt = Long.MAX_VALUE;

	private long tick;

	private long nextExpiry;

	// Open loop: the run's message m of connection i is due at startNanos + (m * connections + i) * gap.
	private long scheduleOrigin;

	private double scheduleGap;

	private long nextEvent;

	private long nextDue = Long.MAX_VALUE;

	LoadLoop(int index, LoadRun run) throws IOException {
		this.index = index;
		this.run = run;
		this.options = run.options();
		this.selector = Selector.open();
		this.readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
		int threads = this.options.threads();
		int connections = this.options.connections();
		int count = connections / threads + ((index < connections % threads) ? 1 : 0);
		this.flows = new Flow[count];
		for (int k = 0; k < count; k++) {
			int id = index + k * threads;
			long quota = Long.MAX_VALUE;
			if (this.options.byMessages()) {
				quota = this.options.messages() / connections + ((id < this.options.messages() % connections) ? 1 : 0);
			}
			this.flows[k] = (this.options.protocol() == BenchOptions.Protocol.UDP) ? new UdpFlow(this, id, quota)
					: new TcpFlow(this, id, quota);
		}
		this.open = count;
		this.settingUp = count;
		this.expiryPeriod = (this.options.protocol() == BenchOptions.Protocol.UDP)
				? Math.max(MILLISECOND, Math.min(this.options.udpTimeoutNanos() / 20, 50 * MILLISECOND))
				: 100 * MILLISECOND;
	}

	/** Wake the loop from {@code select()}. Called from any thread. */
	void wakeup() {
		this.selector.wakeup();
	}

	@Override
	public void run() {
		try {
			loop();
		}
		catch (Throwable ex) {
			// Reported in one line with the summary; the run fails. Nothing is left to save
			// this thread for, and the reporter must still hear that it has ended.
			this.failure = ex;
		}
		finally {
			for (Flow flow : this.flows) {
				if (!flow.isDone()) {
					flow.abandon();
				}
			}
			try {
				this.selector.close();
			}
			catch (IOException ex) {
				// Ignore: the loop is over
			}
			if (!this.connectedReported) {
				this.connectedReported = true;
				this.run.loopConnected();
			}
			// With --messages the window lasts until the last echo.
			if (this.cpuAtWindowStart >= 0 && this.cpuInWindow < 0) {
				this.cpuInWindow = cpuTime() - this.cpuAtWindowStart;
			}
			handOff(true);
		}
	}

	private void loop() throws IOException {
		while (turn()) {
			// Next turn
		}
	}

	// One turn of the loop; returns false once it is over. A method of its own, not the body of
	// loop(): the JIT compiles a method after a few hundred calls, but a loop in a method called
	// once only after tens of thousands of turns (on-stack replacement). A turn handles tens of
	// ready connections, so a run of seconds makes a few thousand turns: the loop would be
	// interpreted throughout.
	private boolean turn() throws IOException {
		long now = System.nanoTime();
		long wake = due(now);
		if (this.open == 0 && this.started) {
			return false;
		}
		long wait = wake - now;
		boolean precise = this.options.openLoop();
		if (wait <= 0 || (precise && this.running && wait < MILLISECOND)) {
			this.selector.selectNow(this.dispatch);
		}
		else {
			long millis = precise ? wait / MILLISECOND : (wait + MILLISECOND - 1) / MILLISECOND;
			this.selector.select(this.dispatch, Math.max(1, Math.min(millis, 1000)));
		}
		return true;
	}

	private void dispatch(SelectionKey key) {
		((Flow) key.attachment()).selected(key.readyOps());
	}

	// Does what is due; returns when the loop must look again.
	private long due(long now) {
		long wake = now + SECOND;
		if (this.nextToOpen < this.flows.length) {
			wake = Math.min(wake, openDue(now));
		}
		if (!this.started) {
			if (this.settingUp > 0 && now >= this.nextExpiry) {
				expire(now);
			}
			if (!this.connectedReported && this.nextToOpen == this.flows.length && this.settingUp == 0) {
				this.connectedReported = true;
				this.run.loopConnected();
			}
			long start = this.run.startNanos();
			if (start == 0) {
				return Math.min(wake, (this.settingUp > 0) ? this.nextExpiry : wake);
			}
			begin(start, now);
		}
		if (this.cpuAtWindowStart < 0 && now >= this.windowStart && this.running) {
			this.cpuAtWindowStart = cpuTime();
		}
		// Messages due before the window's end go out even when the loop wakes after it.
		if (this.running && this.nextDue <= now) {
			releaseDue(now);
		}
		if (this.running && now >= this.windowEnd) {
			this.running = false;
			if (this.cpuAtWindowStart >= 0) {
				this.cpuInWindow = cpuTime() - this.cpuAtWindowStart;
			}
			this.nextDue = Long.MAX_VALUE;
			for (Flow flow : this.flows) {
				if (!flow.isDone()) {
					flow.stop(now);
				}
			}
		}
		if (now >= this.nextTickAt) {
			handOff(false);
			while (this.nextTickAt <= now) {
				this.nextTickAt += SECOND;
				this.tick++;
			}
		}
		if (now >= this.nextExpiry) {
			expire(now);
		}
		wake = Math.min(wake, Math.min(this.nextTickAt, this.nextExpiry));
		if (this.running) {
			wake = Math.min(wake, Math.min(this.windowEnd, this.nextDue));
		}
		return wake;
	}

	// Opens the connections that are due: all at once in batches, or each at its time at the
	// connect rate. Between batches the loop selects, so that a connect's latency does not
	// include the time spent opening the connections after it.
	private long openDue(long now) {
		long rate = this.options.connectRate();
		int batch = 0;
		while (this.nextToOpen < this.flows.length) {
			Flow flow = this.flows[this.nextToOpen];
			if (rate > 0) {
				long at = this.run.origin() + (long) (flow.id * (double) SECOND / rate);
				if (at > now) {
					return at;
				}
			}
			else if (batch++ == OPEN_BATCH) {
				return now;
			}
			this.nextToOpen++;
			flow.open(now);
			now = System.nanoTime();
		}
		return Long.MAX_VALUE;
	}

	private void begin(long start, long now) {
		this.started = true;
		this.windowStart = this.run.windowStart();
		this.windowEnd = this.run.windowEnd();
		this.windowLength = this.options.byMessages() ? Long.MAX_VALUE : this.options.durationNanos();
		long k = Math.floorDiv(start - this.windowStart, SECOND) + 1;
		this.tick = k;
		this.nextTickAt = this.windowStart + k * SECOND;
		this.running = this.options.durationNanos() != 0;
		if (this.options.openLoop()) {
			this.scheduleOrigin = start;
			this.scheduleGap = (double) SECOND / this.options.rate();
			this.nextEvent = 0;
			this.nextDue = intendedOfEvent(0);
		}
		for (Flow flow : this.flows) {
			if (!flow.isDone()) {
				flow.start(now);
			}
		}
	}

	// Event e of this loop is message e / n of its flow e % n.
	private long intendedOfEvent(long event) {
		if (this.flows.length == 0) {
			return Long.MAX_VALUE;
		}
		Flow flow = this.flows[(int) (event % this.flows.length)];
		return intended(flow.id, event / this.flows.length);
	}

	private void releaseDue(long now) {
		while (this.nextDue <= now) {
			if (this.nextDue >= this.windowEnd) {
				this.nextDue = Long.MAX_VALUE;
				return;
			}
			Flow flow = this.flows[(int) (this.nextEvent % this.flows.length)];
			if (!flow.isDone()) {
				flow.release(now);
			}
			this.nextEvent++;
			this.nextDue = intendedOfEvent(this.nextEvent);
		}
	}

	/**
	 * Return when a message was meant to be sent, in the open loop.
	 * @param id the connection
	 * @param message the message's number on that connection
	 * @return its intended send time
	 */
	long intended(int id, long message) {
		return this.scheduleOrigin + (long) ((message * (double) this.options.connections() + id) * this.scheduleGap);
	}

	// The loop's own CPU time, to say whether the client kept up; -1 where the JVM cannot tell.
	private static long cpuTime() {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
	}

	private void expire(long now) {
		this.nextExpiry = now + this.expiryPeriod;
		for (Flow flow : this.flows) {
			if (!flow.isDone()) {
				flow.expire(now);
			}
		}
	}

	private void handOff(boolean last) {
		Interval interval = this.free.poll();
		if (interval == null) {
			interval = new Interval(this.index, this.free);
		}
		Histogram measured = this.latencies[1];
		this.latencies[1] = interval.latency;
		interval.latency = measured;
		interval.tick = this.tick;
		interval.last = last;
		interval.messages = this.messages;
		interval.allMessages = this.allMessages;
		long errors = 0;
		for (long count : this.errors) {
			errors += count;
		}
		interval.errors = errors;
		interval.open = this.open;
		this.run.handOff(interval);
	}

	// Called by the flows.

	/**
	 * Return whether a moment falls in the measured window: 1 if it does, 0 if not.
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
		return inWindow(at, this.windowStart, this.windowLength);
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

	/**
	 * A message's echo is complete.
	 * @param now when
	 * @param latencyNanos its latency
	 * @param measured 1 when it counts, 0 when not: {@link #measured(long)}
	 */
	void completed(long now, long latencyNanos, int measured) {
		this.allMessages++;
		this.messages += measured;
		// Indexed rather than branched on, for the reason given in measured(long).
		this.latencies[measured].recordValue(Math.max(0, Math.min(latencyNanos, Interval.HIGHEST)));
		this.echoedAt[measured] = now;
	}

	/** @return when the last measured echo completed, or 0 before any */
	long lastMeasuredAt() {
		return this.echoedAt[1];
	}

	void error(ErrorKind kind, long count, String message) {
		this.errors[kind.ordinal()] += count;
		if (this.firstErrors[kind.ordinal()] == null) {
			this.firstErrors[kind.ordinal()] = message;
		}
	}

	void connected(long latencyNanos) {
		this.connectLatency.recordValue(Math.max(0, Math.min(latencyNanos, Interval.HIGHEST)));
	}

	void handshaken(long now, long latencyNanos, String session) {
		this.handshakeLatency.recordValue(Math.max(0, Math.min(latencyNanos, Interval.HIGHEST)));
		this.sessions.add(session);
		if (now >= this.windowStart && now < this.windowEnd) {
			this.handshakes++;
		}
	}

	/** A flow is ready to echo. */
	void ready() {
		this.settingUp--;
		this.established++;
		this.run.connectionReady();
	}

	/**
	 * A flow has ended.
	 * @param settingUp whether it ended before it was ready
	 */
	void done(boolean settingUp) {
		this.open--;
		if (settingUp) {
			this.settingUp--;
			this.run.connectionFailed();
		}
	}

	/** @return whether the echo has started */
	boolean runStarted() {
		return this.started;
	}

	TlsBuffers tlsBuffers(SSLEngine engine) {
		if (this.tlsBuffers == null) {
			this.tlsBuffers = new TlsBuffers(engine.getSession());
		}
		return this.tlsBuffers;
	}

	// Read by the starting thread after the loop has ended.

	long totalErrors() {
		long total = 0;
		for (long count : this.errors) {
			total += count;
		}
		return total;
	}

}

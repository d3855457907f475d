package io.echoreactor.bench.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tls.TlsBuffers;
import org.jspecify.annotations.Nullable;

/**
 * One client event loop: a thread, a {@link Selector} and the {@link Flow}s it drives.
 * Connection {@code i} of the run belongs to loop {@code i % threads} ({@link LoadRun#flows}).
 *
 * <p>
 * Each turn: select with a timeout no longer than the next thing due, dispatch the ready
 * keys to their flows (with {@link Selector#select(Consumer, long)}, which builds no
 * selected-key set), then do what is due: open connections at the connect rate, start
 * the echo, release open-loop messages on their {@link OpenLoopSchedule}, end the
 * {@link MeasuredWindow}, hand the second's figures to the reporter and expire what
 * waited too long. Open-loop sends are timed to the nanosecond: the selector's timeout
 * has millisecond resolution, so the last millisecond before a send is spent polling.
 *
 * <p>
 * <strong>Memory.</strong> The loop owns one read buffer and the verification view of the
 * payload for all its flows; what they count goes into the loop's {@link LoopFigures},
 * whose latencies are an HdrHistogram swapped once per second with the reporter's. Nothing
 * is allocated per message (with {@code --reconnect}, each new connection allocates its
 * own socket and TLS engine).
 *
 * <p>
 * <strong>Threading:</strong> everything here runs on the loop's thread, except
 * {@link #wakeup()}; results are read by the starting thread after the thread has ended.
 */
public final class LoadLoop implements Runnable {

	/** One second in nanoseconds. */
	public static final long SECOND = 1_000_000_000L;

	private static final long MILLISECOND = 1_000_000L;

	private static final int READ_BUFFER_SIZE = 64 * 1024;

	private static final int OPEN_BATCH = 16;

	private final int index;

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

	/** The measured window, as the flows place their echoes in it ({@link Flow#measured}). */
	final MeasuredWindow window = new MeasuredWindow();

	/** The open loop's schedule ({@link Flow#intended}), or null in the closed loop. */
	final @Nullable OpenLoopSchedule schedule;

	/**
	 * When the selector's current turn first reported a ready key, 0 before: when a flow's
	 * event happened, before the flows dispatched ahead of it spent their time
	 * ({@link Flow#readySince}).
	 */
	long readyAt;

	/** The buffers the loop's TLS connections share ({@link Flow#tlsBuffers}). */
	@Nullable TlsBuffers tlsBuffers;

	/** What the flows count; read by the starting thread once this thread has ended. */
	final LoopFigures figures = new LoopFigures(this.window);

	private @Nullable Throwable failure;

	// State.

	private int open;

	private int settingUp;

	private int nextToOpen;

	private boolean connectedReported;

	private boolean started;

	private boolean running;

	private long nextTickAt = Long.MAX_VALUE;

	private long tick;

	private long nextExpiry;

	// Open loop: when the next message is due.
	private long nextDue = Long.MAX_VALUE;

	/**
	 * Create a loop of a run, with its share of the run's connections.
	 * @param index the loop's number, 0 to threads - 1
	 * @param run the run
	 * @throws IOException if the selector cannot be opened
	 */
	public LoadLoop(int index, LoadRun run) throws IOException {
		this.index = index;
		this.run = run;
		this.options = run.options();
		this.selector = Selector.open();
		this.readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
		this.flows = run.flows(this);
		this.schedule = this.options.openLoop()
				? new OpenLoopSchedule(this.flows, this.options.connections(), this.options.rate()) : null;
		this.open = this.flows.length;
		this.settingUp = this.flows.length;
		this.expiryPeriod = (this.options.protocol() == BenchOptions.Protocol.UDP)
				? Math.max(MILLISECOND, Math.min(this.options.udpTimeoutNanos() / 20, 50 * MILLISECOND))
				: 100 * MILLISECOND;
	}

	/** Wake the loop from {@code select()}. Called from any thread. */
	public void wakeup() {
		this.selector.wakeup();
	}

	@Override
	public void run() {
		try {
			while (turn()) {
				// Next turn
			}
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
			if (this.window.cpuClockStarted() && this.figures.cpuInWindow < 0) {
				this.figures.cpuInWindow = this.window.cpuSinceStart();
			}
			handOff(true);
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
		this.readyAt = 0;
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
		if (this.readyAt == 0) {
			this.readyAt = System.nanoTime();
		}
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
		if (!this.window.cpuClockStarted() && now >= this.window.start() && this.running) {
			this.window.startCpuClock();
		}
		// Messages due before the window's end go out even when the loop wakes after it.
		if (this.running && this.nextDue <= now && this.schedule != null) {
			this.nextDue = this.schedule.release(now, this.window.end());
		}
		if (this.running && now >= this.window.end()) {
			this.running = false;
			if (this.window.cpuClockStarted()) {
				this.figures.cpuInWindow = this.window.cpuSinceStart();
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
		if (!this.running && this.window.drained(now)) {
			cutOff(now);
		}
		wake = Math.min(wake, Math.min(this.nextTickAt, this.nextExpiry));
		if (this.running) {
			wake = Math.min(wake, Math.min(this.window.end(), this.nextDue));
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
		this.window.set(this.run.windowStart(), this.run.windowEnd(),
				this.options.byMessages() ? Long.MAX_VALUE : this.options.durationNanos(), this.run.drainNanos());
		long k = Math.floorDiv(start - this.window.start(), SECOND) + 1;
		this.tick = k;
		this.nextTickAt = this.window.start() + k * SECOND;
		this.running = this.options.durationNanos() != 0;
		if (this.schedule != null) {
			this.nextDue = this.schedule.start(start);
		}
		for (Flow flow : this.flows) {
			if (!flow.isDone()) {
				flow.start(now);
			}
		}
	}

	private void expire(long now) {
		this.nextExpiry = now + this.expiryPeriod;
		for (Flow flow : this.flows) {
			if (!flow.isDone()) {
				flow.expire(now);
			}
		}
	}

	// The wait after the window is over: what is still out never came back, and the loop ends.
	private void cutOff(long now) {
		for (Flow flow : this.flows) {
			if (!flow.isDone()) {
				flow.cutOff(now);
			}
		}
		this.open = 0;
	}

	private void handOff(boolean last) {
		Interval interval = this.free.poll();
		if (interval == null) {
			interval = new Interval(this.index, this.free);
		}
		this.figures.handOff(interval);
		interval.tick = this.tick;
		interval.last = last;
		interval.open = this.open;
		this.run.handOff(interval);
	}

	// Called by the flows.

	/**
	 * A TLS handshake is complete.
	 * @param now when
	 * @param latencyNanos how long it took
	 * @param session its protocol and cipher suite
	 */
	public void handshaken(long now, long latencyNanos, String session) {
		this.figures.handshaken(latencyNanos, session, this.window.contains(now));
	}

	/** A flow is ready to echo. */
	public void ready() {
		this.settingUp--;
		this.figures.established++;
		this.run.connectionReady();
	}

	/**
	 * A flow has ended.
	 * @param settingUp whether it ended before it was ready
	 */
	public void done(boolean settingUp) {
		this.open--;
		if (settingUp) {
			this.settingUp--;
			this.run.connectionFailed();
		}
	}

	/** @return whether the echo has started */
	public boolean runStarted() {
		return this.started;
	}

	/** @return the loop's number */
	public int index() {
		return this.index;
	}

	/** @return what the flows count; read by the starting thread once this thread has ended */
	public LoopFigures figures() {
		return this.figures;
	}

	/** @return why the loop ended early, or {@code null}; read like {@link #figures()} */
	public @Nullable Throwable failure() {
		return this.failure;
	}

}

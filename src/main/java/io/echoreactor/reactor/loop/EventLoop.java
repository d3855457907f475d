package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;

/**
 * One event loop: one thread, one {@link LoopSelector selector}, its task queue and its
 * {@link Deadlines deadlines}. Each pass selects (blocking no longer than until the
 * earliest deadline or the select timeout), hands each ready key to the {@link Selectable}
 * attached to it, runs the tasks other threads queued, and expires the deadlines that are
 * due. The loop knows nothing of protocols; its {@link Owner} (a reactor, or the acceptor)
 * decides when it ends and closes what is left.
 *
 * <p>
 * <strong>Busy time</strong> is the time spent outside {@code epoll_wait}: from each
 * return to the next call. A failing loop's back-off pause is not busy time.
 *
 * <p>
 * <strong>Heartbeat.</strong> Every return from {@code select()} is published, so that any
 * thread can tell a loop that has not come back to its selector for a long time (wedged in
 * a slow log appender, say) from one that is merely idle.
 *
 * <p>
 * <strong>Threading:</strong> {@link #execute(Runnable)} and the read-only accessors may be
 * called from any thread; everything else runs on the loop thread. Other threads never
 * touch a key or a channel registered here: they queue a task.
 */
public final class EventLoop {

	private static final ReactorLog logger = ReactorLog.of(EventLoop.class);

	private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final String name;

	private final Owner owner;

	private final long selectTimeoutNanos;

	private final ReactorStatistics statistics;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final LoopSelector selector;

	private final Deadlines deadlines = new Deadlines();

	private final Thread thread;

	private final ThrottledWarning failures = new ThrottledWarning(logger);

	private final CompletableFuture<Void> terminated = new CompletableFuture<>();

	private final AtomicLong lastSelectReturnNanos = new AtomicLong();

	private final Consumer<SelectionKey> dispatcher = this::dispatch;

	private volatile boolean ended;

	private volatile IntConsumer readyKeysListener = (readyKeys) -> {
	};

	// Loop-thread state.

	private long now = System.nanoTime();

	private boolean dispatching;

	private long dispatchStartNanos;

	public EventLoop(String name, long selectTimeoutNanos, SelectOperation selectOperation, Owner owner)
			throws IOException {
		this.name = name;
		this.owner = owner;
		this.selectTimeoutNanos = selectTimeoutNanos;
		this.statistics = new ReactorStatistics(name);
		this.selector = new LoopSelector(name, selectOperation, this.statistics, this.tasks);
		this.thread = new Thread(this::run, name);
		this.thread.setDaemon(false);
	}

	public String name() {
		return this.name;
	}

	public ReactorStatistics statistics() {
		return this.statistics;
	}

	/** @return the loop's time: {@link System#nanoTime()} at the last return from select. Loop thread only. */
	public long now() {
		return this.now;
	}

	/** @return the loop's deadlines. Loop thread only. */
	public Deadlines deadlines() {
		return this.deadlines;
	}

	public LoopSelector selector() {
		return this.selector;
	}

	public boolean inLoop() {
		return Thread.currentThread() == this.thread;
	}

	public Thread.State threadState() {
		return this.thread.getState();
	}

	public long threadId() {
		return this.thread.getId();
	}

	public boolean isAlive() {
		return this.thread.isAlive();
	}

	/** @return completes when the loop has ended and closed its selector */
	public CompletableFuture<Void> terminated() {
		return this.terminated;
	}

	public int pendingTasks() {
		return this.tasks.size();
	}

	public void setReadyKeysListener(IntConsumer listener) {
		this.readyKeysListener = listener;
	}

	/**
	 * Return how long ago the loop last returned from {@code select()}: at most about the
	 * select timeout for a healthy loop, idle or busy. Called from any thread.
	 * @return nanoseconds since the last return; 0 before the loop starts or after it ends
	 */
	public long sinceLastSelectNanos() {
		if (this.ended || !this.thread.isAlive()) {
			return 0;
		}
		long last = this.lastSelectReturnNanos.get();
		return (last != 0) ? Math.max(0, System.nanoTime() - last) : 0;
	}

	public void start() {
		this.thread.start();
	}

	/** Release the selector of a loop whose thread never started. */
	public void abandon() {
		terminate(false);
	}

	/**
	 * Register a channel with the selector. Loop thread only, or before the loop starts.
	 * @param channel the non-blocking channel
	 * @param ops the interest set
	 * @param attachment what the loop hands the key's readiness to
	 * @return the key
	 * @throws ClosedChannelException if the channel is closed
	 */
	public SelectionKey register(SelectableChannel channel, int ops, Selectable attachment) throws ClosedChannelException {
		assert inLoop() || this.thread.getState() == Thread.State.NEW;
		return this.selector.register(channel, ops, attachment);
	}

	/**
	 * Run {@code task} on the loop thread. A task queued after the loop has ended never
	 * runs; if it is {@link Rejectable}, it is told so, on whichever thread finds it.
	 * Called from any thread.
	 * @param task the task
	 */
	public void execute(Runnable task) {
		this.tasks.add(task);
		if (this.ended) {
			rejectQueued();
		}
		else {
			this.selector.wakeup();
		}
	}

	private void rejectQueued() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			if (task instanceof Rejectable rejectable) {
				rejectable.rejected();
			}
		}
	}

	private void run() {
		// Busy time counts from here, not from construction.
		this.now = System.nanoTime();
		this.lastSelectReturnNanos.set(this.now);
		boolean died = false;
		try {
			while (!this.owner.finished()) {
				try {
					runOnce();
				}
				catch (Error ex) {
					throw ex;
				}
				catch (Throwable ex) {
					this.statistics.increment(Counter.LOOP_FAILURES);
					if (this.failures.due()) {
						this.failures.log("Unexpected failure in " + this.name + "; continuing after a pause",
								LogFacts.reactor(this.name), ex);
					}
					// Never spin on a failure that repeats, and do not count the pause as work.
					LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
					this.now = System.nanoTime();
				}
			}
			// Work queued before the end (late hand-offs) must still run, so that it closes.
			runTasks();
		}
		catch (Error ex) {
			died = true;
			logger.error(this.name + " died", LogFacts.reactor(this.name), ex);
			throw ex;
		}
		finally {
			terminate(died);
		}
	}

	/** One pass: select and dispatch, run tasks, expire deadlines. Loop thread only. */
	void runOnce() {
		assert inLoop() : "runOnce() called from " + Thread.currentThread().getName();
		long timeoutNanos = Math.max(0, Math.min(this.selectTimeoutNanos, this.deadlines.earliest() - this.now));
		long selectStart = System.nanoTime();
		this.statistics.add(Counter.BUSY_NANOS, selectStart - this.now);
		this.dispatching = false;
		int selected = this.selector.select(timeoutNanos, this.dispatcher);
		long end = System.nanoTime();
		if (this.dispatching) {
			// Keys are handed out inside select(), after epoll_wait returned.
			this.statistics.add(Counter.BUSY_NANOS, end - this.dispatchStartNanos);
		}
		this.now = end;
		this.lastSelectReturnNanos.lazySet(end);
		this.readyKeysListener.accept(selected);
		runTasks();
		this.deadlines.expire(this.now);
	}

	private void dispatch(SelectionKey key) {
		if (!this.dispatching) {
			this.dispatching = true;
			this.dispatchStartNanos = System.nanoTime();
			this.now = this.dispatchStartNanos;
		}
		Selectable selectable = (Selectable) key.attachment();
		try {
			selectable.ready(key.readyOps());
		}
		catch (CancelledKeyException ex) {
			selectable.abort(CloseCause.ERROR);
		}
		catch (RuntimeException ex) {
			this.statistics.increment(Counter.LOOP_FAILURES);
			if (this.failures.due()) {
				this.failures.log("Unexpected failure on " + key.channel() + " in " + this.name + "; closing it",
						LogFacts.connection(this.name, key.channel(), null).cause(CloseCause.ERROR), ex);
			}
			selectable.abort(CloseCause.ERROR);
		}
	}

	private void runTasks() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			this.statistics.increment(Counter.TASKS_RUN);
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				this.statistics.increment(Counter.LOOP_FAILURES);
				if (this.failures.due()) {
					this.failures.log("A task failed on " + this.name, LogFacts.reactor(this.name), ex);
				}
			}
		}
	}

	// Each step in its own try: a failure closing one thing must not leave the others open.
	private void terminate(boolean died) {
		try {
			this.owner.ended(died);
		}
		catch (RuntimeException ex) {
			logger.warn("Failure while closing what " + this.name + " served", LogFacts.reactor(this.name), ex);
		}
		finally {
			try {
				this.selector.close();
			}
			finally {
				this.ended = true;
				rejectQueued();
				this.terminated.complete(null);
			}
		}
	}

	/**
	 * The one who runs on the loop: says when it ends and closes what is left.
	 */
	public interface Owner {

		/**
		 * Whether the loop should end now. Runs on the loop thread before each pass.
		 * @return {@code true} to end
		 */
		boolean finished();

		/**
		 * The loop is ending: close whatever is still registered. Runs once, on the loop
		 * thread, also when the loop died of an {@link Error}.
		 * @param died whether the loop ended with an {@link Error}
		 */
		void ended(boolean died);

	}

	/**
	 * A task that holds something (an accepted channel, say) and must give it up if the
	 * loop ends before running it.
	 */
	public interface Rejectable extends Runnable {

		/** The task will never run. Called on whichever thread finds it. */
		void rejected();

	}

}

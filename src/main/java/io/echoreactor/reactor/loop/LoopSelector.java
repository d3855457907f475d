package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.WakeupCause;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Selector} of one {@link EventLoop}, with what it takes to trust it: the
 * wakeup protocol with other threads, the cause of every return from {@code select()},
 * spin detection, and rebuilding the selector with every key when it fails or spins.
 *
 * <p>
 * <strong>Wakeups.</strong> A flag is armed before each {@code select()}; a thread that
 * queues work and flips it from armed to disarmed owns the one {@code wakeup()} call that
 * pass needs, so any number of hand-offs cost at most one eventfd write. The loop never
 * blocks while work is queued, even when the thread that flipped the flag has not yet
 * called {@code wakeup()} (it may be descheduled in between): it polls instead, and the
 * late wakeup, which then lingers in the eventfd, is counted as {@code task} when the next
 * {@code select()} returns for it.
 *
 * <p>
 * <strong>Spin.</strong> A return with nothing selected, no wakeup and no timeout is
 * {@code spurious}. Many in a row ({@value #SPIN_THRESHOLD}, as Netty) are the signature of
 * an epoll descriptor that keeps reporting what nobody asked for; the selector is then
 * rebuilt, as it is when {@code select()} fails.
 *
 * <p>
 * <strong>Threading:</strong> {@link #wakeup()} and {@link #registeredKeys()} may be
 * called from any thread; everything else runs on the loop's thread.
 */
public final class LoopSelector {

	private static final ReactorLog logger = ReactorLog.of(LoopSelector.class);

	/** Consecutive spurious returns that count as a spinning selector. */
	public static final int SPIN_THRESHOLD = RebuildCause.SPIN_THRESHOLD;

	/** Returns this much earlier than the timeout still count as a timeout (clock granularity). */
	private static final long TIMEOUT_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final String owner;

	private final SelectOperation operation;

	private final ReactorStatistics statistics;

	private final Queue<Runnable> tasks;

	private final ThrottledWarning rebuilds = new ThrottledWarning(logger);

	// Armed while the loop may block in select(); see the class comment.
	private final AtomicBoolean wakeupArmed = new AtomicBoolean();

	private volatile Selector selector;

	// Loop-thread state.

	private boolean wakeupMayLinger;

	private int spuriousInARow;

	LoopSelector(String owner, SelectOperation operation, ReactorStatistics statistics, Queue<Runnable> tasks)
			throws IOException {
		this.owner = owner;
		this.operation = operation;
		this.statistics = statistics;
		this.tasks = tasks;
		this.selector = operation.open();
	}

	/**
	 * Register a channel. Runs on the loop thread.
	 * @param channel the channel, non-blocking
	 * @param ops the interest set
	 * @param attachment what to dispatch the key's readiness to
	 * @return the key
	 * @throws ClosedChannelException if the channel is closed
	 */
	SelectionKey register(SelectableChannel channel, int ops, Selectable attachment) throws ClosedChannelException {
		return channel.register(this.selector, ops, attachment);
	}

	/**
	 * Wake the loop if it may be blocked in {@code select()}. Called from any thread, after
	 * queueing work.
	 */
	void wakeup() {
		if (this.wakeupArmed.compareAndSet(true, false)) {
			this.operation.wakeup(this.selector);
		}
	}

	/**
	 * Select once and run {@code action} on each ready key; count the return under its
	 * cause; rebuild the selector if it failed or spins.
	 * @param timeoutNanos the longest to block
	 * @param action what to do with each ready key
	 * @return the number of keys the action ran for
	 */
	int select(long timeoutNanos, Consumer<SelectionKey> action) {
		long start = System.nanoTime();
		this.wakeupArmed.set(true);
		// Checked after arming: a task queued before the flag was set did not wake us.
		boolean polled = !this.tasks.isEmpty();
		int selected;
		try {
			if (polled) {
				selected = this.operation.selectNow(this.selector, action);
			}
			else {
				long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
				selected = this.operation.select(this.selector, action, millis);
			}
		}
		catch (IOException ex) {
			this.wakeupArmed.set(false);
			rebuild(RebuildCause.FAILURE, ex);
			return 0;
		}
		// Someone flipped the flag: their wakeup() has been, or is about to be, issued.
		boolean wakeupIssued = !this.wakeupArmed.getAndSet(false);
		boolean timedOut = !polled && selected == 0
				&& System.nanoTime() - start >= timeoutNanos - TIMEOUT_TOLERANCE_NANOS;
		WakeupCause cause = classify(selected, polled, wakeupIssued, timedOut);
		// A wakeup() that did not end this select() (it landed after epoll_wait returned, or
		// is still to come) leaves the eventfd signalled: the next select() returns for it.
		this.wakeupMayLinger = wakeupIssued && (polled || selected > 0 || timedOut);
		this.statistics.increment(cause);
		this.statistics.add(Counter.READY_KEYS, selected);
		if (wakeupIssued) {
			this.statistics.increment(Counter.WAKEUP_CALLS);
		}
		if (cause == WakeupCause.SPURIOUS) {
			if (++this.spuriousInARow >= SPIN_THRESHOLD) {
				rebuild(RebuildCause.SPIN, null);
			}
		}
		else {
			this.spuriousInARow = 0;
		}
		return selected;
	}

	private WakeupCause classify(int selected, boolean polled, boolean wakeupIssued, boolean timedOut) {
		if (selected > 0) {
			return WakeupCause.IO;
		}
		if (polled || (!timedOut && (wakeupIssued || this.wakeupMayLinger))) {
			return WakeupCause.TASK;
		}
		return timedOut ? WakeupCause.TIMEOUT : WakeupCause.SPURIOUS;
	}

	/**
	 * Replace the selector with a new one holding every valid key, with its interest set
	 * and attachment. A channel that cannot move is closed; the others carry on.
	 * @param cause why
	 * @param failure the failure of {@code select()}, or {@code null}
	 */
	void rebuild(RebuildCause cause, @Nullable IOException failure) {
		this.spuriousInARow = 0;
		this.wakeupMayLinger = false;
		this.statistics.increment(cause);
		Selector old = this.selector;
		Selector rebuilt;
		try {
			rebuilt = this.operation.open();
		}
		catch (IOException ex) {
			this.rebuilds.warn(() -> "Unable to open a new selector for " + this.owner + "; keeping the old one",
					LogFacts.reactor(this.owner).cause(cause), ex);
			return;
		}
		for (SelectionKey key : old.keys()) {
			if (key.isValid() && key.attachment() instanceof Selectable selectable) {
				move(key, selectable, rebuilt);
			}
		}
		this.selector = rebuilt;
		Closeables.closeQuietly(old);
		this.rebuilds.warn(() -> ((cause == RebuildCause.SPIN)
				? "The selector of " + this.owner + " returned " + SPIN_THRESHOLD + " times in a row for nothing"
				: "select() failed on " + this.owner) + "; rebuilt the selector",
				LogFacts.reactor(this.owner).cause(cause), failure);
	}

	private void move(SelectionKey key, Selectable selectable, Selector rebuilt) {
		try {
			int ops = key.interestOps();
			key.cancel();
			selectable.rekeyed(key.channel().register(rebuilt, ops, selectable));
		}
		catch (IOException | RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Unable to move " + key.channel() + " to the rebuilt selector of " + this.owner,
						LogFacts.connection(this.owner, key.channel(), null), ex);
			}
			selectable.abort(CloseCause.ERROR);
		}
	}

	/**
	 * Return the number of registered keys. Called from any thread; the value is a racy
	 * but harmless read of a set's size.
	 * @return the registered keys
	 */
	public int registeredKeys() {
		try {
			return this.selector.keys().size();
		}
		catch (RuntimeException ex) {
			// The selector is closed: nothing is registered
			return 0;
		}
	}

	/**
	 * Return the registered keys, to iterate on the loop thread without closing any
	 * channel meanwhile.
	 * @return the keys
	 */
	public java.util.Set<SelectionKey> keys() {
		return this.selector.keys();
	}

	/**
	 * Hand the attachment of every registered key to {@code action}, which may close it.
	 * Runs on the loop thread.
	 * @param action receives each attachment
	 */
	public void forEachRegistered(Consumer<Selectable> action) {
		// A copy: the action may close channels, which cancels their keys.
		for (Object attachment : this.selector.keys().stream().map(SelectionKey::attachment).toArray()) {
			if (attachment instanceof Selectable selectable) {
				action.accept(selectable);
			}
		}
	}

	void close() {
		Closeables.closeQuietly(this.selector);
	}

}

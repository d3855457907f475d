package io.echoreactor.reactor.memory;

import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.ThrottledWarning;

/**
 * One reactor's side of the {@link SessionMemoryBudget}: its connections wait here for
 * session memory with {@code OP_READ} off, a handshake to start or a read that could hold
 * more bytes in part, and are resumed in order when memory comes back. While any wait,
 * every reactor evicts its worst holder, as with pending output (see
 * {@link ReactorMemory}): the connection holding the most bytes in part for the longest
 * without sending more, and only above its fair share. An engine's own cost is never a
 * reason to evict: an established connection, busy or idle, keeps its session.
 *
 * <p>
 * <strong>Threading:</strong> confined to the reactor's thread, except
 * {@link #wakeIfHungry()} and {@link #relieveSoon()}, which other reactors call.
 */
public final class SessionMemory extends Deadlines.Entry {

	private static final ReactorLog logger = ReactorLog.of(SessionMemory.class);

	private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private static final int EVICTIONS_PER_RELIEF = 16;

	private final SessionMemoryBudget budget;

	private final EventLoop loop;

	private final ThrottledWarning evictions = new ThrottledWarning(logger);

	private final ArrayDeque<MemoryHolder> waiting = new ArrayDeque<>();

	private final AtomicBoolean hungry = new AtomicBoolean();

	private final AtomicBoolean wakeQueued = new AtomicBoolean();

	private final AtomicBoolean reliefQueued = new AtomicBoolean();

	private final Runnable wake;

	private final Runnable relieve;

	public SessionMemory(SessionMemoryBudget budget, EventLoop loop) {
		this.budget = budget;
		this.loop = loop;
		this.wake = () -> {
			this.wakeQueued.set(false);
			resumeWaiting();
		};
		this.relieve = () -> {
			this.reliefQueued.set(false);
			relieveNow();
		};
		budget.join(this);
	}

	public SessionMemoryBudget budget() {
		return this.budget;
	}

	/**
	 * Park a connection until session memory comes back. Loop thread only.
	 * @param connection the connection, whose {@code OP_READ} is already off
	 */
	public void await(MemoryHolder connection) {
		this.waiting.add(connection);
		if (this.hungry.compareAndSet(false, true)) {
			this.budget.hungry(true);
		}
		if (!isScheduled()) {
			this.loop.deadlines().schedule(this, this.loop.now() + RETRY_NANOS);
			relieveSoon();
			this.budget.requestRelief(this);
		}
	}

	/** @return the connections waiting now */
	int waiting() {
		return this.waiting.size();
	}

	/** Memory came back: resume the waiting connections. Called from any thread. */
	void wakeIfHungry() {
		if (this.hungry.get() && this.wakeQueued.compareAndSet(false, true)) {
			this.loop.execute(this.wake);
		}
	}

	/** Evict this reactor's worst holder, from a task of its own. Called from any thread. */
	void relieveSoon() {
		if (this.reliefQueued.compareAndSet(false, true)) {
			this.loop.execute(this.relieve);
		}
	}

	@Override
	protected void expired(long nowNanos) {
		resumeWaiting();
		if (!this.waiting.isEmpty()) {
			relieveNow();
			this.budget.requestRelief(this);
		}
	}

	private void resumeWaiting() {
		// Each resumed connection takes what it needs before the next is asked; one that
		// still finds too little waits again at the back.
		int turns = this.waiting.size();
		for (int i = 0; i < turns && !this.waiting.isEmpty(); i++) {
			MemoryHolder connection = this.waiting.poll();
			if (connection.awaitsHandshakeStart() && !this.budget.hasRoomForHandshake()) {
				// Still no room: it keeps its place, in order.
				this.waiting.addFirst(connection);
				break;
			}
			connection.sessionMemoryAvailable();
		}
		if (this.waiting.isEmpty()) {
			if (this.hungry.getAndSet(false)) {
				this.budget.hungry(false);
			}
			this.loop.deadlines().cancel(this);
		}
		else if (!isScheduled()) {
			this.loop.deadlines().schedule(this, this.loop.now() + RETRY_NANOS);
		}
	}

	/** A connection that waited is closing: forget it. Loop thread only. */
	public void forget(MemoryHolder connection) {
		this.waiting.remove(connection);
	}

	/** Give up the waiters when the loop ends. */
	public void release() {
		this.waiting.clear();
		if (this.hungry.getAndSet(false)) {
			this.budget.hungry(false);
		}
	}

	// Runs as a task of its own, outside any connection's I/O. Handshakes that wait are
	// bounded by their timeout and never evict anyone: only records held in part do.
	private void relieveNow() {
		for (int i = 0; i < EVICTIONS_PER_RELIEF && this.budget.isSpent(); i++) {
			if (!evictWorst()) {
				return;
			}
		}
	}

	private boolean evictWorst() {
		long now = this.loop.now();
		long fairShare = this.budget.fairShare();
		MemoryHolder worst = null;
		double worstScore = 0;
		for (SelectionKey key : this.loop.selector().keys()) {
			if (key.attachment() instanceof MemoryHolder connection && connection.heldInPart() > fairShare) {
				long stalled = now - connection.lastReadNanos();
				double score = (double) connection.heldInPart() * stalled;
				if (stalled >= ReactorMemory.STALL_NANOS && score > worstScore) {
					worst = connection;
					worstScore = score;
				}
			}
		}
		if (worst == null) {
			return false;
		}
		if (this.evictions.due()) {
			this.evictions.log("max-session-memory (" + this.budget.limit() / 1024 + " KiB) ran short; evicted a "
					+ "connection on " + this.loop.name() + " that held " + worst.heldInPart()
					+ " bytes of an unfinished record or header for "
					+ TimeUnit.NANOSECONDS.toMillis(now - worst.lastReadNanos()) + " ms",
					LogFacts.connection(this.loop.name(), worst.channel(), worst.client()).cause(CloseCause.EVICTED),
					null);
		}
		worst.evict();
		return true;
	}

}

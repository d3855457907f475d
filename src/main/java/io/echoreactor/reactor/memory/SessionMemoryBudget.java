package io.echoreactor.reactor.memory;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.echoreactor.reactor.tls.TlsRecords;

/**
 * The heap that all connections may hold for their protocols together
 * ({@code max-session-memory}): each TLS connection's engine, during its handshake and
 * after it, the TLS records that have arrived in part, and the PROXY headers in progress.
 * Plain echo connections hold none of it.
 *
 * <p>
 * A JDK {@code SSLEngine} keeps its state on the heap and says nothing of its size, so an
 * engine is charged what it was measured to hold (BENCHMARKS.md, "Heap per TLS
 * connection"): {@link #HANDSHAKE_COST} while its handshake runs, {@link #SESSION_COST}
 * once it is done. Bytes held in part are charged at the size of the buffer that holds
 * them, which is sized for what arrived, not for the largest record.
 *
 * <p>
 * <strong>Admission, not allocation.</strong> A handshake starts only if its cost fits
 * below the limit less a headroom ({@link #handshakeLimit()}), which keeps room for the
 * records that established connections hold in part: engines alone never spend the whole
 * budget. Held bytes may take the budget to its limit; a reactor then stops reading from
 * the connections that could hold more (see {@link SessionMemory}), so the limit is
 * passed by at most a record per reactor, and by one more for handshakes still without an
 * engine.
 *
 * <p>
 * <strong>A live change</strong> ({@link #setLimit(long)}) applies to the next handshake
 * and the next record held in part. Sessions established under a larger limit are never
 * evicted: after a lowering, new handshakes wait until enough of them have closed, and the
 * room kept for records in part stays the records' own (sessions above the new handshake
 * limit do not take it), so established connections go on echoing.
 *
 * <p>
 * <strong>Threading:</strong> shared by the reactors; lock-free.
 */
public final class SessionMemoryBudget {

	/** What a server engine holds while its handshake runs: measured 10 to 16 KB, with margin. */
	public static final long HANDSHAKE_COST = 24 * 1024;

	/** What a server engine holds once its handshake is done: measured 6.7 to 10.4 KB, with margin. */
	public static final long SESSION_COST = 12 * 1024;

	private final int reactors;

	// Set at start and by a live change of max-session-memory; read without a lock, so a
	// reader may pair a new limit with the old handshake limit for an instant, which only
	// shifts one decision by a record.
	private volatile long limit;

	private volatile long handshakeLimit;

	// Engines, and the first records of connections that have none yet: what handshakes are
	// admitted against.
	private final AtomicLong sessions = new AtomicLong();

	// Records and headers held in part by connections past their handshake, or in their PROXY
	// header: what the room above the handshake limit is for.
	private final AtomicLong records = new AtomicLong();

	// Connections holding bytes in part: those that the held bytes are shared among.
	private final AtomicInteger holders = new AtomicInteger();

	// Reactors with connections waiting for session memory.
	private final AtomicInteger hungry = new AtomicInteger();

	private volatile SessionMemory[] members = new SessionMemory[0];

	/**
	 * Return the heap connections may hold for their protocols under the given settings:
	 * {@code max-session-memory}, or by default {@value #DEFAULT_HEAP_PERCENT}% of the
	 * JVM's maximum heap.
	 * @param configured {@code max-session-memory}, or 0 for the default
	 * @return the limit in bytes
	 */
	public static long limitFor(long configured) {
		return (configured > 0) ? configured : Runtime.getRuntime().maxMemory() / 100 * DEFAULT_HEAP_PERCENT;
	}

	/** The default share of the heap, in percent. */
	static final int DEFAULT_HEAP_PERCENT = 25;

	/** The most of the heap that {@code max-session-memory} may be set to, in percent. */
	static final int MAX_HEAP_PERCENT = 70;

	/**
	 * @param limit the most connections may hold, in bytes
	 * @param reactors the reactors sharing it, each of which may pass the limit by a record
	 */
	public SessionMemoryBudget(long limit, int reactors) {
		this.reactors = reactors;
		setLimit(limit);
	}

	private static long handshakeLimit(long limit, int reactors) {
		long headroom = Math.max(limit / 8, (long) reactors * 2 * TlsRecords.MAX_RECORD_SIZE);
		return Math.max(0, limit - headroom);
	}

	/**
	 * Change the most connections may hold, from the next handshake and the next record
	 * held in part on. Called from any thread; the caller has checked the new limit with
	 * {@link #checkFitsHeap(long, int)}.
	 * @param limit the new limit, in bytes
	 */
	public synchronized void setLimit(long limit) {
		this.handshakeLimit = handshakeLimit(limit, this.reactors);
		this.limit = limit;
	}

	/**
	 * Check that a limit leaves the rest of the heap to everything else, the JVM's other
	 * users and the connections' own objects, and holds one handshake.
	 * @param limit the limit, in bytes
	 * @param reactors the reactors sharing it
	 * @throws IllegalStateException if it does not
	 */
	public static void checkFitsHeap(long limit, int reactors) {
		long heap = Runtime.getRuntime().maxMemory();
		long most = heap / 100 * MAX_HEAP_PERCENT;
		if (limit > most) {
			throw new IllegalStateException("echo.server.max-session-memory (" + limit / 1024 + " KiB) must be at "
					+ "most " + most / 1024 + " KiB, " + MAX_HEAP_PERCENT + "% of the JVM's maximum heap ("
					+ heap / 1024 / 1024 + " MiB, -Xmx or -XX:MaxRAMPercentage); lower it, or give the JVM more heap");
		}
		if (handshakeLimit(limit, reactors) < HANDSHAKE_COST) {
			throw new IllegalStateException("echo.server.max-session-memory (" + limit / 1024 + " KiB) is too "
					+ "small to hold one TLS handshake (" + HANDSHAKE_COST / 1024 + " KiB) beside the room kept for "
					+ "records in part; raise it");
		}
	}

	/** @return the most all connections may hold, in bytes */
	public long limit() {
		return this.limit;
	}

	/** @return the most that handshakes and sessions may bring the budget to, in bytes */
	public long handshakeLimit() {
		return this.handshakeLimit;
	}

	/** @return the bytes held now */
	public long used() {
		return this.sessions.get() + this.records.get();
	}

	/**
	 * Return whether held records have spent the budget: connections past their handshake
	 * that could hold more wait to read. Sessions count up to the handshake limit only, so
	 * that sessions admitted under a larger limit never leave the records without room.
	 * @return whether the budget is spent
	 */
	public boolean isSpent() {
		return this.records.get() + Math.min(this.sessions.get(), this.handshakeLimit) >= this.limit;
	}

	/**
	 * @return whether sessions have reached the handshake limit: connections without an
	 * engine wait to read their first record
	 */
	public boolean sessionsFull() {
		return this.sessions.get() >= this.handshakeLimit;
	}

	/** @return whether a new handshake would fit below {@link #handshakeLimit()} now */
	boolean hasRoomForHandshake() {
		return this.sessions.get() + HANDSHAKE_COST <= this.handshakeLimit;
	}

	/**
	 * Charge a new handshake, if it fits below {@link #handshakeLimit()}.
	 * @return whether it was charged
	 */
	public boolean tryReserveHandshake() {
		long current;
		do {
			current = this.sessions.get();
			if (current + HANDSHAKE_COST > this.handshakeLimit) {
				return false;
			}
		}
		while (!this.sessions.compareAndSet(current, current + HANDSHAKE_COST));
		return true;
	}

	/**
	 * Charge bytes that have already arrived: they are held either way, and the readers
	 * stop reading while their part of the budget is spent.
	 * @param bytes the bytes
	 * @param session whether they count with the sessions (a connection without an engine
	 * yet) rather than with the records held in part
	 */
	public void reserve(long bytes, boolean session) {
		(session ? this.sessions : this.records).addAndGet(bytes);
	}

	/**
	 * Give bytes back, and wake the reactors whose connections wait for them.
	 * @param bytes the bytes
	 * @param session whether they were charged with the sessions
	 */
	public void release(long bytes, boolean session) {
		(session ? this.sessions : this.records).addAndGet(-bytes);
		if (this.hungry.get() > 0) {
			for (SessionMemory member : this.members) {
				member.wakeIfHungry();
			}
		}
	}

	/**
	 * Return the bytes a connection may hold in part even when memory is short: the room
	 * kept above the handshake limit, which is the held records' own, divided among the
	 * connections that hold some. A connection at or below it is never evicted.
	 * @return the fair share, in bytes
	 */
	long fairShare() {
		return (this.limit - this.handshakeLimit) / Math.max(1, this.holders.get());
	}

	public void holderAdded() {
		this.holders.incrementAndGet();
	}

	public void holderRemoved() {
		this.holders.decrementAndGet();
	}

	void hungry(boolean hungry) {
		if (hungry) {
			this.hungry.incrementAndGet();
		}
		else {
			this.hungry.decrementAndGet();
		}
	}

	synchronized void join(SessionMemory member) {
		SessionMemory[] joined = Arrays.copyOf(this.members, this.members.length + 1);
		joined[joined.length - 1] = member;
		this.members = joined;
	}

	/**
	 * The budget is spent: ask every other reactor to evict its worst holder.
	 * @param requester the reactor that found it spent, which relieves itself
	 */
	void requestRelief(SessionMemory requester) {
		for (SessionMemory member : this.members) {
			if (member != requester) {
				member.relieveSoon();
			}
		}
	}

}

package io.echoreactor.reactor.memory;

import java.nio.ByteBuffer;
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
import org.jspecify.annotations.Nullable;

/**
 * One reactor's side of the {@link PendingOutputBudget}: where its connections' pending
 * output takes chunks from and gives them back to, and how it behaves when the budget runs
 * short.
 *
 * <p>
 * <strong>A read never outruns the memory to hold it.</strong> What a read brings in and
 * the write back does not take must be kept, so a reactor reads only as much as it could
 * keep. It holds a reserve of chunks (enough for one full read) drawn from the budget; a
 * connection takes chunks from the shared pool first and from the reserve only when the
 * pool is dry, and the reserve is refilled at once. While the pool stays dry, reads shrink
 * to what the reserve can hold, and a connection that cannot read at all
 * {@link #await(MemoryHolder) waits}, with {@code OP_READ} off, until memory comes back;
 * meanwhile every reactor evicts its worst holder (see {@link PendingOutputBudget}). No
 * connection is ever closed because it was the one that happened to need memory last.
 *
 * <p>
 * <strong>Threading:</strong> confined to the reactor's thread, except
 * {@link #wakeIfHungry()} and {@link #relieveSoon()}, which other reactors call.
 */
public final class ReactorMemory extends Deadlines.Entry {

	private static final ReactorLog logger = ReactorLog.of(ReactorMemory.class);

	/** How often a reactor that is short of memory asks again for relief. */
	private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	/**
	 * A connection holding pending output that has written nothing for this long is
	 * stalled, and may be evicted when memory runs short; one that wrote more recently is
	 * draining, and never is.
	 */
	static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	/** The most connections one reactor evicts at a time, until its reserve is full again. */
	private static final int EVICTIONS_PER_RELIEF = 4;

	private final PendingOutputBudget budget;

	private final EventLoop loop;

	private final ThrottledWarning evictions = new ThrottledWarning(logger);

	private final ByteBuffer[] reserve;

	private final ArrayDeque<MemoryHolder> waiting = new ArrayDeque<>();

	private final AtomicBoolean hungry = new AtomicBoolean();

	private final AtomicBoolean wakeQueued = new AtomicBoolean();

	private final AtomicBoolean reliefQueued = new AtomicBoolean();

	private final Runnable wake;

	private final Runnable relieve;

	private int reserveCount;

	/**
	 * @param budget the shared budget
	 * @param loop the reactor's loop
	 * @param readBufferSize the largest read, which the reserve must be able to hold
	 */
	public ReactorMemory(PendingOutputBudget budget, EventLoop loop, int readBufferSize) {
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
		// One more than a read needs: a read's first bytes may land in a partly filled chunk.
		this.reserve = new ByteBuffer[reserveChunks(readBufferSize)];
		budget.join(this);
	}

	/**
	 * Return the chunks each reactor keeps in reserve for the given read buffer.
	 * @param readBufferSize the read buffer's size
	 * @return the reserve, in chunks
	 */
	public static int reserveChunks(int readBufferSize) {
		return (readBufferSize + PendingOutputBudget.CHUNK_SIZE - 1) / PendingOutputBudget.CHUNK_SIZE + 1;
	}

	/**
	 * Return how many bytes the next read may bring in: what the caller wants, or less
	 * while the budget is short. Loop thread only.
	 * @param wanted the bytes the caller would read
	 * @return at most {@code wanted}; 0 when nothing can be read now
	 */
	public int readLimit(int wanted) {
		int room = this.reserveCount * PendingOutputBudget.CHUNK_SIZE;
		if (room >= wanted) {
			return wanted;
		}
		refill();
		room = this.reserveCount * PendingOutputBudget.CHUNK_SIZE;
		return Math.min(room, wanted);
	}

	/**
	 * Take a chunk for pending output. Loop thread only.
	 * @return a cleared chunk, or {@code null} only if a caller read more than
	 * {@link #readLimit(int)} allowed
	 */
	@Nullable ByteBuffer acquire() {
		ByteBuffer chunk = this.budget.tryAcquire();
		if (chunk == null && this.reserveCount > 0) {
			chunk = this.reserve[--this.reserveCount];
			this.reserve[this.reserveCount] = null;
			refill();
		}
		return chunk;
	}

	/**
	 * Give a chunk back. Loop thread only.
	 * @param chunk the chunk
	 */
	void release(ByteBuffer chunk) {
		if (this.reserveCount < this.reserve.length) {
			this.reserve[this.reserveCount++] = chunk.clear();
		}
		else {
			this.budget.release(chunk);
		}
		if (!this.waiting.isEmpty()) {
			resumeWaiting();
		}
	}

	/**
	 * Park a connection that cannot read for want of memory until some comes back.
	 * Loop thread only.
	 * @param connection the connection, whose {@code OP_READ} is already off
	 */
	public void await(MemoryHolder connection) {
		this.waiting.add(connection);
		this.budget.waiterAdded();
		shortOfMemory();
	}

	/** @return the connections waiting for memory now */
	int waiting() {
		return this.waiting.size();
	}

	/** @return the budget this reactor's memory is drawn from, shared by all reactors */
	public PendingOutputBudget budget() {
		return this.budget;
	}

	/** Fill the reserve at start-up. */
	public void fillReserve() {
		refill();
	}

	/** Give the reserve back to the budget, for the other reactors, when the loop ends. */
	public void releaseReserve() {
		while (this.reserveCount > 0) {
			this.budget.release(this.reserve[--this.reserveCount]);
			this.reserve[this.reserveCount] = null;
		}
		while (this.waiting.poll() != null) {
			this.budget.waiterRemoved();
		}
		if (this.hungry.getAndSet(false)) {
			this.budget.hungry(false);
		}
	}

	/** Memory came back to the pool: resume waiting connections. Called from any thread. */
	void wakeIfHungry() {
		if (this.hungry.get() && this.wakeQueued.compareAndSet(false, true)) {
			this.loop.execute(this.wake);
		}
	}

	/**
	 * The pool is dry: evict this reactor's worst holder, from a task of its own. Called from
	 * any thread.
	 */
	void relieveSoon() {
		if (this.reliefQueued.compareAndSet(false, true)) {
			this.loop.execute(this.relieve);
		}
	}

	@Override
	protected void expired(long nowNanos) {
		resumeWaiting();
	}

	private void refill() {
		if (!tryRefill()) {
			shortOfMemory();
		}
	}

	private boolean tryRefill() {
		while (this.reserveCount < this.reserve.length) {
			ByteBuffer chunk = this.budget.tryAcquire();
			if (chunk == null) {
				return false;
			}
			this.reserve[this.reserveCount++] = chunk;
		}
		return true;
	}

	private void shortOfMemory() {
		if (this.hungry.compareAndSet(false, true)) {
			this.budget.hungry(true);
		}
		if (isScheduled()) {
			return;
		}
		// Relief soon, here and on the other reactors, and again until memory is back. Never
		// inline: this runs inside a connection's own read or write, and that connection may
		// be the one to evict.
		this.loop.deadlines().schedule(this, this.loop.now() + RETRY_NANOS);
		relieveSoon();
		this.budget.requestRelief(this);
	}

	// Runs as a task of its own, outside any connection's I/O.
	private void relieveNow() {
		for (int i = 0; i < EVICTIONS_PER_RELIEF; i++) {
			if (!evictWorst(this.budget.fairShareChunks()) || tryRefill()) {
				return;
			}
		}
	}

	private void resumeWaiting() {
		if (this.reserveCount < this.reserve.length) {
			refill();
		}
		while (this.reserveCount > 0 && !this.waiting.isEmpty()) {
			this.budget.waiterRemoved();
			this.waiting.poll().memoryAvailable();
		}
		if (this.waiting.isEmpty() && this.reserveCount == this.reserve.length) {
			if (this.hungry.getAndSet(false)) {
				this.budget.hungry(false);
			}
			this.loop.deadlines().cancel(this);
		}
		else if (!isScheduled()) {
			shortOfMemory();
		}
	}

	/**
	 * Close, with a reset, the connection that holds the most pending output for the
	 * longest without draining (stalled for {@link #STALL_NANOS}), if any holds more than
	 * its fair share. Runs on the reactor thread, never inside a connection's own I/O.
	 * @param fairShareChunks what a connection may hold without being evicted
	 * @return whether a connection was evicted
	 */
	private boolean evictWorst(int fairShareChunks) {
		long now = this.loop.now();
		MemoryHolder worst = null;
		double worstScore = 0;
		for (SelectionKey key : this.loop.selector().keys()) {
			if (key.attachment() instanceof MemoryHolder connection && connection.heldChunks() > fairShareChunks) {
				long stalled = now - connection.lastWriteNanos();
				double score = (double) connection.heldChunks() * stalled;
				if (stalled >= STALL_NANOS && score > worstScore) {
					worst = connection;
					worstScore = score;
				}
			}
		}
		if (worst == null) {
			return false;
		}
		if (this.evictions.due()) {
			this.evictions.log("max-pending-output (" + this.budget.limit() / 1024 + " KiB) ran short; evicted a "
					+ "connection on " + this.loop.name() + " that held " + worst.heldChunks()
					* (PendingOutputBudget.CHUNK_SIZE / 1024) + " KiB without reading its echoes for "
					+ TimeUnit.NANOSECONDS.toMillis(now - worst.lastWriteNanos()) + " ms",
					LogFacts.connection(this.loop.name(), worst.channel(), worst.client()).cause(CloseCause.EVICTED),
					null);
		}
		worst.evict();
		return true;
	}

	/** A stage sent more than memory could hold: the one case reads cannot prevent. */
	public void warnShort() {
		if (this.evictions.due()) {
			this.evictions.log("No memory for pending output on " + this.loop.name() + "; resetting a connection",
					LogFacts.reactor(this.loop.name()), null);
		}
	}

}

package io.echoreactor.reactor.memory;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import org.jspecify.annotations.Nullable;

/**
 * The direct memory that all connections' pending output may hold together
 * ({@code max-pending-output}), and the one pool of {@value #CHUNK_SIZE}-byte chunks that
 * hands it out. Chunks are allocated on first need and then kept and reused, never left
 * to the garbage collector: the reactors allocate almost nothing on the heap, so
 * collections are rare, and a dropped direct buffer would hold its native memory until
 * the JDK, short of direct memory, called {@code System.gc()} and slept on a reactor
 * thread. So the JVM's direct memory for pending output never exceeds this budget.
 *
 * <p>
 * Every reactor draws from this one pool, so chunks one reactor no longer needs are at
 * once available to the others: no reactor's spare chunks can starve another's
 * connections. Each reactor keeps a small {@link ReactorMemory reserve} drawn from the same
 * budget. When the pool runs dry, the reactors {@link #requestRelief(ReactorMemory) relieve}
 * it: each evicts, from its own connections, the one that holds the most of it for the
 * longest without draining, and only above its {@link #fairShareChunks() fair share}.
 *
 * <p>
 * <strong>Threading:</strong> shared by the reactors. The pool is touched only when a
 * write is incomplete, once per chunk, never per message, so its monitor costs nothing
 * measurable.
 *
 * <p>
 * <strong>A live change</strong> ({@link #setLimit(long)}) caps what connections hold from
 * their next chunk on. After a lowering, connections holding more keep it and give it back
 * as their clients read; meanwhile the pool is dry for everyone, and the usual relief
 * applies: only a connection above its fair share whose client has stopped reading is
 * evicted. Chunks allocated under the larger budget stay in the pool for reuse (the JVM's
 * direct memory is not handed back before a restart) but are not handed out beyond the new
 * limit.
 */
public final class PendingOutputBudget {

	private static final ReactorLog logger = ReactorLog.of(PendingOutputBudget.class);

	public static final int CHUNK_SIZE = 16 * 1024;

	// Set at start and by a live change of max-pending-output, under the monitor.
	private volatile long limit;

	private volatile int limitChunks;

	// Guarded by this. Grown as chunks come back, never past the chunks allocated: a budget
	// of a terabyte that clients never fill costs nothing up front.
	private ByteBuffer[] free = new ByteBuffer[16];

	private int freeCount;

	private int allocated;

	private boolean directMemoryExhausted;

	// Connections holding at least one chunk of pending output, and connections waiting for
	// one, over all reactors: those the budget is shared among.
	private final AtomicInteger holders = new AtomicInteger();

	private final AtomicInteger waiting = new AtomicInteger();

	// Reactors with connections waiting for memory.
	private final AtomicInteger hungry = new AtomicInteger();

	private volatile ReactorMemory[] members = new ReactorMemory[0];

	/**
	 * Return the most direct memory pending output may hold: {@code max-pending-output},
	 * or by default half of the JVM's direct memory (the rest is for the reactors' read
	 * buffers, and the JDK's and the HTTP server's own buffers).
	 * @param maxPendingOutput {@code max-pending-output}, or 0 for the default
	 * @return the limit in bytes
	 */
	public static long limitFor(long maxPendingOutput) {
		return (maxPendingOutput > 0) ? maxPendingOutput : maxDirectMemory() / 2;
	}

	/**
	 * Return the JVM's limit on direct memory: {@code -XX:MaxDirectMemorySize}, or the
	 * maximum heap size when that is not set.
	 * @return the limit in bytes
	 */
	public static long maxDirectMemory() {
		try {
			String value = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
				.getVMOption("MaxDirectMemorySize")
				.getValue();
			long configured = Long.parseLong(value);
			// 0 means the default, which is the maximum heap size.
			return (configured > 0) ? configured : Runtime.getRuntime().maxMemory();
		}
		catch (RuntimeException ex) {
			return Runtime.getRuntime().maxMemory();
		}
	}

	/**
	 * Check that the reactors' reserves leave room for connections: with less than twice
	 * them, one reactor's reserve could not be refilled while another's connections held
	 * the rest, and reading would stop for want of memory nobody can evict.
	 * @param limit the budget, in bytes
	 * @param reactors the number of reactors
	 * @param readBufferSize each reactor's read buffer size
	 * @throws IllegalStateException if they do not fit
	 */
	public static void checkReservesFit(long limit, int reactors, int readBufferSize) {
		long reserve = (long) reactors * ReactorMemory.reserveChunks(readBufferSize)
				* CHUNK_SIZE;
		if (reserve * 2 > limit) {
			throw new IllegalStateException("echo.server.max-pending-output (" + limit / 1024
					+ " KiB) must be at least " + reserve * 2 / 1024 + " KiB: twice what the " + reactors
					+ " reactor(s) keep in reserve to hold one read each (echo.server.read-buffer-size, "
					+ readBufferSize / 1024 + " KiB); raise it, or lower echo.server.reactors or "
					+ "echo.server.read-buffer-size");
		}
	}

	/**
	 * Check that the budget fits the JVM's direct memory beside what else lives there:
	 * each reactor's read buffer and UDP receive buffer, and the JDK's own temporary
	 * buffers. A budget above it would pass validation and fail only when clients filled
	 * it, as an {@code OutOfMemoryError} in the middle of serving.
	 * @param limit the budget, in bytes
	 * @param reactors the number of reactors
	 * @param directPerReactor what each reactor keeps in direct memory of its own: its read
	 * buffer and its UDP receive buffer
	 * @throws IllegalStateException if it does not fit
	 */
	public static void checkFitsDirectMemory(long limit, int reactors, int directPerReactor) {
		long direct = maxDirectMemory();
		long others = (long) reactors * directPerReactor
				+ JDK_DIRECT_HEADROOM;
		if (limit + others > direct) {
			throw new IllegalStateException("echo.server.max-pending-output (" + limit / 1024 + " KiB) must be at "
					+ "most " + Math.max(0, direct - others) / 1024 + " KiB: the JVM's direct memory ("
					+ direct / 1024 + " KiB, -XX:MaxDirectMemorySize, by default the maximum heap) less "
					+ others / 1024 + " KiB for the reactors' read buffers and the JDK's own; lower it, or raise "
					+ "-XX:MaxDirectMemorySize");
		}
	}

	/** What the JDK and the HTTP server keep in direct memory of their own: temporary buffers per thread. */
	static final long JDK_DIRECT_HEADROOM = 1024 * 1024;

	public PendingOutputBudget(long limit) {
		setLimit(limit);
	}

	/**
	 * Change the most the pool may hold, from the next chunk taken on. Called from any
	 * thread; the caller has checked the new limit as at start.
	 * @param limit the new limit, in bytes
	 */
	public synchronized void setLimit(long limit) {
		this.limit = limit;
		this.limitChunks = (int) Math.min(Integer.MAX_VALUE - 8, limit / CHUNK_SIZE);
	}

	/** @return the most the pool may hold, in bytes */
	public long limit() {
		return this.limit;
	}

	/** @return the most the pool may hold, in chunks */
	int limitChunks() {
		return this.limitChunks;
	}

	/**
	 * @return the direct memory the pool has allocated so far, in bytes; never above the
	 * largest limit it has had
	 */
	public synchronized long allocatedBytes() {
		return (long) this.allocated * CHUNK_SIZE;
	}

	/** @return chunks held by connections or reactor reserves now */
	public synchronized int chunksInUse() {
		return this.allocated - this.freeCount;
	}

	synchronized void join(ReactorMemory member) {
		ReactorMemory[] members = this.members;
		ReactorMemory[] joined = java.util.Arrays.copyOf(members, members.length + 1);
		joined[members.length] = member;
		this.members = joined;
	}

	/**
	 * Take a chunk, allocating it if the budget allows. Called from any reactor thread.
	 * @return a cleared chunk, or {@code null} if the budget is spent
	 */
	synchronized @Nullable ByteBuffer tryAcquire() {
		if (this.allocated - this.freeCount >= this.limitChunks) {
			return null;
		}
		if (this.freeCount > 0) {
			ByteBuffer chunk = this.free[--this.freeCount];
			this.free[this.freeCount] = null;
			return chunk;
		}
		if (this.directMemoryExhausted) {
			return null;
		}
		try {
			ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_SIZE);
			this.allocated++;
			return chunk;
		}
		catch (OutOfMemoryError ex) {
			// Something else holds the JVM's direct memory (-XX:MaxDirectMemorySize). Stop
			// asking: every further attempt would cost a System.gc() and a sleep.
			this.directMemoryExhausted = true;
			logger.warn("The JVM's direct memory ran out after " + this.allocated * (long) CHUNK_SIZE / 1024
					+ " KiB of pending output; treating max-pending-output as spent. Raise -XX:MaxDirectMemorySize "
					+ "or lower echo.server.max-pending-output",
					LogFacts.reactor(Thread.currentThread().getName()), ex);
			return null;
		}
	}

	/**
	 * Give a chunk back for reuse, and wake the reactors that wait for memory. Called from
	 * any reactor thread.
	 * @param chunk the chunk
	 */
	void release(ByteBuffer chunk) {
		chunk.clear();
		synchronized (this) {
			if (this.freeCount == this.free.length) {
				this.free = java.util.Arrays.copyOf(this.free, Math.max(16, this.allocated));
			}
			this.free[this.freeCount++] = chunk;
		}
		if (this.hungry.get() > 0) {
			for (ReactorMemory member : this.members) {
				member.wakeIfHungry();
			}
		}
	}

	/**
	 * Return the chunks a connection is entitled to hold even when the pool is dry: the
	 * budget divided among the connections that hold some or wait for some. A connection
	 * at or below it is never evicted.
	 * @return the fair share, at least 1
	 */
	int fairShareChunks() {
		return Math.max(1, this.limitChunks / Math.max(1, this.holders.get() + this.waiting.get()));
	}

	void waiterAdded() {
		this.waiting.incrementAndGet();
	}

	void waiterRemoved() {
		this.waiting.decrementAndGet();
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

	/**
	 * The pool is dry: ask every other reactor to evict its worst holder.
	 * @param requester the reactor that found it dry, which relieves itself
	 */
	void requestRelief(ReactorMemory requester) {
		for (ReactorMemory member : this.members) {
			if (member != requester) {
				member.relieveSoon();
			}
		}
	}

}

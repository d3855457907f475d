package io.echoreactor.reactor.udp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;


/**
 * The UDP echo's rate limit per source address: token buckets holding one second's worth
 * of datagrams each, so that no source (a spoofed victim, above all) gets more than
 * {@code rate} answers a second.
 *
 * <p>
 * <strong>A fixed table, nothing forgotten.</strong> The buckets are one table, allocated
 * at start ({@value #BYTES_PER_BUCKET} bytes a bucket) and never grown or evicted: a
 * source is charged to the bucket a {@link SipHash keyed hash} of its address picks. A
 * table that evicted sources to stay bounded would let anyone reset a victim's debt by
 * sending from enough other addresses; here no number of other sources touches it. Sources
 * whose addresses pick the same bucket share its rate, which only ever answers less,
 * never more; the key is random per limiter, so that nobody can choose addresses that
 * share a victim's bucket. A bucket never drawn on, or refilled, costs nothing to keep.
 *
 * <p>
 * <strong>Threading:</strong> shared by the reactors that serve UDP (in {@code reuseport}
 * mode the kernel spreads one address's flows over several of them); a bucket is updated
 * under one of {@value #STRIPES} locks, chosen by the bucket, so that reactors rarely wait
 * for each other. The accessors for metrics may be called from any thread and take no
 * lock.
 */
public final class SourceRateLimiter {

	/** The most buckets a table may have: 80 MiB. */
	static final int MAX_BUCKETS = 4 * 1024 * 1024;

	/** What one bucket costs: its debt and its time (two longs), and its last source's tag (an int). */
	static final int BYTES_PER_BUCKET = 2 * Long.BYTES + Integer.BYTES;

	/** The share of the heap the table may take at most. */
	static final int HEAP_SHARE_DIVISOR = 4;

	private static final int STRIPES = 64;

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

	private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

	// A token is NANOS_PER_SECOND units, so that refilling for any elapsed time is exact.
	private final long capacity;

	private final long rate;

	private final int buckets;

	private final SipHash sipHash;

	// Per bucket, at 2i the debt (the units taken and not yet refilled; 0 only for a bucket
	// never drawn on, as every draw leaves at least a token's worth) and at 2i + 1 the time
	// the debt was last refilled.
	private final long[] debts;

	// Per bucket, the tag of the source that last drew on it, to tell a shared bucket.
	private final int[] tags;

	private final Object[] locks = new Object[STRIPES];

	private final LongAdder shared = new LongAdder();

	/**
	 * Create a limiter whose hash key comes from a {@link SecureRandom}.
	 * @param ratePerSecond datagrams per second for each source, at least 1
	 * @param buckets the size of the table, 1 to {@link #MAX_BUCKETS}
	 */
	public SourceRateLimiter(int ratePerSecond, int buckets) {
		this(ratePerSecond, buckets, new SecureRandom());
	}

	/**
	 * Create a limiter.
	 * @param ratePerSecond datagrams per second for each source, at least 1
	 * @param buckets the size of the table, 1 to {@link #MAX_BUCKETS}
	 * @param keys where the hash key comes from
	 */
	public SourceRateLimiter(int ratePerSecond, int buckets, Random keys) {
		if (buckets < 1 || buckets > MAX_BUCKETS) {
			throw new IllegalArgumentException("buckets must be between 1 and " + MAX_BUCKETS);
		}
		this.rate = ratePerSecond;
		this.capacity = ratePerSecond * NANOS_PER_SECOND;
		this.buckets = buckets;
		this.sipHash = new SipHash(keys.nextLong(), keys.nextLong());
		this.debts = new long[2 * buckets];
		this.tags = new int[buckets];
		for (int i = 0; i < STRIPES; i++) {
			this.locks[i] = new Object();
		}
	}

	/**
	 * Check that a table of {@code buckets} takes at most a quarter of the heap, the rest
	 * being the application's.
	 * @param buckets {@code echo.server.udp.max-tracked-sources}
	 * @param maxHeapBytes the heap's limit, {@link Runtime#maxMemory()}
	 * @throws IllegalStateException if it does not fit
	 */
	public static void checkFitsHeap(int buckets, long maxHeapBytes) {
		long bytes = (long) buckets * BYTES_PER_BUCKET;
		long allowed = maxHeapBytes / HEAP_SHARE_DIVISOR;
		if (bytes > allowed) {
			throw new IllegalStateException("echo.server.udp.max-tracked-sources (" + buckets + ") needs "
					+ bytes / 1024 + " KiB of heap for the UDP rate limit's table (" + BYTES_PER_BUCKET
					+ " bytes a bucket), more than a quarter of the JVM's maximum heap (" + maxHeapBytes / 1024
					+ " KiB); lower it to at most " + allowed / BYTES_PER_BUCKET
					+ ", or give the JVM a larger heap (-Xmx, -XX:MaxRAMPercentage)");
		}
	}

	/**
	 * Take one token from {@code source}'s bucket.
	 * @param source the source address
	 * @param nowNanos the time, in {@link System#nanoTime()} terms
	 * @return whether the datagram may be answered
	 */
	boolean tryAcquire(InetAddress source, long nowNanos) {
		long hash = this.sipHash.hash(source.getAddress());
		int bucket = bucketOf(hash);
		// Never 0, the tag of a bucket never drawn on.
		int tag = (int) hash | 1;
		int debtIndex = 2 * bucket;
		synchronized (this.locks[bucket % STRIPES]) {
			long debt = (long) LONGS.getOpaque(this.debts, debtIndex);
			long refilledNanos = (long) LONGS.getOpaque(this.debts, debtIndex + 1);
			if (debt == 0) {
				refilledNanos = nowNanos;
			}
			// Reactors sharing the limiter pass the time of their own last select(), so a time
			// may be older than the bucket's: it refills nothing and must not wind the bucket
			// back, or the next caller would be credited the same interval again.
			else if (nowNanos - refilledNanos > 0) {
				long elapsed = Math.min(nowNanos - refilledNanos, NANOS_PER_SECOND);
				debt = Math.max(0, debt - elapsed * this.rate);
				refilledNanos = nowNanos;
			}
			if ((int) INTS.getOpaque(this.tags, bucket) != tag) {
				if (debt > 0) {
					this.shared.increment();
				}
				INTS.setOpaque(this.tags, bucket, tag);
			}
			boolean acquired = debt <= this.capacity - NANOS_PER_SECOND;
			if (acquired) {
				debt += NANOS_PER_SECOND;
			}
			LONGS.setOpaque(this.debts, debtIndex, debt);
			LONGS.setOpaque(this.debts, debtIndex + 1, refilledNanos);
			return acquired;
		}
	}

	/**
	 * Return the bucket {@code source} is charged to, for tests that choose sources apart.
	 * @param source the source address
	 * @return the bucket's index
	 */
	public int bucketOf(InetAddress source) {
		return bucketOf(this.sipHash.hash(source.getAddress()));
	}

	// The high half of the hash scaled to the table (Lemire's multiply-shift), so that any
	// size works, not only powers of two; the low half is the tag.
	private int bucketOf(long hash) {
		return (int) (((hash >>> 32) * this.buckets) >>> 32);
	}

	/** @return the size of the table */
	int buckets() {
		return this.buckets;
	}

	/**
	 * Return the buckets in debt at {@code nowNanos}: drawn on, by one source or more, and
	 * not yet refilled, which takes a second at most. A scan of the whole table without a lock, for metrics: about a
	 * millisecond per 100,000 buckets. Called from any thread.
	 * @param nowNanos the time, in {@link System#nanoTime()} terms
	 * @return the buckets not full
	 */
	public int activeBuckets(long nowNanos) {
		int active = 0;
		for (int i = 0; i < this.debts.length; i += 2) {
			long debt = (long) LONGS.getOpaque(this.debts, i);
			if (debt == 0) {
				continue;
			}
			long elapsed = nowNanos - (long) LONGS.getOpaque(this.debts, i + 1);
			if (elapsed <= 0 || debt > Math.min(elapsed, NANOS_PER_SECOND) * this.rate) {
				active++;
			}
		}
		return active;
	}

	/**
	 * Return how often a bucket in debt changed hands: a source drew on it while another
	 * source's draws were not yet refilled, which means more sources send at once than the
	 * table tells apart. Told by a 31-bit tag of the last source's hash, so two sources
	 * mistaken for one are one in two billion. Called from any thread.
	 * @return the count so far
	 */
	public long shared() {
		return this.shared.sum();
	}

}

package io.echoreactor.reactor;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UDP echo's rate limit per source address: a token bucket per address, holding one
 * second's worth of datagrams, so that no source (a spoofed victim, above all) gets more
 * than {@code rate} answers a second. The table of addresses is bounded: beyond
 * {@code maxSources} the least recently seen address is forgotten, so that spoofed
 * sources cannot grow memory; a forgotten address starts again with a full bucket.
 *
 * <p>
 * <strong>Threading:</strong> shared by the reactors that serve UDP (in {@code reuseport}
 * mode the kernel spreads one address's flows over several of them); every call takes
 * this object's monitor, uncontended when one reactor serves UDP.
 */
final class SourceRateLimiter {

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	// A token is NANOS_PER_SECOND units, so that refilling for any elapsed time is exact.
	private final long capacity;

	private final long rate;

	private final int maxSources;

	private final LinkedHashMap<InetAddress, Bucket> buckets;

	private volatile int tracked;

	private volatile long forgotten;

	/**
	 * @param ratePerSecond datagrams per second for each source, at least 1
	 * @param maxSources the most sources tracked
	 */
	SourceRateLimiter(int ratePerSecond, int maxSources) {
		this.rate = ratePerSecond;
		this.capacity = ratePerSecond * NANOS_PER_SECOND;
		this.maxSources = maxSources;
		this.buckets = new LinkedHashMap<>(16, 0.75f, true) {

			@Override
			protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
				if (size() > SourceRateLimiter.this.maxSources) {
					SourceRateLimiter.this.forgotten++;
					return true;
				}
				return false;
			}

		};
	}

	/**
	 * Take one token from {@code source}'s bucket.
	 * @param source the source address
	 * @param nowNanos the time, in {@link System#nanoTime()} terms
	 * @return whether the datagram may be answered
	 */
	synchronized boolean tryAcquire(InetAddress source, long nowNanos) {
		Bucket bucket = this.buckets.get(source);
		if (bucket == null) {
			this.buckets.put(source, new Bucket(this.capacity - NANOS_PER_SECOND, nowNanos));
			this.tracked = this.buckets.size();
			return true;
		}
		// Reactors sharing the limiter pass the time of their own last select(), so a time may
		// be older than the bucket's: it refills nothing and must not wind the bucket back,
		// or the next caller would be credited the same interval again.
		if (nowNanos - bucket.refilledNanos > 0) {
			long elapsed = Math.min(nowNanos - bucket.refilledNanos, NANOS_PER_SECOND);
			bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.rate);
			bucket.refilledNanos = nowNanos;
		}
		if (bucket.tokens >= NANOS_PER_SECOND) {
			bucket.tokens -= NANOS_PER_SECOND;
			return true;
		}
		return false;
	}

	/** @return the source addresses tracked now. Called from any thread. */
	int tracked() {
		return this.tracked;
	}

	/** @return the sources forgotten so far to keep the table bounded. Called from any thread. */
	long forgotten() {
		return this.forgotten;
	}

	private static final class Bucket {

		private long tokens;

		private long refilledNanos;

		Bucket(long tokens, long refilledNanos) {
			this.tokens = tokens;
			this.refilledNanos = refilledNanos;
		}

	}

}

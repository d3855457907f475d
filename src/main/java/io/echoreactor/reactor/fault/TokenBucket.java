package io.echoreactor.reactor.fault;

/**
 * The pace of a {@code bandwidth} fault on one connection: a token bucket refilled at
 * the rate, holding at most 200 ms worth (and at least one byte), so that a connection
 * idle for a while cannot send a burst that would blur the rate, while a deadline that
 * fires late on a busy reactor loses none of the rate. Writes take what is there; when it
 * is empty, the connection waits, as a deadline, for what it needs.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread.
 */
final class TokenBucket {

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private final long bytesPerSecond;

	private final long capacity;

	private double tokens;

	private long lastNanos;

	TokenBucket(long bytesPerSecond, long nowNanos) {
		this.bytesPerSecond = bytesPerSecond;
		this.capacity = Math.max(1, Math.min(bytesPerSecond / 5, 4 * 1024 * 1024));
		this.tokens = this.capacity;
		this.lastNanos = nowNanos;
	}

	/**
	 * Return the whole bytes that may be written now.
	 * @param nowNanos the loop's time
	 * @return the bytes, 0 when the bucket is empty
	 */
	long available(long nowNanos) {
		long elapsed = nowNanos - this.lastNanos;
		if (elapsed > 0) {
			this.tokens = Math.min(this.capacity, this.tokens + (double) elapsed * this.bytesPerSecond / NANOS_PER_SECOND);
			this.lastNanos = nowNanos;
		}
		return (long) this.tokens;
	}

	void consume(long bytes) {
		this.tokens -= bytes;
	}

	/**
	 * Return when {@code wanted} bytes (at most the capacity) will be there.
	 * @param nowNanos the loop's time
	 * @param wanted the bytes wanted
	 * @return the time, in {@link System#nanoTime()} terms
	 */
	long readyAt(long nowNanos, long wanted) {
		double missing = Math.min(wanted, this.capacity) - this.tokens;
		if (missing <= 0) {
			return nowNanos;
		}
		return nowNanos + (long) Math.ceil(missing * NANOS_PER_SECOND / this.bytesPerSecond);
	}

}

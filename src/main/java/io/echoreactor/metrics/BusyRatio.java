package io.echoreactor.metrics;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The busy ratio of one event-loop thread: busy time over wall time since the previous
 * sample. A sample is taken when the gauge is read, but only once at least
 * {@link #MIN_WINDOW_NANOS} has passed since the last one; reads in between return the
 * last ratio. With one scraper the ratio is thus the average over its scrape interval,
 * and a second scraper or a curious operator cannot shrink the window to noise.
 *
 * <p>
 * <strong>Threading:</strong> called from any thread.
 */
final class BusyRatio {

	static final long MIN_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final LongSupplier busyNanos;

	private final LongSupplier clock;

	private long lastNanos;

	private long lastBusyNanos;

	private double ratio;

	BusyRatio(LongSupplier busyNanos, LongSupplier clock) {
		this.busyNanos = busyNanos;
		this.clock = clock;
		this.lastNanos = clock.getAsLong();
		this.lastBusyNanos = busyNanos.getAsLong();
	}

	synchronized double sample() {
		long now = this.clock.getAsLong();
		long elapsed = now - this.lastNanos;
		if (elapsed >= MIN_WINDOW_NANOS) {
			long busy = this.busyNanos.getAsLong();
			// The loop books its busy time when it next enters select(), so one window can
			// hold a little of the one before: clamp rather than report more than 100%.
			this.ratio = Math.min(1.0, Math.max(0.0, (double) (busy - this.lastBusyNanos) / elapsed));
			this.lastNanos = now;
			this.lastBusyNanos = busy;
		}
		return this.ratio;
	}

}

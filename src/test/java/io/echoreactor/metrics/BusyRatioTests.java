package io.echoreactor.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link BusyRatio}.
 */
class BusyRatioTests {

	private final AtomicLong busy = new AtomicLong();

	private final AtomicLong clock = new AtomicLong(1_000);

	private final BusyRatio ratio = new BusyRatio(this.busy::get, this.clock::get);

	@Test
	void ratioIsBusyTimeOverWallTimeSinceThePreviousSample() {
		advance(2, 500);
		assertThat(this.ratio.sample()).isCloseTo(0.25, within(1e-9));
		advance(1, 1000);
		assertThat(this.ratio.sample()).isCloseTo(1.0, within(1e-9));
	}

	@Test
	void readsWithinTheMinimumWindowReturnTheLastRatio() {
		advance(1, 100);
		assertThat(this.ratio.sample()).isCloseTo(0.1, within(1e-9));
		this.clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
		this.busy.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
		assertThat(this.ratio.sample()).isCloseTo(0.1, within(1e-9));
		// The short interval is not lost: it counts toward the next window.
		advance(1, 0);
		assertThat(this.ratio.sample()).isCloseTo(10.0 / 1010, within(1e-9));
	}

	@Test
	void ratioIsZeroUntilTheFirstWindowHasPassed() {
		this.busy.addAndGet(TimeUnit.MILLISECONDS.toNanos(5));
		assertThat(this.ratio.sample()).isZero();
	}

	@Test
	void busyTimeBookedLateNeverMakesTheRatioExceedOne() {
		advance(1, 1500);
		assertThat(this.ratio.sample()).isEqualTo(1.0);
	}

	private void advance(long seconds, long busyMillis) {
		this.clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
		this.busy.addAndGet(TimeUnit.MILLISECONDS.toNanos(busyMillis));
	}

}

package io.echoreactor.bench.loop;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MeasuredWindow}: which moments fall in the measured window, across the
 * wrap-around of {@link System#nanoTime()} too.
 */
class MeasuredWindowTests {

	@Test
	void aMomentIsInTheWindowFromItsStartUntilJustBeforeItsEnd() {
		long start = 1_000;
		assertThat(MeasuredWindow.inWindow(start - 1, start, 500)).isZero();
		assertThat(MeasuredWindow.inWindow(start, start, 500)).isOne();
		assertThat(MeasuredWindow.inWindow(start + 499, start, 500)).isOne();
		assertThat(MeasuredWindow.inWindow(start + 500, start, 500)).isZero();
		assertThat(MeasuredWindow.inWindow(start, start, 0)).isZero();
		assertThat(MeasuredWindow.inWindow(Long.MIN_VALUE, start, 500)).isZero();
	}

	@Test
	void aWindowWithoutEndHoldsEverythingFromItsStart() {
		assertThat(MeasuredWindow.inWindow(-1, 0, Long.MAX_VALUE)).isZero();
		assertThat(MeasuredWindow.inWindow(0, 0, Long.MAX_VALUE)).isOne();
		assertThat(MeasuredWindow.inWindow(Long.MAX_VALUE - 1, 0, Long.MAX_VALUE)).isOne();
	}

	@Test
	void aWindowAcrossTheWrapOfNanoTimeHoldsTheMomentsAfterItsStart() {
		long start = Long.MAX_VALUE - 10;
		assertThat(MeasuredWindow.inWindow(Long.MIN_VALUE + 5, start, 100)).isOne();
		assertThat(MeasuredWindow.inWindow(Long.MIN_VALUE + 89, start, 100)).isZero();
		assertThat(MeasuredWindow.inWindow(start - 1, start, 100)).isZero();
	}

}

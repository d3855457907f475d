package io.echoreactor.reactor;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SourceRateLimiter}: the token bucket per source and the bounded table
 * of sources, on a clock the test holds (every call is given its time), so that nothing
 * depends on how fast the test runs.
 */
@Timeout(30)
class SourceRateLimiterTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	// Any origin: the limiter only ever subtracts times, as System.nanoTime() requires.
	private static final long T0 = -7 * SECOND;

	@Test
	void aNewSourceMaySendOneSecondsWorthAtOnceAndNoMore() {
		SourceRateLimiter limiter = new SourceRateLimiter(5, 10);
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 5)).isEqualTo(5);
		assertThat(limiter.tryAcquire(source, T0)).isFalse();
		assertThat(acquired(limiter, source, T0, 100)).isZero();
	}

	@Test
	void anEmptyBucketRefillsAtTheRatePerSecond() {
		SourceRateLimiter limiter = new SourceRateLimiter(5, 10);
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 5)).isEqualTo(5);
		// One token per 200 ms: none just before it is due, exactly one when it is.
		assertThat(limiter.tryAcquire(source, T0 + SECOND / 5 - 1)).isFalse();
		assertThat(limiter.tryAcquire(source, T0 + SECOND / 5)).isTrue();
		assertThat(limiter.tryAcquire(source, T0 + SECOND / 5)).isFalse();
		// Refilling from a failed attempt keeps the fraction earned so far.
		assertThat(limiter.tryAcquire(source, T0 + SECOND / 5 + SECOND / 10)).isFalse();
		assertThat(limiter.tryAcquire(source, T0 + 2 * SECOND / 5)).isTrue();
		// Two and a half tokens later: two datagrams, not three.
		assertThat(acquired(limiter, source, T0 + 2 * SECOND / 5 + SECOND / 2, 10)).isEqualTo(2);
	}

	@Test
	void aSteadySenderAtTheRateIsNeverDropped() {
		SourceRateLimiter limiter = new SourceRateLimiter(1000, 10);
		InetAddress source = address(1);
		for (int i = 0; i < 10_000; i++) {
			assertThat(limiter.tryAcquire(source, T0 + i * (SECOND / 1000))).as("datagram %d", i).isTrue();
		}
	}

	@Test
	void anEarlierTimeFromAnotherReactorNeitherRefillsTheBucketNorWindsItBack() {
		// In reuseport mode the reactors share the limiter, each passing the time of its own
		// last return from select(); one busy with a batch passes an older time than another.
		SourceRateLimiter limiter = new SourceRateLimiter(5, 10);
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 5)).isEqualTo(5);
		long later = T0 + SECOND / 5;
		long earlier = T0 + SECOND / 10;
		assertThat(limiter.tryAcquire(source, later)).as("the one token due by then").isTrue();
		for (int i = 0; i < 100; i++) {
			assertThat(limiter.tryAcquire(source, earlier)).as("stale attempt %d", i).isFalse();
			assertThat(limiter.tryAcquire(source, later)).as("attempt %d at the later time again", i).isFalse();
		}
		// Time moving on from the later time refills as usual.
		assertThat(limiter.tryAcquire(source, later + SECOND / 5)).isTrue();
	}

	@Test
	void aLongSilenceFillsTheBucketToOneSecondsWorthAndNoMore() {
		SourceRateLimiter limiter = new SourceRateLimiter(5, 10);
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 5)).isEqualTo(5);
		assertThat(acquired(limiter, source, T0 + 3600 * SECOND, 100)).isEqualTo(5);
	}

	@Test
	void sourcesHaveBucketsOfTheirOwn() {
		SourceRateLimiter limiter = new SourceRateLimiter(3, 10);
		assertThat(acquired(limiter, address(1), T0, 10)).isEqualTo(3);
		assertThat(acquired(limiter, address(2), T0, 10)).isEqualTo(3);
		assertThat(limiter.tracked()).isEqualTo(2);
	}

	@Test
	void theLargestRateDoesNotOverflowItsArithmetic() {
		// Ten million tokens of a billion units each, refilled for up to a second at a time.
		SourceRateLimiter limiter = new SourceRateLimiter(10_000_000, 10);
		InetAddress source = address(1);
		assertThat(limiter.tryAcquire(source, T0)).isTrue();
		assertThat(acquired(limiter, source, T0 + 3600 * SECOND, 1000)).isEqualTo(1000);
		assertThat(acquired(limiter, source, Long.MAX_VALUE, 1000)).isEqualTo(1000);
	}

	@Test
	void theTableNeverHoldsMoreThanMaxSourcesAndForgetsTheLeastRecentFirst() {
		SourceRateLimiter limiter = new SourceRateLimiter(2, 3);
		assertThat(limiter.tracked()).isZero();
		assertThat(limiter.forgotten()).isZero();
		for (int i = 1; i <= 3; i++) {
			assertThat(acquired(limiter, address(i), T0, 2)).isEqualTo(2);
		}
		assertThat(limiter.tracked()).isEqualTo(3);
		assertThat(limiter.forgotten()).isZero();
		// Seen again, source 1 is now the most recent: source 2 is the one to go.
		assertThat(limiter.tryAcquire(address(1), T0)).isFalse();
		assertThat(limiter.tryAcquire(address(4), T0)).isTrue();
		assertThat(limiter.tracked()).isEqualTo(3);
		assertThat(limiter.forgotten()).isOne();
		assertThat(limiter.tryAcquire(address(1), T0)).as("source 1 is still tracked, and empty").isFalse();
		assertThat(limiter.tryAcquire(address(3), T0)).as("source 3 is still tracked, and empty").isFalse();
		assertThat(limiter.forgotten()).isOne();
		// Source 2 was forgotten: it starts again with a full bucket (and pushes out 4).
		assertThat(acquired(limiter, address(2), T0, 10)).isEqualTo(2);
		assertThat(limiter.forgotten()).isEqualTo(2);
		assertThat(limiter.tracked()).isEqualTo(3);
	}

	@Test
	void manySourcesKeepTheTableAtItsBoundAndCountEveryOneForgotten() {
		SourceRateLimiter limiter = new SourceRateLimiter(1, 100);
		for (int i = 0; i < 10_000; i++) {
			assertThat(limiter.tryAcquire(address(i), T0)).isTrue();
			assertThat(limiter.tracked()).isLessThanOrEqualTo(100);
		}
		assertThat(limiter.tracked()).isEqualTo(100);
		assertThat(limiter.forgotten()).isEqualTo(10_000 - 100);
	}

	@Test
	void aTableOfOneSourceForgetsEachSourceForTheNext() {
		SourceRateLimiter limiter = new SourceRateLimiter(1, 1);
		assertThat(limiter.tryAcquire(address(1), T0)).isTrue();
		assertThat(limiter.tryAcquire(address(1), T0)).isFalse();
		assertThat(limiter.tryAcquire(address(2), T0)).isTrue();
		assertThat(limiter.tryAcquire(address(1), T0)).as("forgotten, so full again").isTrue();
		assertThat(limiter.tracked()).isOne();
		assertThat(limiter.forgotten()).isEqualTo(2);
	}

	private static int acquired(SourceRateLimiter limiter, InetAddress source, long now, int attempts) {
		int acquired = 0;
		for (int i = 0; i < attempts; i++) {
			if (limiter.tryAcquire(source, now)) {
				acquired++;
			}
		}
		return acquired;
	}

	private static InetAddress address(int index) {
		try {
			// 10.x.y.z: distinct addresses for any index, with no name lookup.
			return InetAddress.getByAddress(new byte[] { 10, (byte) (index >> 16), (byte) (index >> 8), (byte) index });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

}

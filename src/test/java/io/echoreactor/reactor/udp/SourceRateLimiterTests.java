package io.echoreactor.reactor.udp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link SourceRateLimiter}: the token bucket per source and the fixed table of
 * buckets, on a clock the test holds (every call is given its time), so that nothing
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
	void reactorsDrawingOnOneSourceAtOnceTogetherGetItsRateAndNoMore() throws Exception {
		// In reuseport mode several reactors draw on one source's bucket at the same time,
		// each at its own pace through the same 10 seconds: a token is earned each
		// millisecond, and each of them contended for by every thread.
		SourceRateLimiter limiter = new SourceRateLimiter(1000, 64);
		InetAddress source = address(1);
		int threads = 4;
		int milliseconds = 10_000;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Integer>> results = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				results.add(executor.submit(() -> {
					start.await(10, TimeUnit.SECONDS);
					int acquired = 0;
					for (int millisecond = 0; millisecond < milliseconds; millisecond++) {
						acquired += acquired(limiter, source, T0 + millisecond * (SECOND / 1000), 3);
					}
					return acquired;
				}));
			}
			start.countDown();
			int total = 0;
			for (Future<Integer> result : results) {
				total += result.get(20, TimeUnit.SECONDS);
			}
			// A second's worth at first, then one a millisecond: what was earned, and no more.
			assertThat(total).isBetween(milliseconds, 1000 + milliseconds - 1);
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void aLongSilenceFillsTheBucketToOneSecondsWorthAndNoMore() {
		SourceRateLimiter limiter = new SourceRateLimiter(5, 10);
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 5)).isEqualTo(5);
		assertThat(acquired(limiter, source, T0 + 3600 * SECOND, 100)).isEqualTo(5);
	}

	@Test
	void sourcesInBucketsApartHaveRatesOfTheirOwn() {
		SourceRateLimiter limiter = new SourceRateLimiter(3, 1024);
		List<InetAddress> sources = inBucketsApart(limiter, 2);
		assertThat(acquired(limiter, sources.get(0), T0, 10)).isEqualTo(3);
		assertThat(acquired(limiter, sources.get(1), T0, 10)).isEqualTo(3);
		assertThat(limiter.activeBuckets(T0)).isEqualTo(2);
		assertThat(limiter.shared()).isZero();
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
	void aSourcesDebtSurvivesAHundredThousandOtherSources() {
		SourceRateLimiter limiter = new SourceRateLimiter(2, 256);
		InetAddress victim = address(0);
		assertThat(acquired(limiter, victim, T0, 2)).isEqualTo(2);
		for (int i = 1; i <= 100_000; i++) {
			limiter.tryAcquire(address(i), T0);
		}
		// However many of them shared its bucket, the victim's debt is still owed in full.
		assertThat(limiter.tryAcquire(victim, T0)).isFalse();
		assertThat(limiter.tryAcquire(victim, T0 + SECOND / 2 - 1)).as("a token's worth later, less a nanosecond")
			.isFalse();
		assertThat(limiter.activeBuckets(T0)).isEqualTo(256);
	}

	@Test
	void sourcesThatShareABucketShareItsRateAndTheSharingIsCounted() {
		SourceRateLimiter limiter = new SourceRateLimiter(3, 1);
		assertThat(acquired(limiter, address(1), T0, 2)).isEqualTo(2);
		assertThat(limiter.shared()).isZero();
		assertThat(acquired(limiter, address(2), T0, 10)).as("what address 1 left").isOne();
		assertThat(limiter.shared()).as("the bucket changed hands in debt once").isOne();
		assertThat(limiter.tryAcquire(address(1), T0)).isFalse();
		assertThat(limiter.shared()).as("and back").isEqualTo(2);
		// Once the bucket is full again, the next source takes it over owing nobody.
		assertThat(acquired(limiter, address(3), T0 + SECOND, 3)).isEqualTo(3);
		assertThat(limiter.shared()).isEqualTo(2);
	}

	@Test
	void aBucketIsActiveUntilItIsFullAgain() {
		SourceRateLimiter limiter = new SourceRateLimiter(4, 16);
		assertThat(limiter.activeBuckets(T0)).isZero();
		InetAddress source = address(1);
		assertThat(acquired(limiter, source, T0, 2)).isEqualTo(2);
		// Two tokens at 4/s are refilled half a second later.
		assertThat(limiter.activeBuckets(T0)).isOne();
		assertThat(limiter.activeBuckets(T0 - SECOND)).as("at an earlier time").isOne();
		assertThat(limiter.activeBuckets(T0 + SECOND / 2 - 1)).isOne();
		assertThat(limiter.activeBuckets(T0 + SECOND / 2)).isZero();
		assertThat(limiter.activeBuckets(T0 + 3600 * SECOND)).isZero();
		assertThat(limiter.buckets()).isEqualTo(16);
	}

	@Test
	void theKeyIsTheLimitersOwnSoThatNobodyCanChooseAddressesThatShareAVictimsBucket() {
		SourceRateLimiter one = new SourceRateLimiter(1, SourceRateLimiter.MAX_BUCKETS);
		SourceRateLimiter other = new SourceRateLimiter(1, SourceRateLimiter.MAX_BUCKETS);
		int same = 0;
		for (int i = 0; i < 100; i++) {
			if (one.bucketOf(address(i)) == other.bucketOf(address(i))) {
				same++;
			}
		}
		// Each address lands alike by chance, one time in four million.
		assertThat(same).isLessThan(3);
	}

	@Test
	void addressesSpreadEvenlyOverTheTable() {
		// A key of the test's, so that the outcome is the same on every run.
		SourceRateLimiter limiter = new SourceRateLimiter(1, 1000, new Random(862));
		int[] load = new int[1000];
		for (int i = 0; i < 100_000; i++) {
			load[limiter.bucketOf(address(i))]++;
		}
		// 100 a bucket on average, give or take 10.
		assertThat(Arrays.stream(load).max().getAsInt()).isLessThan(160);
		assertThat(Arrays.stream(load).min().getAsInt()).isGreaterThan(40);
	}

	@Test
	void aTableThatFitsAQuarterOfTheHeapPassesAndALargerOneIsRefusedNamingTheProperty() {
		long heap = 64L * 1024 * 1024;
		int fits = (int) (heap / 4 / SourceRateLimiter.BYTES_PER_BUCKET);
		SourceRateLimiter.checkFitsHeap(fits, heap);
		assertThatIllegalStateException().isThrownBy(() -> SourceRateLimiter.checkFitsHeap(fits + 1, heap))
			.withMessageStartingWith("echo.server.udp.max-tracked-sources (" + (fits + 1) + ") needs ")
			.withMessageContaining("20 bytes a bucket")
			.withMessageContaining("lower it to at most " + fits);
	}

	@Test
	void theLargestTableIsAllocatedAtOnceAndTakesEightyMebibytes() {
		assertThat((long) SourceRateLimiter.MAX_BUCKETS * SourceRateLimiter.BYTES_PER_BUCKET)
			.isEqualTo(80L * 1024 * 1024);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SourceRateLimiter(1, SourceRateLimiter.MAX_BUCKETS + 1));
	}

	/** @return {@code count} addresses charged to different buckets */
	private static List<InetAddress> inBucketsApart(SourceRateLimiter limiter, int count) {
		List<InetAddress> sources = new ArrayList<>();
		Set<Integer> buckets = new HashSet<>();
		for (int i = 0; sources.size() < count; i++) {
			if (buckets.add(limiter.bucketOf(address(i)))) {
				sources.add(address(i));
			}
		}
		return sources;
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

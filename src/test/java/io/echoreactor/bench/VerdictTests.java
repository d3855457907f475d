package io.echoreactor.bench;

import io.echoreactor.bench.options.BenchOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Verdict}: the rate achieved, and the reading of UDP losses, on figures
 * alone (the servers that produce them are in {@code SummaryTests} and {@code UdpFlowTests}).
 */
class VerdictTests {

	private static final BenchOptions UDP = BenchOptions.parse("--protocol", "udp", "127.0.0.1");

	@Test
	void lossesWhileTheAnswersHoldNearARoundRateLookLikeARateLimit() {
		// A default run against a default server: 1,036 answers a second, 640 datagrams lost.
		assertThat(Verdict.suspectedRateLimit(UDP, 1036, 640, 10_360)).isEqualTo(1000);
		// The closed loop comes out a little below the limit.
		assertThat(Verdict.suspectedRateLimit(UDP, 952, 150, 9520)).isEqualTo(1000);
		assertThat(Verdict.suspectedRateLimit(UDP, 201, 8_000, 2010)).isEqualTo(200);
		assertThat(Verdict.suspectedRateLimit(UDP, 50_400, 900, 504_000)).isEqualTo(50_000);
	}

	@Test
	void nothingLostOrAnUnroundRateOrAnotherProtocolSuggestsNoLimit() {
		assertThat(Verdict.suspectedRateLimit(UDP, 1000, 0, 10_000)).isZero();
		assertThat(Verdict.suspectedRateLimit(UDP, 68_734, 640, 687_340)).isZero();
		assertThat(Verdict.suspectedRateLimit(UDP, 1500, 640, 15_000)).isZero();
		// One datagram in many thousands is the network's, not a limit's.
		assertThat(Verdict.suspectedRateLimit(UDP, 1000, 2, 10_000)).isZero();
		assertThat(Verdict.suspectedRateLimit(BenchOptions.parse("127.0.0.1"), 1000, 640, 10_000)).isZero();
	}

	@Test
	void theOpenLoopMustAchieveNinetyFivePercentOfItsRate() {
		BenchOptions open = BenchOptions.parse("--rate", "10000", "127.0.0.1");
		assertThat(Verdict.rateAchieved(open, 9500)).isTrue();
		assertThat(Verdict.rateAchieved(open, 9499)).isFalse();
		assertThat(Verdict.warnings(open, 2400, 7_000, 0, 24_000, 30)).singleElement()
			.isEqualTo("bench: rate not achieved: 10,000 messages/s requested, 2,400 achieved (24%), 7,000 never "
					+ "sent: the server or this client could not keep up, and the latencies include the time "
					+ "messages waited");
		assertThat(Verdict.warnings(open, 2400, 0, 0, 24_000, 97)).singleElement()
			.asString()
			.endsWith("(this client was busy 97% of the time: more --threads, or a second client, may achieve more)");
		assertThat(Verdict.rateAchieved(BenchOptions.parse("127.0.0.1"), 1)).isTrue();
	}

}

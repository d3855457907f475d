package io.echoreactor.bench;

import java.util.List;

import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Summary}: what the open loop says when the rate asked for is not
 * achieved, how long the end waits for what is in flight, and the exit statuses that
 * follow, against servers on the loopback interface that keep up and that do not.
 */
@Timeout(60)
class SummaryTests {

	private final BenchRuns runs = new BenchRuns();

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void aRateTheServerKeepsUpWithIsAchievedAndTheRunPasses() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--rate", "2000", "--connections", "4", "--duration", "1", "--warmup",
				"0.5", "--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.err()).isEmpty();
		assertThat(result.number("requested_per_sec")).isEqualTo(2000);
		assertThat(result.number("messages_per_sec")).isBetween(0.95 * 2000, 1.05 * 2000);
		assertThat(result.number("unsent")).isZero();
		assertThat(result.json()).containsEntry("rate_achieved", true).containsEntry("warnings", List.of());
		assertThat(result.out()).containsPattern("requested/s +2,000 \\(\\d+% achieved\\)")
			.containsPattern("unsent +0\n");
	}

	@Test
	void aRateTooHighForTheServerIsReportedAsNotAchievedWithStatusThree() throws Exception {
		// 2,000 messages of 64 bytes a second asked of a server that echoes 64,000 bytes a second:
		// half the rate. What is in flight at the end comes back well within the timeout.
		try (FaultyEcho echo = FaultyEcho.throttled(64_000)) {
			BenchRuns.Result result = bench("--rate", "2000", "--connections", "1", "--duration", "0.5", "--warmup",
					"0.2", "--timeout", "5s", "--json", "127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isEqualTo(3);
			assertThat(result.number("errors")).isZero();
			assertThat(result.number("requested_per_sec")).isEqualTo(2000);
			assertThat(result.number("messages_per_sec")).isLessThan(0.75 * 2000);
			assertThat(result.json()).containsEntry("rate_achieved", false);
			assertThat(result.err().lines()).singleElement()
				.asString()
				.startsWith("bench: rate not achieved: 2,000 messages/s requested, ")
				.contains("could not keep up")
				.contains("latencies include");
			assertThat((List<?>) result.json().get("warnings")).singleElement()
				.asString()
				.startsWith("bench: rate not achieved");
			assertThat(result.out()).containsPattern("messages/s +\\d");
		}
	}

	@Test
	void whatIsInFlightAtTheEndIsWaitedForAtMostTheTimeoutAndCountedAsUnanswered() throws Exception {
		try (FaultyEcho echo = FaultyEcho.stalled()) {
			long started = System.nanoTime();
			BenchRuns.Result result = bench("--rate", "100", "--connections", "2", "--duration", "0.3", "--warmup",
					"0", "--timeout", "1s", "--json", "127.0.0.1:" + echo.port());
			double seconds = (System.nanoTime() - started) / 1e9;
			// 30 messages sent in the window, none answered; the run waited 1 s after it, and no more.
			assertThat(seconds).isBetween(1.3, 1.3 + 1.0);
			assertThat(result.errors("unanswered")).isEqualTo(30);
			assertThat(result.errors("timeout")).isZero();
			assertThat(result.err()).contains("bench: unanswered (30 messages): ")
				.contains("message(s) not echoed 1.00s after the end");
			// An error wins over a rate not achieved: the figures of a failed run are not to be trusted.
			assertThat(result.status()).isOne();
			assertThat(result.json()).containsEntry("rate_achieved", false);
			assertThat(result.out()).contains("errors unanswered 30 messages");
		}
	}

	@Test
	void theClosedLoopHasNoRateToAchieve() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "2", "--duration", "0.3", "--warmup", "0.1", "--json",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("requested_per_sec")).isZero();
		assertThat(result.json()).containsEntry("rate_achieved", true);
		assertThat(result.out().substring(0, result.out().indexOf('{'))).doesNotContain("requested/s")
			.doesNotContain("unsent");
	}

}

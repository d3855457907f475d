package io.echoreactor.bench.loop;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.bench.FaultyEcho;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link LoadLoop}: the open loop's schedule, the connection storm, and the
 * connections spread over several loops, against an in-process {@link EchoServer}.
 */
@Timeout(60)
class LoadLoopTests {

	private final BenchRuns runs = new BenchRuns();

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void openLoopMeasuresExactlyTheMessagesDueInTheWindow() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--rate", "4000", "--connections", "8", "--threads", "3", "--duration",
				"0.5", "--warmup", "0.2", "--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isIn(0, 3);
		assertThat(result.number("errors")).isZero();
		assertThat(result.json()).containsEntry("loop", "open");
		// 4,000 messages/s for 0.5 s, due at fixed times: the latencies measured are those of the
		// messages due in the window, whatever the server does.
		assertThat(result.number("latency_count")).isEqualTo(2000);
		// The rate is what came back in the window: never more than was due by its end. A stall
		// of this machine can push echoes due in the warm-up into the window, or past its end
		// (SummaryTests has the rate achieved).
		assertThat(result.number("requested_per_sec")).isEqualTo(4000);
		assertThat(result.number("messages_per_sec")).isPositive().isLessThanOrEqualTo(4000 * (0.2 + 0.5) / 0.5);
		assertThat(result.json()).containsEntry("rate_achieved", result.status() == 0);
	}

	@Test
	void openLoopLatencyIncludesTheTimeAMessageWaitedToBeSent() throws Exception {
		// A server that answers nothing until 60 messages of 64 bytes have come, 5 ms apart:
		// they are sent on time, and the first one's echo is late by 295 ms.
		try (FaultyEcho echo = FaultyEcho.holdingFirst(60 * 64)) {
			BenchRuns.Result result = bench("--rate", "200", "--connections", "1", "--messages", "100", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isZero();
			assertThat(result.number("max_us")).isGreaterThan(250_000);
			assertThat(result.number("p50_us")).isLessThan(250_000);
		}
	}

	@Test
	void aConnectionStormOpensAtTheRateAndMeasuresEveryConnect() {
		EchoServer server = this.runs.server();
		long started = System.nanoTime();
		BenchRuns.Result result = bench("--connect-rate", "100", "--connections", "20", "--threads", "2",
				"--duration", "0", "--json", "127.0.0.1:" + server.port());
		long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("connections")).isEqualTo(20);
		assertThat(result.number("connect_max_us")).isPositive();
		// Connection 19 opens 190 ms after the first.
		assertThat(elapsedMillis).isGreaterThanOrEqualTo(190);
		assertThat(server.view().reactors().stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED))
			.sum()).isEqualTo(20);
	}

	@Test
	void theEchoFollowsTheStormOnEveryConnection() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connect-rate", "200", "--connections", "10", "--messages", "1000",
				"--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isEqualTo(1000);
	}

	@Test
	void connectionsAreSpreadOverTheLoopsAndEachGetsItsShareOfTheMessages() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "7", "--threads", "3", "--messages", "701", "--depth", "3",
				"--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isEqualTo(701);
		assertThat(result.number("threads")).isEqualTo(3);
	}

	@Test
	void closedLoopMeasuresTheEchoesOfTheWindowAndNotThoseOfTheWarmUp() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "4", "--depth", "5", "--duration", "0.4", "--warmup", "0.3",
				"--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		double messages = result.number("messages");
		assertThat(messages).isPositive();
		assertThat(result.number("messages_per_sec")).isCloseTo(messages / 0.4, within(0.01));
		assertThat(result.number("p50_us")).isPositive();
	}

}

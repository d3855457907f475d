package io.echoreactor.bench.tcp;

import java.time.Duration;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.bench.FaultyEcho;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code bench} reports against a server that misbehaves as the service's fault
 * profiles do (reset after some bytes, delay each echo, never read), and how
 * {@code --keep-going} replaces a failed connection and goes on: the errors counted by
 * kind, the echoes that came back measured.
 */
@Timeout(60)
class TcpFlowFaultTests {

	/** Ten 64-byte messages a connection. */
	private static final int RESET_AFTER = 640;

	@Test
	void withoutKeepGoingAResetEndsItsFlow() throws Exception {
		try (FaultyEcho echo = FaultyEcho.resettingAfter(RESET_AFTER)) {
			BenchRuns.Result result = bench("--connections", "2", "--duration", "1s", "--warmup", "0", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("reset")).isEqualTo(2);
			assertThat(result.number("messages")).isLessThanOrEqualTo(2 * 10);
		}
	}

	@Test
	void withKeepGoingEachResetIsCountedAndANewConnectionGoesOn() throws Exception {
		try (FaultyEcho echo = FaultyEcho.resettingAfter(RESET_AFTER)) {
			BenchRuns.Result result = bench("--connections", "1", "--messages", "100", "--keep-going", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isOne();
			// Every message echoed, ten a connection, each connection ended by the server's reset; the last
			// one's reset may come as its end instead.
			assertThat(result.number("messages")).isEqualTo(100);
			assertThat(result.errors("reset")).isBetween(9L, 10L);
			assertThat(result.number("errors")).isEqualTo(result.errors("reset"));
			// Each new connection's stream starts again: no byte is taken for another.
			assertThat(result.errors("corrupt") + result.errors("extra")).isZero();
			assertThat(result.number("latency_count")).isEqualTo(100);
			assertThat(result.json().get("keep_going")).isEqualTo(true);
			assertThat(result.out()).contains(", failed connections replaced\n");
			assertThat(result.err()).contains("bench: reset (");
		}
	}

	@Test
	void withKeepGoingAServerThatResetsThroughTheWholeRunKeepsBeingLoaded() throws Exception {
		try (FaultyEcho echo = FaultyEcho.resettingAfter(RESET_AFTER)) {
			BenchRuns.Result result = bench("--connections", "2", "--duration", "1s", "--warmup", "0", "--depth", "2",
					"--keep-going", "--json", "127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			long resets = result.errors("reset") + result.errors("eof");
			// Without --keep-going the two flows would stop at their first reset, as above.
			assertThat(resets).isGreaterThan(10);
			assertThat(result.number("messages")).isGreaterThan(10.0 * resets / 2);
			assertThat(result.errors("corrupt") + result.errors("extra") + result.errors("timeout")).isZero();
			assertThat(result.number("connections")).isEqualTo(2);
		}
	}

	@Test
	void withReconnectAndKeepGoingAResetConnectionIsReplacedAndItsMessageSentAgain() throws Exception {
		try (FaultyEcho echo = FaultyEcho.resettingEverySecondConnection()) {
			BenchRuns.Result result = bench("--connections", "2", "--messages", "20", "--reconnect", "--keep-going",
					"--json", "127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isOne();
			assertThat(result.number("messages")).isEqualTo(20);
			// Connections alternate between the two flows, so the resets fall on either.
			assertThat(result.errors("reset")).isBetween(15L, 25L);
			assertThat(result.number("errors")).isEqualTo(result.errors("reset"));
		}
	}

	@Test
	void withKeepGoingAReplacementThatCannotConnectEndsTheFlow() throws Exception {
		try (FaultyEcho echo = FaultyEcho.resettingAfter(RESET_AFTER, 2)) {
			BenchRuns.Result result = bench("--connections", "1", "--duration", "30s", "--warmup", "0",
					"--keep-going", "--json", "127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("reset")).isEqualTo(2);
			assertThat(result.errors("refused")).isOne();
			assertThat(result.number("messages")).isEqualTo(20);
		}
	}

	@Test
	void aServerThatNeverReadsShowsAsTimeoutsAndWithKeepGoingAsOneEachTimeout() throws Exception {
		try (FaultyEcho echo = FaultyEcho.neverReading()) {
			BenchRuns.Result result = bench("--connections", "1", "--duration", "2s", "--warmup", "0", "--timeout",
					"200ms", "--keep-going", "--json", "127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			// A timeout every 200 ms through the two seconds, each on a new connection.
			assertThat(result.errors("timeout")).isBetween(4L, 11L);
			assertThat(result.number("messages")).isZero();
			assertThat(result.err()).contains("no echo for 0.200s with 1 message(s) in flight");
		}
	}

	@Test
	void aDelayShowsInTheLatencyAndIsNoError() throws Exception {
		try (FaultyEcho echo = FaultyEcho.delaying(Duration.ofMillis(100))) {
			BenchRuns.Result result = bench("--connections", "2", "--messages", "10", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isZero();
			assertThat(result.number("p50_us")).isGreaterThanOrEqualTo(100_000);
			assertThat(result.number("p99_us")).isLessThan(1_000_000);
		}
	}

}

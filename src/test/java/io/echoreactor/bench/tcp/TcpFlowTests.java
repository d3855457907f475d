package io.echoreactor.bench.tcp;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.bench.FaultyEcho;
import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tcp.Greeting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TcpFlow}: what a connection checks and reports, against echo servers
 * that flip, add, drop or withhold bytes, and against an in-process {@link EchoServer}
 * requiring a PROXY header and sending a greeting.
 */
@Timeout(60)
class TcpFlowTests {

	private final BenchRuns runs = new BenchRuns();

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void aFlippedByteIsCountedAsCorruptAndFailsTheRun() throws Exception {
		try (FaultyEcho echo = FaultyEcho.flippingByte(1000)) {
			BenchRuns.Result result = bench("--connections", "2", "--messages", "200", "--size", "64", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("corrupt")).isEqualTo(2);
			assertThat(result.err()).contains("bench: corrupt (2 bytes): byte 1000 of connection ");
		}
	}

	@Test
	void bytesEchoedTwiceAreCountedAsExtra() throws Exception {
		try (FaultyEcho echo = FaultyEcho.doubling()) {
			BenchRuns.Result result = bench("--connections", "1", "--messages", "10", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("extra") + result.errors("corrupt")).isPositive();
		}
	}

	@Test
	void aServerClosingBeforeEchoingEverythingIsAnEndOfStreamError() throws Exception {
		try (FaultyEcho echo = FaultyEcho.closingAfter(100)) {
			BenchRuns.Result result = bench("--connections", "1", "--messages", "10", "--depth", "10", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("eof") + result.errors("reset")).isOne();
			assertThat(result.err()).containsPattern("bench: (eof|reset) \\(1 connections\\)");
		}
	}

	@Test
	void aServerThatStopsEchoingTimesOut() throws Exception {
		try (FaultyEcho echo = FaultyEcho.silent()) {
			BenchRuns.Result result = bench("--connections", "2", "--messages", "10", "--timeout", "300ms", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.errors("timeout")).isEqualTo(2);
			assertThat(result.err()).contains("no echo for 0.300s with 1 message(s) in flight");
		}
	}

	@Test
	void bytesBeforeAnythingWasSentAreExtra() throws Exception {
		try (FaultyEcho echo = FaultyEcho.greeting("hello\n")) {
			BenchRuns.Result result = bench("--connections", "1", "--messages", "10", "--json",
					"127.0.0.1:" + echo.port());
			// Before the load starts the line is extra; once it has, it shifts the echo.
			assertThat(result.status()).isOne();
			assertThat(result.errors("extra") + result.errors("corrupt")).isPositive();
		}
	}

	@Test
	void aGreetingLineIsReadFirstAndCountedWhole() throws Exception {
		try (FaultyEcho echo = FaultyEcho.greeting("welcome to an echo\r\n")) {
			BenchRuns.Result result = bench("--connections", "3", "--messages", "30", "--greeting", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).as(result::toString).isZero();
			assertThat(result.counts("greetings")).isEqualTo(Map.of("welcome to an echo", 3L));
		}
	}

	@Test
	void theGreetingsOfEchoReactorAreCountedByPod() {
		EchoServer server = this.runs.server((settings) -> settings
			.greeting(new Greeting(Greeting.Mode.TEXT, Map.of("pod", "echo-reactor-0", "host", "node-a"))));
		BenchRuns.Result result = bench("--connections", "4", "--messages", "40", "--greeting",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.out()).contains("greeting         pod=echo-reactor-0 (4)");
	}

	@Test
	void aMissingGreetingFailsTheConnectionAfterTheConnectTimeout() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "2", "--messages", "2", "--greeting", "--connect-timeout",
				"300ms", "--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).isOne();
		assertThat(result.errors("greeting")).isEqualTo(2);
		assertThat(result.err()).contains("no greeting line within 0.300s");
	}

	@ParameterizedTest
	@ValueSource(strings = { "v1", "v2" })
	void aProxyHeaderGoesFirstSoThatAServerRequiringOneEchoes(String version) {
		EchoServer server = this.runs.server((settings) -> settings
			.proxyProtocol(new ProxyProtocolSettings(ProxyProtocolSettings.Mode.REQUIRED,
					List.of(CidrRange.parse("127.0.0.0/8")), Duration.ofSeconds(5)))
			.greeting(new Greeting(Greeting.Mode.JSON, Map.of("pod", "echo-reactor-1"))));
		BenchRuns.Result result = bench("--connections", "4", "--messages", "400", "--depth", "4", "--proxy-protocol",
				version, "--greeting", "--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.json()).containsEntry("proxy_protocol", version);
		assertThat(result.counts("greetings")).isEqualTo(Map.of("pod=echo-reactor-1", 4L));
		ProxyHeaderResult header = version.equals("v1") ? ProxyHeaderResult.V1 : ProxyHeaderResult.V2;
		assertThat(server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().proxyHeaders(header)).sum())
			.isEqualTo(4);
	}

	@Test
	void withoutTheRequiredProxyHeaderTheServerClosesAndTheRunFails() {
		EchoServer server = this.runs.server((settings) -> settings.proxyProtocol(new ProxyProtocolSettings(
				ProxyProtocolSettings.Mode.REQUIRED, List.of(CidrRange.parse("127.0.0.0/8")), Duration.ofSeconds(5))));
		BenchRuns.Result result = bench("--connections", "2", "--messages", "20", "--json",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).isOne();
		assertThat(result.number("errors")).isPositive();
	}

	@Test
	void reconnectingOpensANewConnectionForEveryMessage() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--reconnect", "--connections", "3", "--messages", "30", "--size", "100",
				"--json", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isEqualTo(30);
		assertThat(result.number("connections")).isEqualTo(3);
		assertThat(result.json()).containsEntry("reconnect", true).doesNotContainKey("handshakes");
		long accepted = server.view().reactors()
			.stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED))
			.sum();
		assertThat(accepted).isEqualTo(30);
	}

	@Test
	void aReconnectThatIsRefusedFailsTheRunAfterTheFirstConnections() throws Exception {
		try (FaultyEcho echo = FaultyEcho.acceptingOnly(2)) {
			BenchRuns.Result result = bench("--reconnect", "--connections", "2", "--messages", "10", "--json",
					"127.0.0.1:" + echo.port());
			assertThat(result.status()).isOne();
			assertThat(result.number("connections")).isEqualTo(2);
			assertThat(result.number("errors")).isPositive();
		}
	}

	@Test
	void aDurationOfZeroOpensAndClosesTheConnectionsWithoutEcho() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "5", "--duration", "0", "--json",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("connections")).isEqualTo(5);
		assertThat(result.number("messages")).isZero();
	}

}

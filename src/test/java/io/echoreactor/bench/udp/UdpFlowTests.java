package io.echoreactor.bench.udp;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UdpFlow} against the UDP echo of an in-process {@link EchoServer}, its
 * per-source rate limit off (every flow comes from 127.0.0.1).
 */
@Timeout(60)
class UdpFlowTests {

	private final BenchRuns runs = new BenchRuns();

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	private EchoServer udpServer() {
		return udpServer(0);
	}

	private EchoServer udpServer(int rateLimitPerSource) {
		return this.runs.server((settings) -> settings
			.udp(new UdpSettings(true, 0, rateLimitPerSource, 10_000, 64, null, null)));
	}

	@Test
	void lossesToTheServersPerSourceRateLimitAreExplained() {
		// The server's default: 1,000 datagrams a second for one source address, and every flow
		// of the client comes from 127.0.0.1.
		EchoServer server = udpServer(1000);
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "16", "--duration", "2", "--warmup",
				"1", "--udp-timeout", "500ms", "--json", "127.0.0.1:" + server.view().udpPort());
		// Lost datagrams are not errors, and the closed loop asks for no rate.
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("lost")).isPositive();
		assertThat(result.json()).as(result::toString).containsEntry("suspected_rate_limit_per_sec", 1000);
		assertThat(result.err().lines()).singleElement()
			.asString()
			.contains("datagrams lost while the answers held at")
			.contains("looks like the server's per-source rate limit")
			.contains("--echo.server.udp.rate-limit-per-source=0");
	}

	@Test
	void anOpenLoopAboveTheServersPerSourceRateLimitIsNotAchieved() {
		// A limit of 200 a second, whose first second's burst the warm-up spends.
		EchoServer server = udpServer(200);
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "4", "--rate", "1000", "--duration",
				"1", "--warmup", "1", "--udp-timeout", "200ms", "--json", "127.0.0.1:" + server.view().udpPort());
		assertThat(result.status()).as(result::toString).isEqualTo(3);
		assertThat(result.number("messages_per_sec")).isLessThan(0.95 * 1000);
		assertThat(result.json()).as(result::toString).containsEntry("suspected_rate_limit_per_sec", 200);
		assertThat(result.err().lines()).hasSize(2)
			.anySatisfy((line) -> assertThat(line).startsWith("bench: rate not achieved: 1,000 messages/s requested"))
			.anySatisfy((line) -> assertThat(line).contains("per-source rate limit"));
	}

	@Test
	void withoutTheRateLimitNothingIsLostAndNothingExplained() {
		EchoServer server = udpServer();
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "16", "--duration", "1", "--warmup",
				"0.5", "--udp-timeout", "200ms", "--json", "127.0.0.1:" + server.view().udpPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.err()).isEmpty();
		assertThat(result.json()).containsEntry("suspected_rate_limit_per_sec", null);
	}

	@Test
	void closedLoopMatchesEveryEchoToItsDatagram() {
		EchoServer server = udpServer();
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "4", "--depth", "8", "--size", "200",
				"--duration", "0.5", "--warmup", "0.1", "--json", "127.0.0.1:" + server.view().udpPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isPositive();
		assertThat(result.number("lost")).isLessThanOrEqualTo(result.number("messages") / 100);
		assertThat(result.number("errors")).isZero();
		assertThat(result.json()).containsEntry("protocol", "udp").doesNotContainKey("connect_p50_us");
	}

	@Test
	void openLoopSendsEachDatagramOnSchedule() {
		EchoServer server = udpServer();
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "2", "--rate", "2000", "--duration",
				"0.5", "--warmup", "0.2", "--json", "127.0.0.1:" + server.view().udpPort());
		// Lost datagrams are no error; on a machine busy enough to lose many, the rate is not achieved (3).
		assertThat(result.status()).as(result::toString).isIn(0, 3);
		assertThat(result.number("errors")).isZero();
		// Each datagram due in the window is measured or lost.
		assertThat(result.number("latency_count") + result.number("lost")).isEqualTo(1000);
	}

	@Test
	void messagesEndTheRunWithEveryDatagramAnsweredOrLost() {
		EchoServer server = udpServer();
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "3", "--messages", "300", "--depth",
				"4", "--json", "127.0.0.1:" + server.view().udpPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages") + result.number("lost")).isEqualTo(300);
	}

	@Test
	void datagramsToAPortWhereNothingListensAreRefusedAndLost() throws IOException {
		int port;
		try (DatagramSocket closed = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		BenchRuns.Result result = bench("--protocol", "udp", "--connections", "1", "--messages", "3",
				"--udp-timeout", "200ms", "--json", "127.0.0.1:" + port);
		assertThat(result.status()).isOne();
		assertThat(result.errors("refused")).isPositive();
		assertThat(result.number("lost")).isEqualTo(3);
		assertThat(result.err()).contains("bench: no datagram was answered by 127.0.0.1:" + port);
	}

}

package io.echoreactor;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.json.BasicJsonTester;
import org.springframework.boot.test.json.JsonContent;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The UDP echo in the whole application: the port it takes, the {@code udp} section of
 * the {@code echo} endpoint, the UDP meters in the scrape, and what switching it off
 * leaves out. The application runs in this JVM on a port found free for TCP and UDP.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(90)
class EchoApplicationUdpTests {

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final BasicJsonTester json = new BasicJsonTester(getClass());

	@Test
	void udpServesOnTheTcpPortsNumberAndTheEndpointAndScrapeShowIt(CapturedOutput output) throws Exception {
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		int port = FreePorts.freeTcpAndUdpPort(loopback);
		try (ConfigurableApplicationContext context = run("--echo.server.port=" + port)) {
			EchoServer server = context.getBean(EchoServer.class);
			int httpPort = httpPort(context);
			assertThat(server.port()).isEqualTo(port);
			assertThat(server.view().udpPort()).as("an unset UDP port: the TCP port's number").isEqualTo(port);
			assertThat(output).contains("Echo server started on 127.0.0.1:" + port + " (accept strategy acceptor, 2 "
					+ "reactors); UDP on 127.0.0.1:" + port + " (echo-reactor-0)");
			PrometheusScrape before = scrape(httpPort);
			try (DatagramChannel client = DatagramChannel.open()) {
				client.bind(new InetSocketAddress(loopback, 0)).configureBlocking(false);
				for (int i = 0; i < 20; i++) {
					byte[] datagram = new byte[100];
					Arrays.fill(datagram, (byte) i);
					client.send(ByteBuffer.wrap(datagram), new InetSocketAddress(loopback, port));
					assertThat(receive(client)).isEqualTo(datagram);
				}
			}
			try (var tcp = EchoSockets.connect(port)) {
				EchoSockets.assertEchoes(tcp, "hello over TCP\n");
			}
			// The reactor counts a datagram as sent after send() returns, which may be after the
			// client has its answer: wait until the scrape agrees.
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				PrometheusScrape after = scrape(httpPort);
				assertThat(delta(before, after, "echo_udp_datagrams_received_total")).isEqualTo(20);
				assertThat(delta(before, after, "echo_udp_datagrams_sent_total")).isEqualTo(20);
				assertThat(delta(before, after, "echo_udp_received_bytes_total")).isEqualTo(2000);
				assertThat(delta(before, after, "echo_udp_sent_bytes_total")).isEqualTo(2000);
				assertThat(delta(before, after, "echo_udp_receives_empty_total")).isBetween(1L, 20L);
				assertThat(after.sum("echo_udp_dropped_total")).isZero();
				assertThat(after.value("echo_udp_rate_limit_buckets")).isEqualTo(10_000);
				// 20 tokens of 1,000 a second are refilled within 20 ms: in debt, or already not.
				assertThat(after.value("echo_udp_rate_limit_buckets_active")).isBetween(0.0, 1.0);
				assertThat(after.sum("echo_udp_rate_limit_shared_total")).isZero();
			});
			PrometheusScrape scrape = scrape(httpPort);
			// Every cause of every reactor exists from start-up, at 0.
			for (UdpDropCause cause : UdpDropCause.values()) {
				for (String reactor : new String[] { "0", "1" }) {
					assertThat(scrape.has("echo_udp_dropped_total", "reactor", reactor, "cause", cause.tag()))
						.as("%s on reactor %s", cause.tag(), reactor)
						.isTrue();
				}
			}
			assertThat(scrape.value("echo_udp_datagrams_received_total", "reactor", "1")).as("reactor 1 has no UDP")
				.isZero();
			if (Files.isReadable(Path.of("/proc/net/snmp"))) {
				assertThat(scrape.has("echo_kernel_udp_errors_total", "family", "ipv4", "cause", "rcvbuf")).isTrue();
				assertThat(scrape.has("echo_kernel_udp_errors_total", "family", "ipv4", "cause", "in")).isTrue();
			}
			JsonContent<Object> echo = this.json.from(get(httpPort, "/actuator/echo").body());
			assertThat(echo).extractingJsonPathStringValue("$.udp.address").isEqualTo("127.0.0.1");
			assertThat(echo).extractingJsonPathNumberValue("$.udp.port").isEqualTo(port);
			assertThat(echo).extractingJsonPathArrayValue("$.udp.reactors").containsExactly("echo-reactor-0");
			assertThat(echo).extractingJsonPathNumberValue("$.udp.activeBuckets").isIn(0, 1);
			assertThat(echo).extractingJsonPathMapValue("$.configuration.udp")
				.containsEntry("enabled", true)
				.containsEntry("rateLimitPerSource", 1000)
				.containsEntry("maxTrackedSources", 10000)
				.containsEntry("receiveBudget", 64);
		}
	}

	@Test
	void withUdpOffNoUdpPortIsBoundAndNeitherTheEndpointNorTheScrapeShowsUdp(CapturedOutput output)
			throws Exception {
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		int port = FreePorts.freeTcpAndUdpPort(loopback);
		try (ConfigurableApplicationContext context = run("--echo.server.port=" + port,
				"--echo.server.udp.enabled=false")) {
			EchoServer server = context.getBean(EchoServer.class);
			int httpPort = httpPort(context);
			assertThat(server.view().udpPort()).isEqualTo(-1);
			assertThat(output).contains("Echo server started on 127.0.0.1:" + port).contains("; UDP off");
			// The number UDP would have taken is free.
			try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
				assertThat(udp.getLocalPort()).isEqualTo(port);
			}
			try (var tcp = EchoSockets.connect(port)) {
				EchoSockets.assertEchoes(tcp, "TCP still echoes\n");
			}
			JsonContent<Object> echo = this.json.from(get(httpPort, "/actuator/echo").body());
			assertThat(echo).extractingJsonPathValue("$.udp").isNull();
			assertThat(echo).extractingJsonPathBooleanValue("$.configuration.udp.enabled").isFalse();
			PrometheusScrape scrape = scrape(httpPort);
			assertThat(scrape.families()).contains("echo_reads_total")
				.noneMatch((family) -> family.startsWith("echo_udp_") || family.startsWith("echo_kernel_udp_"));
		}
	}

	private static ConfigurableApplicationContext run(String... extraArgs) {
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setRegisterShutdownHook(false);
		String[] args = { "--server.port=0", "--server.address=127.0.0.1", "--echo.server.address=127.0.0.1",
				"--echo.server.reactors=2", "--echo.server.shutdown-timeout=2s", "--spring.main.banner-mode=off" };
		String[] all = Arrays.copyOf(args, args.length + extraArgs.length);
		System.arraycopy(extraArgs, 0, all, args.length, extraArgs.length);
		return application.run(all);
	}

	private static int httpPort(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	private static byte[] receive(DatagramChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocate(65_536);
		await().atMost(Duration.ofSeconds(10))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(2))
			.until(() -> channel.receive(buffer.clear()) != null);
		return Arrays.copyOf(buffer.array(), buffer.position());
	}

	private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
		return get(port, path, "application/json");
	}

	private static HttpResponse<String> get(int port, String path, String accept)
			throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
					.header("Accept", accept)
					.timeout(Duration.ofSeconds(10))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response;
	}

	private static PrometheusScrape scrape(int port) throws IOException, InterruptedException {
		return PrometheusScrape.parse(get(port, "/actuator/prometheus", "text/plain;version=0.0.4").body());
	}

	private static long delta(PrometheusScrape before, PrometheusScrape after, String name) {
		return Math.round(after.sum(name) - before.sum(name));
	}

}

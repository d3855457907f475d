package io.echoreactor.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The echo meters as a scraper sees them: the whole application on ephemeral ports, a
 * known echo workload, and {@code /actuator/prometheus} fetched over HTTP, checked for
 * exact values, by {@code promtool}, and by a real Prometheus server.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2" })
@Timeout(120)
class EchoReactorMetricsIntegrationTests {

	private static final int CLIENTS = 50;

	private static final int MESSAGES = 1_000;

	private static final int MESSAGE_SIZE = 100;

	private static final Duration PUBLISHED = Duration.ofSeconds(10);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@TempDir
	Path temp;

	@Test
	void afterAKnownWorkloadTheScrapeShowsExactlyThatWorkload() throws Exception {
		PrometheusScrape before = scrape();
		runWorkload();
		long bytes = (long) CLIENTS * MESSAGES * MESSAGE_SIZE;
		// The reactors publish their counters eventually, and two of them are not read at
		// the same instant: wait until the scrape agrees.
		await().atMost(PUBLISHED).untilAsserted(() -> {
			PrometheusScrape after = scrape();
			assertThat(delta(before, after, "echo_received_bytes_total")).isEqualTo(bytes);
			assertThat(delta(before, after, "echo_sent_bytes_total")).isEqualTo(bytes);
			assertThat(delta(before, after, "echo_connections_accepted_total")).isEqualTo(CLIENTS);
			assertThat(delta(before, after, "echo_connections_closed_total", "cause", "eof")).isEqualTo(CLIENTS);
			for (CloseCause cause : CloseCause.values()) {
				if (cause != CloseCause.EOF) {
					assertThat(delta(before, after, "echo_connections_closed_total", "cause", cause.tag()))
						.as(cause.tag())
						.isZero();
				}
			}
			assertThat(after.sum("echo_connections_active")).isZero();
			assertThat(after.sum("echo_pending_bytes")).isZero();
			assertThat(delta(before, after, "echo_connections_rejected_total")).isZero();
			// Each message is read at least once, each client's EOF once more.
			long reads = delta(before, after, "echo_reads_total");
			assertThat(reads).isGreaterThanOrEqualTo((long) CLIENTS * (MESSAGES + 1));
			assertThat(delta(before, after, "echo_reads_empty_total")).isBetween(0L, reads);
			assertThat(delta(before, after, "echo_writes_total")).isGreaterThanOrEqualTo((long) CLIENTS * MESSAGES);
			assertThat(delta(before, after, "echo_selector_wakeups_total", "cause", "io"))
				.isGreaterThanOrEqualTo((long) CLIENTS);
			assertThat(delta(before, after, "echo_accepts_total", "reactor", "acceptor"))
				.isGreaterThanOrEqualTo(CLIENTS);
			assertThat(delta(before, after, "echo_accepts_empty_total", "reactor", "acceptor"))
				.isBetween(1L, delta(before, after, "echo_accepts_total", "reactor", "acceptor"));
			// Handing the connections over took at least one cross-thread wakeup.
			assertThat(delta(before, after, "echo_selector_wakeup_calls_total")).isPositive();
			assertThat(delta(before, after, "echo_reactor_tasks_total")).isGreaterThanOrEqualTo(CLIENTS);
			assertThat(after.sum("echo_reactor_busy_seconds_total"))
				.isGreaterThan(before.sum("echo_reactor_busy_seconds_total"));
			for (String reactor : List.of("0", "1")) {
				// Every select() return has exactly one cause and one ready-keys sample.
				assertThat(after.sum("echo_selector_wakeups_total", "reactor", reactor))
					.isEqualTo(after.sum("echo_selector_ready_keys_count", "reactor", reactor));
				assertThat(after.value("echo_reactor_alive", "reactor", reactor)).isOne();
			}
			assertThat(after.value("echo_ready")).isOne();
		});
	}

	@Test
	void promtoolFindsNoErrorAndNothingToCriticiseInTheEchoMetrics() throws Exception {
		Path promtool = RequiredTools.require("promtool");
		runWorkload();
		String scrape = fetchScrape();
		Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
			.start();
		try (OutputStream stdin = process.getOutputStream()) {
			stdin.write(scrape.getBytes(StandardCharsets.UTF_8));
		}
		String output = readAll(process.getInputStream());
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		// 0: clean, 3: lint findings only (Boot's JVM meters draw some), 1: a parse error.
		assertThat(process.exitValue()).as(output).isIn(0, 3);
		List<String> echoFindings = output.lines().filter((line) -> line.startsWith("echo_")).toList();
		assertThat(echoFindings).as(output).isEmpty();
		assertThat(PrometheusScrape.parse(scrape).families()).containsAll(expectedFamilies());
	}

	@Test
	void aRealPrometheusScrapesTheEchoSeries() throws Exception {
		Path prometheus = RequiredTools.require("prometheus");
		int port = freePort();
		Path config = this.temp.resolve("prometheus.yml");
		Files.writeString(config, """
				global: {scrape_interval: 1s, evaluation_interval: 1s}
				scrape_configs:
				  - job_name: echo-reactor
				    metrics_path: /actuator/prometheus
				    static_configs: [{targets: ["127.0.0.1:%d"]}]
				""".formatted(this.httpPort));
		Path log = this.temp.resolve("prometheus.log");
		Process process = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
				"--storage.tsdb.path=" + this.temp.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
				"--log.level=warn")
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		try {
			runWorkload();
			// Targets appear about 5 s after Prometheus starts (its discovery throttle).
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(500))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(query(port, "sum(echo_received_bytes_total{job=\"echo-reactor\"})"))
					.as(() -> readLog(log))
					.containsExactly(String.valueOf(receivedBytes())));
			Set<String> names = new TreeSet<>(
					query(port, "group by (__name__) ({__name__=~\"echo_.+\"})", "__name__"));
			Set<String> expected = new TreeSet<>();
			for (String family : expectedFamilies()) {
				if (family.equals("echo_selector_ready_keys")) {
					expected.addAll(List.of(family + "_bucket", family + "_count", family + "_sum"));
				}
				else {
					expected.add(family);
				}
			}
			assertThat(names).containsAll(expected);
			assertThat(query(port, "echo_connections_closed_total{cause=\"max-age\",reactor=\"0\"}"))
				.containsExactly("0");
		}
		finally {
			process.destroy();
			if (!process.waitFor(20, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	private void runWorkload() throws Exception {
		InetSocketAddress address = new InetSocketAddress(this.echoServer.view().localAddress().getAddress(),
				this.echoServer.port());
		List<SocketChannel> clients = new ArrayList<>();
		ExecutorService executor = Executors.newFixedThreadPool(10);
		try {
			for (int i = 0; i < CLIENTS; i++) {
				clients.add(SocketChannel.open(address));
			}
			List<Future<?>> results = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				SocketChannel client = clients.get(i);
				int seed = i;
				results.add(executor.submit(() -> {
					echoAndClose(client, seed);
					return null;
				}));
			}
			for (Future<?> result : results) {
				result.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
			for (SocketChannel client : clients) {
				client.close();
			}
		}
	}

	private static Set<String> expectedFamilies() {
		Set<String> families = new TreeSet<>(EchoReactorMetricsTests.CONTRACT);
		// The TLS and PROXY protocol meters exist only while those are on, which this
		// application's configuration leaves off (EchoTlsIntegrationTests scrapes the TLS ones).
		families.removeIf((family) -> family.startsWith("echo_tls_") || family.startsWith("echo_proxy_"));
		if (Files.isReadable(Path.of("/proc/net/netstat"))) {
			families.addAll(EchoReactorMetricsTests.KERNEL);
		}
		return families;
	}

	private long receivedBytes() {
		return this.echoServer.view().reactors()
			.stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.BYTES_RECEIVED))
			.sum();
	}

	private static void echoAndClose(SocketChannel client, int seed) throws IOException {
		ByteBuffer sent = ByteBuffer.allocate(MESSAGE_SIZE);
		ByteBuffer received = ByteBuffer.allocate(MESSAGE_SIZE);
		for (int message = 0; message < MESSAGES; message++) {
			sent.clear();
			for (int i = 0; i < MESSAGE_SIZE; i++) {
				sent.put((byte) (seed * 31 + message * 7 + i));
			}
			sent.flip();
			while (sent.hasRemaining()) {
				client.write(sent);
			}
			received.clear();
			while (received.hasRemaining()) {
				if (client.read(received) < 0) {
					throw new IOException("Closed by the server after " + message + " messages");
				}
			}
			if (!Arrays.equals(sent.array(), received.array())) {
				throw new IOException("Message " + message + " of client " + seed + " came back different");
			}
		}
		// A clean close: half-close, see the server's FIN, then close.
		client.shutdownOutput();
		if (client.read(ByteBuffer.allocate(1)) != -1) {
			throw new IOException("Expected EOF from the server");
		}
		client.close();
	}

	private PrometheusScrape scrape() throws Exception {
		return PrometheusScrape.parse(fetchScrape());
	}

	private String fetchScrape() throws Exception {
		HttpRequest request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + "/actuator/prometheus"))
			.header("Accept", "text/plain;version=0.0.4")
			.timeout(Duration.ofSeconds(10))
			.build();
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(contentType) -> assertThat(contentType).startsWith("text/plain;version=0.0.4"));
		return response.body();
	}

	private static long delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
		return Math.round(after.sum(name, labels) - before.sum(name, labels));
	}

	private List<String> query(int port, String query) throws Exception {
		return query(port, query, null);
	}

	// The values of the result's samples, or the given label of each.
	private List<String> query(int port, String query, String label) throws Exception {
		URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
				+ URLEncoder.encode(query, StandardCharsets.UTF_8));
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		String path = (label != null) ? "$.data.result[*].metric." + label : "$.data.result[*].value[1]";
		return JsonPath.read(response.body(), path);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static String readAll(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.UTF_8);
	}

	private static String readLog(Path log) {
		try {
			return "Prometheus log:\n" + Files.readString(log);
		}
		catch (IOException ex) {
			return "Prometheus log unreadable: " + ex.getMessage();
		}
	}

}

package io.echoreactor.console;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console over real HTTP: the page and its assets from the jar, one snapshot as JSON,
 * the live stream, and the limit on live streams.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2", "echo.server.udp.enabled=true", "echo.server.udp.port=0" })
@Timeout(60)
class ConsoleIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@Autowired
	private ConsoleStreams streams;

	@Test
	void pageIsATableOfEveryFigureWithItsUnitAndReloadsItselfWithoutJavaScript() throws Exception {
		HttpResponse<String> page = get("/console");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/html"));
		assertThat(page.body()).contains("<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>")
			.contains("<th scope=\"row\">echo-reactor-0</th>", "<th scope=\"row\">echo-reactor-1</th>")
			.contains("data-k=\"reactors.0.reads\" data-u=\"calls\">", "data-k=\"udp.dropped.rate-limit\"")
			.contains("TLS is off.", "No fault profile is set.", "No open TCP connection.")
			.contains("<th scope=\"row\">readBufferSize</th><td>65536</td>")
			.contains("src=\"/console/uPlot.iife.min.js?v=1.6.30\"", "src=\"/console/console.js\"")
			.doesNotContain("http://", "https://");
	}

	@Test
	void scriptsAndStylesComeFromTheJar() throws Exception {
		for (String asset : List.of("uPlot.iife.min.js", "uPlot.min.css", "console.js", "console.css")) {
			HttpResponse<String> response = get("/console/" + asset);
			assertThat(response.statusCode()).as(asset).isEqualTo(200);
			assertThat(response.body()).as(asset).hasSizeGreaterThan(500);
		}
		assertThat(get("/console/uPlot.iife.min.js").body()).contains("uPlot");
		assertThat(get("/console/other.js").statusCode()).isEqualTo(404);
	}

	@Test
	void snapshotHasEachReactorUdpAndTheSettingsAndTheConnectionsTable() throws Exception {
		HttpResponse<String> response = get("/console/snapshot");
		assertThat(response.statusCode()).isEqualTo(200);
		String json = response.body();
		assertThat(JsonPath.<List<Object>>read(json, "$.reactors")).hasSize(2);
		assertThat(JsonPath.<Integer>read(json, "$.reactors[0].wakeups.timeout")).isNotNull();
		assertThat(JsonPath.<Integer>read(json, "$.udp.dropped['rate-limit']")).isZero();
		assertThat(JsonPath.<Object>read(json, "$.tls")).isNull();
		assertThat(JsonPath.<Boolean>read(json, "$.connectionsTableAvailable")).isTrue();
		assertThat(JsonPath.<Integer>read(json, "$.settings.reactors")).isEqualTo(2);
		try (Socket client = new Socket()) {
			client.connect(new InetSocketAddress("127.0.0.1", this.echoServer.port()), 5000);
			client.setSoTimeout(5000);
			client.getOutputStream().write(new byte[5000]);
			assertThat(client.getInputStream().readNBytes(5000)).hasSize(5000);
			String peer = "127.0.0.1:" + client.getLocalPort();
			String row = "$.connectionsTable[?(@.peer == '" + peer + "')]";
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
				String now = get("/console/snapshot").body();
				assertThat(JsonPath.<List<Object>>read(now, row)).hasSize(1);
				assertThat(JsonPath.<List<Integer>>read(now, row + ".bytesReceived")).containsExactly(5000);
				assertThat(JsonPath.<List<Integer>>read(now, row + ".bytesSent")).containsExactly(5000);
				assertThat(JsonPath.<List<String>>read(now, row + ".local"))
					.containsExactly("127.0.0.1:" + this.echoServer.port());
				assertThat(JsonPath.<List<String>>read(now, row + ".stage")).containsExactly("echo");
				assertThat(JsonPath.<List<Object>>read(now, row + ".proxySource")).containsExactly((Object) null);
			});
		}
	}

	@Test
	void reactorsTakeTheTableOnlyWhileAConsoleAsksAndAtMostOnceASecond() throws Exception {
		EchoServerView view = this.echoServer.view();
		// Nothing asks between tests once every stream has ended: the count holds still.
		await().atMost(Duration.ofSeconds(10)).until(() -> this.streams.openStreams() == 0);
		long before = view.connectionsSnapshotsTaken();
		await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
			.until(() -> view.connectionsSnapshotsTaken() == before);
		long start = System.nanoTime();
		for (int i = 0; i < 20; i++) {
			assertThat(get("/console/snapshot").statusCode()).isEqualTo(200);
		}
		long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
		assertThat(view.connectionsSnapshotsTaken() - before).isBetween(1L, seconds + 2);
	}

	@Test
	void eightStreamsGetSnapshotsAndANinthIsRefusedWithAClearMessageAndAClosedOneFreesItsPlace() throws Exception {
		List<Socket> open = new ArrayList<>();
		try {
			for (int i = 0; i < 8; i++) {
				// A socket of its own, as a browser's stream has, which closing surely ends.
				Socket stream = new Socket("127.0.0.1", this.httpPort);
				open.add(stream);
				stream.setSoTimeout(10_000);
				stream.getOutputStream()
					.write("GET /console/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
						.getBytes(StandardCharsets.US_ASCII));
				BufferedReader lines = new BufferedReader(
						new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8));
				assertThat(lines.readLine()).startsWith("HTTP/1.1 200");
				String line;
				do {
					line = lines.readLine();
				}
				while (line != null && !line.startsWith("event:"));
				assertThat(line).isEqualTo("event:snapshot");
				assertThat(lines.readLine()).startsWith("data:{").contains("\"reactors\":[");
			}
			assertThat(this.streams.openStreams()).isEqualTo(8);
			HttpResponse<String> ninth = this.http.send(request("/console/stream"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(ninth.statusCode()).isEqualTo(503);
			assertThat(ninth.headers().firstValue("Retry-After")).hasValue("30");
			assertThat(ninth.body()).contains("open in 8 browsers already", "echo.console.max-streams");
			assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
		}
		finally {
			for (Socket stream : open) {
				stream.close();
			}
		}
		// The next snapshot written finds each browser gone.
		await().atMost(Duration.ofSeconds(10)).until(() -> this.streams.openStreams() == 0);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(request(path), HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
			.timeout(Duration.ofSeconds(10))
			.build();
	}

}

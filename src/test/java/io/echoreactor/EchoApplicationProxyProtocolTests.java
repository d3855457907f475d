package io.echoreactor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The PROXY protocol through the whole application, configured the way users configure
 * it: headers consumed and echoes byte-exact, refused headers counted in
 * {@code /actuator/prometheus} and logged once per interval without a stack trace, and
 * the per-address limit counting the client a header names.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(180)
class EchoApplicationProxyProtocolTests {

	private static final String V1 = "PROXY TCP4 192.0.2.1 127.0.0.1 50000 7007\r\n";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void headersAreConsumedAndRefusedOnesAreCountedAndLoggedOnceWithoutAStackTrace(CapturedOutput output)
			throws Exception {
		// One reactor: each reactor throttles its own warnings.
		try (ConfigurableApplicationContext context = run("--echo.server.proxy-protocol.mode=required",
				"--echo.server.reactors=1")) {
			int echoPort = context.getBean(EchoServer.class).port();
			try (Socket client = connect(echoPort)) {
				send(client, V1);
				assertEchoes(client, "hello after a v1 header\n");
			}
			try (Socket client = connect(echoPort)) {
				send(client, "\r\n\r\n\0\r\nQUIT\n\u0020\0\0\0");
				assertEchoes(client, "hello after a v2 LOCAL header\n");
			}
			int beforeRefusals = output.length();
			for (int i = 0; i < 3; i++) {
				try (Socket client = connect(echoPort)) {
					send(client, "PROXY TCP4 192.0.2.1 127.0.0.1 50000\r\nnever echoed\n");
					assertClosedWithoutReply(client);
				}
			}
			await().untilAsserted(() -> {
				PrometheusScrape scrape = scrape(context);
				assertThat(scrape.sum("echo_proxy_headers_total", "result", "v1")).isEqualTo(1);
				assertThat(scrape.sum("echo_proxy_headers_total", "result", "local")).isEqualTo(1);
				assertThat(scrape.sum("echo_proxy_headers_total", "result", "malformed")).isEqualTo(3);
				assertThat(scrape.sum("echo_connections_closed_total", "cause", "proxy-header")).isEqualTo(3);
			});
			List<String> refusals = output.toString()
				.substring(beforeRefusals)
				.lines()
				.filter((line) -> line.contains("Refused the PROXY header"))
				.toList();
			assertThat(refusals).as("one line per 10 s, not one per connection").hasSize(1);
			assertThat(refusals.get(0)).contains("WARN")
				.contains("tcp.StageOrder")
				.contains("from 127.0.0.1 on echo-reactor-0: malformed (v1 TCP4 line must have 4 fields after the "
						+ "protocol, not 3)");
			assertThat(output.toString().substring(beforeRefusals)).doesNotContain("\tat ").doesNotContain("Exception");
		}
	}

	@Test
	void perAddressLimitCountsTheClientAHeaderNamesAndTheReactorCountsTheRejection() throws Exception {
		try (ConfigurableApplicationContext context = run("--echo.server.proxy-protocol.mode=required",
				"--echo.server.reactors=2", "--echo.server.max-connections-per-address=1")) {
			int echoPort = context.getBean(EchoServer.class).port();
			try (Socket first = connect(echoPort); Socket other = connect(echoPort)) {
				send(first, V1);
				assertEchoes(first, "first client\n");
				send(other, "PROXY TCP4 192.0.2.2 127.0.0.1 50000 7007\r\n");
				assertEchoes(other, "another client through the same proxy\n");
				try (Socket second = connect(echoPort)) {
					send(second, V1 + "the same client again\n");
					assertClosedWithoutReply(second);
				}
				assertEchoes(first, "first client still served\n");
			}
			await().untilAsserted(() -> {
				PrometheusScrape scrape = scrape(context);
				assertThat(scrape.sum("echo_connections_rejected_total", "cause", "address-limit")).isEqualTo(1);
				assertThat(scrape.labelValues("echo_connections_rejected_total", "reactor")).contains("0", "1");
				// The rejected connection's header was read, and counted, before its client was.
				assertThat(scrape.sum("echo_proxy_headers_total", "result", "v1")).isEqualTo(3);
				assertThat(scrape.sum("echo_connections_closed_total", "cause", "proxy-header")).isZero();
			});
		}
	}

	private static ConfigurableApplicationContext run(String... args) {
		List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--echo.server.port=0", "--echo.server.address=127.0.0.1", "--echo.server.udp.enabled=false"));
		arguments.addAll(List.of(args));
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setRegisterShutdownHook(false);
		return application.run(arguments.toArray(String[]::new));
	}

	private static void send(Socket client, String text) throws IOException {
		OutputStream out = client.getOutputStream();
		out.write(text.getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
	}

	private static void assertClosedWithoutReply(Socket client) throws IOException {
		InputStream in = client.getInputStream();
		try {
			assertThat(in.read()).as("next byte (-1 is the end of stream)").isEqualTo(-1);
		}
		catch (SocketException ex) {
			assertThat(ex).hasMessageContaining("reset");
		}
	}

	private PrometheusScrape scrape(ConfigurableApplicationContext context) throws Exception {
		int httpPort = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus"))
					.header("Accept", "text/plain;version=0.0.4")
					.timeout(Duration.ofSeconds(10))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return PrometheusScrape.parse(response.body());
	}

}

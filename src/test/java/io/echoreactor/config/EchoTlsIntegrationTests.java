package io.echoreactor.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.jayway.jsonpath.JsonPath;
import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.RequiredTools;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole application serving TLS from a Spring Boot PEM bundle
 * ({@code spring.ssl.bundle.pem.echo}, {@code echo.server.ssl.bundle=echo}) beside the
 * plain port, and what an operator sees of it: the echo's TLS meters in a real scrape, and
 * Spring Boot's own view of the same bundle (the {@code ssl.chain.expiry} meter, the
 * {@code ssl} health component and SSL information on {@code /actuator/info}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2", "echo.server.udp.enabled=false", "echo.server.ssl.bundle=echo",
				"echo.server.ssl.port=0" })
@Timeout(120)
class EchoTlsIntegrationTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	// Within the 14 days of management.health.ssl.certificate-validity-warning-threshold.
	private static final Issued serverCertificate = authority.server("echo.example", Duration.ofDays(10));

	@TempDir
	static Path certificates;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@DynamicPropertySource
	static void pemBundle(DynamicPropertyRegistry registry) {
		Path certificate = certificates.resolve("tls.crt");
		Path key = certificates.resolve("tls.key");
		serverCertificate.writePem(certificate, key);
		Path ca = authority.writePem(certificates.resolve("ca.crt"));
		registry.add("spring.ssl.bundle.pem.echo.keystore.certificate", () -> "file:" + certificate);
		registry.add("spring.ssl.bundle.pem.echo.keystore.private-key", () -> "file:" + key);
		registry.add("spring.ssl.bundle.pem.echo.truststore.certificate", () -> "file:" + ca);
	}

	@Test
	void echoesThroughTls13AndTls12FromThePemBundleBesideThePlainPort() throws Exception {
		for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
			try (SSLSocket client = connectTls(protocol)) {
				assertThat(client.getSession().getProtocol()).isEqualTo(protocol);
				assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(serverCertificate.certificate());
				EchoSockets.assertEchoes(client, "hello over " + protocol + "\n");
			}
		}
		try (Socket plain = EchoSockets.connect(this.echoServer.port())) {
			EchoSockets.assertEchoes(plain, "hello in plain text\n");
		}
	}

	@Test
	void theScrapeCountsHandshakesByResultAndConnectionsByProtocolAndCipher() throws Exception {
		PrometheusScrape before = scrape();
		String cipher;
		try (SSLSocket client = connectTls("TLSv1.3")) {
			EchoSockets.assertEchoes(client, "counted\n");
			cipher = client.getSession().getCipherSuite();
		}
		// A plain-text client on the TLS port.
		try (Socket plain = new Socket()) {
			plain.connect(new InetSocketAddress("127.0.0.1", this.echoServer.view().tlsPort()), 5000);
			plain.setSoTimeout(20_000);
			plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			drain(plain.getInputStream());
		}
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			PrometheusScrape after = scrape();
			assertThat(increase(before, after, "echo_tls_handshakes_total", "result", "ok")).isEqualTo(1);
			assertThat(increase(before, after, "echo_tls_handshakes_total", "result", "not-tls")).isEqualTo(1);
			assertThat(increase(before, after, "echo_connections_closed_total", "cause", "tls-handshake"))
				.isEqualTo(1);
			assertThat(increase(before, after, "echo_tls_handshake_seconds_count")).isEqualTo(1);
			assertThat(increase(before, after, "echo_tls_connections_total", "protocol", "TLSv1.3", "cipher", cipher))
				.isEqualTo(1);
			assertThat(after.sum("echo_tls_task_seconds_total")).isPositive();
		});
		PrometheusScrape after = scrape();
		assertThat(after.type("echo_tls_handshake_seconds")).isEqualTo("histogram");
		assertThat(after.labelValues("echo_tls_handshakes_total", "result")).contains("ok", "timeout", "eof",
				"not-tls", "protocol-version", "no-shared-cipher", "bad-certificate", "unknown-ca", "other");
	}

	@Test
	void promtoolFindsNothingToCriticiseInTheTlsMeters() throws Exception {
		Path promtool = RequiredTools.require("promtool");
		try (SSLSocket client = connectTls("TLSv1.2")) {
			EchoSockets.assertEchoes(client, "for promtool\n");
		}
		String scrape = get("/actuator/prometheus");
		assertThat(PrometheusScrape.parse(scrape).families()).contains("echo_tls_handshakes_total",
				"echo_tls_handshake_seconds", "echo_tls_connections_total", "echo_tls_task_seconds_total");
		Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
			.start();
		try (OutputStream stdin = process.getOutputStream()) {
			stdin.write(scrape.getBytes(StandardCharsets.UTF_8));
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		// 0: clean, 3: lint findings only (Boot's JVM meters draw some), 1: a parse error.
		assertThat(process.exitValue()).as(output).isIn(0, 3);
		assertThat(output.lines().filter((line) -> line.startsWith("echo_tls") || line.startsWith("ssl_")))
			.as(output)
			.isEmpty();
	}

	@Test
	void springBootsSslChainExpiryMeterCoversTheEchoBundle() throws Exception {
		PrometheusScrape scrape = scrape();
		String serial = serverCertificate.serial().toString(16);
		assertThat(scrape.type("ssl_chain_expiry_seconds")).isEqualTo("gauge");
		assertThat(scrape.has("ssl_chain_expiry_seconds", "bundle", "echo", "certificate", serial, "source",
				"keystore"))
			.isTrue();
		double seconds = scrape.sum("ssl_chain_expiry_seconds", "bundle", "echo", "certificate", serial);
		assertThat(seconds).isBetween((double) Duration.ofDays(9).toSeconds(), (double) Duration.ofDays(10).toSeconds());
	}

	@Test
	void theSslHealthComponentWarnsOfTheEchoBundlesCertificateExpiringWithinTheThreshold() throws Exception {
		String health = get("/actuator/health");
		assertThat(JsonPath.<String>read(health, "$.components.ssl.status")).isEqualTo("UP");
		List<Map<String, Object>> expiring = JsonPath.read(health, "$.components.ssl.details.expiringChains");
		assertThat(expiring).anySatisfy((chain) -> assertThat(chain.toString()).contains("echo.example"));
		List<Object> invalid = JsonPath.read(health, "$.components.ssl.details.invalidChains");
		assertThat(invalid).isEmpty();
	}

	@Test
	void infoShowsTheEchoBundlesCertificates() throws Exception {
		String info = get("/actuator/info");
		List<String> names = JsonPath.read(info, "$.ssl.bundles[*].name");
		assertThat(names).contains("echo");
		List<String> serials = JsonPath.read(info,
				"$.ssl.bundles[?(@.name == 'echo')].certificateChains[*].certificates[*].serialNumber");
		assertThat(serials).contains(serverCertificate.serial().toString(16));
		List<String> subjects = JsonPath.read(info,
				"$.ssl.bundles[?(@.name == 'echo')].certificateChains[*].certificates[*].subject");
		assertThat(subjects).anySatisfy((subject) -> assertThat(subject).contains("CN=echo.example"));
	}

	private SSLSocket connectTls(String protocol) throws IOException {
		SSLContext context = TestCertificates.sslContext(null, authority.certificate());
		Socket plain = EchoSockets.connect(this.echoServer.view().tlsPort());
		SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(plain, "localhost", this.echoServer.view().tlsPort(), true);
		socket.setEnabledProtocols(new String[] { protocol });
		socket.startHandshake();
		return socket;
	}

	private static void drain(InputStream input) throws IOException {
		try {
			input.readAllBytes();
		}
		catch (java.net.SocketException ex) {
			// A reset ends it too
		}
	}

	private static double increase(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
		return after.sum(name, labels) - before.sum(name, labels);
	}

	private PrometheusScrape scrape() throws IOException, InterruptedException {
		return PrometheusScrape.parse(get("/actuator/prometheus"));
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
					.timeout(Duration.ofSeconds(20))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

}

package io.echoreactor.config.live;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.echoreactor.config.live.LiveSettingsIntegrationTests.KubeletVolume;
import io.echoreactor.config.live.LiveSettingsIntegrationTests.Load;
import io.echoreactor.config.live.LiveSettingsIntegrationTests.StreamLoad;
import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.LocalhostCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code echo.server.ssl.client-auth} changed live, end to end: the application as a
 * process, its {@code application.yml} swapped as the kubelet swaps a ConfigMap volume,
 * while a TLS client opened before the change echoes on. Under {@code need} the next
 * client without a certificate is refused at its handshake and one with a certificate the
 * bundle trusts is served; back to {@code none}, a client without one is served again.
 */
@Timeout(180)
class LiveClientAuthIntegrationTests {

	private static final Pattern APPLIED = Pattern
		.compile("echo_settings_reloads_total\\{[^}]*result=\"applied\"[^}]*} ([0-9.E]+)");

	@TempDir
	Path tempDir;

	private final HttpClient http = HttpClient.newHttpClient();

	private InetAddress loopback;

	private final LocalhostCertificates certificates = LocalhostCertificates.get();

	private ApplicationProcess application;

	private Load load;

	@AfterEach
	void stop() throws Exception {
		if (this.load != null) {
			this.load.close();
		}
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void clientAuthChangedLiveToNeedRefusesTheNextClientWithoutACertificateAndBackToNoneServesItWhileATlsClientEchoesOn()
			throws Exception {
		this.loopback = InetAddress.getByName("127.0.0.1");
		KubeletVolume volume = start(true);
		this.load = new StreamLoad("tls", () -> tlsClient(false));
		this.load.start();
		assertANewClientWithoutACertificateIsServed();
		awaitProgress();

		volume.write(yaml("need"));
		await().atMost(Duration.ofSeconds(20)).until(() -> applied() == 1);
		assertANewClientWithoutACertificateIsRefused();
		try (Socket certified = tlsClient(true)) {
			assertEchoes(certified, "a certificate the bundle trusts\n");
		}
		assertThat(get("/actuator/echo")).containsPattern("\"clientAuth\":\"(?i:need)\"");
		awaitProgress();

		volume.write(yaml("none"));
		await().atMost(Duration.ofSeconds(20)).until(() -> applied() == 2);
		assertANewClientWithoutACertificateIsServed();
		awaitProgress();

		this.load.close();
		assertThat(this.load.failure()).as("the TLS client opened before the changes").isNull();
		assertThat(this.load.rounds()).isPositive();
	}

	@Test
	void clientAuthNeedWithABundleWithoutATrustStoreIsRefusedWholeAndClientsWithoutACertificateAreStillServed()
			throws Exception {
		this.loopback = InetAddress.getByName("127.0.0.1");
		KubeletVolume volume = start(false);
		// Without a trust store the JDK would judge client certificates by its default cacerts.
		volume.write(yaml("need").replace("client-auth: need", "client-auth: need\n    idle-timeout: 1h"));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> get("/actuator/echo").contains("\"property\":\"echo.server.ssl.client-auth\""));
		assertThat(get("/actuator/echo")).contains("the SSL bundle 'echo' has no trust store")
			.containsPattern("\"clientAuth\":\"(?i:none)\"")
			.doesNotContain("PT1H");
		assertThat(this.application.log()).contains("Settings change refused, the settings in force stay")
			.contains("echo.server.ssl.client-auth");
		assertANewClientWithoutACertificateIsServed();
	}

	// The application with client-auth none in its watched file, and a bundle with or
	// without a trust store for client certificates.
	private KubeletVolume start(boolean trustStore) throws IOException {
		KubeletVolume volume = new KubeletVolume(this.tempDir.resolve("config"));
		volume.write(yaml("none"));
		String pem = "file:" + this.certificates.serverPem().toAbsolutePath();
		List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--echo.server.port=0", "--echo.server.address=127.0.0.1", "--echo.server.reactors=1",
				"--echo.server.udp.enabled=false", "--echo.server.ssl.port=0", "--echo.server.ssl.bundle=echo",
				"--spring.ssl.bundle.pem.echo.keystore.certificate=" + pem,
				"--spring.ssl.bundle.pem.echo.keystore.private-key=" + pem,
				"--management.endpoints.web.exposure.include=health,echo,prometheus",
				"--spring.config.additional-location=optional:file:" + volume.directory() + "/"));
		if (trustStore) {
			arguments.add("--spring.ssl.bundle.pem.echo.truststore.certificate=file:"
					+ this.certificates.clientAuthorityPem().toAbsolutePath());
		}
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"), Map.of(),
				arguments.toArray(String[]::new));
		return volume;
	}

	private static String yaml(String clientAuth) {
		return """
				echo:
				  server:
				    ssl:
				      client-auth: %s
				""".formatted(clientAuth);
	}

	private void assertANewClientWithoutACertificateIsServed() throws IOException {
		try (Socket client = tlsClient(false)) {
			assertEchoes(client, "no certificate\n");
		}
	}

	private void assertANewClientWithoutACertificateIsRefused() {
		assertThatExceptionOfType(IOException.class).as("a new client without a certificate").isThrownBy(() -> {
			// Under TLS 1.3 the client's handshake ends before the server has checked its
			// certificate: the refusal arrives as an alert on the first read.
			try (Socket client = tlsClient(false)) {
				assertEchoes(client, "no certificate\n");
			}
		});
	}

	private SSLSocket tlsClient(boolean presentCertificate) throws IOException {
		SSLContext context = this.certificates.clientContext(presentCertificate);
		SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(this.loopback, this.application.tlsPort());
		try {
			socket.setSoTimeout(10_000);
			socket.startHandshake();
			return socket;
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
	}

	// The client opened before the changes makes a few more round trips, each byte checked.
	private void awaitProgress() {
		long before = this.load.rounds();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.load.rounds() >= before + 3 || this.load.failure() != null);
		assertThat(this.load.failure()).as("the TLS client opened before the changes").isNull();
	}

	private long applied() throws Exception {
		Matcher matcher = APPLIED.matcher(get("/actuator/prometheus"));
		return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.application.httpPort() + path))
					.timeout(Duration.ofSeconds(10))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

}

package io.echoreactor.console;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser where TLS and a fault profile are on: their charts and
 * tables are there, a handshake and a fault injected show on the live page, and a TLS
 * connection is a row with its protocol.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2", "echo.server.udp.enabled=false", "echo.server.ssl.bundle=echo",
				"echo.server.ssl.port=0", "echo.server.faults.flaky.port=0",
				"echo.server.faults.flaky.reset-probability=1" })
@Timeout(120)
class ConsoleBrowserTlsTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("echo.example");

	@TempDir
	static Path certificates;

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	private ChromeDriver browser;

	@DynamicPropertySource
	static void pemBundle(DynamicPropertyRegistry registry) {
		Path certificate = certificates.resolve("tls.crt");
		Path key = certificates.resolve("tls.key");
		serverCertificate.writePem(certificate, key);
		registry.add("spring.ssl.bundle.pem.echo.keystore.certificate", () -> "file:" + certificate);
		registry.add("spring.ssl.bundle.pem.echo.keystore.private-key", () -> "file:" + key);
	}

	@AfterEach
	void closeBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void aHandshakeAndAFaultShowLiveAndATlsConnectionIsARowWithItsProtocol() throws Exception {
		this.browser = HeadlessChromium.start(true, 1280, 2000);
		this.browser.get("http://127.0.0.1:" + this.httpPort + "/console");
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("charts")).isDisplayed()).isTrue());
		assertThat(this.browser.findElement(By.id("chart-tls")).isDisplayed()).isTrue();
		assertThat(this.browser.findElement(By.id("chart-faults")).isDisplayed()).isTrue();
		assertThat(text("[data-k='tls.completed']")).isEqualTo("0 handshakes");
		assertThat(text("[data-k='faults.0.injected.reset-random']")).isEqualTo("0 faults");
		try (Socket reset = new Socket("127.0.0.1", this.echoServer.view().faults().get(0).port())) {
			reset.setSoTimeout(10_000);
			reset.getOutputStream().write("hello\n".getBytes());
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> reset.getInputStream().read());
		}
		try (SSLSocket client = connectTls()) {
			EchoSockets.assertEchoes(client, "hello over TLS\n");
			String peer = "127.0.0.1:" + client.getLocalPort();
			await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				assertThat(text("[data-k='tls.completed']")).isEqualTo("1 handshakes");
				assertThat(text("[data-k='faults.0.injected.reset-random']")).isEqualTo("1 faults");
				List<String> row = ConsoleBrowserTests.connectionRows(this.browser)
					.stream()
					.filter((cells) -> cells.get(2).equals(peer))
					.findFirst()
					.orElseThrow();
				assertThat(row.get(1)).isEqualTo("127.0.0.1:" + this.echoServer.view().tlsPort());
				assertThat(row.get(4)).isEqualTo("TLSv1.3");
				assertThat(row.get(5)).isEqualTo("echo");
			});
		}
		assertThat(HeadlessChromium.consoleErrors(this.browser)).isEmpty();
	}

	private String text(String selector) {
		return this.browser.findElement(By.cssSelector(selector)).getText();
	}

	private SSLSocket connectTls() throws IOException {
		SSLContext context = TestCertificates.sslContext(null, authority.certificate());
		Socket plain = EchoSockets.connect(this.echoServer.view().tlsPort());
		SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(plain, "localhost", this.echoServer.view().tlsPort(), true);
		socket.setEnabledProtocols(new String[] { "TLSv1.3" });
		socket.startHandshake();
		return socket;
	}

}

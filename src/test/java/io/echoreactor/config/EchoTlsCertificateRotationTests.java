package io.echoreactor.config;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.echoreactor.EchoApplication;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rotated certificate reaches new handshakes without dropping a connection: the PEM
 * bundle has {@code reload-on-update: true}, Spring Boot's file watcher notices the change
 * and its bundle update handler gives the reactors a new SSL context, while a connection
 * opened before keeps echoing. The files change either in place or the way the kubelet
 * updates a mounted Secret (a new timestamped directory, the {@code ..data} symlink
 * renamed over to it, the old directory deleted), twice in a row. A rotation to files
 * that cannot serve (a key that is not the certificate's, or no PEM at all) is refused
 * whole: the previous certificate keeps serving, one line says why, and
 * {@code echo.tls.bundle.reloads{result="refused"}} counts it.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(180)
class EchoTlsCertificateRotationTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Duration ROTATED = Duration.ofSeconds(60);

	@TempDir
	Path temp;

	private final AtomicInteger generations = new AtomicInteger();

	private ConfigurableApplicationContext context;

	@AfterEach
	void close() {
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void filesRewrittenInPlaceReachNewHandshakesWhileAnOpenConnectionKeepsEchoing() throws Exception {
		Path certificate = this.temp.resolve("tls.crt");
		Path key = this.temp.resolve("tls.key");
		Issued first = authority.server("first");
		first.writePem(certificate, key);
		EchoServer server = start(certificate, key);
		assertThat(handshakeSerial(server)).isEqualTo(first.serial());
		try (SSLSocket before = connectTls(server)) {
			EchoSockets.assertEchoes(before, "before\n");
			for (String name : new String[] { "second", "third" }) {
				Issued next = authority.server(name);
				// Written over the same files, key first.
				Files.writeString(key, next.keyPem(), StandardCharsets.US_ASCII);
				Files.writeString(certificate, next.certificatePem(), StandardCharsets.US_ASCII);
				awaitNewHandshakesSee(server, next);
				EchoSockets.assertEchoes(before, "still here after the " + name + " certificate\n");
			}
			assertThat(peerCertificate(before).getSerialNumber()).isEqualTo(first.serial());
		}
	}

	@Test
	void aKubernetesSecretVolumeRotatedTwiceReachesNewHandshakesWhileAnOpenConnectionKeepsEchoing()
			throws Exception {
		Path mount = Files.createDirectory(this.temp.resolve("secret"));
		Issued first = authority.server("first");
		Path data = secretUpdate(mount, first);
		Files.createSymbolicLink(mount.resolve("..data"), data.getFileName());
		Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
		Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
		EchoServer server = start(mount.resolve("tls.crt"), mount.resolve("tls.key"));
		assertThat(handshakeSerial(server)).isEqualTo(first.serial());
		try (SSLSocket before = connectTls(server)) {
			EchoSockets.assertEchoes(before, "before\n");
			for (String name : new String[] { "second", "third" }) {
				Issued next = authority.server(name);
				rotate(mount, next);
				awaitNewHandshakesSee(server, next);
				EchoSockets.assertEchoes(before, "still here after the " + name + " certificate\n");
			}
			assertThat(peerCertificate(before).getSerialNumber()).isEqualTo(first.serial());
		}
	}

	@Test
	void aRotationWhoseKeyDoesNotMatchItsCertificateIsRefusedWhileThePreviousOneKeepsServing(CapturedOutput output)
			throws Exception {
		Path mount = Files.createDirectory(this.temp.resolve("secret"));
		Issued first = authority.server("first");
		Path data = secretUpdate(mount, first.certificatePem(), first.keyPem());
		Files.createSymbolicLink(mount.resolve("..data"), data.getFileName());
		Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
		Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
		EchoServer server = start(mount.resolve("tls.crt"), mount.resolve("tls.key"));
		assertThat(handshakeSerial(server)).isEqualTo(first.serial());
		Issued second = authority.server("second");
		rotate(mount, second.certificatePem(), authority.server("other").keyPem());
		awaitRefusedAndLoggedOncePerRefusal(output);
		assertThat(reloads("applied")).isZero();
		assertThat(handshakeSerial(server)).isEqualTo(first.serial());
		// The watch goes on: the next good rotation is applied.
		Issued third = authority.server("third");
		rotate(mount, third);
		awaitNewHandshakesSee(server, third);
		assertThat(reloads("applied")).isOne();
	}

	@Test
	void aRotationToFilesThatAreNoPemIsRefusedWhileThePreviousOneKeepsServing(CapturedOutput output)
			throws Exception {
		Path mount = Files.createDirectory(this.temp.resolve("secret"));
		Issued first = authority.server("first");
		Path data = secretUpdate(mount, first.certificatePem(), first.keyPem());
		Files.createSymbolicLink(mount.resolve("..data"), data.getFileName());
		Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
		Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
		EchoServer server = start(mount.resolve("tls.crt"), mount.resolve("tls.key"));
		rotate(mount, "not a certificate\n", "not a key\n");
		awaitRefusedAndLoggedOncePerRefusal(output);
		assertThat(reloads("applied")).isZero();
		assertThat(handshakeSerial(server)).isEqualTo(first.serial());
	}

	// Each refusal is one WARN line naming the bundle, with no stack trace after it.
	// (Files that are no PEM also make Spring Boot's own SSL meter binder log an error with
	// its stack trace; that one is Boot's.)
	private void awaitRefusedAndLoggedOncePerRefusal(CapturedOutput output) {
		await().atMost(ROTATED).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			List<String> lines = output.getOut().lines().toList();
			List<Integer> refusals = new ArrayList<>();
			for (int i = 0; i < lines.size(); i++) {
				if (lines.get(i).contains(" WARN ") && lines.get(i).contains("SSL bundle 'echo'")) {
					refusals.add(i);
				}
			}
			assertThat(reloads("refused")).isPositive().isEqualTo(refusals.size());
			for (int refusal : refusals) {
				assertThat(lines.get(refusal)).contains("refused; new TLS handshakes keep the previous one: ");
				// A stack trace would follow the message before the next event's timestamp.
				for (int i = refusal + 1; i < lines.size() && !lines.get(i).matches("^\\d{4}-\\d{2}-\\d{2}T.*"); i++) {
					assertThat(lines.get(i)).isBlank();
				}
			}
		});
	}

	private double reloads(String result) {
		return this.context.getBean(MeterRegistry.class)
			.get("echo.tls.bundle.reloads")
			.tag("result", result)
			.functionCounter()
			.count();
	}

	// As the kubelet's atomic writer updates a Secret volume: the new files in a new
	// timestamped directory, a ..data_tmp symlink to it renamed over ..data, then the old
	// directory deleted.
	private void rotate(Path mount, Issued certificate) throws IOException {
		rotate(mount, certificate.certificatePem(), certificate.keyPem());
	}

	private void rotate(Path mount, String certificatePem, String keyPem) throws IOException {
		Path data = mount.resolve("..data");
		Path old = mount.resolve(Files.readSymbolicLink(data));
		Path update = secretUpdate(mount, certificatePem, keyPem);
		Path temporary = Files.createSymbolicLink(mount.resolve("..data_tmp"), update.getFileName());
		Files.move(temporary, data, StandardCopyOption.ATOMIC_MOVE);
		FileSystemUtils.deleteRecursively(old);
	}

	private Path secretUpdate(Path mount, Issued certificate) throws IOException {
		return secretUpdate(mount, certificate.certificatePem(), certificate.keyPem());
	}

	private Path secretUpdate(Path mount, String certificatePem, String keyPem) throws IOException {
		String timestamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss"));
		Path directory = Files
			.createDirectory(mount.resolve("..%s.%09d".formatted(timestamp, this.generations.incrementAndGet())));
		Files.writeString(directory.resolve("tls.crt"), certificatePem, StandardCharsets.US_ASCII);
		Files.writeString(directory.resolve("tls.key"), keyPem, StandardCharsets.US_ASCII);
		return directory;
	}

	private static void awaitNewHandshakesSee(EchoServer server, Issued certificate) {
		await().atMost(ROTATED)
			.pollInterval(Duration.ofMillis(200))
			.ignoreExceptions()
			.untilAsserted(() -> assertThat(handshakeSerial(server)).isEqualTo(certificate.serial()));
	}

	private static BigInteger handshakeSerial(EchoServer server) throws IOException {
		try (SSLSocket client = connectTls(server)) {
			EchoSockets.assertEchoes(client, "which certificate?\n");
			return peerCertificate(client).getSerialNumber();
		}
	}

	private static X509Certificate peerCertificate(SSLSocket client) throws IOException {
		return (X509Certificate) client.getSession().getPeerCertificates()[0];
	}

	private EchoServer start(Path certificate, Path key) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("echo.server.address", "127.0.0.1");
		properties.put("echo.server.port", "0");
		properties.put("echo.server.reactors", "1");
		properties.put("echo.server.udp.enabled", "false");
		properties.put("echo.server.shutdown-timeout", "1s");
		properties.put("echo.server.ssl.bundle", "echo");
		properties.put("echo.server.ssl.port", "0");
		properties.put("spring.ssl.bundle.pem.echo.reload-on-update", "true");
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + certificate);
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", "file:" + key);
		properties.put("spring.ssl.bundle.watch.file.quiet-period", "200ms");
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setRegisterShutdownHook(false);
		this.context = application.run(properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new));
		return this.context.getBean(EchoServer.class);
	}

	private static SSLSocket connectTls(EchoServer server) throws IOException {
		SSLContext context = TestCertificates.sslContext(null, authority.certificate());
		Socket plain = EchoSockets.connect(server.view().tlsPort());
		try {
			SSLSocket socket = (SSLSocket) context.getSocketFactory()
				.createSocket(plain, "localhost", server.view().tlsPort(), true);
			socket.startHandshake();
			return socket;
		}
		catch (IOException | RuntimeException ex) {
			plain.close();
			throw ex;
		}
	}

}

package io.echoreactor.reactor.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.RequiredTools;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The TLS echo with a client nobody here wrote: Debian's {@code openssl s_client}, driven
 * through its standard input and output. It verifies the server's certificate against the
 * test authority, and, without {@code -ign_eof}, sends its {@code close_notify} when its
 * input ends.
 */
@Timeout(60)
class OpenSslClientTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private static final Authority strangers = TestCertificates.authority("Somebody Else's CA");

	@TempDir
	Path temp;

	private Path openssl;

	private Path caFile;

	private final List<Process> processes = new ArrayList<>();

	private EchoServer server;

	@BeforeEach
	void findOpenSsl() {
		this.openssl = RequiredTools.require("openssl");
		this.caFile = authority.writePem(this.temp.resolve("ca.pem"));
	}

	@AfterEach
	void stop() throws InterruptedException {
		for (Process process : this.processes) {
			process.destroyForcibly();
			process.waitFor(10, TimeUnit.SECONDS);
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "-tls1_3", "-tls1_2" })
	void echoesToOpenSslAndCountsItsCloseNotifyAsEof(String protocol) throws Exception {
		start(ClientAuth.NONE);
		OpenSslClient client = client(protocol);
		String lines = "hello through TLS\n".repeat(100) + "Q is not a command here\n";
		client.send(lines);
		assertThat(client.receive(lines.length())).isEqualTo(lines);
		assertThat(client.endInput()).as(client::errors).isZero();
		assertThat(client.errors()).contains("Protocol version: " + ("-tls1_3".equals(protocol) ? "TLSv1.3" : "TLSv1.2"))
			.contains("Verification: OK");
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne();
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
	}

	@Test
	void aKeyUpdateIsNotCountedAsAnotherHandshake() throws Exception {
		start(ClientAuth.NONE);
		List<String> handshakes = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.server.setTlsHandshakeListener((reactor, protocol, cipher, nanos) -> handshakes.add(protocol));
		OpenSslClient client = clientWithCommands("-tls1_3");
		client.send("before\n");
		assertThat(client.receive(7)).isEqualTo("before\n");
		// K: a KeyUpdate that asks the server to update its keys too.
		client.send("K\n");
		// s_client takes a whole read of its input that starts with K as the command: the
		// next line goes only once it has acted on this one.
		await().untilAsserted(() -> assertThat(client.errors()).contains("KEYUPDATE"));
		client.send("after\n");
		assertThat(client.receive(6)).isEqualTo("after\n");
		assertThat(client.endInput()).as(client::errors).isZero();
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne();
		assertThat(handshakes).containsExactly("TLSv1.3");
	}

	@Test
	void echoesToOpenSslPresentingATrustedClientCertificateWhenOneIsNeeded() throws Exception {
		start(ClientAuth.NEED);
		Issued certificate = authority.client("openssl client");
		OpenSslClient client = client("-tls1_3", "-cert", write(certificate, "client").toString(), "-key",
				this.temp.resolve("client.key").toString());
		client.send("authenticated\n");
		assertThat(client.receive(14)).isEqualTo("authenticated\n");
		assertThat(client.endInput()).as(client::errors).isZero();
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "-tls1_3", "-tls1_2" })
	void refusesOpenSslPresentingAnUntrustedClientCertificateAndCountsItAsUnknownCa(String protocol)
			throws Exception {
		start(ClientAuth.NEED);
		Issued certificate = strangers.client("stranger");
		OpenSslClient client = client(protocol, "-cert", write(certificate, "stranger").toString(), "-key",
				this.temp.resolve("stranger.key").toString());
		// Under TLS 1.3 its handshake ends before the server checks the certificate: the
		// server's alert ends it while it waits for input.
		assertThat(client.exit()).isNotZero();
		assertThat(client.output()).isEmpty();
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.UNKNOWN_CA)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
		// The JDK's server sends certificate_unknown (46) for any certificate its trust
		// manager refuses; the meter tells the cause apart.
		assertThat(client.errors()).contains("alert certificate unknown");
	}

	private Path write(Issued certificate, String name) {
		Path file = this.temp.resolve(name + ".pem");
		certificate.writePem(file, this.temp.resolve(name + ".key"));
		return file;
	}

	private ReactorStatistics statistics() {
		return this.server.view().reactors().get(0).statistics();
	}

	private void start(ClientAuth clientAuth) {
		TlsContext tls = new TlsContext(serverCertificate.serverContext(authority.certificate()), null, null,
				clientAuth);
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.plainEnabled(false)
			.udp(DefaultSettings.udpDisabled())
			.reactors(1)
			.selectTimeout(Duration.ofMillis(100))
			.tls(new TlsSettings(tls, 0, Duration.ofSeconds(20)))
			.build());
		this.server.start();
	}

	private OpenSslClient client(String... options) throws IOException {
		List<String> command = new ArrayList<>(List.of(
				// Lines starting with Q, R, k or K are data, not commands.
				"-nocommands"));
		command.addAll(List.of(options));
		return clientWithCommands(command.toArray(String[]::new));
	}

	private OpenSslClient clientWithCommands(String... options) throws IOException {
		List<String> command = new ArrayList<>(List.of(this.openssl.toString(), "s_client", "-connect",
				"127.0.0.1:" + this.server.view().tlsPort(), "-CAfile", this.caFile.toString(), "-verify_return_error",
				"-verify_ip", "127.0.0.1",
				// Connection details go to standard error, so that standard output is the echo.
				"-brief"));
		command.addAll(List.of(options));
		Path errors = Files.createTempFile(this.temp, "s_client-", ".err");
		Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
		this.processes.add(process);
		return new OpenSslClient(process, errors);
	}

	/**
	 * One {@code openssl s_client} process: what is written to its standard input is sent,
	 * what it receives appears on its standard output.
	 */
	private static final class OpenSslClient {

		private final Process process;

		private final Path errors;

		private final OutputStream input;

		private final InputStream output;

		OpenSslClient(Process process, Path errors) {
			this.process = process;
			this.errors = errors;
			this.input = process.getOutputStream();
			this.output = process.getInputStream();
		}

		void send(String text) throws IOException {
			this.input.write(text.getBytes(StandardCharsets.US_ASCII));
			this.input.flush();
		}

		String receive(int length) throws Exception {
			return CompletableFuture.supplyAsync(() -> {
				try {
					return new String(this.output.readNBytes(length), StandardCharsets.US_ASCII);
				}
				catch (IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}).get(30, TimeUnit.SECONDS);
		}

		/** Close its standard input: it sends close_notify and exits. */
		int endInput() throws Exception {
			this.input.close();
			return exit();
		}

		int exit() throws Exception {
			assertThat(this.process.waitFor(30, TimeUnit.SECONDS)).as("s_client exited").isTrue();
			return this.process.exitValue();
		}

		/** @return what it printed on standard output, once it has exited */
		String output() throws IOException {
			return new String(this.output.readAllBytes(), StandardCharsets.US_ASCII);
		}

		String errors() {
			try {
				return Files.readString(this.errors);
			}
			catch (IOException ex) {
				return ex.toString();
			}
		}

	}

}

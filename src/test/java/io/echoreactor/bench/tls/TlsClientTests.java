package io.echoreactor.bench.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import io.echoreactor.bench.BenchRuns;
import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TlsClient} and {@link ClientTls} against an in-process
 * {@link EchoServer} with a TLS listener, whose self-signed certificate {@code keytool}
 * makes for the test.
 */
@Timeout(90)
class TlsClientTests {

	private static final String PASSWORD = "secret";

	@TempDir
	static Path certificates;

	private static Path keyStore;

	private static Path certificate;

	private final BenchRuns runs = new BenchRuns();

	@BeforeAll
	static void makeCertificate() throws IOException, InterruptedException {
		keyStore = certificates.resolve("server.p12");
		certificate = certificates.resolve("server.pem");
		keytool("-genkeypair", "-alias", "echo", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
				"-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", keyStore.toString(),
				"-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
		keytool("-exportcert", "-rfc", "-alias", "echo", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
				"-file", certificate.toString());
	}

	private static void keytool(String... args) throws IOException, InterruptedException {
		List<String> command = new java.util.ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
	}

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void echoesOverTlsTrustingAnyCertificateAndReportsTheSession() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--insecure", "--connections", "4", "--depth", "4",
				"--size", "20000", "--duration", "0.5", "--warmup", "0.1", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.out()).containsPattern("tls +TLSv1\\.3 TLS_\\w+ \\(4\\)")
			.containsPattern("tls handshake +p50 ")
			.contains("errors           0");
	}

	@Test
	void trustsTheCertificatesOfAPemFileAndChecksTheName() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--ca", certificate.toString(), "--connections", "2",
				"--messages", "500", "--json", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isEqualTo(500);
		assertThat(result.counts("tls")).hasSize(1);
	}

	@Test
	void trustsTheCertificatesOfAKeyStore() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--truststore", keyStore.toString(),
				"--truststore-password", PASSWORD, "--server-name", "localhost", "--connections", "2", "--messages",
				"20", "--json", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
	}

	@Test
	void aCertificateForAnotherNameFailsTheHandshake() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--ca", certificate.toString(), "--server-name",
				"echo.example.com", "--connections", "2", "--messages", "20", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).isOne();
		assertThat(result.err().lines()).singleElement()
			.asString()
			.startsWith("bench: tls (2 connections): ")
			.contains("the server's certificate is not for the name this client checks")
			.contains("--server-name NAME")
			.contains("--insecure");
		assertThat(result.err()).doesNotContain("\tat ");
	}

	@Test
	void anUntrustedCertificateFailsTheHandshake() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--connections", "1", "--messages", "5", "--json",
				"127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).isOne();
		assertThat(result.errors("tls")).isOne();
		assertThat(result.err().lines()).singleElement()
			.asString()
			.startsWith("bench: tls (1 connections): connection 0 to 127.0.0.1:" + server.view().tlsPort()
					+ ": the server's certificate is not trusted")
			.contains("--ca FILE")
			.contains("--insecure")
			.doesNotContain("PKIX")
			.doesNotContain("Exception");
	}

	@Test
	void everyConnectionShakesHandsOnceBeforeTheWindowSoNoRateIsReported() throws Exception {
		EchoServer server = tlsServer((settings) -> settings);
		BenchRuns.Result result = bench("--protocol", "tls", "--insecure", "--connections", "3", "--duration", "0.3",
				"--warmup", "0.1", "--json", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("handshakes")).isEqualTo(3);
		assertThat(result.json()).containsEntry("handshakes_per_sec", null);
		assertThat(result.out()).doesNotContain("handshakes/s").containsPattern("tls handshake +p50 .+ \\(3\\)");
		long serverHandshakes = server.view().reactors()
			.stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.TLS_HANDSHAKES))
			.sum();
		// The client's own warm-up shook hands with the server too, and is not counted.
		assertThat(serverHandshakes).isEqualTo(4);
	}

	@Test
	void proxyHeaderThenTlsThenTheGreeting() throws Exception {
		EchoServer server = tlsServer((settings) -> settings
			.proxyProtocol(new ProxyProtocolSettings(ProxyProtocolSettings.Mode.REQUIRED,
					List.of(CidrRange.parse("127.0.0.0/8")), Duration.ofSeconds(5)))
			.greeting(new Greeting(Greeting.Mode.TEXT, Map.of("pod", "tls-pod"))));
		BenchRuns.Result result = bench("--protocol", "tls", "--insecure", "--proxy-protocol", "v2", "--greeting",
				"--connections", "3", "--messages", "300", "--depth", "2", "--json", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.counts("greetings")).isEqualTo(Map.of("pod=tls-pod", 3L));
	}

	@Test
	void reconnectingMakesAFullHandshakeForEveryMessage() throws Exception {
		CertificateCounter counter = new CertificateCounter(keyManager());
		EchoServer server = tlsServer(new KeyManager[] { counter }, UnaryOperator.identity());
		BenchRuns.Result result = bench("--protocol", "tls", "--ca", certificate.toString(), "--reconnect",
				"--connections", "2", "--messages", "12", "--json", "127.0.0.1:" + server.view().tlsPort());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.json()).containsEntry("reconnect", true);
		assertThat(result.number("messages")).isEqualTo(12);
		// The first two handshakes come before the echo starts, outside the measured window.
		assertThat(result.number("handshakes")).isEqualTo(12);
		assertThat(result.number("handshakes_in_window")).isEqualTo(10);
		assertThat(result.number("handshakes_per_sec")).isPositive();
		assertThat(result.counts("tls").values()).containsOnly(12L);
		long serverHandshakes = server.view().reactors()
			.stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.TLS_HANDSHAKES))
			.sum();
		// And one more: the client's own warm-up, before anything is measured.
		assertThat(serverHandshakes).isEqualTo(13);
		// A resumed session needs no certificate: the server picks one only for a full handshake.
		assertThat(counter.chosen.get()).isGreaterThanOrEqualTo(12);
	}

	@Test
	void anUnreadableCertificateFileIsABadArgument() {
		BenchRuns.Result result = bench("--protocol", "tls", "--ca", certificates.resolve("missing.pem").toString(),
				"127.0.0.1:7443");
		assertThat(result.status()).isEqualTo(2);
		assertThat(result.err()).startsWith("bench: cannot use the trusted certificates: ");
	}

	private EchoServer tlsServer(UnaryOperator<EchoServerSettings.Builder> customizer)
			throws IOException, GeneralSecurityException {
		return tlsServer(new KeyManager[] { keyManager() }, customizer);
	}

	private EchoServer tlsServer(KeyManager[] keyManagers, UnaryOperator<EchoServerSettings.Builder> customizer)
			throws GeneralSecurityException {
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keyManagers, null, null);
		TlsContext tls = new TlsContext(context, null, null, TlsContext.ClientAuth.NONE);
		return this.runs.server((settings) -> customizer
			.apply(settings.tls(new TlsSettings(tls, 0, Duration.ofSeconds(10)))));
	}

	private static X509ExtendedKeyManager keyManager() throws IOException, GeneralSecurityException {
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(keyStore)) {
			store.load(in, PASSWORD.toCharArray());
		}
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(store, PASSWORD.toCharArray());
		return (X509ExtendedKeyManager) keys.getKeyManagers()[0];
	}

	/**
	 * The server's key manager, counting the certificates it picks for handshakes.
	 */
	private static final class CertificateCounter extends X509ExtendedKeyManager {

		private final X509ExtendedKeyManager delegate;

		private final AtomicInteger chosen = new AtomicInteger();

		CertificateCounter(X509ExtendedKeyManager delegate) {
			this.delegate = delegate;
		}

		@Override
		public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
			String alias = this.delegate.chooseEngineServerAlias(keyType, issuers, engine);
			if (alias != null) {
				this.chosen.incrementAndGet();
			}
			return alias;
		}

		@Override
		public String[] getClientAliases(String keyType, Principal[] issuers) {
			return this.delegate.getClientAliases(keyType, issuers);
		}

		@Override
		public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
			return this.delegate.chooseClientAlias(keyType, issuers, socket);
		}

		@Override
		public String[] getServerAliases(String keyType, Principal[] issuers) {
			return this.delegate.getServerAliases(keyType, issuers);
		}

		@Override
		public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
			return this.delegate.chooseServerAlias(keyType, issuers, socket);
		}

		@Override
		public X509Certificate[] getCertificateChain(String alias) {
			return this.delegate.getCertificateChain(alias);
		}

		@Override
		public PrivateKey getPrivateKey(String alias) {
			return this.delegate.getPrivateKey(alias);
		}

	}

}

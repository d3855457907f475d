package io.echoreactor.reactor.tcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.proxy.ProxyProtocolSettings.Mode;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.ByteClient;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.GreetingLines;
import io.echoreactor.support.Haproxy;
import io.echoreactor.support.LocalhostCertificates;
import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ProxyHeaderStage} behind a real load balancer: Debian's HAProxy in TCP
 * mode in front of an {@link EchoServer}, all on the loopback interface with ephemeral
 * ports. HAProxy sends PROXY v1 ({@code send-proxy}), v2 ({@code send-proxy-v2}) and v2 with
 * its SSL TLVs as the TLS client of the TLS port ({@code send-proxy-v2-ssl},
 * {@code send-proxy-v2-ssl-cn}), and passes a client's own TLS through to the TLS port with
 * the header before the handshake. The test client connects from {@code 127.0.0.23} and
 * HAProxy from {@code 127.0.0.1}, so the greeting shows both: the client as the header
 * names it, and HAProxy as the peer. Skipped where {@code haproxy} is not installed.
 */
@Timeout(120)
class ProxyHeaderStageHaproxyTests {

	private static final InetAddress CLIENT = address("127.0.0.23");

	private static final int PAYLOAD = 1024 * 1024;

	@TempDir
	Path temp;

	private Path haproxyCommand;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private EchoServer server;

	@BeforeEach
	void requireHaproxy() {
		this.haproxyCommand = RequiredTools.require("haproxy");
	}

	@AfterEach
	void stop() throws Exception {
		// Clients first, then the processes they talk to.
		for (int i = this.closeables.size() - 1; i >= 0; i--) {
			this.closeables.get(i).close();
		}
		this.executor.shutdownNow();
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void sendProxyV1NamesTheClientAndTheEchoIsByteExact() throws Exception {
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d send-proxy
				""".formatted(this.server.port()));
		ByteClient client = connect(haproxy);
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertNamesTheClientBesideHaproxy(greeting, client, this.server.port());
		assertThat(greeting.get("proxy")).isEqualTo(Map.of("version", 1, "command", "proxy"));
		assertEchoesExactly(client);
		assertCounted(ProxyHeaderResult.V1);
	}

	@Test
	void sendProxyV2NamesTheClientAndTheEchoIsByteExact() throws Exception {
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d send-proxy-v2
				""".formatted(this.server.port()));
		ByteClient client = connect(haproxy);
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertNamesTheClientBesideHaproxy(greeting, client, this.server.port());
		assertThat(greeting.get("proxy")).isEqualTo(Map.of("version", 2, "command", "proxy"));
		ProxyHeader header = onlyHeader();
		assertThat(header.family()).isEqualTo(Family.TCP4);
		assertThat(header.source()).isEqualTo(client.localAddress());
		assertEchoesExactly(client);
		assertCounted(ProxyHeaderResult.V2);
	}

	@Test
	void sendProxyV2SslToTheTlsPortSendsTheHeaderBeforeItsHandshakeWithAnSslTlv() throws Exception {
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d ssl verify none send-proxy-v2-ssl
				""".formatted(this.server.view().tlsPort()));
		ByteClient client = connect(haproxy);
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertNamesTheClientBesideHaproxy(greeting, client, this.server.view().tlsPort());
		// HAProxy is the TLS client of the echo server; its own client came in plain.
		assertThat(greeting).containsEntry("tls", "TLSv1.3").containsKey("cipher");
		assertThat(greeting.get("proxy"))
			.isEqualTo(Map.of("version", 2, "command", "proxy", "ssl", Map.of("client-tls", false)));
		ProxySslTlv ssl = onlyHeader().ssl().orElseThrow();
		assertThat(ssl.connectedOverSsl()).isFalse();
		assertThat(ssl.tlvs()).isEmpty();
		assertEchoesExactly(client);
		assertCounted(ProxyHeaderResult.V2);
		assertThat(sum(Counter.TLS_HANDSHAKES)).isOne();
	}

	@Test
	void sendProxyV2SslCnAfterTlsTerminationCarriesTheClientsTlsDetails() throws Exception {
		startEchoServer();
		LocalhostCertificates certificates = LocalhostCertificates.get();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port} ssl crt %s ca-file %s verify optional alpn echo
				  unique-id-format %%{+X}o\\ %%ci:%%cp_%%fi:%%fp_%%Ts_%%rt:%%pid
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d ssl verify none send-proxy-v2-ssl-cn proxy-v2-options ssl-cipher,authority,unique-id,crc32c
				""".formatted(certificates.serverPem(), certificates.clientAuthorityPem(), this.server.view().tlsPort()));
		ByteClient client = track(ByteClient.connectTls(haproxy.address(), CLIENT, new byte[0],
				certificates.clientContext(true), (parameters) -> {
					parameters.setServerNames(List.of(new SNIHostName("echo.example")));
					parameters.setApplicationProtocols(new String[] { "echo" });
				}));
		assertThat(client.tlsSession().getProtocol()).isEqualTo("TLSv1.3");
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertNamesTheClientBesideHaproxy(greeting, client, this.server.view().tlsPort());
		@SuppressWarnings("unchecked")
		Map<String, Object> proxy = (Map<String, Object>) greeting.get("proxy");
		assertThat(proxy).containsEntry("version", 2)
			.containsEntry("alpn", "echo")
			.containsEntry("authority", "echo.example")
			.containsEntry("ssl", Map.of("client-tls", true, "version", "TLSv1.3", "cipher",
					client.tlsSession().getCipherSuite(), "cn", LocalhostCertificates.CLIENT_COMMON_NAME, "cert-verified",
					true));
		ProxyHeader header = onlyHeader();
		// HAProxy's unique id starts with the client's address and port in hex.
		String uniqueId = new String(header.uniqueId().orElseThrow(), StandardCharsets.US_ASCII);
		assertThat(uniqueId).startsWith("7F000017:%04X_".formatted(client.localAddress().getPort()));
		assertThat(proxy).containsEntry("unique-id", HexFormat.of().formatHex(header.uniqueId().orElseThrow()));
		assertThat(header.crc32c()).isPresent();
		ProxySslTlv ssl = header.ssl().orElseThrow();
		assertThat(ssl.connectedOverSsl()).isTrue();
		assertThat(ssl.certificateOnConnection()).isTrue();
		assertThat(ssl.certificateVerified()).isTrue();
		assertEchoesExactly(client);
		assertCounted(ProxyHeaderResult.V2);
	}

	@Test
	void tlsPassedThroughWithSendProxyV2HasTheHeaderBeforeTheClientsHandshake() throws Exception {
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d send-proxy-v2
				""".formatted(this.server.view().tlsPort()));
		ByteClient client = track(ByteClient.connectTls(haproxy.address(), CLIENT, new byte[0],
				LocalhostCertificates.get().clientContext(false)));
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertNamesTheClientBesideHaproxy(greeting, client, this.server.view().tlsPort());
		assertThat(greeting).containsEntry("tls", client.tlsSession().getProtocol())
			.containsEntry("cipher", client.tlsSession().getCipherSuite());
		assertEchoesExactly(client);
		assertCounted(ProxyHeaderResult.V2);
	}

	@Test
	void tlsPassedThroughWithSendProxyV2ServesOpensslSClient() throws Exception {
		Path openssl = RequiredTools.require("openssl");
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d send-proxy-v2
				""".formatted(this.server.view().tlsPort()));
		Process sClient = new ProcessBuilder(openssl.toString(), "s_client", "-connect",
				"127.0.0.1:" + haproxy.address().getPort(), "-bind", "127.0.0.24:0", "-servername", "localhost",
				"-quiet")
			.redirectError(this.temp.resolve("s_client.err").toFile())
			.start();
		this.closeables.add(() -> {
			sClient.destroy();
			sClient.waitFor(10, TimeUnit.SECONDS);
		});
		BufferedReader output = new BufferedReader(
				new InputStreamReader(sClient.getInputStream(), StandardCharsets.UTF_8));
		CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
			try {
				return List.of(output.readLine(), output.readLine());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		OutputStream input = sClient.getOutputStream();
		input.write("hello from openssl s_client\n".getBytes(StandardCharsets.US_ASCII));
		input.flush();
		List<String> received = lines.get(30, TimeUnit.SECONDS);
		Map<String, Object> greeting = GreetingLines.json(received.get(0));
		assertThat((String) greeting.get("client")).startsWith("127.0.0.24:");
		assertThat((String) greeting.get("peer")).startsWith("127.0.0.1:");
		assertThat(greeting).containsEntry("tls", "TLSv1.3");
		assertThat(received.get(1)).isEqualTo("hello from openssl s_client");
		assertCounted(ProxyHeaderResult.V2);
	}

	@Test
	void haproxyHealthChecksSendLocalHeadersThatAreCountedAsLocal() throws Exception {
		startEchoServer();
		Haproxy haproxy = haproxy("""
				frontend echo
				  bind 127.0.0.1:${port}
				  default_backend echo
				backend echo
				  server echo 127.0.0.1:%d send-proxy-v2 check check-send-proxy inter 200ms
				""".formatted(this.server.port()));
		await().atMost(Duration.ofSeconds(20)).until(() -> count(ProxyHeaderResult.LOCAL) >= 2);
		ByteClient client = connect(haproxy);
		assertNamesTheClientBesideHaproxy(GreetingLines.json(client.readLine()), client, this.server.port());
		assertEchoesExactly(client);
		assertThat(count(ProxyHeaderResult.V2)).isOne();
		assertThat(count(ProxyHeaderResult.MALFORMED) + count(ProxyHeaderResult.ABSENT)).isZero();
	}

	// Helpers

	private void startEchoServer() {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.udp(DefaultSettings.udpDisabled())
			.tls(new TlsSettings(
					new TlsContext(certificates.serverContext(), null, null, TlsContext.ClientAuth.NONE), 0,
					Duration.ofSeconds(10)))
			.proxyProtocol(new ProxyProtocolSettings(Mode.REQUIRED, List.of(CidrRange.parse("127.0.0.1/32")),
					Duration.ofSeconds(10)))
			.greeting(new Greeting(Greeting.Mode.JSON, Map.of()))
			.build());
		this.server.start();
	}

	private Haproxy haproxy(String sections) throws IOException {
		Haproxy haproxy = Haproxy.start(this.haproxyCommand, this.temp, sections);
		this.closeables.add(haproxy);
		return haproxy;
	}

	private ByteClient connect(Haproxy haproxy) throws IOException {
		return track(ByteClient.connect(haproxy.address(), CLIENT));
	}

	private ByteClient track(ByteClient client) {
		this.closeables.add(client);
		return client;
	}

	/**
	 * The client is the test's socket as HAProxy saw it; the peer is HAProxy's own
	 * connection, from 127.0.0.1; local is the echo port HAProxy connected to.
	 */
	private static void assertNamesTheClientBesideHaproxy(Map<String, Object> greeting, ByteClient client,
			int echoPort) {
		assertThat(greeting).containsEntry("client", "127.0.0.23:" + client.localAddress().getPort())
			.containsEntry("local", "127.0.0.1:" + echoPort);
		assertThat((String) greeting.get("peer")).startsWith("127.0.0.1:");
	}

	/** Echo 1 MiB of random bytes, written while they are read back, and end cleanly. */
	private void assertEchoesExactly(ByteClient client) throws Exception {
		byte[] payload = new byte[PAYLOAD];
		new Random(PAYLOAD).nextBytes(payload);
		CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
			try {
				client.send(payload);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		assertThat(client.read(PAYLOAD)).isEqualTo(payload);
		writing.get(30, TimeUnit.SECONDS);
		client.shutdownOutput();
		client.assertClosedWithoutReply();
	}

	private void assertCounted(ProxyHeaderResult result) {
		await().untilAsserted(() -> assertThat(count(result)).isOne());
		for (ProxyHeaderResult other : ProxyHeaderResult.values()) {
			if (other != result) {
				assertThat(count(other)).as(other.tag()).isZero();
			}
		}
	}

	private long count(ProxyHeaderResult result) {
		return this.server.view().reactors()
			.stream()
			.mapToLong((reactor) -> reactor.statistics().proxyHeaders(result))
			.sum();
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	/** @return the PROXY header of the one open connection */
	private ProxyHeader onlyHeader() {
		List<ProxyHeader> headers = new CopyOnWriteArrayList<>();
		await().untilAsserted(() -> {
			headers.clear();
			for (EchoReactor reactor : this.server.view().reactors()) {
				CompletableFuture<Void> done = new CompletableFuture<>();
				reactor.execute(() -> {
					reactor.connections().forEach((connection) -> headers.add(connection.proxy()));
					done.complete(null);
				});
				done.get(10, TimeUnit.SECONDS);
			}
			assertThat(headers).hasSize(1);
		});
		return headers.get(0);
	}

	private static InetAddress address(String literal) {
		try {
			return InetAddress.getByName(literal);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

}

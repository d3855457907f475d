package io.echoreactor.reactor.tcp;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.proxy.ProxyProtocolSettings.Mode;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.proxy.ProxyTlv;
import io.echoreactor.proxy.ProxyV2Writer;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.ByteClient;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.GreetingLines;
import io.echoreactor.support.LocalhostCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Greeting}: off by default, so that the echo is byte-exact; otherwise
 * exactly one line before any echo, in text or JSON, naming the pod, the addresses, the
 * client a PROXY header names and what else the header said, and the TLS parameters. Over real sockets on the loopback
 * interface, and for the rendering alone.
 */
@Timeout(60)
class GreetingTests {

	private static final InetAddress LOOPBACK = address("127.0.0.1");

	private static final Map<String, String> IDENTITY = Greeting.identity(
			Map.of("POD_NAME", "echo-reactor-7d9f-x2x5z", "POD_NAMESPACE", "echo", "NODE_NAME", "node-a"), "pod-host");

	private final List<Closeable> closeables = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (Closeable closeable : this.closeables) {
			closeable.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void offByDefaultSoTheEchoIsByteExact() throws IOException {
		EchoServerSettings.Builder settings = settings();
		assertThat(settings.build().greeting().enabled()).isFalse();
		start(settings);
		ByteClient client = connect(null);
		byte[] bytes = new byte[256];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = (byte) i;
		}
		client.send(bytes);
		assertThat(client.read(bytes.length)).isEqualTo(bytes);
		client.shutdownOutput();
		client.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_SENT)).isEqualTo(bytes.length));
	}

	@Test
	void textGreetingIsExactlyOneLineSentBeforeAnyEcho() throws IOException {
		start(settings().greeting(new Greeting(Greeting.Mode.TEXT, IDENTITY)));
		ByteClient client = connect(address("127.0.0.5"));
		// Sent before the greeting is read: the greeting still comes first.
		client.send("hello\n");
		String line = client.readLine();
		assertThat(line).isEqualTo("service=echo-reactor pod=echo-reactor-7d9f-x2x5z namespace=echo node=node-a "
				+ "host=pod-host local=127.0.0.1:" + this.server.port() + " peer=127.0.0.5:"
				+ client.localAddress().getPort());
		assertThat(client.readText(6)).isEqualTo("hello\n");
		client.shutdownOutput();
		client.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_SENT)).isEqualTo(line.length() + 1 + 6));
	}

	@Test
	void jsonGreetingIsOneObjectOnOneLineSentBeforeAnyEcho() throws IOException {
		start(settings().greeting(new Greeting(Greeting.Mode.JSON, IDENTITY)));
		ByteClient client = connect(address("127.0.0.5"));
		client.send("hello\n");
		String line = client.readLine();
		Map<String, Object> greeting = GreetingLines.json(line);
		assertThat(greeting).containsExactly(entry("service", "echo-reactor"),
				entry("pod", "echo-reactor-7d9f-x2x5z"), entry("namespace", "echo"), entry("node", "node-a"),
				entry("host", "pod-host"), entry("local", "127.0.0.1:" + this.server.port()),
				entry("peer", "127.0.0.5:" + client.localAddress().getPort()));
		assertThat(client.readText(6)).isEqualTo("hello\n");
		client.shutdownOutput();
		client.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_SENT)).isEqualTo(line.length() + 1 + 6));
	}

	@ParameterizedTest
	@EnumSource(names = { "TEXT", "JSON" })
	void greetingNamesTheClientThatAProxyHeaderNamesBesideThePeer(Greeting.Mode mode) throws IOException {
		start(proxied(settings().greeting(new Greeting(mode, Map.of()))));
		ByteClient proxy = connect(address("127.0.0.6"));
		proxy.send("PROXY TCP6 2001:db8::1 2001:db8::7 50000 7007\r\nhello\n");
		Map<String, Object> greeting = parse(mode, proxy.readLine());
		assertThat(greeting).containsEntry("peer", "127.0.0.6:" + proxy.localAddress().getPort())
			.containsEntry("client", "[2001:db8:0:0:0:0:0:1]:50000")
			.containsKey((mode == Greeting.Mode.JSON) ? "proxy" : "proxy-version");
		assertThat(proxy.readText(6)).isEqualTo("hello\n");
	}

	@Test
	void jsonGreetingShowsTheVersionAndTlvsOfTheProxyHeader() throws IOException {
		start(proxied(settings().greeting(new Greeting(Greeting.Mode.JSON, Map.of()))));
		ByteClient proxy = connect(null);
		proxy.send(v2WithTlvs());
		Map<String, Object> greeting = GreetingLines.json(proxy.readLine());
		assertThat(greeting).containsEntry("client", "203.0.113.9:50000");
		assertThat(greeting.get("proxy")).isEqualTo(Map.of("version", 2, "command", "proxy", "alpn", "echo",
				"authority", "echo.example", "unique-id", "0102feff", "ssl",
				Map.of("client-tls", true, "version", "TLSv1.3", "cipher", "TLS_AES_128_GCM_SHA256", "cn",
						"echo-test-client", "cert-verified", true)));
		proxy.assertEchoes("hello\n");
	}

	@Test
	void textGreetingFlattensTheProxyHeaderIntoPrefixedKeys() throws IOException {
		start(proxied(settings().greeting(new Greeting(Greeting.Mode.TEXT, Map.of()))));
		ByteClient proxy = connect(null);
		proxy.send(v2WithTlvs());
		String line = proxy.readLine();
		assertThat(line).endsWith(" client=203.0.113.9:50000 proxy-version=2 proxy-command=proxy proxy-alpn=echo "
				+ "proxy-authority=echo.example proxy-unique-id=0102feff proxy-ssl-client-tls=true "
				+ "proxy-ssl-version=TLSv1.3 proxy-ssl-cipher=TLS_AES_128_GCM_SHA256 proxy-ssl-cn=echo-test-client "
				+ "proxy-ssl-cert-verified=true");
		assertThat(GreetingLines.text(line)).containsEntry("proxy-ssl-cn", "echo-test-client");
		proxy.assertEchoes("hello\n");
	}

	@Test
	void greetingAfterALocalHeaderNamesNoClient() throws IOException {
		start(proxied(settings().greeting(new Greeting(Greeting.Mode.JSON, Map.of()))));
		ByteClient proxy = connect(null);
		proxy.send(ProxyV2Writer.local().toBytes());
		Map<String, Object> greeting = GreetingLines.json(proxy.readLine());
		assertThat(greeting).doesNotContainKey("client")
			.containsEntry("proxy", Map.of("version", 2, "command", "local"));
		proxy.assertEchoes("hello\n");
	}

	@Test
	void greetingOnTheTlsPortNamesTheProtocolAndCipherSuiteAfterTheHandshake() throws IOException {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		start(tls(settings().greeting(new Greeting(Greeting.Mode.JSON, Map.of())), TlsContext.ClientAuth.NONE));
		ByteClient client = connectTls(certificates.clientContext(true));
		Map<String, Object> greeting = GreetingLines.json(client.readLine());
		assertThat(greeting).containsEntry("tls", "TLSv1.3")
			.containsEntry("cipher", client.tlsSession().getCipherSuite())
			.containsEntry("local", "127.0.0.1:" + this.server.view().tlsPort())
			.doesNotContainKey("client-cert");
		client.assertEchoes("hello over TLS\n");
	}

	@ParameterizedTest
	@EnumSource(names = { "WANT", "NEED" })
	void greetingNamesTheSubjectOfTheClientCertificate(TlsContext.ClientAuth clientAuth) throws IOException {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		start(tls(settings().greeting(new Greeting(Greeting.Mode.TEXT, Map.of())), clientAuth));
		ByteClient client = connectTls(certificates.clientContext(true));
		Map<String, String> greeting = GreetingLines.text(client.readLine());
		assertThat(greeting).containsEntry("client-cert", LocalhostCertificates.CLIENT_SUBJECT)
			.containsEntry("tls", "TLSv1.3");
		client.assertEchoes("hello\n");
	}

	@Test
	void greetingLeavesTheClientCertificateOutWhenAWantedOneIsNotPresented() throws IOException {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		start(tls(settings().greeting(new Greeting(Greeting.Mode.JSON, Map.of())), TlsContext.ClientAuth.WANT));
		ByteClient client = connectTls(certificates.clientContext(false));
		assertThat(GreetingLines.json(client.readLine())).containsKey("tls").doesNotContainKey("client-cert");
		client.assertEchoes("hello\n");
	}

	// Rendering

	@Test
	void identityLeavesOutWhatTheEnvironmentDoesNotGive() {
		assertThat(Greeting.identity(Map.of("POD_NAME", "echo-0", "POD_NAMESPACE", " "), null))
			.containsExactly(entry("pod", "echo-0"));
	}

	@Test
	void textFormQuotesValuesWithSpacesOrQuotesAndKeepsToOneLine() {
		Map<String, String> identity = new LinkedHashMap<>();
		identity.put("pod", "a \"quoted\" name");
		identity.put("node", "line\nbreak\ttab");
		identity.put("host", "pod\r\nforged=field");
		String line = render(new Greeting(Greeting.Mode.TEXT, identity));
		assertThat(line).endsWith("\n").containsOnlyOnce("\n");
		assertThat(GreetingLines.text(line.substring(0, line.length() - 1))).containsEntry("pod", "a \"quoted\" name")
			.containsEntry("node", "line break tab")
			.containsEntry("host", "pod  forged=field")
			.doesNotContainKey("forged");
	}

	@Test
	void jsonFormEscapesQuotesBackslashesAndControlCharacters() {
		Map<String, String> identity = new LinkedHashMap<>();
		identity.put("pod", "a \"quoted\\\" name");
		identity.put("node", "line\nbreak\ttab\u0001");
		String line = render(new Greeting(Greeting.Mode.JSON, identity));
		assertThat(line).endsWith("\n").containsOnlyOnce("\n");
		assertThat(GreetingLines.json(line.substring(0, line.length() - 1)))
			.containsEntry("pod", "a \"quoted\\\" name")
			.containsEntry("node", "line\nbreak\ttab\u0001");
	}

	// Helpers

	private static String render(Greeting greeting) {
		ByteBuffer line = greeting.render(new InetSocketAddress(LOOPBACK, 7007), new InetSocketAddress(LOOPBACK, 50000),
				null, null);
		return StandardCharsets.UTF_8.decode(line).toString();
	}

	private static Map<String, Object> parse(Greeting.Mode mode, String line) {
		return (mode == Greeting.Mode.JSON) ? GreetingLines.json(line) : new LinkedHashMap<>(GreetingLines.text(line));
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(LOOPBACK)
			.port(0)
			.reactors(1)
			.udp(DefaultSettings.udpDisabled());
	}

	private static EchoServerSettings.Builder proxied(EchoServerSettings.Builder settings) {
		return settings.proxyProtocol(new ProxyProtocolSettings(Mode.REQUIRED, List.of(CidrRange.parse("127.0.0.0/8")),
				Duration.ofSeconds(10)));
	}

	private static byte[] v2WithTlvs() {
		return ProxyV2Writer.proxy(ProxyHeader.Family.TCP4)
			.inet(new InetSocketAddress(address("203.0.113.9"), 50000), new InetSocketAddress(address("198.51.100.7"), 7))
			.tlv(ProxyTlv.ALPN, "echo")
			.tlv(ProxyTlv.AUTHORITY, "echo.example")
			.tlv(ProxyTlv.UNIQUE_ID, new byte[] { 0x01, 0x02, (byte) 0xFE, (byte) 0xFF })
			.tlv(ProxyTlv.SSL,
					ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL | ProxySslTlv.CLIENT_CERT_CONN, 0,
							ProxyV2Writer.subTlv(ProxyTlv.SSL_VERSION, "TLSv1.3"),
							ProxyV2Writer.subTlv(ProxyTlv.SSL_CIPHER, "TLS_AES_128_GCM_SHA256"),
							ProxyV2Writer.subTlv(ProxyTlv.SSL_CN, "echo-test-client")))
			.toBytes();
	}

	private static EchoServerSettings.Builder tls(EchoServerSettings.Builder settings,
			TlsContext.ClientAuth clientAuth) {
		return settings.plainEnabled(false)
			.tls(new TlsSettings(
					new TlsContext(LocalhostCertificates.get().serverContext(), null, null, clientAuth), 0,
					Duration.ofSeconds(10)));
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	private ByteClient connect(InetAddress from) throws IOException {
		ByteClient client = ByteClient.connect(new InetSocketAddress(LOOPBACK, this.server.port()), from);
		this.closeables.add(client);
		return client;
	}

	private ByteClient connectTls(javax.net.ssl.SSLContext context) throws IOException {
		ByteClient client = ByteClient.connectTls(new InetSocketAddress(LOOPBACK, this.server.view().tlsPort()), null,
				new byte[0], context);
		this.closeables.add(client);
		return client;
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
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

package io.echoreactor.reactor.tcp;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.proxy.ProxyProtocolSettings.Mode;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.proxy.ProxyTlv;
import io.echoreactor.proxy.ProxyV2Writer;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.ByteClient;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.LocalhostCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ProxyHeaderStage} end to end: an {@link EchoServer} on the loopback
 * interface with the PROXY protocol on, and clients that write headers by hand, whole,
 * split across reads, broken, late or from sources the server does not trust. Run once for
 * each {@link AcceptStrategy}, as the per-address limit is counted on the accepting side.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@Timeout(60)
class ProxyHeaderStageTests {

	private static final InetAddress LOOPBACK = address("127.0.0.1");

	private static final InetAddress OTHER_LOOPBACK = address("127.0.0.2");

	private static final String V1_TCP4 = "PROXY TCP4 192.0.2.1 198.51.100.7 50000 7007\r\n";

	private static final byte[] V2_TCP4 = ProxyV2Writer.proxy(Family.TCP4)
		.inet(new InetSocketAddress(address("192.0.2.1"), 50000), new InetSocketAddress(address("198.51.100.7"), 7007))
		.toBytes();

	@Parameter
	AcceptStrategy strategy;

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

	// What a header says, and that it is never echoed

	@Test
	void v1Tcp4HeaderIsConsumedAndOnlyTheBytesAfterItAreEchoed() throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send(V1_TCP4);
		client.assertEchoes("hello\n");
		ProxyHeader header = theOnlyConnection().proxy();
		assertThat(header.version()).isEqualTo(1);
		assertThat(header.family()).isEqualTo(Family.TCP4);
		assertThat(header.source()).isEqualTo(new InetSocketAddress(address("192.0.2.1"), 50000));
		assertThat(header.destination()).isEqualTo(new InetSocketAddress(address("198.51.100.7"), 7007));
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V1, 1L));
		assertEchoedBytes("hello\n".length());
	}

	@Test
	void v1Tcp6HeaderNamesAnIpv6Client() throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send("PROXY TCP6 2001:db8::1 2001:db8::7 50001 7007\r\n");
		client.assertEchoes("hello over IPv6\n");
		ProxyHeader header = theOnlyConnection().proxy();
		assertThat(header.family()).isEqualTo(Family.TCP6);
		assertThat(header.source()).isEqualTo(new InetSocketAddress(address("2001:db8::1"), 50001));
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V1, 1L));
	}

	@Test
	void v1UnknownHeaderIsCountedAsLocalAndTheConnectionEchoes() throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send("PROXY UNKNOWN whatever follows is ignored\r\n");
		client.assertEchoes("hello\n");
		ProxyHeader header = theOnlyConnection().proxy();
		assertThat(header.family()).isEqualTo(Family.UNSPEC);
		assertThat(header.source()).isNull();
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.LOCAL, 1L));
	}

	@Test
	void v2ProxyHeaderWithTlvsIsConsumedAndItsTlvsAreKept() throws IOException {
		start(settings(Mode.REQUIRED));
		byte[] uniqueId = { 0x01, 0x02, (byte) 0xFE, (byte) 0xFF };
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.inet(new InetSocketAddress(address("192.0.2.1"), 50000),
					new InetSocketAddress(address("198.51.100.7"), 7443))
			.tlv(ProxyTlv.ALPN, "echo")
			.tlv(ProxyTlv.AUTHORITY, "echo.example")
			.tlv(ProxyTlv.UNIQUE_ID, uniqueId)
			.tlv(ProxyTlv.SSL,
					ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL | ProxySslTlv.CLIENT_CERT_CONN | ProxySslTlv.CLIENT_CERT_SESS, 0,
							ProxyV2Writer.subTlv(ProxyTlv.SSL_VERSION, "TLSv1.3"),
							ProxyV2Writer.subTlv(ProxyTlv.SSL_CN, "echo-test-client"),
							ProxyV2Writer.subTlv(ProxyTlv.SSL_CIPHER, "TLS_AES_128_GCM_SHA256")))
			.tlv(0xE0, "custom")
			.crc32c()
			.toBytes();
		ByteClient client = connect();
		client.send(header);
		client.assertEchoes("hello\n");
		ProxyHeader seen = theOnlyConnection().proxy();
		assertThat(seen.version()).isEqualTo(2);
		assertThat(seen.command()).isEqualTo(Command.PROXY);
		assertThat(seen.source()).isEqualTo(new InetSocketAddress(address("192.0.2.1"), 50000));
		assertThat(seen.alpn()).hasValue("echo");
		assertThat(seen.authority()).hasValue("echo.example");
		assertThat(seen.uniqueId()).hasValue(uniqueId);
		assertThat(seen.crc32c()).isPresent();
		assertThat(seen.tlvs()).extracting(ProxyTlv::type)
			.containsExactly(ProxyTlv.ALPN, ProxyTlv.AUTHORITY, ProxyTlv.UNIQUE_ID, ProxyTlv.SSL, 0xE0, ProxyTlv.CRC32C);
		ProxySslTlv ssl = seen.ssl().orElseThrow();
		assertThat(ssl.connectedOverSsl()).isTrue();
		assertThat(ssl.certificateVerified()).isTrue();
		assertThat(ssl.version()).hasValue("TLSv1.3");
		assertThat(ssl.commonName()).hasValue("echo-test-client");
		assertThat(ssl.cipher()).hasValue("TLS_AES_128_GCM_SHA256");
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V2, 1L));
	}

	@Test
	void v2Tcp6HeaderNamesAnIpv6Client() throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send(ProxyV2Writer.proxy(Family.TCP6)
			.inet(new InetSocketAddress(address("2001:db8::1"), 50001),
					new InetSocketAddress(address("2001:db8::7"), 7))
			.toBytes());
		client.assertEchoes("hello\n");
		assertThat(theOnlyConnection().proxy().source())
			.isEqualTo(new InetSocketAddress(address("2001:db8::1"), 50001));
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V2, 1L));
	}

	@Test
	void v2LocalHeaderIsCountedAsLocalAndTheConnectionEchoes() throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send(ProxyV2Writer.local().toBytes());
		client.assertEchoes("health check\n");
		ProxyHeader header = theOnlyConnection().proxy();
		assertThat(header.command()).isEqualTo(Command.LOCAL);
		assertThat(header.source()).isNull();
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.LOCAL, 1L));
	}

	// Headers split across reads, or sharing one with the data

	@ParameterizedTest(name = "v{0}")
	@ValueSource(ints = { 1, 2 })
	void headerSentOneByteAtATimeIsReassembledAcrossReads(int version) throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		byte[] header = header(version);
		for (int i = 0; i < header.length; i++) {
			client.send(new byte[] { header[i] });
			long received = i + 1;
			// One read per byte: the server has it before the next is sent.
			await().pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(1))
				.atMost(Duration.ofSeconds(10))
				.until(() -> sum(Counter.BYTES_RECEIVED) == received);
			if (i + 1 < header.length) {
				assertThat(theOnlyConnection().stage()).isInstanceOf(ProxyHeaderStage.class);
			}
		}
		assertThat(sum(Counter.READS)).isGreaterThanOrEqualTo(header.length);
		client.assertEchoes("after the header\n");
		assertThat(theOnlyConnection().proxy().source()).isEqualTo(new InetSocketAddress(address("192.0.2.1"), 50000));
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(resultOf(version), 1L));
		assertEchoedBytes("after the header\n".length());
	}

	@ParameterizedTest(name = "v{0}")
	@ValueSource(ints = { 1, 2 })
	void headerAndDataInOneWriteEchoOnlyTheData(int version) throws IOException {
		start(settings(Mode.REQUIRED));
		ByteClient client = connect();
		client.send(concat(header(version), "data in the same segment\n".getBytes(StandardCharsets.US_ASCII)));
		assertThat(client.readText("data in the same segment\n".length())).isEqualTo("data in the same segment\n");
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(resultOf(version), 1L));
	}

	// Refused headers

	@ParameterizedTest
	@ValueSource(strings = { "PROXY TCP4 256.0.0.1 198.51.100.7 50000 7007\r\nhello\n",
			"PROXY TCP5 192.0.2.1 198.51.100.7 50000 7007\r\nhello\n",
			"PROXY TCP4  192.0.2.1 198.51.100.7 50000 7007\r\nhello\n",
			"PROXY TCP4 192.0.2.1 198.51.100.7 050000 7007\r\nhello\n", "PROXY TCP4 192.0.2.1\nhello\n" })
	void malformedV1HeaderClosesTheConnectionWithoutEchoingAnything(String bytes) throws IOException {
		assertRefused(settings(Mode.REQUIRED), bytes.getBytes(StandardCharsets.US_ASCII), ProxyHeaderResult.MALFORMED);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "version 3", "command 2", "bad checksum", "truncated addresses" })
	void malformedV2HeaderClosesTheConnectionWithoutEchoingAnything(String defect) throws IOException {
		InetSocketAddress source = new InetSocketAddress(address("192.0.2.1"), 50000);
		InetSocketAddress destination = new InetSocketAddress(address("198.51.100.7"), 7007);
		byte[] header = switch (defect) {
			case "version 3" ->
				ProxyV2Writer.proxy(Family.TCP4).versionCommand(0x31).inet(source, destination).toBytes();
			case "command 2" ->
				ProxyV2Writer.proxy(Family.TCP4).versionCommand(0x22).inet(source, destination).toBytes();
			case "bad checksum" -> {
				byte[] bytes = ProxyV2Writer.proxy(Family.TCP4).inet(source, destination).crc32c().toBytes();
				bytes[bytes.length - 1] ^= 0x01;
				yield bytes;
			}
			default -> ProxyV2Writer.proxy(Family.TCP4).addressBytes(new byte[8]).toBytes();
		};
		assertRefused(settings(Mode.REQUIRED), concat(header, "hello\n".getBytes(StandardCharsets.US_ASCII)),
				ProxyHeaderResult.MALFORMED);
	}

	@Test
	void v1LineOf108BytesWithoutCrLfIsOversized() throws IOException {
		byte[] line = ("PROXY " + "A".repeat(102)).getBytes(StandardCharsets.US_ASCII);
		assertThat(line).hasSize(108);
		assertRefused(settings(Mode.REQUIRED), line, ProxyHeaderResult.OVERSIZED);
	}

	@Test
	void v2HeaderDeclaringMoreThan4096BytesIsOversizedBeforeItsBodyArrives() throws IOException {
		// Only the 16 fixed bytes are sent: the declared length alone is enough to refuse it.
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).length(4096 - 16 + 1).toBytes();
		assertThat(header).hasSize(16);
		assertRefused(settings(Mode.REQUIRED), header, ProxyHeaderResult.OVERSIZED);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "nothing", "PROXY TCP4 192.0.2.1 " })
	void headerNotCompleteWithinTheHeaderTimeoutClosesTheConnection(String sent) throws IOException {
		Duration headerTimeout = Duration.ofMillis(300);
		start(settings(Mode.REQUIRED, headerTimeout, "127.0.0.0/8"));
		ByteClient client = connect();
		long start = System.nanoTime();
		if (!sent.equals("nothing")) {
			client.send(sent);
		}
		client.assertClosedWithoutReply();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(headerTimeout.minusMillis(20));
		await().untilAsserted(() -> assertThat(closed(CloseCause.PROXY_HEADER)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.TIMEOUT, 1L));
		assertThat(sum(Counter.BYTES_SENT)).isZero();
		// Part of a header is dropped with the connection, and a reset says so.
		assertThat(sum(Counter.CLOSE_RESETS)).isEqualTo(sent.equals("nothing") ? 0 : 1);
	}

	@Test
	void requiredModeClosesAConnectionWithoutAHeader() throws IOException {
		assertRefused(settings(Mode.REQUIRED), "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
				ProxyHeaderResult.ABSENT);
	}

	// Trusted sources

	@Test
	void requiredModeClosesAConnectionFromAnUntrustedSourceEvenWithAValidHeader() throws IOException {
		start(settings(Mode.REQUIRED, Duration.ofSeconds(10), "127.0.0.2/32"));
		ByteClient untrusted = connect(LOOPBACK);
		untrusted.send(V1_TCP4 + "hello\n");
		untrusted.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(closed(CloseCause.PROXY_HEADER)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.UNTRUSTED, 1L));
		ByteClient trusted = connect(OTHER_LOOPBACK);
		trusted.send(V1_TCP4);
		trusted.assertEchoes("hello\n");
		assertProxyHeaders(Map.entry(ProxyHeaderResult.UNTRUSTED, 1L),
				Map.entry(ProxyHeaderResult.V1, 1L));
		assertEchoedBytes("hello\n".length());
	}

	@Test
	void optionalModeEchoesEveryByteOfAnUntrustedSourceEvenAProxyHeader() throws IOException {
		start(settings(Mode.OPTIONAL, Duration.ofSeconds(10), "127.0.0.2/32"));
		ByteClient untrusted = connect(LOOPBACK);
		String forged = V1_TCP4 + "hello\n";
		untrusted.assertEchoes(forged);
		assertThat(theOnlyConnection().proxy()).isNull();
		assertEchoEndsCleanly(untrusted);
		// The reactor counts the close just after the channel closes: wait for it.
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
		assertThat(proxyHeaders()).isEmpty();
	}

	// Optional mode from a trusted source

	@Test
	void optionalModeWaitsWhileTheBytesArePrefixOfASignatureAndConsumesAWholeHeader() throws IOException {
		start(settings(Mode.OPTIONAL));
		ByteClient client = connect();
		client.send("PRO");
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(3));
		assertThat(theOnlyConnection().stage()).isInstanceOf(ProxyHeaderStage.class);
		assertThat(sum(Counter.BYTES_SENT)).isZero();
		client.send(V1_TCP4.substring(3));
		client.assertEchoes("hello\n");
		assertThat(theOnlyConnection().proxy().source()).isEqualTo(new InetSocketAddress(address("192.0.2.1"), 50000));
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V1, 1L));
	}

	@Test
	void optionalModeEchoesAnythingElseFromTheFirstByte() throws IOException {
		start(settings(Mode.OPTIONAL));
		ByteClient client = connect();
		client.assertEchoes("GET / HTTP/1.0\r\n\r\n");
		assertThat(theOnlyConnection().proxy()).isNull();
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.ABSENT, 1L));
	}

	@Test
	void optionalModeEchoesAPrefixOfASignatureWholeOnceItTurnsOutToBeData() throws IOException {
		start(settings(Mode.OPTIONAL));
		ByteClient client = connect();
		client.send("PRO");
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(3));
		client.send("FILE\n");
		assertThat(client.readText("PROFILE\n".length())).isEqualTo("PROFILE\n");
		assertEchoEndsCleanly(client);
		assertProxyHeaders(Map.entry(ProxyHeaderResult.ABSENT, 1L));
	}

	@Test
	void optionalModeEchoesAPrefixOfASignatureThatTheClientEndsItsInputWith() throws IOException {
		start(settings(Mode.OPTIONAL));
		ByteClient client = connect();
		client.send("PRO");
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(3));
		// No header can follow the end of input: the three bytes were data.
		client.shutdownOutput();
		assertThat(client.readText(3)).isEqualTo("PRO");
		client.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.ABSENT, 1L));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "PRO", "\r\n" })
	void optionalModeEchoesAPrefixOfASignatureThatIsStillAllThereAtTheHeaderTimeout(String prefix)
			throws IOException {
		start(settings(Mode.OPTIONAL, Duration.ofMillis(300), "127.0.0.0/8"));
		ByteClient client = connect();
		client.send(prefix);
		// Nothing more comes: at the header timeout the bytes were data, and are echoed.
		assertThat(client.readText(prefix.length())).isEqualTo(prefix);
		client.assertEchoes("and more\n");
		assertEchoEndsCleanly(client);
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.ABSENT, 1L));
		assertThat(sum(Counter.CLOSE_RESETS)).isZero();
	}

	@Test
	void optionalModeResetsAHeaderStillInProgressAtTheHeaderTimeout() throws IOException {
		start(settings(Mode.OPTIONAL, Duration.ofMillis(300), "127.0.0.0/8"));
		ByteClient client = connect();
		client.send("PROXY TCP4 192.0.2.1 ");
		// Past the signature it is a header, never data: refused, and with a reset, since
		// the bytes held are not echoed.
		client.assertReset();
		await().untilAsserted(() -> assertThat(closed(CloseCause.PROXY_HEADER)).isOne());
		assertThat(sum(Counter.CLOSE_RESETS)).isOne();
		assertProxyHeaders(Map.entry(ProxyHeaderResult.TIMEOUT, 1L));
	}

	// The per-address limit counts the client the header names

	@Test
	void twoConnectionsThroughOneProxyNamingDifferentClientsAreBothServed() throws IOException {
		start(settings(Mode.REQUIRED).maxConnectionsPerAddress(1));
		ByteClient first = connect();
		first.send("PROXY TCP4 192.0.2.1 198.51.100.7 50000 7007\r\n");
		first.assertEchoes("first\n");
		ByteClient second = connect();
		second.send("PROXY TCP4 192.0.2.2 198.51.100.7 50000 7007\r\n");
		second.assertEchoes("second\n");
		first.assertEchoes("first again\n");
		assertThat(connections()).extracting(ConnectionState::counted)
			.containsExactlyInAnyOrder(address("192.0.2.1"), address("192.0.2.2"));
		assertThat(rejectedForTheirAddress()).isZero();
	}

	@Test
	void secondConnectionNamingTheSameClientIsRejectedAndCountedByTheReactor() throws IOException {
		start(settings(Mode.REQUIRED).maxConnectionsPerAddress(1));
		ByteClient first = connect();
		first.send(V1_TCP4);
		first.assertEchoes("first\n");
		ByteClient second = connect();
		second.send("PROXY TCP4 192.0.2.1 198.51.100.7 50001 7007\r\nsecond\n");
		second.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(rejectedForTheirAddress()).isOne());
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			assertThat(this.server.view().acceptorStatistics().rejected(RejectCause.ADDRESS_LIMIT))
				.as("rejected by the acceptor, which cannot know the client yet")
				.isZero();
		}
		assertThat(closedTotal()).as("a rejection is not a close").isZero();
		first.assertEchoes("first again\n");
		// The client's place is given back when its connection closes.
		assertEchoEndsCleanly(first);
		await().untilAsserted(() -> assertThat(this.server.view().activeConnections()).isZero());
		ByteClient third = connect();
		third.send(V1_TCP4);
		third.assertEchoes("third\n");
		assertThat(rejectedForTheirAddress()).isOne();
	}

	@Test
	void localHeadersCountTheProxysOwnAddress() throws IOException {
		start(settings(Mode.REQUIRED).maxConnectionsPerAddress(1));
		ByteClient healthCheck = connect();
		healthCheck.send(ProxyV2Writer.local().toBytes());
		healthCheck.assertEchoes("check\n");
		assertThat(connections()).extracting(ConnectionState::counted).containsExactly(LOOPBACK);
		ByteClient secondCheck = connect();
		secondCheck.send(ProxyV2Writer.local().toBytes());
		secondCheck.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(rejectedForTheirAddress()).isOne());
		// A client the header names is another address, so it is served.
		ByteClient relayed = connect();
		relayed.send(V1_TCP4);
		relayed.assertEchoes("relayed\n");
		assertProxyHeaders(Map.entry(ProxyHeaderResult.LOCAL, 2L),
				Map.entry(ProxyHeaderResult.V1, 1L));
	}

	// The server closing first

	@Test
	void connectionReachingItsMaximumAgeInTheHeaderStageIsClosedWithoutEchoingTheHeader() throws IOException {
		start(settings(Mode.REQUIRED).maxConnectionAge(Duration.ofMillis(500), 0));
		ByteClient proxy = connect();
		// A proxy still sending its header when the connection reaches its maximum age:
		// one byte per poll, so the connection never goes quiet.
		byte[] header = ("PROXY UNKNOWN " + "x".repeat(91) + "\r\n").getBytes(StandardCharsets.US_ASCII);
		int[] sent = { 0 };
		await().pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(20))
			.atMost(Duration.ofSeconds(10))
			.until(() -> {
				try {
					if (sent[0] + 2 < header.length) {
						proxy.send(new byte[] { header[sent[0]++] });
					}
				}
				catch (IOException ex) {
					// Reset by the server: it closed the connection
					return true;
				}
				return closed(CloseCause.MAX_AGE) == 1 || connections().stream()
					.anyMatch((connection) -> !(connection.stage() instanceof ProxyHeaderStage));
			});
		assertThat(sent[0] + 2).as("header bytes left to send").isLessThan(header.length);
		try {
			proxy.send(Arrays.copyOfRange(header, sent[0], header.length));
			proxy.send("hello\n");
		}
		catch (IOException ex) {
			// Closed already: what matters is what comes back
		}
		proxy.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(closed(CloseCause.MAX_AGE)).isOne());
		assertThat(sum(Counter.BYTES_SENT)).as("bytes echoed").isZero();
		assertThat(proxyHeaders()).isEmpty();
	}

	// Before TLS

	@Test
	void headerComesBeforeTheTlsHandshakeOnTheTlsPort() throws IOException {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		start(tlsOnly(settings(Mode.REQUIRED)));
		ByteClient client = ByteClient.connectTls(new InetSocketAddress(LOOPBACK, this.server.view().tlsPort()), null,
				V2_TCP4, certificates.clientContext(false));
		this.closeables.add(client);
		client.assertEchoes("hello over TLS\n");
		assertThat(theOnlyConnection().proxy().source()).isEqualTo(new InetSocketAddress(address("192.0.2.1"), 50000));
		await().untilAsserted(() -> assertThat(sum(Counter.TLS_HANDSHAKES)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.V2, 1L));
	}

	@Test
	void optionalModeOnTheTlsPortHandsAClientHelloWithoutAHeaderToTls() throws IOException {
		start(tlsOnly(settings(Mode.OPTIONAL)));
		ByteClient client = ByteClient.connectTls(new InetSocketAddress(LOOPBACK, this.server.view().tlsPort()), null,
				new byte[0], LocalhostCertificates.get().clientContext(false));
		this.closeables.add(client);
		client.assertEchoes("hello over TLS without a header\n");
		assertThat(theOnlyConnection().proxy()).isNull();
		await().untilAsserted(() -> assertThat(sum(Counter.TLS_HANDSHAKES)).isOne());
		assertProxyHeaders(Map.entry(ProxyHeaderResult.ABSENT, 1L));
	}

	// Helpers

	private void assertRefused(EchoServerSettings.Builder settings, byte[] bytes, ProxyHeaderResult result)
			throws IOException {
		start(settings);
		ByteClient client = connect();
		client.send(bytes);
		client.assertClosedWithoutReply();
		await().untilAsserted(() -> assertThat(closed(CloseCause.PROXY_HEADER)).isOne());
		assertThat(closedTotal()).isOne();
		assertProxyHeaders(Map.entry(result, 1L));
		assertThat(sum(Counter.BYTES_SENT)).isZero();
		assertThat(sum(Gauge.CONNECTIONS_ACTIVE)).isZero();
	}

	/** Assert that the reactors counted exactly these PROXY header results, once they have. */
	@SafeVarargs
	private void assertProxyHeaders(Map.Entry<ProxyHeaderResult, Long>... counts) {
		// The reactor counts a header before it echoes, but the client may see its echo
		// before this thread sees the counter: wait for it.
		await().untilAsserted(() -> assertThat(proxyHeaders()).containsOnly(counts));
	}

	/** Assert that the reactors wrote back exactly {@code bytes}, once they have counted them. */
	private void assertEchoedBytes(long bytes) {
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_SENT)).isEqualTo(bytes));
	}

	private void assertEchoEndsCleanly(ByteClient client) throws IOException {
		client.shutdownOutput();
		client.assertClosedWithoutReply();
	}

	private static byte[] header(int version) {
		return (version == 1) ? V1_TCP4.getBytes(StandardCharsets.US_ASCII) : V2_TCP4;
	}

	private static ProxyHeaderResult resultOf(int version) {
		return (version == 1) ? ProxyHeaderResult.V1 : ProxyHeaderResult.V2;
	}

	private EchoServerSettings.Builder settings(Mode mode) {
		return settings(mode, Duration.ofSeconds(10), "127.0.0.0/8");
	}

	private EchoServerSettings.Builder settings(Mode mode, Duration headerTimeout, String... trustedSources) {
		return DefaultSettings.builder()
			.address(LOOPBACK)
			.port(0)
			.reactors(2)
			.acceptStrategy(this.strategy)
			.udp(DefaultSettings.udpDisabled())
			.proxyProtocol(new ProxyProtocolSettings(mode,
					List.of(trustedSources).stream().map(CidrRange::parse).toList(), headerTimeout));
	}

	private static EchoServerSettings.Builder tlsOnly(EchoServerSettings.Builder settings) {
		return settings.plainEnabled(false)
			.tls(new TlsSettings(new TlsContext(LocalhostCertificates.get().serverContext(), null, null,
					TlsContext.ClientAuth.NONE), 0, Duration.ofSeconds(10)));
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	private ByteClient connect() throws IOException {
		return connect(null);
	}

	private ByteClient connect(InetAddress from) throws IOException {
		ByteClient client = ByteClient.connect(new InetSocketAddress(LOOPBACK, this.server.port()), from);
		this.closeables.add(client);
		return client;
	}

	/** @return the one open connection, once there is exactly one */
	private ConnectionState theOnlyConnection() {
		List<ConnectionState> connections = new ArrayList<>();
		await().untilAsserted(() -> {
			connections.clear();
			connections.addAll(connections());
			assertThat(connections).hasSize(1);
		});
		return connections.get(0);
	}

	/** @return the state of every open connection, read on the reactor threads */
	private List<ConnectionState> connections() {
		List<ConnectionState> states = new CopyOnWriteArrayList<>();
		for (EchoReactor reactor : this.server.view().reactors()) {
			CompletableFuture<Void> done = new CompletableFuture<>();
			reactor.execute(() -> {
				for (TcpConnection connection : reactor.connections()) {
					states.add(new ConnectionState(connection.proxy(), connection.address(), connection.stage()));
				}
				done.complete(null);
			});
			done.orTimeout(10, TimeUnit.SECONDS).join();
		}
		return states;
	}

	/** @return the non-zero PROXY header counts, summed over the reactors */
	private Map<ProxyHeaderResult, Long> proxyHeaders() {
		Map<ProxyHeaderResult, Long> counts = new EnumMap<>(ProxyHeaderResult.class);
		for (ProxyHeaderResult result : ProxyHeaderResult.values()) {
			long count = this.server.view().reactors()
				.stream()
				.mapToLong((reactor) -> reactor.statistics().proxyHeaders(result))
				.sum();
			if (count > 0) {
				counts.put(result, count);
			}
		}
		return counts;
	}

	private long rejectedForTheirAddress() {
		return sum((statistics) -> statistics.rejected(RejectCause.ADDRESS_LIMIT));
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private long sum(Gauge gauge) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(gauge)).sum();
	}

	private long closedTotal() {
		long total = 0;
		for (CloseCause cause : CloseCause.values()) {
			total += closed(cause);
		}
		return total;
	}

	private static byte[] concat(byte[] first, byte[] second) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes(first);
		bytes.writeBytes(second);
		return bytes.toByteArray();
	}

	private static InetAddress address(String literal) {
		try {
			return InetAddress.getByName(literal);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

	/**
	 * What a connection's reactor knows of it at one moment.
	 *
	 * @param proxy its PROXY header, or {@code null}
	 * @param counted the address counted against the per-address limit, or {@code null}
	 * @param stage its stage
	 */
	record ConnectionState(ProxyHeader proxy, InetAddress counted, Stage stage) {

	}

	private long sum(ToLongFunction<ReactorStatistics> count) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> count.applyAsLong(reactor.statistics())).sum();
	}

	private long closed(CloseCause cause) {
		return sum((statistics) -> statistics.closed(cause));
	}

}

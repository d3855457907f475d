package io.echoreactor.reactor.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.TlsViolation;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tcp.TlsSession;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoPattern;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import io.echoreactor.support.TlsRecordClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that attack the TLS port, against the reactor alone: renegotiation, key-update
 * floods, framing that is no TLS, records held in part, handshakes beyond the session
 * memory, and an engine that cannot be made. Each is closed for what it did and counted,
 * none costs a loop failure, none is ever echoed in plain text, and a good client beside
 * them keeps its echo.
 */
@Timeout(90)
class TlsHostileClientTests {

	private static final int KIB = 1024;

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	// After the handshake

	@Test
	void aTls12RenegotiationIsRefusedWithAResetAndCounted() throws Exception {
		start(settings(), tls(null));
		TlsRecordClient client = recordClient("TLSv1.2");
		byte[] data = pattern(KIB);
		client.send(data);
		assertThat(client.receive(data.length)).isEqualTo(data);
		client.requestNewHandshake();
		assertResetOrClosed(client);
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.TLS_PROTOCOL)).isOne());
		assertThat(statistics().tlsViolations(TlsViolation.RENEGOTIATION)).isOne();
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne();
	}

	@Test
	void tls13KeyUpdatesAreAnsweredUpToTheLimitAndTheNextInTheMinuteResets() throws Exception {
		start(settings(), tls(null));
		TlsRecordClient client = recordClient("TLSv1.3");
		byte[] data = pattern(100);
		for (int i = 0; i < TlsSession.MAX_KEY_UPDATES; i++) {
			client.requestNewHandshake();
			client.send(data);
			assertThat(client.receive(data.length)).isEqualTo(data);
		}
		client.requestNewHandshake();
		assertResetOrClosed(client);
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.TLS_PROTOCOL)).isOne());
		assertThat(statistics().tlsViolations(TlsViolation.KEY_UPDATES)).isOne();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aBrokenRecordHeaderAfterTheHandshakeResetsAsARecordViolation(String protocol) throws Exception {
		start(settings(), tls(null));
		TlsRecordClient client = recordClient(protocol);
		client.sendRaw(new byte[] { (byte) 0xff, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
		assertResetOrClosed(client);
		await().untilAsserted(() -> assertThat(statistics().tlsViolations(TlsViolation.RECORD)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_PROTOCOL)).isOne();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	// Before the handshake

	@Test
	void anSslV2FormatHelloIsNotTlsAndCostsNoLoopFailure() throws Exception {
		start(settings(), tls(null));
		// An SSLv2-compatible ClientHello header: a two-byte length with the high bit set.
		byte[] hello = { (byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10 };
		try (Socket client = plainConnect()) {
			client.getOutputStream().write(hello);
			assertClosedByServer(client);
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.NOT_TLS)).isOne());
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	@Test
	void aFirstRecordLongerThanAnyRecordIsAProtocolFailure() throws Exception {
		start(settings(), tls(null));
		try (Socket client = plainConnect()) {
			client.getOutputStream().write(new byte[] { 22, 3, 1, (byte) 0xff, (byte) 0xff, 1 });
			assertClosedByServer(client);
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.PROTOCOL)).isOne());
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	@Test
	void oneByteOfARecordCostsAFewDozenBytesNotARecordsWorth() throws Exception {
		start(settings(), tls(null));
		try (Socket client = plainConnect()) {
			client.getOutputStream().write(22);
			await().untilAsserted(() -> assertThat(statistics().get(Counter.BYTES_RECEIVED)).isOne());
			// No engine yet, and a buffer for what arrived.
			assertThat(this.server.view().sessionMemoryUsed()).isPositive().isLessThanOrEqualTo(64);
		}
		await().untilAsserted(() -> assertThat(this.server.view().sessionMemoryUsed()).isZero());
	}

	@Test
	void oneByteOfAnApplicationRecordAfterTheHandshakeCostsTheSessionAndAFewDozenBytes() throws Exception {
		start(settings(), tls(null));
		TlsRecordClient client = recordClient("TLSv1.3");
		await().untilAsserted(() -> assertThat(this.server.view().sessionMemoryUsed())
			.isEqualTo(SessionMemoryBudget.SESSION_COST));
		long reads = statistics().get(Counter.READS);
		client.sendRaw(new byte[] { 23 });
		await().until(() -> statistics().get(Counter.READS) > reads);
		await().untilAsserted(() -> assertThat(this.server.view().sessionMemoryUsed())
			.isGreaterThan(SessionMemoryBudget.SESSION_COST)
			.isLessThanOrEqualTo(SessionMemoryBudget.SESSION_COST + 64));
		client.close();
		await().untilAsserted(() -> assertThat(this.server.view().sessionMemoryUsed()).isZero());
		// The byte held was no echo owed, but it was unechoed input: the close is a reset.
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
	}

	@Test
	void manyClientsHoldingOneByteOfARecordAfterTheirHandshakeAreHeldNotRefused() throws Exception {
		start(settings(), tls(null));
		List<Socket> clients = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			Socket socket = plainConnect();
			javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trustingClient().getSocketFactory()
				.createSocket(socket, "localhost", socket.getPort(), false);
			tls.startHandshake();
			socket.getOutputStream().write(TlsRecords.APPLICATION_DATA);
			clients.add(socket);
			// Held: a TLS socket left to the garbage collector may be closed, and its
			// close_notify would follow the byte above and break the stream.
			this.closeables.add(tls);
		}
		await().untilAsserted(() -> assertThat(this.server.view().sessionMemoryUsed())
			.as(() -> statistics().snapshot().toString()).isGreaterThanOrEqualTo(50 * SessionMemoryBudget.SESSION_COST));
		assertThat(statistics().get(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(50);
		assertThat(statistics().closed(CloseCause.TLS_PROTOCOL)).isZero();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	@Test
	void whenNoEngineCanBeMadeTheTlsPortNeverEchoesInPlainText() throws Exception {
		TlsContext broken = new TlsContext(serverCertificate.serverContext(authority.certificate()), null,
				List.of("TLS_NO_SUCH_CIPHER_SUITE"), ClientAuth.NONE);
		start(settings(), broken);
		try (Socket client = plainConnect()) {
			client.getOutputStream().write("hello\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(readUntilClosed(client)).isEmpty();
		}
		try (Socket client = plainConnect()) {
			client.getOutputStream().write(clientHello("TLSv1.3"));
			assertThat(readUntilClosed(client)).isEmpty();
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.INTERNAL)).isOne());
		assertThat(statistics().tlsFailures(TlsFailure.NOT_TLS)).isOne();
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isEqualTo(2);
		assertThat(statistics().get(Counter.BYTES_SENT)).isZero();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	// Session memory

	@Test
	void handshakesBeyondTheSessionMemoryWaitStartWhenMemoryComesBackAndElseFailAsMemory() throws Exception {
		long limit = 1024 * KIB;
		start(settings().maxSessionMemory(limit), tls(null), Duration.ofSeconds(3));
		long handshakeLimit = new SessionMemoryBudget(limit, 1).handshakeLimit();
		// As many sessions as leave no room for one more handshake.
		int sessions = (int) ((handshakeLimit - SessionMemoryBudget.HANDSHAKE_COST) / SessionMemoryBudget.SESSION_COST)
				+ 1;
		List<TlsRecordClient> established = new ArrayList<>();
		for (int i = 0; i < sessions; i++) {
			established.add(recordClient("TLSv1.3"));
		}
		byte[] hello = clientHello("TLSv1.3");
		for (int i = 0; i < 3; i++) {
			plainConnect().getOutputStream().write(hello);
		}
		await().untilAsserted(
				() -> assertThat(statistics().get(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY)).isEqualTo(3));
		assertThat(statistics().get(Counter.SESSION_MEMORY_WAITS)).isEqualTo(3);
		assertThat(this.server.view().sessionMemoryUsed()).isLessThanOrEqualTo(handshakeLimit);
		// A session ends: the first in line starts its handshake; the others go on waiting.
		established.get(0).close();
		await().untilAsserted(
				() -> assertThat(statistics().get(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY)).isEqualTo(2));
		// None finishes in time: each waited for memory, which is why it failed.
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.MEMORY)).isEqualTo(3));
		assertThat(statistics().tlsFailures(TlsFailure.TIMEOUT)).isZero();
		assertThat(statistics().get(Counter.SESSION_MEMORY_WAITS)).isEqualTo(3);
		assertThat(statistics().get(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY)).isZero();
		// The sessions echo throughout.
		byte[] data = pattern(KIB);
		TlsRecordClient last = established.get(sessions - 1);
		last.send(data);
		assertThat(last.receive(data.length)).isEqualTo(data);
	}

	@Test
	void recordsHeldInPartBeyondTheSessionMemoryAreEvictedAndAGoodClientKeepsItsEcho() throws Exception {
		long limit = 1024 * KIB;
		start(settings().maxSessionMemory(limit), tls(null));
		TlsRecordClient good = recordClient("TLSv1.3");
		// Each hostile client completes its handshake and then sends all of a record but its
		// last byte, and holds it.
		byte[] almostARecord = new byte[TlsRecords.HEADER_SIZE + 16 * KIB - 1];
		almostARecord[0] = TlsRecords.APPLICATION_DATA;
		almostARecord[1] = 3;
		almostARecord[2] = 3;
		almostARecord[3] = (byte) ((16 * KIB) >> 8);
		almostARecord[4] = (byte) (16 * KIB);
		List<TlsRecordClient> hostile = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			TlsRecordClient client;
			try {
				client = recordClient("TLSv1.3");
			}
			catch (IOException ex) {
				throw new AssertionError("hostile client " + i + ": " + statistics().snapshot() + " used "
						+ this.server.view().sessionMemoryUsed(), ex);
			}
			client.sendRaw(almostARecord);
			hostile.add(client);
		}
		byte[] data = pattern(4 * KIB);
		for (int round = 0; round < 20; round++) {
			good.send(data);
			assertThat(good.receive(data.length)).isEqualTo(data);
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(statistics().closed(CloseCause.EVICTED)).isPositive());
		assertThat(this.server.view().sessionMemoryUsed()).isLessThanOrEqualTo(limit + TlsRecords.MAX_RECORD_SIZE);
		good.send(data);
		assertThat(good.receive(data.length)).isEqualTo(data);
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	private static void assertResetOrClosed(TlsRecordClient client) {
		try {
			client.readToEnd(new ByteArrayOutputStream());
		}
		catch (IOException ex) {
			// A reset
		}
	}

	private static void assertClosedByServer(Socket client) throws IOException {
		readUntilClosed(client);
	}

	private static byte[] readUntilClosed(Socket client) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		InputStream input = client.getInputStream();
		try {
			int b;
			while ((b = input.read()) >= 0) {
				received.write(b);
			}
		}
		catch (SocketException ex) {
			// A reset is a close too
		}
		return received.toByteArray();
	}

	// A client's first flight: its ClientHello record, as a client engine writes it.
	private static byte[] clientHello(String protocol) throws IOException {
		SSLEngine engine = trustingClient().createSSLEngine("localhost", 443);
		engine.setUseClientMode(true);
		engine.setEnabledProtocols(new String[] { protocol });
		engine.beginHandshake();
		ByteBuffer records = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
		engine.wrap(ByteBuffer.allocate(0), records);
		return java.util.Arrays.copyOf(records.array(), records.position());
	}

	private TlsRecordClient recordClient(String protocol) throws IOException {
		TlsRecordClient client = TlsRecordClient.connect(this.server.view().tlsLocalAddress(), trustingClient(), protocol);
		this.closeables.add(client);
		client.handshake();
		assertThat(client.protocol()).isEqualTo(protocol);
		return client;
	}

	private static byte[] pattern(int length) {
		byte[] data = new byte[length];
		EchoPattern.fill(EchoPattern.key(length), 0, data, 0, length);
		return data;
	}

	private ReactorStatistics statistics() {
		return this.server.view().reactors().get(0).statistics();
	}

	private static TlsContext tls(List<String> protocols) {
		return new TlsContext(serverCertificate.serverContext(authority.certificate()), protocols, null,
				ClientAuth.NONE);
	}

	private void start(EchoServerSettings.Builder settings, TlsContext tls) {
		start(settings, tls, Duration.ofSeconds(10));
	}

	private void start(EchoServerSettings.Builder settings, TlsContext tls, Duration handshakeTimeout) {
		this.server = new EchoServer(settings.tls(new TlsSettings(tls, 0, handshakeTimeout)).build());
		this.server.start();
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.plainEnabled(false)
			.udp(DefaultSettings.udpDisabled())
			.reactors(1)
			.selectTimeout(Duration.ofMillis(100));
	}

	private static SSLContext trustingClient() {
		return TestCertificates.sslContext(null, authority.certificate());
	}

	private Socket plainConnect() throws IOException {
		Socket socket = new Socket();
		this.closeables.add(socket);
		socket.connect(this.server.view().tlsLocalAddress(), 10_000);
		socket.setSoTimeout(20_000);
		return socket;
	}

}

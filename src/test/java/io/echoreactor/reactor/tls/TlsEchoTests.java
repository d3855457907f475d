package io.echoreactor.reactor.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.ShutdownResult;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
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
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The echo through TLS, with the JDK's {@link SSLSocket} as the client, against the
 * reactor alone (no Spring): both protocol versions, handshakes that fail and how they are
 * counted, client certificates, {@code close_notify} either way (never ahead of an
 * echo owed), a large echo, and
 * backpressure on encrypted output.
 */
@Timeout(60)
class TlsEchoTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private static final Authority strangers = TestCertificates.authority("Somebody Else's CA");

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<String> handshakes = new CopyOnWriteArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	// Echo

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void echoesThroughTls13AndTls12ByDefault(String protocol) throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		EchoClient client = connect(trustingClient(), protocol);
		assertThat(((SSLSocket) client.socket()).getSession().getProtocol()).isEqualTo(protocol);
		client.echo(10 * KIB);
		await().untilAsserted(() -> assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne());
		assertThat(this.handshakes).singleElement().asString().startsWith(protocol + " ");
		client.close();
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	@Timeout(180)
	void aLargeEchoComesBackByteExact(String protocol) throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		EchoClient client = connect(trustingClient(), protocol);
		client.echoConcurrently(32 * MIB, this.executor);
		assertThat(client.read()).isEqualTo(32 * MIB);
		client.shutdownOutput();
		assertThat(client.readAndVerifyUntilEof()).isZero();
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.TLS_TASKS)).isPositive();
		assertThat(statistics().get(Counter.TLS_TASK_NANOS)).isPositive();
		assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void recordsSplitAcrossReadsAnywhereComeBackByteExact(String protocol) throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		try (TlsRecordClient client = recordClient(protocol)) {
			byte[] data = pattern(100 * KIB);
			// Through a record's header, its body, the next header, several records at once.
			int[] pieces = { 1, 3, 2, 700, 16_000, 20_000, 4, 1, 40_000, 16_500, 5 };
			long[] reads = { statistics().get(Counter.READS) };
			client.sendInPieces(data, pieces, () -> {
				// Each piece is read before the next is sent, so the server sees the splits.
				await().until(() -> statistics().get(Counter.READS) > reads[0]);
				reads[0] = statistics().get(Counter.READS);
			});
			assertThat(client.receive(data.length)).isEqualTo(data);
		}
		await().untilAsserted(() -> assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne());
	}

	// Handshakes that fail

	@Test
	void aPlainTextClientOnTheTlsPortIsCountedAsNotTls() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		try (Socket client = plainConnect()) {
			client.getOutputStream().write("hello\r\n".getBytes(StandardCharsets.US_ASCII));
			assertClosedByServer(client);
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.NOT_TLS)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isZero();
	}

	@Test
	void aClientThatSendsNothingIsClosedAtTheHandshakeTimeout() throws Exception {
		start(settings(), tls(ClientAuth.NONE), Duration.ofMillis(500));
		try (Socket client = plainConnect()) {
			long start = System.nanoTime();
			assertClosedByServer(client);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.TIMEOUT)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@Test
	void aClientThatClosesAtOnceIsCountedAsEof() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		plainConnect().close();
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.EOF)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@Test
	void aTls13OnlyClientIsRefusedByATls12OnlyServerAndCountedAsProtocolVersion() throws Exception {
		start(settings(), tls(ClientAuth.NONE, List.of("TLSv1.2")));
		assertThatExceptionOfType(SSLException.class).isThrownBy(() -> connect(trustingClient(), "TLSv1.3"));
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.PROTOCOL_VERSION)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
		EchoClient client = connect(trustingClient());
		assertThat(((SSLSocket) client.socket()).getSession().getProtocol()).isEqualTo("TLSv1.2");
		client.echo(KIB);
	}

	@Test
	void aClientWithNoCipherSuiteTheServerAllowsIsCountedAsNoSharedCipher() throws Exception {
		start(settings(), new TlsContext(serverCertificate.serverContext(), List.of("TLSv1.2"),
				List.of("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"), ClientAuth.NONE));
		try (Socket plain = plainConnect()) {
			SSLSocket client = (SSLSocket) trustingClient().getSocketFactory()
				.createSocket(plain, "localhost", plain.getPort(), true);
			client.setEnabledProtocols(new String[] { "TLSv1.2" });
			client.setEnabledCipherSuites(new String[] { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" });
			assertThatExceptionOfType(SSLException.class).isThrownBy(client::startHandshake);
		}
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.NO_SHARED_CIPHER)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@Test
	void aClientThatRefusesTheServersCertificateIsCountedAsBadCertificate() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		// It trusts another authority: its alert (certificate_unknown) ends the handshake.
		SSLContext context = TestCertificates.sslContext(null, strangers.certificate());
		assertThatExceptionOfType(SSLException.class).isThrownBy(() -> connect(context));
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.BAD_CERTIFICATE)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	// Client certificates

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aClientCertificateFromATrustedAuthorityIsAccepted(String protocol) throws Exception {
		start(settings(), tls(ClientAuth.NEED));
		EchoClient client = connect(TestCertificates.sslContext(authority.client("trusted client"),
				authority.certificate()), protocol);
		client.echo(KIB);
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aClientCertificateFromAnUntrustedAuthorityIsRefusedAndCountedAsUnknownCa(String protocol)
			throws Exception {
		start(settings(), tls(ClientAuth.NEED));
		// Presented although the server's list of accepted authorities does not name its
		// issuer, as openssl s_client does: the server's trust manager finds no path.
		SSLContext context = TestCertificates.insistentSslContext(strangers.client("stranger"),
				authority.certificate());
		assertRefused(context, protocol);
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.UNKNOWN_CA)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aJdkClientWhoseCertificateTheServerDoesNotNameSendsNoneAndIsCountedAsBadCertificate(String protocol)
			throws Exception {
		start(settings(), tls(ClientAuth.NEED));
		// The JDK's key manager presents only a certificate whose issuer the server names.
		SSLContext context = TestCertificates.sslContext(strangers.client("stranger"), authority.certificate());
		assertRefused(context, protocol);
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.BAD_CERTIFICATE)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aClientWithoutACertificateIsRefusedWhenOneIsNeededAndCountedAsBadCertificate(String protocol)
			throws Exception {
		start(settings(), tls(ClientAuth.NEED));
		assertRefused(trustingClient(), protocol);
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.BAD_CERTIFICATE)).isOne());
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne();
	}

	@Test
	void aClientWithoutACertificateIsServedWhenOneIsOnlyWanted() throws Exception {
		start(settings(), tls(ClientAuth.WANT));
		EchoClient client = connect(trustingClient());
		client.echo(KIB);
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isOne();
	}

	// close_notify

	@Test
	void underTls13AClientsCloseNotifyStillGetsEveryEchoThenTheServersCloseNotifyAndEof() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		EchoClient client = connect(trustingClient(), "TLSv1.3");
		// More than the socket buffers hold, so that the echo is still on its way when the
		// close_notify arrives.
		client.write(4 * MIB);
		client.shutdownOutput();
		assertThat(client.readAndVerifyUntilEof()).isEqualTo(4 * MIB);
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
		// The server's FIN came after its close_notify: nothing more arrives.
		assertThat(client.transport().getInputStream().read()).isEqualTo(-1);
	}

	@Test
	void underTls12AClientsCloseNotifyIsAnsweredWithCloseNotifyAndTheConnectionClosesAtOnce() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		EchoClient client = connect(trustingClient(), "TLSv1.2");
		client.echo(KIB);
		client.shutdownOutput();
		assertThat(client.readAndVerifyUntilEof()).isZero();
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
	}

	@Test
	void underTls12EchoesNotYetWrittenWhenTheClientsCloseNotifyArrivesAreStillWrittenThenTheConnectionCloses()
			throws Exception {
		start(settings().readBufferSize(16 * KIB)
			.writeBufferWaterMarks(64 * KIB, 128 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, null, 16 * KIB)), tls(ClientAuth.NONE));
		EchoClient client = connect((socket) -> {
			socket.setReceiveBufferSize(16 * KIB);
			socket.setSendBufferSize(256 * KIB);
		}, trustingClient(), "TLSv1.2");
		// Sent without reading (what the server does not read fits the socket buffers): the
		// server pauses with echoes pending, and the close_notify waits behind the rest
		// until the client reads again.
		client.write(256 * KIB);
		client.shutdownOutput();
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.CONNECTIONS_PAUSED)).isOne());
		// The client reads again: every echo arrives, then the stream ends.
		client.readAndVerifyUntilEof();
		assertThat(client.read()).isEqualTo(client.written());
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
		assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero();
	}

	@Test
	void onTheWireUnderTls13TheServersCloseNotifyFollowsTheLastEchoAndPrecedesItsFin() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		try (TlsRecordClient client = recordClient("TLSv1.3")) {
			byte[] data = pattern(256 * KIB);
			client.send(data);
			client.sendCloseNotify();
			ByteArrayOutputStream echo = new ByteArrayOutputStream();
			assertThat(client.readToEnd(echo)).isEqualTo(TlsRecordClient.Ending.CLOSE_NOTIFY);
			assertThat(echo.toByteArray()).isEqualTo(data);
			assertThat(client.atEndOfStream()).isTrue();
		}
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
	}

	@Test
	void onTheWireUnderTls12TheClientsCloseNotifyIsAnsweredWithCloseNotifyAndFin() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		try (TlsRecordClient client = recordClient("TLSv1.2")) {
			byte[] data = pattern(KIB);
			client.send(data);
			assertThat(client.receive(data.length)).isEqualTo(data);
			client.sendCloseNotify();
			assertThat(client.readToEnd(new ByteArrayOutputStream())).isEqualTo(TlsRecordClient.Ending.CLOSE_NOTIFY);
			assertThat(client.atEndOfStream()).isTrue();
		}
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
	}

	@Test
	void onTheWireUnderTls12EchoesPendingAtTheClientsCloseNotifyAllComeBeforeTheServersCloseNotify() throws Exception {
		start(settings().readBufferSize(16 * KIB)
			.writeBufferWaterMarks(64 * KIB, 128 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, null, 16 * KIB)), tls(ClientAuth.NONE));
		TlsRecordClient client = TlsRecordClient.connect(this.server.view().tlsLocalAddress(), (socket) -> {
			socket.setReceiveBufferSize(16 * KIB);
			socket.setSendBufferSize(256 * KIB);
		}, trustingClient(), "TLSv1.2");
		this.closeables.add(client);
		client.handshake();
		byte[] data = pattern(256 * KIB);
		// Sent without reading: the server pauses with echoes pending; the close_notify
		// follows the data.
		client.send(data);
		client.sendCloseNotify();
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.CONNECTIONS_PAUSED)).isOne());
		ByteArrayOutputStream echo = new ByteArrayOutputStream();
		assertThat(client.readToEnd(echo)).isEqualTo(TlsRecordClient.Ending.CLOSE_NOTIFY);
		assertThat(echo.toByteArray()).isEqualTo(data);
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void dataAndTheClientsCloseNotifyInOneSegmentGetTheWholeEchoBeforeTheServersCloseNotify(String protocol)
			throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		try (TlsRecordClient client = recordClient(protocol)) {
			byte[] data = pattern(3 * KIB);
			client.sendWithCloseNotify(data);
			ByteArrayOutputStream echo = new ByteArrayOutputStream();
			assertThat(client.readToEnd(echo)).isEqualTo(TlsRecordClient.Ending.CLOSE_NOTIFY);
			assertThat(echo.toByteArray()).isEqualTo(data);
			assertThat(client.atEndOfStream()).isTrue();
		}
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.EOF)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void whenTheDrainEndsAQuietClientGetsTheServersCloseNotifyThenItsFin(String protocol) throws Exception {
		start(settings().shutdownTimeout(Duration.ofMillis(200)), tls(ClientAuth.NONE));
		try (TlsRecordClient client = recordClient(protocol)) {
			byte[] data = pattern(64 * KIB);
			client.send(data);
			assertThat(client.receive(data.length)).isEqualTo(data);
			CompletableFuture<ShutdownResult> drained = new CompletableFuture<>();
			this.server.shutDownGracefully(drained::complete);
			assertThat(client.readToEnd(new ByteArrayOutputStream())).isEqualTo(TlsRecordClient.Ending.CLOSE_NOTIFY);
			assertThat(client.atEndOfStream()).isTrue();
			assertThat(drained).succeedsWithin(Duration.ofSeconds(30));
		}
		assertThat(statistics().closed(CloseCause.SHUTDOWN)).isOne();
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
	}

	@Test
	void aCloseNotifyDuringATls12HandshakeIsCountedAsEof() throws Exception {
		start(settings(), tls(ClientAuth.NONE));
		// Under TLS 1.3 the server has switched to handshake keys by the time the client's
		// plaintext alerts arrive, and the JDK's engine fails on them instead (other).
		try (TlsRecordClient client = TlsRecordClient.connect(this.server.view().tlsLocalAddress(), trustingClient(),
				"TLSv1.2")) {
			client.sendClientHello();
			client.sendCloseNotify();
			await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).isOne());
		}
		assertThat(statistics().tlsFailures(TlsFailure.EOF)).isOne();
		assertThat(statistics().get(Counter.TLS_HANDSHAKES)).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void aRecordThatNeverCompletesIsResetAtTheIdleTimeoutForItsBytesAreDropped(String protocol) throws Exception {
		start(settings().idleTimeout(Duration.ofMillis(500)), tls(ClientAuth.NONE));
		TlsRecordClient client = recordClient(protocol);
		try {
			// The first byte of the record, then the rest once the server has closed.
			client.sendInPieces(pattern(100), new int[] { 1, 64 * KIB }, () -> await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(statistics().closed(CloseCause.IDLE)).isOne()));
		}
		catch (IOException ex) {
			// The server's reset, if it arrived first
		}
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
	}

	// Backpressure

	@Test
	void aTlsClientThatStopsReadingIsPausedAtTheHighWaterMarkAndResetAtTheWriteTimeout() throws Exception {
		int highWaterMark = 128 * KIB;
		int readBufferSize = 16 * KIB;
		start(settings().readBufferSize(readBufferSize)
			.writeBufferWaterMarks(64 * KIB, highWaterMark)
			.writeTimeout(Duration.ofSeconds(2))
			.socket(new SocketSettings(true, false, null, null, null, null, 16 * KIB)), tls(ClientAuth.NONE));
		EchoClient client = connect((socket) -> socket.setReceiveBufferSize(16 * KIB), trustingClient());
		CompletableFuture<Void> writing = client.writeAsync(64 * MIB, this.executor);
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.CONNECTIONS_PAUSED)).isOne());
		long pending = statistics().get(Gauge.PENDING_BYTES);
		// Encrypted output counts: at most the mark plus what one read brings in, with its
		// record overhead. Paused, the socket may still take some of it, but never so much
		// that the connection would read again (the low-water mark).
		assertThat(pending).isGreaterThan(64 * KIB).isLessThanOrEqualTo(highWaterMark + 2L * readBufferSize);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(statistics().closed(CloseCause.WRITE_TIMEOUT)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
		assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero();
		assertThat(writing).failsWithin(Duration.ofSeconds(30));
	}

	private void assertRefused(SSLContext context, String protocol) {
		// Under TLS 1.3 the client's handshake ends before the server has checked its
		// certificate: the refusal arrives as an alert on the first read.
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
			EchoClient client = connect(context, protocol);
			client.echo(KIB);
		});
	}

	private static void assertClosedByServer(Socket client) throws IOException {
		InputStream input = client.getInputStream();
		try {
			while (input.read() >= 0) {
				// An alert, if the server sent one
			}
		}
		catch (java.net.SocketException ex) {
			// A reset is a close too
		}
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

	private TlsContext tls(ClientAuth clientAuth) {
		return tls(clientAuth, null);
	}

	private TlsContext tls(ClientAuth clientAuth, List<String> protocols) {
		return new TlsContext(serverCertificate.serverContext(authority.certificate()), protocols, null, clientAuth);
	}

	private void start(EchoServerSettings.Builder settings, TlsContext tls) {
		start(settings, tls, Duration.ofSeconds(10));
	}

	private void start(EchoServerSettings.Builder settings, TlsContext tls, Duration handshakeTimeout) {
		this.server = new EchoServer(settings.tls(new TlsSettings(tls, 0, handshakeTimeout)).build());
		this.server.setTlsHandshakeListener((reactor, protocol, cipherSuite, nanos) -> this.handshakes
			.add(protocol + " " + cipherSuite));
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

	private EchoClient connect(SSLContext context, String... protocols) throws IOException {
		return connect((socket) -> {
		}, context, protocols);
	}

	private EchoClient connect(EchoClient.SocketOptions options, SSLContext context, String... protocols)
			throws IOException {
		EchoClient client = EchoClient.connectTls(this.server.view().tlsLocalAddress(), options, context, protocols);
		this.closeables.add(client);
		return client;
	}

	private Socket plainConnect() throws IOException {
		InetSocketAddress address = this.server.view().tlsLocalAddress();
		Socket socket = new Socket();
		this.closeables.add(socket);
		socket.connect(address, 10_000);
		socket.setSoTimeout(20_000);
		return socket;
	}

}

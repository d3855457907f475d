package io.echoreactor.reactor.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.echoreactor.fuzz.FuzzTargets;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TlsRecordClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The TLS port's framing and records held in part, fed into the reactor's real
 * {@code SSLEngine}s: bytes from the fuzzer, in pieces it chooses, on a fresh connection
 * to one TLS-only server, sometimes after a real handshake so that they reach an
 * established session. Whatever arrives, no loop failure is counted, nothing comes back
 * but TLS records (never a plain echo), and once the connection is closed every byte of
 * session memory it was charged is given back.
 */
class TlsRecordFuzzTests {

	private static final Authority authority = TestCertificates.authority("Echo Fuzz CA");

	private static EchoServer server;

	@FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
	void recordsInPieces(FuzzedDataProvider data) throws IOException {
		EchoServer server = server();
		// Only the server under test, on loopback: what the fuzzer chooses is the bytes, never
		// where they go.
		try (SilentCloseable loopbackOnly = BugDetectors.allowNetworkConnections(
				(host, port) -> ("localhost".equals(host) || "127.0.0.1".equals(host)) && port == server.view().tlsPort())) {
			send(server, data);
		}
	}

	private void send(EchoServer server, FuzzedDataProvider data) throws IOException {
		boolean handshake = data.consumeBoolean();
		int[] pieces = { data.consumeInt(1, 64), data.consumeInt(1, 2048), data.consumeInt(1, 20_000) };
		byte[] bytes = data.consumeRemainingAsBytes();
		ByteArrayOutputStream reply = new ByteArrayOutputStream();
		if (handshake) {
			try (TlsRecordClient client = TlsRecordClient.connect(server.view().tlsLocalAddress(),
					(socket) -> socket.setSoTimeout(5_000), trustingClient(), "TLSv1.3")) {
				client.handshake();
				client.sendRaw(bytes);
			}
			catch (IOException ex) {
				// A reset, or a handshake the bytes of another input's connection outlasted
			}
		}
		else {
			try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.view().tlsPort())) {
				socket.setSoTimeout(2_000);
				OutputStream output = socket.getOutputStream();
				for (int offset = 0, piece = 0; offset < bytes.length; piece++) {
					int length = Math.min(pieces[piece % pieces.length], bytes.length - offset);
					output.write(bytes, offset, length);
					output.flush();
					offset += length;
				}
				socket.shutdownOutput();
				readUntilClosed(socket.getInputStream(), reply);
			}
			catch (SocketException ex) {
				// A reset
			}
			byte[] answer = reply.toByteArray();
			if (answer.length > 0) {
				// An alert or a handshake record: TLS, never the bytes echoed in plain.
				assertThat(answer[0]).isIn((byte) TlsRecords.ALERT, (byte) TlsRecords.HANDSHAKE);
			}
		}
		ReactorStatistics statistics = server.view().reactors().get(0).statistics();
		await().atMost(Duration.ofSeconds(10))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(1))
			.untilAsserted(() -> assertThat(server.view().sessionMemoryUsed()).isZero());
		assertThat(statistics.get(Counter.LOOP_FAILURES)).isZero();
	}

	private static void readUntilClosed(InputStream input, ByteArrayOutputStream reply) throws IOException {
		byte[] buffer = new byte[4096];
		try {
			int n;
			while ((n = input.read(buffer)) >= 0) {
				reply.write(buffer, 0, n);
			}
		}
		catch (SocketTimeoutException ex) {
			// The server waits for more of a record: the input ended inside one
		}
	}

	private static synchronized EchoServer server() {
		if (server == null) {
			TlsContext tls = new TlsContext(authority.server("localhost").serverContext(authority.certificate()), null,
					null, ClientAuth.NONE);
			server = new EchoServer(DefaultSettings.builder()
				.address(InetAddress.getLoopbackAddress())
				.port(0)
				.plainEnabled(false)
				.udp(DefaultSettings.udpDisabled())
				.reactors(1)
				.selectTimeout(Duration.ofMillis(100))
				.tls(new TlsSettings(tls, 0, Duration.ofSeconds(2)))
				.build());
			server.start();
			Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
		}
		return server;
	}

	private static javax.net.ssl.SSLContext trustingClient() {
		return TestCertificates.sslContext(null, authority.certificate());
	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.proxy.ProxyProtocolSettings.Mode;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.ConnectionFigures;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.tcp.TcpConnection;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.support.ByteClient;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.LocalhostCertificates;
import io.echoreactor.support.SelectorClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests that a snapshot of the open connections shows what a console's table needs, as
 * real clients on 127.0.0.1 caused it (bytes each way, the TLS protocol, the PROXY source,
 * pending output), that it is taken at most once a second however often it is asked, and
 * that taking it while a thousand connections echo drops no byte.
 */
@Timeout(60)
class ConnectionsSnapshotTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private static final int KIB = 1024;

	private final List<ByteClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (ByteClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aConnectionsBytesEachWayAreWhatItsClientSentAndRead() throws Exception {
		start(settings());
		ByteClient client = connect();
		byte[] sent = new byte[3000];
		Arrays.fill(sent, (byte) 'x');
		client.send(sent);
		assertThat(client.read(sent.length)).isEqualTo(sent);
		String more = "and a line more\n";
		client.assertEchoes(more);
		long total = sent.length + more.length();
		ConnectionFigures figures = theOnlyConnection();
		assertThat(figures.bytesReceived()).isEqualTo(total);
		assertThat(figures.bytesSent()).isEqualTo(total);
		assertThat(figures.bytes()).isEqualTo(2 * total);
		assertThat(figures.pendingOutputBytes()).isZero();
		assertThat(figures.stage()).isEqualTo(ConnectionFigures.Stage.ECHO);
		assertThat(figures.peer()).isEqualTo(client.localAddress());
		assertThat(figures.local()).isEqualTo(new InetSocketAddress(LOOPBACK, this.server.port()));
		assertThat(figures.source()).isNull();
		assertThat(figures.tlsProtocol()).isNull();
		assertThat(figures.age()).isPositive().isLessThan(Duration.ofSeconds(30));
		ConnectionsSnapshot.ReactorTotals totals = this.server.view().connectionsSnapshot(10).get(10, TimeUnit.SECONDS)
			.reactors()
			.get(figures.reactor());
		assertThat(totals.connections()).isOne();
		assertThat(totals.bytesReceived()).isEqualTo(total);
		assertThat(totals.bytesSent()).isEqualTo(total);
		assertThat(totals.stages()).containsExactly(Map.entry(ConnectionFigures.Stage.ECHO, 1));
	}

	@Test
	void aTlsConnectionShowsItsProtocol() throws Exception {
		start(settings().tls(new TlsSettings(new TlsContext(LocalhostCertificates.get().serverContext(), null, null,
				TlsContext.ClientAuth.NONE), 0, Duration.ofSeconds(10))));
		ByteClient client = ByteClient.connectTls(new InetSocketAddress(LOOPBACK, this.server.view().tlsPort()), null,
				new byte[0], LocalhostCertificates.get().clientContext(false));
		this.clients.add(client);
		client.assertEchoes("over TLS\n");
		ConnectionFigures figures = theOnlyConnection();
		assertThat(figures.tlsProtocol()).isEqualTo(client.tlsSession().getProtocol()).startsWith("TLSv1.");
		assertThat(figures.stage()).isEqualTo(ConnectionFigures.Stage.ECHO);
		// Records are counted as they cross the socket: more than the 9 bytes echoed inside them.
		assertThat(figures.bytesReceived()).isGreaterThan(9);
		assertThat(figures.bytesSent()).isGreaterThan(9);
	}

	@Test
	void aConnectionBehindAProxyShowsTheSourceItsHeaderNamed() throws Exception {
		start(settings().proxyProtocol(new ProxyProtocolSettings(Mode.REQUIRED, List.of(CidrRange.parse("127.0.0.0/8")),
				Duration.ofSeconds(10))));
		ByteClient client = connect();
		String header = "PROXY TCP4 192.0.2.1 198.51.100.7 50000 7007\r\n";
		client.send(header);
		client.assertEchoes("behind a proxy\n");
		ConnectionFigures figures = theOnlyConnection();
		assertThat(figures.source()).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 50000));
		assertThat(figures.peer()).isEqualTo(client.localAddress());
		assertThat(figures.bytesReceived()).isEqualTo(header.length() + 15);
		assertThat(figures.bytesSent()).isEqualTo(15);
	}

	@Test
	void aConnectionWaitingForAHeaderIsInTheProxyHeaderStage() throws Exception {
		start(settings().proxyProtocol(new ProxyProtocolSettings(Mode.REQUIRED, List.of(CidrRange.parse("127.0.0.0/8")),
				Duration.ofSeconds(10))));
		connect().send("PROXY TCP4 192.0.2.1 ");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(theOnlyConnection().bytesReceived()).isEqualTo(21));
		assertThat(theOnlyConnection().stage()).isEqualTo(ConnectionFigures.Stage.PROXY_HEADER);
	}

	@Test
	void aPausedConnectionShowsItsPendingOutput() throws Exception {
		start(settings().readBufferSize(16 * KIB)
			.writeBufferWaterMarks(12 * KIB, 16 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, 8 * KIB, 8 * KIB)));
		try (SocketChannel client = SocketChannel.open()) {
			client.setOption(StandardSocketOptions.SO_RCVBUF, 8 * KIB);
			client.connect(new InetSocketAddress(LOOPBACK, this.server.port()));
			client.configureBlocking(false);
			ByteBuffer chunk = ByteBuffer.allocate(16 * KIB);
			// Sent without reading: the socket buffers fill, then the server's pending output.
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				client.write(chunk.clear());
				return theOnlyConnection().pendingOutputBytes() > 16 * KIB;
			});
			assertPendingOutputShown();
		}
	}

	private void assertPendingOutputShown() throws Exception {
		ConnectionFigures figures = theOnlyConnection();
		ConnectionsSnapshot snapshot = this.server.view().connectionsSnapshot(10).get(10, TimeUnit.SECONDS);
		assertThat(snapshot.busiestByPending()).hasSize(1);
		assertThat(figures.bytesReceived() - figures.bytesSent()).isEqualTo(figures.pendingOutputBytes());
		assertThat(snapshot.reactors().get(figures.reactor()).pendingOutputBytes()).isPositive();
	}

	@Test
	void theBusiestConnectionsComeFirstAndOnlyTopAreListed() throws Exception {
		start(settings());
		for (int i = 1; i <= 5; i++) {
			connect().assertEchoes("x".repeat(100 * i) + "\n");
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			ConnectionsSnapshot snapshot = this.server.view().connectionsSnapshot(3).get(10, TimeUnit.SECONDS);
			assertThat(snapshot.connections()).isEqualTo(5);
			assertThat(snapshot.busiestByBytes()).extracting(ConnectionFigures::bytesReceived)
				.containsExactly(501L, 401L, 301L);
			assertThat(snapshot.busiestByPending()).isEmpty();
		});
	}

	@Test
	void aSnapshotIsTakenAtMostOnceASecondHoweverOftenItIsAsked() throws Exception {
		start(settings());
		connect().assertEchoes("hello\n");
		AtomicLong now = new AtomicLong();
		ConnectionSnapshots snapshots = new ConnectionSnapshots(this.server::reactors, now::get);
		ConnectionsSnapshot first = snapshots.snapshot(5).get(10, TimeUnit.SECONDS);
		for (int i = 0; i < 1000; i++) {
			now.set(i * TimeUnit.MILLISECONDS.toNanos(1) - 1);
			assertThat(snapshots.snapshot(5).get(10, TimeUnit.SECONDS).takenAt()).isEqualTo(first.takenAt());
		}
		assertThat(snapshots.taken()).isOne();
		now.set(TimeUnit.SECONDS.toNanos(1));
		assertThat(snapshots.snapshot(5).get(10, TimeUnit.SECONDS)).isNotSameAs(first);
		assertThat(snapshots.taken()).isEqualTo(2);
	}

	@Test
	void theServersSnapshotsAreTakenAtMostOnceASecondInRealTime() throws Exception {
		start(settings());
		connect().assertEchoes("hello\n");
		EchoServerView view = this.server.view();
		long start = System.nanoTime();
		long asked = 0;
		Set<Object> seen = new HashSet<>();
		while (view.connectionsSnapshotsTaken() < 3) {
			assertThat(System.nanoTime() - start).as("time to see three snapshots")
				.isLessThan(TimeUnit.SECONDS.toNanos(20));
			seen.add(view.connectionsSnapshot(20).get(10, TimeUnit.SECONDS).takenAt());
			asked++;
		}
		seen.add(view.connectionsSnapshot(20).get(10, TimeUnit.SECONDS).takenAt());
		long elapsed = System.nanoTime() - start;
		assertThat(elapsed).as("time between the first and third snapshot")
			.isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
		assertThat(asked).isGreaterThan(100);
		assertThat(seen).hasSize(3);
	}

	@Test
	void aSnapshotWhileAThousandConnectionsEchoCompletesAndDropsNoByte() throws Exception {
		start(settings());
		SelectorClients echoing = new SelectorClients(new InetSocketAddress(LOOPBACK, this.server.port()), 1000, 300,
				256);
		FutureTask<Void> run = new FutureTask<>(() -> {
			echoing.run(Duration.ofSeconds(45));
			return null;
		});
		Thread clients = new Thread(run, "echo-clients");
		clients.start();
		EchoServerView view = this.server.view();
		await().atMost(Duration.ofSeconds(20)).until(() -> view.activeConnections() >= 500 || run.isDone());
		List<ConnectionsSnapshot> during = new ArrayList<>();
		while (!run.isDone()) {
			ConnectionsSnapshot snapshot = view.connectionsSnapshot(20).get(10, TimeUnit.SECONDS);
			if (!run.isDone() && (during.isEmpty() || !during.get(during.size() - 1).takenAt()
				.equals(snapshot.takenAt()))) {
				during.add(snapshot);
			}
			try {
				// Fails on a wrong byte, an early close or a missing echo.
				run.get(100, TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException ex) {
				// Continue: the clients are still echoing
			}
		}
		run.get();
		assertThat(during).as("snapshots completed while the clients echoed").isNotEmpty();
		ConnectionsSnapshot busiest = during.get(0);
		assertThat(busiest.connections()).isGreaterThan(0);
		assertThat(busiest.busiestByBytes()).hasSizeLessThanOrEqualTo(20).isSortedAccordingTo(
				(a, b) -> Long.compare(b.bytes(), a.bytes()));
		await().atMost(Duration.ofSeconds(10)).until(() -> view.activeConnections() == 0);
		long received = 0;
		long sent = 0;
		for (EchoReactor reactor : view.reactors()) {
			received += reactor.statistics().get(Counter.BYTES_RECEIVED);
			sent += reactor.statistics().get(Counter.BYTES_SENT);
		}
		assertThat(received).isEqualTo(echoing.totalBytes());
		assertThat(sent).isEqualTo(echoing.totalBytes());
	}

	private ConnectionFigures theOnlyConnection() throws Exception {
		List<ConnectionFigures> figures = new ArrayList<>();
		for (EchoReactor reactor : this.server.view().reactors()) {
			CompletableFuture<List<ConnectionFigures>> answered = new CompletableFuture<>();
			reactor.execute(() -> answered.complete(
					reactor.connections().stream().map((TcpConnection connection) -> connection.figures(reactor.index()))
						.toList()));
			figures.addAll(answered.get(10, TimeUnit.SECONDS));
		}
		assertThat(figures).hasSize(1);
		return figures.get(0);
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder().address(LOOPBACK).port(0).reactors(2).udp(DefaultSettings.udpDisabled());
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	private ByteClient connect() throws IOException {
		ByteClient client = ByteClient.connect(new InetSocketAddress(LOOPBACK, this.server.port()), null);
		this.clients.add(client);
		return client;
	}

}

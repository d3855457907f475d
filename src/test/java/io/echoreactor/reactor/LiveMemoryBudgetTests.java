package io.echoreactor.reactor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import javax.net.ssl.SSLContext;

import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.tls.TlsSettings;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The memory budgets changed on a running server ({@link EchoServer#applyLive}): a lowering
 * closes nobody when it is applied and never a connection whose client reads; it holds from
 * the next charge on; a budget that would not fit is refused whole.
 */
@Timeout(120)
class LiveMemoryBudgetTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final Authority authority = TestCertificates.authority("Echo Live Budget CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

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
		this.executor.shutdownNow();
	}

	@Test
	void pendingOutputLoweredLiveClosesNobodyAtOnceAndNeverAClientThatReads() throws Exception {
		this.server = new EchoServer(plain().maxPendingOutput(8 * MIB).build());
		this.server.start();
		// Clients that send and never read hold about 80 KiB each under the old budget: 3 MiB
		// together, three times the new one.
		List<SocketChannel> holders = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			holders.add(nonReadingClient());
		}
		ByteBuffer data = ByteBuffer.allocate(64 * KIB);
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (SocketChannel holder : holders) {
				holder.write(data.clear());
			}
			return this.server.pendingOutputBudget().chunksInUse() * (long) PendingOutputBudget.CHUNK_SIZE > 3 * MIB;
		});
		this.server.applyLive(this.server.settings().toBuilder().maxPendingOutput(MIB).build())
			.get(10, TimeUnit.SECONDS);
		assertThat(this.server.view().pendingOutputLimit()).isEqualTo(MIB);
		assertThat(sum(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(40);
		assertThat(sum((statistics) -> statistics.closed(CloseCause.EVICTED))).isZero();
		// A client that reads gets every byte back.
		EchoClient reader = EchoClient.connect(address(), (socket) -> {
			socket.setReceiveBufferSize(16 * KIB);
			socket.setSendBufferSize(16 * KIB);
		});
		this.closeables.add(reader);
		for (int i = 0; i < 4; i++) {
			reader.echoConcurrently(MIB, this.executor);
		}
		assertThat(reader.read()).isEqualTo(4L * MIB);
		// One more client that never reads finds the pool dry, where the old budget had room:
		// it takes what a client that stopped reading is evicted for, and no more than the new
		// budget allows.
		int inUse = this.server.pendingOutputBudget().chunksInUse();
		SocketChannel late = nonReadingClient();
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			late.write(data.clear());
			return sum((statistics) -> statistics.closed(CloseCause.EVICTED)) > 0;
		});
		assertThat(this.server.pendingOutputBudget().chunksInUse())
			.isLessThanOrEqualTo(Math.max(inUse, MIB / PendingOutputBudget.CHUNK_SIZE));
		assertThat(reader.socket().isClosed()).isFalse();
		reader.echo(KIB);
		assertThat(sum((statistics) -> statistics.closed(CloseCause.ERROR))).isZero();
		assertThat(sum(Counter.LOOP_FAILURES)).isZero();
	}

	@Test
	void pendingOutputThatLeavesNoRoomForTheReactorsReservesIsRefusedWholeAndTheOldBudgetStays() {
		this.server = new EchoServer(plain().maxPendingOutput(8 * MIB).build());
		this.server.start();
		EchoServerSettings before = this.server.settings();
		EchoServerSettings next = before.toBuilder().maxPendingOutput(64 * KIB).idleTimeout(Duration.ofSeconds(1)).build();
		assertThatIllegalStateException().isThrownBy(() -> this.server.checkLive(next))
			.withMessageStartingWith("echo.server.max-pending-output (64 KiB) must be at least");
		assertThatIllegalStateException().isThrownBy(() -> this.server.applyLive(next))
			.withMessageStartingWith("echo.server.max-pending-output (64 KiB) must be at least");
		assertThat(this.server.settings()).isSameAs(before);
		assertThat(this.server.view().pendingOutputLimit()).isEqualTo(8 * MIB);
	}

	@Test
	void sessionMemoryLoweredBelowTheSessionsOpenHoldsBackNewHandshakesWhileTheSessionsEcho() throws Exception {
		this.server = new EchoServer(tls().maxSessionMemory(8 * MIB).build());
		this.server.start();
		List<TlsRecordClient> established = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			established.add(tlsClient());
		}
		long sessions = this.server.view().sessionMemoryUsed();
		long lowered = 200 * KIB;
		long handshakeLimit = new SessionMemoryBudget(lowered, 1).handshakeLimit();
		assertThat(sessions).isGreaterThan(lowered);
		this.server.applyLive(this.server.settings().toBuilder().maxSessionMemory(lowered).build())
			.get(10, TimeUnit.SECONDS);
		assertThat(this.server.view().sessionMemoryLimit()).isEqualTo(lowered);
		// A new handshake waits for memory.
		TlsRecordClient next = TlsRecordClient.connect(this.server.view().tlsLocalAddress(), trustingClient(), "TLSv1.3");
		this.closeables.add(next);
		CompletableFuture<Void> handshake = CompletableFuture.runAsync(() -> {
			try {
				next.handshake();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY)).isOne());
		// Every session opened before the change goes on echoing, records and all.
		byte[] data = pattern(32 * KIB);
		for (TlsRecordClient client : established) {
			client.send(data);
			assertThat(client.receive(data.length)).isEqualTo(data);
		}
		// Enough of them end: the handshake that waited starts and echoes.
		int toClose = (int) ((sessions - handshakeLimit + SessionMemoryBudget.HANDSHAKE_COST)
				/ SessionMemoryBudget.SESSION_COST) + 1;
		for (int i = 0; i < toClose; i++) {
			established.get(i).close();
		}
		handshake.get(20, TimeUnit.SECONDS);
		next.send(data);
		assertThat(next.receive(data.length)).isEqualTo(data);
		assertThat(statistics().closed(CloseCause.EVICTED)).isZero();
		assertThat(statistics().tlsFailures(TlsFailure.MEMORY)).isZero();
		assertThat(statistics().get(Counter.LOOP_FAILURES)).isZero();
	}

	@Test
	void sessionMemoryTooSmallForOneHandshakeIsRefusedWhole() throws Exception {
		this.server = new EchoServer(tls().maxSessionMemory(8 * MIB).build());
		this.server.start();
		EchoServerSettings before = this.server.settings();
		assertThatIllegalStateException()
			.isThrownBy(() -> this.server.applyLive(before.toBuilder().maxSessionMemory(32 * KIB).build()))
			.withMessageStartingWith("echo.server.max-session-memory (32 KiB) is too small to hold one TLS handshake");
		assertThat(this.server.view().sessionMemoryLimit()).isEqualTo(8 * MIB);
		TlsRecordClient client = tlsClient();
		byte[] data = pattern(KIB);
		client.send(data);
		assertThat(client.receive(data.length)).isEqualTo(data);
	}

	private SocketChannel nonReadingClient() throws IOException {
		SocketChannel channel = SocketChannel.open();
		channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * KIB);
		channel.setOption(StandardSocketOptions.SO_SNDBUF, 16 * KIB);
		channel.connect(address());
		channel.configureBlocking(false);
		this.closeables.add(channel);
		return channel;
	}

	private TlsRecordClient tlsClient() throws IOException {
		TlsRecordClient client = TlsRecordClient.connect(this.server.view().tlsLocalAddress(), trustingClient(),
				"TLSv1.3");
		this.closeables.add(client);
		client.handshake();
		return client;
	}

	private InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port());
	}

	private ReactorStatistics statistics() {
		return this.server.view().reactors().get(0).statistics();
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private long sum(Gauge gauge) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(gauge)).sum();
	}

	private long sum(ToLongFunction<ReactorStatistics> count) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> count.applyAsLong(reactor.statistics())).sum();
	}

	private static byte[] pattern(int length) {
		byte[] data = new byte[length];
		EchoPattern.fill(EchoPattern.key(length), 0, data, 0, length);
		return data;
	}

	private static EchoServerSettings.Builder plain() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.udp(DefaultSettings.udpDisabled())
			.socket(new SocketSettings(true, false, null, null, null, 16 * KIB, 16 * KIB));
	}

	private static EchoServerSettings.Builder tls() {
		TlsContext context = new TlsContext(serverCertificate.serverContext(authority.certificate()), null, null,
				ClientAuth.NONE);
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.plainEnabled(false)
			.udp(DefaultSettings.udpDisabled())
			.reactors(1)
			.selectTimeout(Duration.ofMillis(100))
			.tls(new TlsSettings(context, 0, Duration.ofSeconds(30)));
	}

	private static SSLContext trustingClient() {
		return TestCertificates.sslContext(null, authority.certificate());
	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsContext.ClientAuth;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Live settings that act on connections, seen in what a running server does over real
 * sockets once they change: client certificates asked of the handshakes that begin from
 * then on, the water marks at which an open connection's reading pauses, and the read
 * budget of an open connection's wakeups. Every connection the clients opened stays open
 * through each change and gets every byte back.
 */
@Timeout(60)
class EchoServerLiveSettingsBehaviourTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final Authority authority = TestCertificates.authority("Echo Live Settings Test CA");

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

	// Client certificates (echo.server.ssl.client-auth)

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
	void clientAuthNeededLiveRefusesTheNextClientWithoutACertificateAndKeepsTheConnectionOpenBefore(String protocol)
			throws Exception {
		start(settings().plainEnabled(false)
			.tls(new TlsSettings(new TlsContext(serverCertificate.serverContext(authority.certificate()), null, null,
					ClientAuth.NONE), 0, Duration.ofSeconds(10))));
		// One client context throughout: the later handshakes may offer to resume the first
		// one's session, which was made without a certificate.
		SSLContext withoutCertificate = TestCertificates.sslContext(null, authority.certificate());
		EchoClient before = tlsClient(withoutCertificate, protocol);
		before.echo(KIB);

		changeClientAuth(ClientAuth.NEED);
		assertThatExceptionOfType(IOException.class).as("a new client without a certificate").isThrownBy(() -> {
			// Under TLS 1.3 the client's handshake ends before the server has checked its
			// certificate: the refusal arrives as an alert on the first read.
			tlsClient(withoutCertificate, protocol).echo(KIB);
		});
		await().untilAsserted(() -> assertThat(statistics().tlsFailures(TlsFailure.BAD_CERTIFICATE)).isOne());
		tlsClient(TestCertificates.sslContext(authority.client("trusted client"), authority.certificate()), protocol)
			.echo(KIB);
		before.echoConcurrently(MIB, this.executor);

		changeClientAuth(ClientAuth.NONE);
		EchoClient after = tlsClient(withoutCertificate, protocol);
		after.echoConcurrently(MIB, this.executor);
		before.echoConcurrently(MIB, this.executor);

		assertThat(before.read()).isEqualTo(before.written()).isEqualTo(KIB + 2L * MIB);
		assertThat(statistics().closed(CloseCause.TLS_HANDSHAKE)).as("the refused handshake").isOne();
		assertThat(closedByServer()).as("connections the server closed").isOne();
		assertThat(statistics().get(Gauge.CONNECTIONS_ACTIVE)).as("before, the certified client, after")
			.isEqualTo(3);
	}

	// Water marks (echo.server.write-buffer-high-water-mark, -low-water-mark)

	@Test
	void waterMarksChangedLiveMoveWhereAnOpenConnectionWhoseClientDoesNotReadPauses() throws Exception {
		int readBufferSize = 4 * KIB;
		// Small kernel buffers, so that they do not hide the server's own pending output.
		start(settings().readBufferSize(readBufferSize)
			.writeBufferWaterMarks(512 * KIB, MIB)
			.socket(new SocketSettings(true, false, null, null, null, null, 8 * KIB)));
		EchoClient client = tcpClient((socket) -> {
			socket.setReceiveBufferSize(8 * KIB);
			socket.setSendBufferSize(8 * KIB);
		});
		EchoClient bystander = tcpClient((socket) -> {
		});
		client.echo(KIB);
		bystander.echo(KIB);

		// Lowered: the pause comes far below the mark the connection was opened under.
		this.server.applyLive(settings().writeBufferWaterMarks(16 * KIB, 32 * KIB).build()).join();
		assertPausesAtTheHighWaterMarkThenEchoesEveryByte(client, bystander, 32 * KIB, readBufferSize);

		// Raised: the same connection now holds well past the mark it paused at before.
		this.server.applyLive(settings().writeBufferWaterMarks(128 * KIB, 256 * KIB).build()).join();
		assertPausesAtTheHighWaterMarkThenEchoesEveryByte(client, bystander, 256 * KIB, readBufferSize);

		assertThat(statistics().get(Counter.BACKPRESSURE_PAUSES)).isGreaterThanOrEqualTo(2);
		assertThat(closedByServer()).as("connections the server closed").isZero();
		assertThat(statistics().get(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(2);
	}

	private void assertPausesAtTheHighWaterMarkThenEchoesEveryByte(EchoClient client, EchoClient bystander,
			int highWaterMark, int readBufferSize) throws IOException {
		long bytes = 4 * MIB;
		long echoedBefore = client.read();
		long pausesBefore = statistics().get(Counter.BACKPRESSURE_PAUSES);
		AtomicLong maxPending = new AtomicLong();
		Runnable sample = () -> maxPending.accumulateAndGet(statistics().get(Gauge.PENDING_BYTES), Math::max);
		CompletableFuture<Void> writing = client.writeAsync(bytes, this.executor);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
			sample.run();
			return statistics().get(Counter.BACKPRESSURE_PAUSES) > pausesBefore
					&& statistics().get(Gauge.CONNECTIONS_PAUSED) == 1;
		});
		// The client reads nothing for a while: reading stays paused, the pending bytes bounded.
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
			.until(() -> {
				sample.run();
				return statistics().get(Gauge.CONNECTIONS_PAUSED) == 1;
			});
		assertThat(writing).as("the client's writes, blocked by the paused server").isNotDone();
		bystander.echo(KIB);
		CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
			try {
				client.readAndVerify(bytes);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(5)).until(() -> {
			sample.run();
			return reading.isDone();
		});
		reading.join();
		writing.join();
		assertThat(client.read() - echoedBefore).isEqualTo(bytes);
		// A pause comes with the first read past the mark: at most one read buffer beyond it.
		assertThat(maxPending.get()).isGreaterThan(highWaterMark)
			.isLessThanOrEqualTo((long) highWaterMark + readBufferSize);
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero());
		assertThat(statistics().get(Gauge.CONNECTIONS_PAUSED)).isZero();
	}

	// Read budget (echo.server.read-budget)

	@Test
	void aReadBudgetChangedLiveBoundsWhatOneWakeupReadsFromAnOpenConnection() throws Exception {
		int readBufferSize = KIB;
		int burst = 32 * KIB;
		int budget = 4 * KIB;
		ReadsPerWakeup select = new ReadsPerWakeup();
		this.server = new EchoServer(settings().readBufferSize(readBufferSize).readBudget(64 * KIB).build(), select);
		this.server.start();
		select.follow(statistics());
		EchoClient client = tcpClient((socket) -> {
		});
		EchoClient bystander = tcpClient((socket) -> {
		});
		client.echo(KIB);

		assertThat(select.bytesPerWakeupOf(client, burst)).as("bytes read per wakeup, budget 64KB")
			.anySatisfy((bytes) -> assertThat(bytes).isGreaterThan(budget));
		client.readAndVerify(burst);

		this.server.applyLive(settings().readBufferSize(readBufferSize).readBudget(budget).build()).join();
		List<Long> perWakeup = select.bytesPerWakeupOf(client, burst);
		client.readAndVerify(burst);
		assertThat(perWakeup).as("bytes read per wakeup, budget 4KB")
			.allSatisfy((bytes) -> assertThat(bytes).isLessThanOrEqualTo(budget))
			.contains((long) budget)
			.hasSizeGreaterThanOrEqualTo(burst / budget);
		assertThat(perWakeup.stream().mapToLong(Long::longValue).sum()).isEqualTo(burst);

		client.echoConcurrently(4 * MIB, this.executor);
		bystander.echo(KIB);
		assertThat(client.read()).isEqualTo(client.written());
		assertThat(closedByServer()).as("connections the server closed").isZero();
	}

	private EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.udp(DefaultSettings.udpDisabled())
			.selectTimeout(Duration.ofMillis(100));
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	// What the live settings do with a change of client-auth: the server's TLS context
	// asks it of the handshakes that begin from then on.
	private void changeClientAuth(ClientAuth clientAuth) {
		TlsContext context = this.server.view().settings().tls().context();
		assertThat(context).isNotNull();
		context.setClientAuth(clientAuth);
	}

	private EchoClient tcpClient(EchoClient.SocketOptions options) throws IOException {
		EchoClient client = EchoClient.connect(this.server.view().localAddress(), options);
		this.closeables.add(client);
		return client;
	}

	private EchoClient tlsClient(SSLContext context, String protocol) throws IOException {
		EchoClient client = EchoClient.connectTls(this.server.view().tlsLocalAddress(), context, protocol);
		this.closeables.add(client);
		return client;
	}

	private ReactorStatistics statistics() {
		return this.server.view().reactors().get(0).statistics();
	}

	private long closedByServer() {
		long closed = 0;
		for (CloseCause cause : CloseCause.values()) {
			closed += statistics().closed(cause);
		}
		return closed;
	}

	/**
	 * A {@link SelectOperation} that tells the bytes the reactor read in each return from
	 * {@code select()} (its reads run inside the call, one key at a time), and can hold the
	 * reactor before its next one, so that a client's bytes wait in the socket and the
	 * budget, not their arrival, decides how much one wakeup reads.
	 */
	private static final class ReadsPerWakeup implements SelectOperation {

		private volatile ReactorStatistics statistics;

		private volatile CountDownLatch gate = new CountDownLatch(0);

		private volatile boolean held;

		private final Queue<Long> bytesPerWakeup = new ConcurrentLinkedQueue<>();

		void follow(ReactorStatistics statistics) {
			this.statistics = statistics;
		}

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			holdIfAsked();
			return counted(() -> selector.select(action, timeoutMillis));
		}

		@Override
		public int selectNow(Selector selector, Consumer<SelectionKey> action) throws IOException {
			holdIfAsked();
			return counted(() -> selector.selectNow(action));
		}

		// Runs on the reactor thread.
		private void holdIfAsked() {
			CountDownLatch gate = this.gate;
			if (gate.getCount() > 0 && Thread.currentThread().getName().startsWith(EchoReactor.THREAD_NAME_PREFIX)) {
				this.held = true;
				try {
					gate.await(20, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}

		// Runs on the reactor thread, the statistics' only writer.
		private int counted(Select select) throws IOException {
			ReactorStatistics statistics = this.statistics;
			if (statistics == null || !Thread.currentThread().getName().startsWith(EchoReactor.THREAD_NAME_PREFIX)) {
				return select.run();
			}
			long before = statistics.get(Counter.BYTES_RECEIVED);
			int selected = select.run();
			long read = statistics.get(Counter.BYTES_RECEIVED) - before;
			if (read > 0) {
				this.bytesPerWakeup.add(read);
			}
			return selected;
		}

		/**
		 * Hold the reactor, have the client send while it is held, then let it go and
		 * return the bytes each wakeup read until all that was sent is read.
		 */
		List<Long> bytesPerWakeupOf(EchoClient client, int bytes) throws IOException {
			CountDownLatch gate = new CountDownLatch(1);
			this.held = false;
			this.gate = gate;
			// It comes round within a select timeout.
			await().atMost(Duration.ofSeconds(10)).until(() -> this.held);
			this.bytesPerWakeup.clear();
			client.write(bytes);
			this.gate = new CountDownLatch(0);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.bytesPerWakeup.stream().mapToLong(Long::longValue).sum() >= bytes);
			return List.copyOf(this.bytesPerWakeup);
		}

		@FunctionalInterface
		private interface Select {

			int run() throws IOException;

		}

	}

}

package io.echoreactor.reactor;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.EchoAcceptor;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import io.echoreactor.support.SelectorClients;
import io.echoreactor.support.TestSelect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoServer} and its reactors over real sockets on the loopback
 * interface, run once for each {@link AcceptStrategy}. No Spring: the server is built from
 * {@link EchoServerSettings} and observed through {@link ReactorStatistics}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
class EchoServerTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final int REACTORS = 2;

	@Parameter
	AcceptStrategy strategy;

	private final List<EchoServer> servers = new ArrayList<>();

	private final List<Closeable> closeables = new ArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private EchoServer server;

	// Other test classes may leave servers of their own running (cached Spring contexts),
	// so threads are counted against what ran before the test.
	private Map<String, Long> threadsBefore;

	@BeforeEach
	void countThreads() {
		this.threadsBefore = liveThreadCounts();
	}

	@AfterEach
	void stopServersAndClients() throws IOException {
		for (Closeable closeable : this.closeables) {
			closeable.close();
		}
		this.servers.forEach(EchoServer::stop);
		this.executor.shutdownNow();
		await().atMost(Duration.ofSeconds(5)).untilAsserted(this::assertServerThreadsEnded);
	}

	// Echo

	@ParameterizedTest(name = "{0} bytes")
	@ValueSource(ints = { 1, MIB, 64 * MIB })
	@Timeout(60)
	void echoesEveryByteInOrder(int bytes) throws IOException {
		start(settings());
		EchoClient client = connect();
		client.echoConcurrently(bytes, this.executor);
		assertThat(client.read()).isEqualTo(bytes);
		client.close();
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
		assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(bytes);
		assertThat(sum(Counter.BYTES_SENT)).isEqualTo(bytes);
	}

	@Test
	@Timeout(30)
	void echoesMessagesOfEverySizeAroundTheBufferBoundaries() throws IOException {
		int readBufferSize = KIB;
		int chunk = PendingOutputBudget.CHUNK_SIZE;
		// A small read buffer, read budget, water marks and socket buffers put every boundary
		// a few kilobytes away.
		start(settings().readBufferSize(readBufferSize).readBudget(4 * readBufferSize)
			.writeBufferWaterMarks(4 * KIB, 8 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, 4 * KIB, 4 * KIB)));
		EchoClient client = connect((socket) -> {
			socket.setReceiveBufferSize(4 * KIB);
			socket.setSendBufferSize(4 * KIB);
		});
		long total = 0;
		for (int size : new int[] { 1, readBufferSize - 1, readBufferSize, readBufferSize + 1, 2 * readBufferSize,
				4 * readBufferSize - 1, 4 * readBufferSize, 4 * readBufferSize + 1, 8 * KIB + 1, chunk - 1, chunk,
				chunk + 1, 2 * chunk, 3 * chunk + 7, 64 * readBufferSize + 1 }) {
			client.echoConcurrently(size, this.executor);
			total += size;
			assertThat(client.read()).as("echoed after a message of %d bytes", size).isEqualTo(total);
		}
		await().untilAsserted(() -> assertThat(sum(Gauge.PENDING_BYTES)).isZero());
	}

	@Test
	@Timeout(60)
	void servesAThousandConcurrentClientsEchoingAHundredMessagesEach() throws IOException {
		start(settings());
		SelectorClients clients = new SelectorClients(address(), 1000, 100, 512);
		clients.run(Duration.ofSeconds(45));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isEqualTo(1000));
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(1000);
		assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(clients.totalBytes());
		assertThat(sum(Counter.BYTES_SENT)).isEqualTo(clients.totalBytes());
		assertThat(this.server.view().reactors())
			.allSatisfy((reactor) -> assertThat(reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED))
				.as("connections of %s", reactor.threadName())
				.isPositive());
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			assertThat(this.server.view().reactors()).as("round-robin hand-off")
				.allSatisfy((reactor) -> assertThat(reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED))
					.isEqualTo(1000 / REACTORS));
		}
	}

	@Test
	@Timeout(30)
	void whenClientHalfClosesThenEveryByteIsEchoedBeforeTheServersEof() throws IOException {
		start(settings());
		EchoClient client = connect();
		long bytes = 32 * MIB;
		CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
			try {
				client.write(bytes);
				client.shutdownOutput();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		client.readAndVerify(bytes);
		client.assertEndOfStream();
		writing.join();
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
	}

	// Backpressure and failures

	@Test
	@Timeout(60)
	void slowReaderHoldsNoMoreThanTheHighWaterMarkPlusOneReadBufferOnTheServer() throws IOException {
		int readBufferSize = 16 * KIB;
		int highWaterMark = 64 * KIB;
		long bytes = 64 * MIB;
		// Small kernel buffers, so that they do not hide the server's own.
		start(settings().readBufferSize(readBufferSize)
			.writeBufferWaterMarks(32 * KIB, highWaterMark)
			.socket(new SocketSettings(true, false, null, null, null, null, 8 * KIB)));
		EchoClient client = connect((socket) -> {
			socket.setReceiveBufferSize(8 * KIB);
			socket.setSendBufferSize(8 * KIB);
		});
		AtomicLong maxPending = new AtomicLong();
		Runnable sample = () -> maxPending.accumulateAndGet(sum(Gauge.PENDING_BYTES), Math::max);
		CompletableFuture<Void> writing = client.writeAsync(bytes, this.executor);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
			sample.run();
			return sum(Counter.BACKPRESSURE_PAUSES) > 0 && sum(Gauge.CONNECTIONS_PAUSED) == 1;
		});
		// Read nothing for a while: reading stays paused and the pending bytes bounded.
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
			.until(() -> {
				sample.run();
				return sum(Gauge.CONNECTIONS_PAUSED) == 1;
			});
		assertThat(writing).as("writer blocked by the paused server").isNotDone();
		CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
			try {
				client.readAndVerify(bytes);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(50)).pollInterval(Duration.ofMillis(5)).until(() -> {
			sample.run();
			return reading.isDone();
		});
		reading.join();
		writing.join();
		assertThat(client.read()).isEqualTo(bytes);
		assertThat(maxPending.get()).isGreaterThan(highWaterMark).isLessThanOrEqualTo(highWaterMark + readBufferSize);
		await().untilAsserted(() -> assertThat(sum(Gauge.PENDING_BYTES)).isZero());
	}

	@Test
	@Timeout(30)
	void clientThatResetsMidStreamIsClosedWhileOthersKeepEchoing() throws IOException {
		start(settings());
		List<EchoClient> others = List.of(connect(), connect(), connect());
		for (EchoClient other : others) {
			other.echo(1);
		}
		EchoClient resetting = connect((socket) -> socket.setReceiveBufferSize(8 * KIB));
		resetting.writeAsync(8 * MIB, this.executor);
		resetting.readAndVerify(KIB);
		// Mid-stream: the server holds echo output it cannot deliver.
		await().untilAsserted(() -> assertThat(sum(Gauge.PENDING_BYTES)).isPositive());
		resetting.reset();
		await().pollInterval(Duration.ofMillis(10)).until(() -> {
			for (EchoClient other : others) {
				other.echo(4 * KIB);
			}
			return closedByResetOrError() == 1;
		});
		for (EchoClient other : others) {
			other.echoConcurrently(MIB, this.executor);
		}
		assertThat(closedByResetOrError()).isOne();
		assertThat(sum(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(3);
		assertThat(sum(Counter.LOOP_FAILURES)).isZero();
		await().untilAsserted(() -> assertThat(sum(Gauge.PENDING_BYTES)).isZero());
	}

	@Test
	@Timeout(30)
	void whenSelectFailsThenTheSelectorIsRebuiltAndRegisteredConnectionsKeepEchoing() throws IOException {
		AtomicReference<String> failIn = new AtomicReference<>();
		TestSelect failOnce = (selector, action, timeoutMillis) -> {
			String thread = Thread.currentThread().getName();
			if (thread.equals(failIn.get()) && failIn.compareAndSet(thread, null)) {
				throw new IOException("Simulated failure of epoll_wait");
			}
			return selector.select(action, timeoutMillis);
		};
		start(settings().selectTimeout(Duration.ofMillis(100)), failOnce);
		List<EchoClient> clients = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			EchoClient client = connect();
			client.echo(KIB);
			clients.add(client);
		}
		EchoReactor failing = this.server.view().reactors()
			.stream()
			.max(Comparator.comparingLong((reactor) -> reactor.statistics().get(Gauge.CONNECTIONS_ACTIVE)))
			.orElseThrow();
		assertThat(failing.statistics().get(Gauge.CONNECTIONS_ACTIVE)).isPositive();
		failIn.set(failing.threadName());
		await().untilAsserted(() -> assertThat(failing.statistics().rebuilds(RebuildCause.FAILURE)).isOne());
		for (EchoClient client : clients) {
			client.echoConcurrently(256 * KIB, this.executor);
		}
		connect().echo(KIB);
		assertThat(sum((statistics) -> statistics.rebuilds(RebuildCause.FAILURE))).isOne();
		assertThat(sum(Counter.LOOP_FAILURES)).isZero();
		assertThat(closedTotal()).isZero();
	}

	// Limits

	@Test
	@Timeout(30)
	void idleConnectionIsClosedAfterIdleTimeoutWhileAnActiveOneStaysOpen() throws IOException {
		Duration idleTimeout = Duration.ofMillis(500);
		start(settings().idleTimeout(idleTimeout));
		EchoClient idle = connect();
		EchoClient active = connect();
		active.echo(1);
		idle.echo(1);
		long idleSince = System.nanoTime();
		CompletableFuture<Long> idleClosedAfter = CompletableFuture.supplyAsync(() -> {
			try {
				idle.assertEndOfStream();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return System.nanoTime() - idleSince;
		}, this.executor);
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
			active.echo(16);
			return idleClosedAfter.isDone();
		});
		assertThat(Duration.ofNanos(idleClosedAfter.join())).isGreaterThanOrEqualTo(idleTimeout.minusMillis(20));
		await().untilAsserted(() -> assertThat(closed(CloseCause.IDLE)).isOne());
		// The active connection outlives several idle timeouts as long as it talks.
		await().during(idleTimeout.multipliedBy(2)).atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> {
				active.echo(16);
				return true;
			});
		active.echo(KIB);
		assertThat(closed(CloseCause.IDLE)).isOne();
		assertThat(closedTotal()).isOne();
	}

	@Test
	@Timeout(30)
	void connectionBeyondMaxConnectionsIsRejectedAndNotCountedAsClosed() throws IOException {
		start(settings().maxConnections(2));
		EchoClient first = connect();
		EchoClient second = connect();
		first.echo(KIB);
		second.echo(KIB);
		EchoClient rejected = connect();
		assertClosedByServer(rejected);
		await().untilAsserted(() -> assertThat(rejectedByLimit()).isOne());
		assertThat(closedTotal()).isZero();
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(2);
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			assertThat(sum((statistics) -> statistics.rejected(RejectCause.LIMIT))).as("rejected by reactors").isZero();
		}
		else {
			assertThat(this.server.view().acceptorStatistics()).isNull();
		}
		first.close();
		await().untilAsserted(() -> assertThat(this.server.view().activeConnections()).isOne());
		EchoClient third = connect();
		third.echo(KIB);
		second.echo(KIB);
		assertThat(rejectedByLimit()).isOne();
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(3);
	}

	// Binding

	@Test
	@Timeout(30)
	void startingOnAPortHeldByAnotherEchoServerFailsWithPortInUse() throws IOException {
		start(settings());
		assertPortInUse(this.server.port());
		connect().echo(KIB);
	}

	@Test
	@Timeout(30)
	void startingOnAPortHeldByAPlainListenerFailsWithPortInUse() throws IOException {
		try (ServerSocket holder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			assertPortInUse(holder.getLocalPort());
		}
	}

	private void assertPortInUse(int port) {
		EchoServer second = new EchoServer(settings().port(port).build());
		this.servers.add(second);
		assertThatExceptionOfType(EchoBindException.class).isThrownBy(second::start).satisfies((ex) -> {
			assertThat(ex.getReason()).isEqualTo(EchoBindException.Reason.PORT_IN_USE);
			assertThat(ex.getAddress().getPort()).isEqualTo(port);
			assertThat(ex).hasMessageContaining(String.valueOf(port));
		});
		assertThat(second.status()).isEqualTo(EchoServer.Status.STOPPED);
		assertThat(second.reactors()).isEmpty();
	}

	// Shutdown

	@Test
	@Timeout(30)
	void gracefulShutdownCompletesInFlightEchoesRefusesNewConnectionsAndReportsIdle() throws Exception {
		Duration shutdownTimeout = Duration.ofSeconds(5);
		start(settings().shutdownTimeout(shutdownTimeout));
		List<EchoClient> clients = new ArrayList<>();
		List<CompletableFuture<Void>> inFlight = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			EchoClient client = connect();
			clients.add(client);
			inFlight.add(CompletableFuture.runAsync(() -> {
				try {
					client.echoConcurrently(8 * MIB, this.executor);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}, this.executor));
		}
		await().until(() -> clients.stream().allMatch((client) -> client.read() > 0));
		ShutdownCallback callback = new ShutdownCallback();
		this.server.shutDownGracefully(callback);
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(this::refusesConnections);
		CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
		for (EchoClient client : clients) {
			// Clients keep echoing during the drain.
			client.echoConcurrently(256 * KIB, this.executor);
		}
		assertThat(callback.result()).as("drain result while clients are open").isNull();
		assertThat(this.server.view().status()).isEqualTo(EchoServer.Status.DRAINING);
		for (EchoClient client : clients) {
			client.shutdownOutput();
			client.assertEndOfStream();
		}
		await().atMost(shutdownTimeout).until(() -> callback.result() != null);
		assertThat(callback.result()).isEqualTo(ShutdownResult.IDLE);
		assertThat(callback.elapsed()).isLessThan(shutdownTimeout);
		assertThat(closed(CloseCause.SHUTDOWN)).isZero();
		assertThat(closed(CloseCause.EOF)).isEqualTo(sum(Counter.CONNECTIONS_ACCEPTED));
		await().untilAsserted(this::assertServerThreadsEnded);
	}

	@Test
	@Timeout(30)
	void gracefulShutdownServesConnectionsTheKernelQueuedBeforeTheStop() throws Exception {
		SelectGate gate = new SelectGate();
		start(settings().selectTimeout(Duration.ofMillis(50)), gate);
		connect().close();
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isOne());
		gate.shut();
		// The reactors are held before select(): whatever connects now waits in the kernel
		// (reuseport) or in the reactors' task queues (acceptor).
		await().untilAsserted(() -> assertThat(gate.waiting()).isEqualTo(REACTORS));
		List<EchoClient> queued = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			queued.add(connect());
		}
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).as("connections registered before the stop").isOne();
		ShutdownCallback callback = new ShutdownCallback();
		this.server.shutDownGracefully(callback);
		gate.release();
		for (EchoClient client : queued) {
			client.echo(4 * KIB);
			client.shutdownOutput();
			client.assertEndOfStream();
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> callback.result() != null);
		assertThat(callback.result()).isEqualTo(ShutdownResult.IDLE);
		assertThat(closed(CloseCause.EOF)).isEqualTo(21);
		assertThat(closedTotal()).isEqualTo(21);
	}

	@Test
	@Timeout(30)
	void whenClientsOutlastTheShutdownTimeoutThenTheyAreClosedWithFinAndTheCallbackReportsConnectionsActive()
			throws Exception {
		Duration shutdownTimeout = Duration.ofMillis(500);
		start(settings().shutdownTimeout(shutdownTimeout));
		EchoClient reading = connect();
		EchoClient silent = connect();
		silent.echo(1);
		reading.write(64 * KIB);
		await().untilAsserted(() -> assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(64 * KIB + 1));
		ShutdownCallback callback = new ShutdownCallback();
		this.server.shutDownGracefully(callback);
		// One client reads its echo and closes when it sees the server's FIN; the other
		// ignores the FIN, so the server closes it at the end of the flush period.
		CompletableFuture<Long> echoed = CompletableFuture.supplyAsync(() -> {
			try (reading) {
				return reading.readAndVerifyUntilEof();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(5)).until(() -> callback.result() != null);
		assertThat(callback.result()).isEqualTo(ShutdownResult.CONNECTIONS_ACTIVE);
		assertThat(callback.elapsed()).isGreaterThanOrEqualTo(shutdownTimeout)
			.isLessThanOrEqualTo(shutdownTimeout.plusSeconds(1));
		assertThat(echoed.get(5, TimeUnit.SECONDS)).isEqualTo(64 * KIB);
		silent.assertEndOfStream();
		assertThat(closed(CloseCause.SHUTDOWN)).isEqualTo(2);
		assertThat(closedTotal()).isEqualTo(2);
	}

	// Counters and threads

	@Test
	@Timeout(30)
	void countersAddUpAfterAWorkloadAndReactorThreadsLiveExactlyAsLongAsTheServer() throws IOException {
		start(settings().selectTimeout(Duration.ofMillis(100)));
		List<SelectReturns> selectReturns = this.server.view().reactors().stream().map(SelectReturns::new).toList();
		await().until(() -> selectReturns.stream().allMatch((returns) -> returns.thread != null));
		assertThat(selectReturns).map((returns) -> returns.thread.getName())
			.containsExactlyElementsOf(IntStream.range(0, REACTORS).mapToObj((i) -> "echo-reactor-" + i).toList());
		Map<String, Long> expectedThreads = new TreeMap<>(Map.of("echo-reactor-0", 1L, "echo-reactor-1", 1L));
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			expectedThreads.put(EchoAcceptor.THREAD_NAME, 1L);
		}
		assertThat(newThreads()).as("threads started by the server").isEqualTo(expectedThreads);
		SelectorClients clients = new SelectorClients(address(), 50, 40, 4 * KIB);
		clients.run(Duration.ofSeconds(20));
		await().untilAsserted(() -> assertThat(closed(CloseCause.EOF)).isEqualTo(50));
		assertThat(sum(Counter.BYTES_RECEIVED)).isEqualTo(clients.totalBytes());
		assertThat(sum(Counter.BYTES_SENT)).isEqualTo(clients.totalBytes());
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(50);
		assertThat(acceptSide(Counter.ACCEPTS)).isGreaterThanOrEqualTo(50);
		this.server.stop();
		await().atMost(Duration.ofSeconds(5)).untilAsserted(this::assertServerThreadsEnded);
		for (SelectReturns returns : selectReturns) {
			assertThat(returns.thread.isAlive()).isFalse();
			ReactorStatistics statistics = returns.reactor.statistics();
			assertThat(returns.wakeupsBefore).as("first select return seen").isGreaterThanOrEqualTo(0);
			assertThat(wakeups(statistics)).as("wakeups of %s", returns.reactor.threadName())
				.isEqualTo(returns.wakeupsBefore + returns.returns);
			assertThat(statistics.get(Counter.READY_KEYS)).isEqualTo(returns.readyKeysBefore + returns.readyKeys);
			assertThat(statistics.wakeups(WakeupCause.IO)).isPositive();
			assertThat(statistics.get(Counter.READS)).isPositive()
				.isGreaterThanOrEqualTo(statistics.get(Counter.READS_EMPTY));
			assertThat(statistics.get(Counter.WRITES)).isPositive();
			assertThat(statistics.get(Counter.TASKS_RUN)).isGreaterThanOrEqualTo(statistics.get(Counter.WAKEUP_CALLS));
			assertThat(statistics.get(Gauge.CONNECTIONS_ACTIVE)).isZero();
			assertThat(statistics.get(Gauge.PENDING_BYTES)).isZero();
			assertThat(statistics.get(Gauge.CONNECTIONS_PAUSED)).isZero();
			if (this.strategy == AcceptStrategy.ACCEPTOR) {
				// Each hand-off from the acceptor is a task.
				assertThat(statistics.get(Counter.TASKS_RUN))
					.isGreaterThanOrEqualTo(statistics.get(Counter.CONNECTIONS_ACCEPTED));
			}
		}
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			assertThat(sum(Counter.WAKEUP_CALLS)).isPositive();
		}
	}

	// Helpers

	private EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(REACTORS)
			.acceptStrategy(this.strategy);
	}

	private void start(EchoServerSettings.Builder settings) {
		start(settings, SelectOperation.DEFAULT);
	}

	private void start(EchoServerSettings.Builder settings, SelectOperation selectOperation) {
		EchoServer server = new EchoServer(settings.build(), selectOperation);
		this.servers.add(server);
		server.start();
		this.server = server;
	}

	private InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port());
	}

	private EchoClient connect() throws IOException {
		return connect((socket) -> {
		});
	}

	private EchoClient connect(EchoClient.SocketOptions options) throws IOException {
		EchoClient client = EchoClient.connect(address(), options);
		this.closeables.add(client);
		return client;
	}

	private boolean refusesConnections() {
		try (Socket socket = new Socket()) {
			socket.connect(address(), 1000);
			// Accepted before the listener closed; closing it makes it an ordinary EOF.
			return false;
		}
		catch (ConnectException ex) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void assertClosedByServer(EchoClient client) throws IOException {
		try {
			client.assertEndOfStream();
		}
		catch (SocketException ex) {
			// A reset says the same: the server closed the connection
			assertThat(ex).hasMessageContaining("reset");
		}
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private long sum(Gauge gauge) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(gauge)).sum();
	}

	/** Read a counter of the thread that accepts: the acceptor, or each reactor. */
	private long acceptSide(Counter counter) {
		ReactorStatistics acceptor = this.server.view().acceptorStatistics();
		return (this.strategy == AcceptStrategy.ACCEPTOR) ? acceptor.get(counter) : sum(counter);
	}

	private long acceptSide(ToLongFunction<ReactorStatistics> count) {
		ReactorStatistics acceptor = this.server.view().acceptorStatistics();
		return (this.strategy == AcceptStrategy.ACCEPTOR) ? count.applyAsLong(acceptor) : sum(count);
	}

	private long rejectedByLimit() {
		return acceptSide((statistics) -> statistics.rejected(RejectCause.LIMIT));
	}

	private long closedByResetOrError() {
		return closed(CloseCause.RESET) + closed(CloseCause.ERROR);
	}

	private long closedTotal() {
		long total = 0;
		for (CloseCause cause : CloseCause.values()) {
			total += closed(cause);
		}
		return total;
	}

	private static long wakeups(ReactorStatistics statistics) {
		long total = 0;
		for (WakeupCause cause : WakeupCause.values()) {
			total += statistics.wakeups(cause);
		}
		return total;
	}

	private void assertServerThreadsEnded() {
		assertThat(this.servers).flatMap(EchoServer::reactors).noneMatch(EchoReactor::isAlive);
		assertThat(newThreads()).as("threads started by the servers and still alive").isEmpty();
	}

	/** @return the live threads named {@code echo-*} beyond those alive before the test */
	private Map<String, Long> newThreads() {
		Map<String, Long> threads = new TreeMap<>(liveThreadCounts());
		this.threadsBefore.forEach((name, count) -> threads.merge(name, -count, Long::sum));
		threads.values().removeIf((count) -> count <= 0);
		return threads;
	}

	private static Map<String, Long> liveThreadCounts() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter((name) -> name.startsWith("echo-"))
			.collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
	}

	/**
	 * Records the outcome of a graceful shutdown and when it arrived.
	 */
	private static final class ShutdownCallback implements Consumer<ShutdownResult> {

		private final long startNanos = System.nanoTime();

		private final AtomicReference<ShutdownResult> result = new AtomicReference<>();

		private volatile long elapsedNanos;

		@Override
		public void accept(ShutdownResult result) {
			this.elapsedNanos = System.nanoTime() - this.startNanos;
			assertThat(this.result.compareAndSet(null, result)).as("callback run once").isTrue();
		}

		ShutdownResult result() {
			return this.result.get();
		}

		Duration elapsed() {
			return Duration.ofNanos(this.elapsedNanos);
		}

	}

	/**
	 * Counts a reactor's returns from {@code select()} through its ready-keys listener,
	 * independently of the reactor's own wakeup counters.
	 *
	 * <p>
	 * <strong>Threading:</strong> written by the reactor thread, read after it has ended.
	 */
	private static final class SelectReturns implements IntConsumer {

		final EchoReactor reactor;

		volatile Thread thread;

		volatile long wakeupsBefore = -1;

		volatile long readyKeysBefore;

		volatile long returns;

		volatile long readyKeys;

		SelectReturns(EchoReactor reactor) {
			this.reactor = reactor;
			reactor.setReadyKeysListener(this);
		}

		// Runs on the reactor thread, right after it counted this return.
		@Override
		public void accept(int ready) {
			if (this.wakeupsBefore < 0) {
				this.thread = Thread.currentThread();
				// The listener was installed while the reactor ran: start from its own count.
				this.wakeupsBefore = wakeups(this.reactor.statistics()) - 1;
				this.readyKeysBefore = this.reactor.statistics().get(Counter.READY_KEYS) - ready;
			}
			this.returns++;
			this.readyKeys += ready;
		}

	}

	/**
	 * A {@link SelectOperation} that can hold every reactor before it selects, so that
	 * connections pile up unaccepted.
	 */
	private static final class SelectGate implements SelectOperation {

		private volatile CountDownLatch closed = new CountDownLatch(0);

		private final AtomicInteger waiting = new AtomicInteger();

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			CountDownLatch closed = this.closed;
			// Only the reactors: the acceptor runs on a loop of the same kind.
			if (closed.getCount() > 0 && Thread.currentThread().getName().startsWith(EchoReactor.THREAD_NAME_PREFIX)) {
				this.waiting.incrementAndGet();
				try {
					closed.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				finally {
					this.waiting.decrementAndGet();
				}
			}
			return selector.select(action, timeoutMillis);
		}

		void shut() {
			this.closed = new CountDownLatch(1);
		}

		void release() {
			this.closed.countDown();
		}

		int waiting() {
			return this.waiting.get();
		}

	}

	private long sum(ToLongFunction<ReactorStatistics> count) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> count.applyAsLong(reactor.statistics())).sum();
	}

	private long closed(CloseCause cause) {
		return sum((statistics) -> statistics.closed(cause));
	}

}

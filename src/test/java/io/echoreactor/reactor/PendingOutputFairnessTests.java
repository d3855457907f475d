package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToLongFunction;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.IncompleteWrite;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.memory.ReactorMemory;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code max-pending-output} is shared fairly: clients that send and never read cannot hold
 * it against a client that reads its echoes. The socket buffers are pinned, so that the
 * server's pending output, not the kernel's buffers, takes what the clients do not read,
 * and the budget is spent deterministically before the well-behaved client starts.
 */
@Timeout(120)
class PendingOutputFairnessTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final long BUDGET = 8 * MIB;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final List<SocketChannel> hostile = new ArrayList<>();

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (SocketChannel channel : this.hostile) {
			channel.close();
		}
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	@Test
	void clientsThatNeverReadCannotGetAClientThatReadsItsEchoesClosed() throws Exception {
		start(1);
		// Each one that never reads holds what passes the high-water mark (about 80 KiB of
		// chunks here): 160 of them want half as much again as the whole budget.
		holdTheBudget(160);
		EchoClient reader = connect();
		for (int i = 0; i < 8; i++) {
			reader.echoConcurrently(MIB, this.executor);
		}
		assertThat(reader.read()).isEqualTo(8L * MIB);
		reader.echo(KIB);
		assertThat(sum((statistics) -> statistics.closed(CloseCause.EVICTED))).isPositive();
		assertThat(sum((statistics) -> statistics.closed(CloseCause.ERROR))).isZero();
		assertThat(this.server.view().pendingOutputAllocated()).isLessThanOrEqualTo(BUDGET);
	}

	@Test
	void chunksOneReactorNoLongerNeedsServeTheOtherReactorsWithoutAllocatingMore() throws Exception {
		start(4);
		// Round-robin: every fourth connection lands on echo-reactor-0.
		List<SocketChannel> onReactorZero = new ArrayList<>();
		for (int i = 0; i < 4 * 160; i++) {
			SocketChannel channel = hostileClient();
			if (i % 4 == 0) {
				onReactorZero.add(channel);
			}
			else {
				channel.close();
			}
		}
		await().untilAsserted(() -> assertThat(sum(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(160));
		fill(onReactorZero);
		assertThat(this.server.view().reactors().get(0).statistics().get(Gauge.PENDING_BYTES)).isGreaterThan(BUDGET / 2);
		for (SocketChannel channel : onReactorZero) {
			channel.close();
		}
		await().untilAsserted(() -> assertThat(sum(Gauge.PENDING_BYTES)).isZero());
		long allocated = this.server.view().pendingOutputAllocated();
		// Readers on the three other reactors, all at once, need pending output of their own.
		List<EchoClient> readers = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			readers.add(connect());
		}
		List<java.util.concurrent.CompletableFuture<Void>> echoes = new ArrayList<>();
		for (EchoClient reader : readers) {
			echoes.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
				try {
					for (int i = 0; i < 4; i++) {
						reader.echoConcurrently(MIB, this.executor);
					}
				}
				catch (IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}, this.executor));
		}
		java.util.concurrent.CompletableFuture.allOf(echoes.toArray(java.util.concurrent.CompletableFuture[]::new))
			.get(60, java.util.concurrent.TimeUnit.SECONDS);
		for (EchoClient reader : readers) {
			assertThat(reader.read()).isEqualTo(4L * MIB);
		}
		assertThat(this.server.view().pendingOutputAllocated()).isEqualTo(allocated).isLessThanOrEqualTo(BUDGET);
		for (EchoReactor reactor : this.server.view().reactors().subList(1, 4)) {
			assertThat(reactor.statistics().closed(CloseCause.EVICTED) + reactor.statistics().closed(CloseCause.ERROR))
				.as(reactor.threadName())
				.isZero();
			assertThat(reactor.statistics().incompleteWrites(IncompleteWrite.PARTIAL)).as(reactor.threadName())
				.isPositive();
		}
	}

	@Test
	void aConnectionEvictedWhileItsOwnReadNeedsMemoryLosesNoChunkAndCausesNoFailure() throws Exception {
		// One reactor, a budget of 1 MiB and water marks above it, so that the budget, not
		// backpressure, stops two clients that never read; the second keeps sending, so the
		// reactor runs short inside that connection's own read, while it is the worst holder.
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.writeBufferWaterMarks(2 * MIB, 4 * MIB)
			.maxPendingOutput(MIB)
			.socket(new SocketSettings(true, false, null, null, null, 16 * KIB, 16 * KIB))
			.build());
		this.server.start();
		SocketChannel first = hostileClient();
		SocketChannel second = hostileClient();
		ByteBuffer data = ByteBuffer.allocate(16 * KIB);
		for (int i = 0; i < 16; i++) {
			first.write(data.clear());
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			try {
				second.write(data.clear());
			}
			catch (IOException ex) {
				// Evicted, as it should be
			}
			return sum((statistics) -> statistics.closed(CloseCause.EVICTED)) > 0;
		});
		first.close();
		second.close();
		await().untilAsserted(() -> assertThat(sum(Gauge.CONNECTIONS_ACTIVE)).isZero());
		assertThat(sum(Gauge.PENDING_BYTES)).isZero();
		assertThat(sum(Counter.LOOP_FAILURES)).isZero();
		// Every chunk is back: only the reactor's reserve is held.
		assertThat(this.server.pendingOutputBudget().chunksInUse()).isEqualTo(ReactorMemory.reserveChunks(64 * KIB));
	}

	// Connects clients that send and never read until the budget is spent.
	private void holdTheBudget(int count) throws IOException {
		List<SocketChannel> channels = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			channels.add(hostileClient());
		}
		fill(channels);
	}

	private void fill(List<SocketChannel> channels) {
		ByteBuffer data = ByteBuffer.allocate(64 * KIB);
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (SocketChannel channel : channels) {
				if (channel.isOpen()) {
					try {
						channel.write(data.clear());
					}
					catch (IOException ex) {
						// Evicted: it held the most, without reading, for the longest
					}
				}
			}
			return this.server.view().pendingOutputAllocated() == BUDGET && sum(Gauge.PENDING_BYTES) > BUDGET * 3 / 4;
		});
	}

	private SocketChannel hostileClient() throws IOException {
		SocketChannel channel = SocketChannel.open();
		channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * KIB);
		channel.setOption(StandardSocketOptions.SO_SNDBUF, 16 * KIB);
		channel.connect(address());
		channel.configureBlocking(false);
		this.hostile.add(channel);
		return channel;
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient.connect(address(), (socket) -> {
			socket.setReceiveBufferSize(16 * KIB);
			socket.setSendBufferSize(16 * KIB);
		});
		this.clients.add(client);
		return client;
	}

	private InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port());
	}

	private void start(int reactors) {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(reactors)
			.acceptStrategy(AcceptStrategy.ACCEPTOR)
			.maxPendingOutput(BUDGET)
			.socket(new SocketSettings(true, false, null, null, null, 16 * KIB, 16 * KIB))
			.build());
		this.server.start();
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

}

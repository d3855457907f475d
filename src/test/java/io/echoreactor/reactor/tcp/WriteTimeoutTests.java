package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code write-timeout} bounds the age of a connection's oldest pending byte: a client
 * that stops reading its echoes is reset once its oldest byte has waited that long, while
 * a client that reads slowly but steadily, and so always has echoes queued but none that
 * old, is served for as long as it likes; and a connection closed for another cause with
 * echoes pending is reset, never given a clean end. The socket buffers are pinned small, so that
 * the server's pending output, not the kernel's buffers, holds what the clients have not
 * read.
 */
@Timeout(60)
class WriteTimeoutTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "test-reader");
		thread.setDaemon(true);
		return thread;
	});

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		this.pacer.shutdownNow();
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	@Test
	void aClientThatNeverReadsIsResetAfterTheWriteTimeoutWhileASlowSteadyReaderIsNot() throws Exception {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.writeTimeout(WRITE_TIMEOUT)
			.readBufferSize(16 * KIB)
			.writeBufferWaterMarks(12 * KIB, 16 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, 8 * KIB, 8 * KIB))
			.build());
		this.server.start();
		ReactorStatistics statistics = this.server.view().reactors().get(0).statistics();
		EchoClient slow = connect();
		EchoClient stuck = connect();
		slow.echo(1);
		stuck.echo(1);

		// 4 KiB every 12 ms, about 330 KiB/s: its echoes stay queued, between the water
		// marks, for seconds on end, but none of them waits more than about 100 ms.
		long slowBytes = MIB;
		CompletableFuture<Void> slowWriting = slow.writeAsync(slowBytes, this.executor);
		CompletableFuture<Void> slowRead = new CompletableFuture<>();
		ScheduledFuture<?> reading = this.pacer.scheduleAtFixedRate(() -> {
			try {
				long left = slowBytes + 1 - slow.read();
				if (left > 0) {
					slow.readAndVerify(Math.min(4 * KIB, left));
				}
				if (slow.read() == slowBytes + 1) {
					slowRead.complete(null);
				}
			}
			catch (IOException | RuntimeException | AssertionError ex) {
				slowRead.completeExceptionally(ex);
				// Stops the schedule.
				throw new IllegalStateException(ex);
			}
		}, 0, 12, TimeUnit.MILLISECONDS);

		long stuckSince = System.nanoTime();
		CompletableFuture<Void> stuckWriting = stuck.writeAsync(MIB, this.executor);
		await().atMost(Duration.ofSeconds(5)).until(stuckWriting::isDone);
		long stuckFor = System.nanoTime() - stuckSince;
		Throwable stuckSaw = stuckWriting.handle((done, failure) -> failure).get();
		assertThat(stuckSaw).as("what the client that never reads saw").hasRootCauseInstanceOf(IOException.class);
		assertThat(Duration.ofNanos(stuckFor)).isGreaterThanOrEqualTo(WRITE_TIMEOUT);
		await().untilAsserted(() -> assertThat(statistics.closed(CloseCause.WRITE_TIMEOUT)).isOne());
		assertThat(statistics.get(Counter.CLOSE_RESETS)).isOne();

		slowRead.get(40, TimeUnit.SECONDS);
		reading.cancel(false);
		slowWriting.get(10, TimeUnit.SECONDS);
		slow.echo(KIB);
		assertThat(slow.read()).isEqualTo(slow.written());
		assertThat(statistics.get(Counter.BACKPRESSURE_PAUSES)).as("times the slow reader held a full queue")
			.isGreaterThan(10);
		assertThat(statistics.closed(CloseCause.WRITE_TIMEOUT)).isOne();
		assertThat(statistics.get(Counter.CLOSE_RESETS)).isOne();
		assertThat(statistics.get(Gauge.CONNECTIONS_ACTIVE)).isOne();
	}

	@Test
	void aConnectionClosedForAnotherCauseWhileEchoesArePendingIsResetNeverEndedCleanly() throws Exception {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.idleTimeout(Duration.ofMillis(500))
			.readBufferSize(64 * KIB)
			.writeBufferWaterMarks(32 * KIB, 64 * KIB)
			.socket(new SocketSettings(true, false, null, null, null, 8 * KIB, 8 * KIB))
			.build());
		this.server.start();
		ReactorStatistics statistics = this.server.view().reactors().get(0).statistics();
		EchoClient client = connect();
		// All of it is read (below the high-water mark), part of its echo waits in the
		// server: the client does not read, so nothing moves either way until the idle
		// timeout.
		client.write(48 * KIB);
		await().untilAsserted(() -> assertThat(statistics.get(Gauge.PENDING_BYTES)).isPositive());
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(statistics.closed(CloseCause.IDLE)).isOne());
		assertThat(statistics.get(Counter.CLOSE_RESETS)).isOne();
		// What reached the client's socket is there; then an error, never a clean end.
		assertThat(org.assertj.core.api.Assertions.catchThrowable(client::readAndVerifyUntilEof))
			.isInstanceOf(IOException.class);
		assertThat(client.read()).isLessThan(client.written());
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient.connect(
				new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()), (socket) -> {
					socket.setReceiveBufferSize(8 * KIB);
					socket.setSendBufferSize(8 * KIB);
				});
		this.clients.add(client);
		return client;
	}

}

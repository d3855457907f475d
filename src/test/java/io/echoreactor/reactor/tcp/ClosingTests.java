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
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.ShutdownResult;
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
 * A server-initiated close (maximum age, the shutdown drain) never drops a byte silently:
 * every client either gets back every byte it sent, with a clean end of stream, or sees an
 * error. Clients stream across the deadline, stop reading, go quiet, or send just after
 * the server's FIN; each is checked from the client's side and against the meters.
 */
@Timeout(60)
class ClosingTests {

	private static final int KIB = 1024;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "test-writer");
		thread.setDaemon(true);
		return thread;
	});

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		this.scheduler.shutdownNow();
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	@Test
	void clientsStreamingAcrossTheMaximumAgeGetEveryByteBackOrSeeAnError() throws Exception {
		start(settings().maxConnectionAge(Duration.ofSeconds(1), 0));
		List<Stream> streams = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			streams.add(stream(connect()));
		}
		for (Stream stream : streams) {
			stream.ended.get(15, TimeUnit.SECONDS);
		}
		for (Stream stream : streams) {
			stream.assertEveryByteEchoedOrAnError();
			// A client that never pauses is never quiet: it is reset at the closing deadline.
			assertThat(stream.failure()).as("what the streaming client saw").isNotNull();
		}
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.MAX_AGE)).isEqualTo(8));
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isEqualTo(8);
	}

	@Test
	void aQuietClientAtTheMaximumAgeGetsEveryEchoAndACleanEndOfStream() throws Exception {
		start(settings().maxConnectionAge(Duration.ofSeconds(1), 0));
		EchoClient client = connect();
		client.echo(64 * KIB);
		assertThat(client.readAndVerifyUntilEof()).isZero();
		assertThat(client.read()).isEqualTo(client.written());
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.MAX_AGE)).isOne());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isZero();
	}

	@Test
	void bytesThatArriveAfterTheServersFinResetTheConnection() throws Exception {
		start(settings().maxConnectionAge(Duration.ofSeconds(1), 0));
		EchoClient client = connect();
		client.echo(KIB);
		// The server goes quiet, sends its FIN, and the client sends just as it arrives.
		assertThat(client.readAndVerifyUntilEof()).isZero();
		client.write(16 * KIB);
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			try {
				client.write(KIB);
				return false;
			}
			catch (IOException ex) {
				return true;
			}
		});
		assertThat(statistics().closed(CloseCause.MAX_AGE)).isOne();
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
	}

	@Test
	void aClientThatStopsReadingIsResetAtTheClosingDeadlineAndSeesAnError() throws Exception {
		int lowWaterMark = 64 * KIB;
		start(settings().maxConnectionAge(Duration.ofSeconds(1), 0)
			.readBufferSize(16 * KIB)
			.writeBufferWaterMarks(lowWaterMark, 2 * lowWaterMark)
			.socket(new SocketSettings(true, false, null, null, null, null, 8 * KIB)));
		EchoClient client = connect((socket) -> {
			socket.setReceiveBufferSize(8 * KIB);
			socket.setSendBufferSize(8 * KIB);
		});
		CompletableFuture<Void> writing = client.writeAsync(4 * 1024 * KIB, this.executor);
		await().untilAsserted(() -> assertThat(statistics().get(Gauge.CONNECTIONS_PAUSED)).isOne());
		await().untilAsserted(() -> assertThat(statistics().closed(CloseCause.MAX_AGE)).isOne());
		Stream outcome = new Stream(client);
		outcome.readUntilEnd(this.executor).get(15, TimeUnit.SECONDS);
		// The kernel reports a reset once, to whichever call meets it first: the reader, or the
		// writer if it is still blocked in a write.
		Throwable writeFailure = writing.handle((done, failure) -> failure).get(15, TimeUnit.SECONDS);
		assertThat((outcome.failure() != null) ? outcome.failure() : writeFailure)
			.as("what the client that did not read saw")
			.isNotNull();
		assertThat(client.read()).isLessThan(client.written());
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isOne();
		assertThat(statistics().get(Gauge.PENDING_BYTES)).isZero();
	}

	@Test
	void duringTheDrainAStreamingClientGetsEveryByteOrAResetAndAQuietOneEndsCleanly() throws Exception {
		start(settings().shutdownTimeout(Duration.ofMillis(300)));
		EchoClient quiet = connect();
		quiet.echo(32 * KIB);
		Stream streaming = stream(connect());
		await().until(() -> streaming.client.read() > 8 * KIB);
		CompletableFuture<ShutdownResult> result = new CompletableFuture<>();
		this.server.shutDownGracefully(result::complete);
		assertThat(quiet.readAndVerifyUntilEof()).isZero();
		assertThat(quiet.read()).isEqualTo(quiet.written());
		streaming.ended.get(15, TimeUnit.SECONDS);
		streaming.assertEveryByteEchoedOrAnError();
		assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(ShutdownResult.CONNECTIONS_ACTIVE);
		assertThat(statistics().closed(CloseCause.SHUTDOWN)).isEqualTo(2);
		// Reset when the close finds bytes it owes the client (unread, or echoes not yet
		// written); a close that falls between two of its writes, every echo sent, is a FIN,
		// and the kernel may still answer the client's next write with a reset.
		assertThat(statistics().get(Counter.CLOSE_RESETS)).isBetween(0L, 1L);
	}

	private Stream stream(EchoClient client) {
		Stream stream = new Stream(client);
		stream.writer = this.scheduler.scheduleAtFixedRate(() -> {
			try {
				client.write(KIB);
			}
			catch (IOException ex) {
				stream.writeFailure = ex;
				// Stops the schedule.
				throw new IllegalStateException(ex);
			}
		}, 0, 2, TimeUnit.MILLISECONDS);
		stream.readUntilEnd(this.executor);
		return stream;
	}

	private ReactorStatistics statistics() {
		return this.server.view().reactors().get(0).statistics();
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.selectTimeout(Duration.ofMillis(100));
	}

	private EchoClient connect() throws IOException {
		return connect((socket) -> {
		});
	}

	private EchoClient connect(EchoClient.SocketOptions options) throws IOException {
		EchoClient client = EchoClient.connect(
				new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()), options);
		this.clients.add(client);
		return client;
	}

	/**
	 * A client that streams while it reads, and what it saw in the end: a clean end of
	 * stream, or a failure on either direction.
	 */
	private static final class Stream {

		private final EchoClient client;

		private final CompletableFuture<Void> ended = new CompletableFuture<>();

		private volatile java.util.concurrent.Future<?> writer;

		private volatile IOException readFailure;

		private volatile IOException writeFailure;

		Stream(EchoClient client) {
			this.client = client;
		}

		CompletableFuture<Void> readUntilEnd(ExecutorService executor) {
			executor.execute(() -> {
				try {
					this.client.readAndVerifyUntilEof();
				}
				catch (IOException ex) {
					this.readFailure = ex;
				}
				finally {
					java.util.concurrent.Future<?> writer = this.writer;
					if (writer != null) {
						writer.cancel(false);
					}
					this.ended.complete(null);
				}
			});
			return this.ended;
		}

		IOException failure() {
			return (this.readFailure != null) ? this.readFailure : this.writeFailure;
		}

		// Every byte read was verified against the pattern as it arrived; what is left to
		// check is that a clean end of stream came only after the whole echo.
		void assertEveryByteEchoedOrAnError() {
			if (failure() == null) {
				assertThat(this.client.read()).as("bytes echoed before a clean end of stream")
					.isEqualTo(this.client.written());
			}
		}

	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.counters.AcceptError;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When {@code accept()} fails (the process is out of descriptors, say), the listener
 * counts the failure, pauses accepting for {@link Listener#BACKOFF_NANOS} so that it
 * cannot spin, and then resumes on time, whatever else the loop's deadlines do meanwhile
 * and however long its select timeout is.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class AcceptFailureTests {

	private static final Duration SELECT_TIMEOUT = Duration.ofSeconds(5);

	@Parameter
	AcceptStrategy strategy;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "test-pacer");
		thread.setDaemon(true);
		return thread;
	});

	private final List<EchoClient> clients = new CopyOnWriteArrayList<>();

	private final FailingAccept accept = new FailingAccept();

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
	void acceptingResumesAfterItsPauseWhileIdleTimeoutsFireAndTheSelectTimeoutIsLong() throws Exception {
		start(settings().idleTimeout(Duration.ofSeconds(1)));
		ReactorStatistics reactor = this.server.view().reactors().get(0).statistics();
		// Idle connections opened one every 20 ms close one every 20 ms, a second later:
		// their deadlines keep firing across the pause.
		int idle = 40;
		CompletableFuture<Void> opened = new CompletableFuture<>();
		AtomicInteger count = new AtomicInteger();
		ScheduledFuture<?> opening = this.pacer.scheduleAtFixedRate(() -> {
			try {
				connect().echo(1);
				if (count.incrementAndGet() == idle) {
					opened.complete(null);
				}
			}
			catch (IOException | RuntimeException ex) {
				opened.completeExceptionally(ex);
			}
		}, 0, 20, TimeUnit.MILLISECONDS);
		opened.get(30, TimeUnit.SECONDS);
		opening.cancel(false);
		await().pollInterval(Duration.ofMillis(5)).until(() -> reactor.closed(CloseCause.IDLE) > 0);
		this.accept.failNext(1, () -> reactor.closed(CloseCause.IDLE));
		EchoClient arrivingDuringThePause = connect();
		CompletableFuture<Void> echoed = CompletableFuture.runAsync(() -> {
			try {
				arrivingDuringThePause.echo(16);
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}, this.executor);
		// Before, a sweep for the idle deadlines during the pause pushed the resume out to
		// the next sweep, as late as the select timeout.
		await().atMost(Duration.ofSeconds(2)).until(echoed::isDone);
		echoed.get();
		assertThat(acceptSide((statistics) -> statistics.acceptErrors(AcceptError.TOO_MANY_OPEN_FILES))).isOne();
		assertThat(acceptSide((statistics) -> statistics.acceptErrors(AcceptError.OTHER))).isZero();
		assertThat(Duration.ofNanos(this.accept.resumedAtNanos - this.accept.lastFailureNanos))
			.as("accepting paused rather than retried at once")
			.isGreaterThanOrEqualTo(Duration.ofMillis(50));
		assertThat(this.accept.watchedAtResume).as("idle connections closed during the pause")
			.isGreaterThan(this.accept.watchedAtFirstFailure);
	}

	@Test
	void aFloodOfAcceptFailuresIsCountedEveryTimeAndLoggedOnce(CapturedOutput output) throws Exception {
		start(settings());
		int failures = 5;
		this.accept.failNext(failures, () -> 0);
		EchoClient waiting = connect();
		// Each failure pauses accepting; the connection is served once the failures stop.
		waiting.echo(16);
		assertThat(acceptSide((statistics) -> statistics.acceptErrors(AcceptError.TOO_MANY_OPEN_FILES)))
			.isEqualTo(failures);
		assertThat(output.toString().lines().filter((line) -> line.contains("Accept failed on"))).singleElement()
			.asString()
			.contains("Too many open files")
			.contains("pausing accepts for 100 ms")
			.contains("(1 time(s) since the last report)");
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build(), SelectOperation.DEFAULT, this.accept);
		this.server.start();
	}

	private EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.acceptStrategy(this.strategy)
			.selectTimeout(SELECT_TIMEOUT)
			.stallTimeout(SELECT_TIMEOUT.multipliedBy(2));
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient
			.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()));
		this.clients.add(client);
		return client;
	}

	/** Read a count of the thread that accepts: the acceptor, or the reactor. */
	private long acceptSide(ToLongFunction<ReactorStatistics> count) {
		ReactorStatistics statistics = (this.strategy == AcceptStrategy.ACCEPTOR) ? this.server.view().acceptorStatistics()
				: this.server.view().reactors().get(0).statistics();
		return count.applyAsLong(statistics);
	}

	/**
	 * {@code accept()} failing as it does when the process has run out of descriptors,
	 * and noting when accepting failed and when it next succeeded. Runs on the accepting
	 * thread.
	 */
	private static final class FailingAccept implements Listener.AcceptOperation {

		private final AtomicInteger failuresLeft = new AtomicInteger();

		private volatile LongSupplier watched = () -> 0;

		private volatile long lastFailureNanos;

		private volatile long resumedAtNanos;

		private volatile long watchedAtFirstFailure = -1;

		private volatile long watchedAtResume = -1;

		void failNext(int failures, LongSupplier watched) {
			this.watched = watched;
			this.failuresLeft.set(failures);
		}

		@Override
		public SocketChannel accept(ServerSocketChannel listener) throws IOException {
			if (this.failuresLeft.getAndUpdate((left) -> Math.max(0, left - 1)) > 0) {
				if (this.watchedAtFirstFailure < 0) {
					this.watchedAtFirstFailure = this.watched.getAsLong();
				}
				this.lastFailureNanos = System.nanoTime();
				throw new IOException("Too many open files");
			}
			SocketChannel channel = listener.accept();
			if (channel != null && this.lastFailureNanos != 0 && this.resumedAtNanos == 0) {
				this.resumedAtNanos = System.nanoTime();
				this.watchedAtResume = this.watched.getAsLong();
			}
			return channel;
		}

	}

}

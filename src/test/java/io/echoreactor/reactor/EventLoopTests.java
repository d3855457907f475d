package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How an {@link EventLoop} copes with the threads around it and with its own failures: a
 * thread that hands it work and is descheduled before its {@code wakeup()} call, and a
 * loop that fails on every pass.
 */
@Timeout(60)
class EventLoopTests {

	private static final String REACTOR = EchoReactor.THREAD_NAME_PREFIX + "0";

	private static final String HANDING_THREAD = "handing-thread";

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aTaskHandedOverByAThreadDescheduledBeforeItsWakeupRunsAtOnceAndTheLateWakeupCountsAsTask()
			throws Exception {
		DescheduledWaker select = new DescheduledWaker();
		// Long, so that waiting for the descheduled thread's wakeup would be plain to see.
		start(settings().selectTimeout(Duration.ofSeconds(10)).stallTimeout(Duration.ofSeconds(20)), select);
		EchoReactor reactor = this.server.view().reactors().get(0);
		ReactorStatistics statistics = reactor.statistics();
		EchoClient client = connect();
		client.echo(16);
		CountDownLatch ran = new CountDownLatch(1);
		// While the reactor dispatches the client's bytes, another thread queues a task and
		// takes the wakeup flag, and then stalls before wakeup() lands.
		select.duringNextDispatch(() -> {
			new Thread(() -> reactor.execute(ran::countDown), HANDING_THREAD).start();
			select.awaitWakeupHeld();
		});
		long wakeupCallsBefore = statistics.get(Counter.WAKEUP_CALLS);
		client.write(16);
		await().atMost(Duration.ofSeconds(2)).until(() -> ran.getCount() == 0);
		assertThat(select.wakeupReturned).as("wakeup() returned").isFalse();
		client.readAndVerify(16);
		long taskWakeupsBefore = statistics.wakeups(WakeupCause.TASK);
		long spuriousBefore = statistics.wakeups(WakeupCause.SPURIOUS);

		select.releaseWakeup();
		await().until(() -> select.wakeupReturned);
		// The reactor, blocked in select() again, returns for the late wakeup.
		await().untilAsserted(
				() -> assertThat(statistics.wakeups(WakeupCause.TASK)).isEqualTo(taskWakeupsBefore + 1));
		assertThat(statistics.wakeups(WakeupCause.SPURIOUS)).isEqualTo(spuriousBefore);
		assertThat(statistics.get(Counter.WAKEUP_CALLS) - wakeupCallsBefore).isOne();
		client.echo(16);
		assertThat(statistics.wakeups(WakeupCause.SPURIOUS)).isEqualTo(spuriousBefore);
	}

	@Test
	void aLoopThatKeepsFailingDoesNotCountItsBackOffAsBusyTime() throws Exception {
		FailingSelect select = new FailingSelect();
		start(settings().selectTimeout(Duration.ofMillis(100)), select);
		ReactorStatistics statistics = this.server.view().reactors().get(0).statistics();
		EchoClient client = connect();
		client.echo(16);
		select.failing = true;
		await().until(() -> statistics.get(Counter.LOOP_FAILURES) > 0);
		long start = System.nanoTime();
		long busyAtStart = statistics.get(Counter.BUSY_NANOS);
		long failuresAtStart = statistics.get(Counter.LOOP_FAILURES);
		// Each failure is followed by a 100 ms back-off: about a second.
		await().atMost(Duration.ofSeconds(30))
			.until(() -> statistics.get(Counter.LOOP_FAILURES) >= failuresAtStart + 10);
		long busy = statistics.get(Counter.BUSY_NANOS) - busyAtStart;
		long elapsed = System.nanoTime() - start;
		select.failing = false;
		// Before, every back-off was counted as busy time: a failing loop looked fully busy.
		assertThat(Duration.ofNanos(busy)).as("busy time while failing for %s", Duration.ofNanos(elapsed))
			.isLessThan(Duration.ofNanos(elapsed / 2));
		client.echo(16);
		assertThat(this.server.view().reactors().get(0).isAlive()).isTrue();
	}

	private void start(EchoServerSettings.Builder settings, SelectOperation select) {
		this.server = new EchoServer(settings.build(), select);
		this.server.start();
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.acceptStrategy(AcceptStrategy.ACCEPTOR);
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient
			.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()));
		this.clients.add(client);
		return client;
	}

	/**
	 * Runs a hook on the reactor thread while it dispatches a ready key (inside
	 * {@code select()}, with the wakeup flag armed), and holds the {@code wakeup()} call of
	 * the {@value #HANDING_THREAD} until released, as if that thread had been descheduled.
	 */
	private static final class DescheduledWaker implements SelectOperation {

		private final CountDownLatch held = new CountDownLatch(1);

		private final CountDownLatch release = new CountDownLatch(1);

		private volatile Runnable duringNextDispatch;

		private volatile boolean wakeupReturned;

		void duringNextDispatch(Runnable hook) {
			this.duringNextDispatch = hook;
		}

		void awaitWakeupHeld() {
			try {
				assertThat(this.held.await(10, TimeUnit.SECONDS)).as("handing thread inside wakeup()").isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		void releaseWakeup() {
			this.release.countDown();
		}

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			if (!Thread.currentThread().getName().equals(REACTOR)) {
				return selector.select(action, timeoutMillis);
			}
			return selector.select((key) -> {
				Runnable hook = this.duringNextDispatch;
				if (hook != null) {
					this.duringNextDispatch = null;
					hook.run();
				}
				action.accept(key);
			}, timeoutMillis);
		}

		@Override
		public void wakeup(Selector selector) {
			if (Thread.currentThread().getName().equals(HANDING_THREAD)) {
				this.held.countDown();
				try {
					this.release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				selector.wakeup();
				this.wakeupReturned = true;
				return;
			}
			selector.wakeup();
		}

	}

	/**
	 * The select() of {@code echo-reactor-0} failing with an unexpected exception, as a
	 * bug in the loop would, for as long as {@link #failing} is set.
	 */
	private static final class FailingSelect implements SelectOperation {

		private volatile boolean failing;

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			if (this.failing && Thread.currentThread().getName().equals(REACTOR)) {
				throw new IllegalStateException("Simulated bug in the loop");
			}
			return selector.select(action, timeoutMillis);
		}

	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import io.echoreactor.support.TestSelect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the reactor does when things go wrong around it: a wakeup that arrives late, a
 * reactor thread that dies.
 */
class EchoReactorResilienceTests {

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
	}

	@Test
	@Timeout(30)
	void aWakeupThatLandsAfterATimedOutSelectIsCountedAsATaskWakeupAndNeverAsSpurious() {
		AtomicReference<EchoServer> holder = new AtomicReference<>();
		AtomicBoolean handOverLate = new AtomicBoolean();
		TestSelect select = (selector, action, timeoutMillis) -> {
			int selected = selector.select(action, timeoutMillis);
			if (selected == 0 && handOverLate.compareAndSet(true, false)) {
				// Another thread hands work over just after select() returned for its timeout,
				// before the loop reads its wakeup flag back.
				Thread other = new Thread(() -> holder.get().reactors().get(0).execute(() -> {
				}), "late-hand-over");
				other.start();
				try {
					other.join();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return selected;
		};
		this.server = new EchoServer(settings().reactors(1).selectTimeout(Duration.ofMillis(50)).build(), select);
		holder.set(this.server);
		this.server.start();
		ReactorStatistics statistics = this.server.view().reactors().get(0).statistics();
		await().until(() -> statistics.wakeups(WakeupCause.TIMEOUT) >= 3);
		handOverLate.set(true);
		await().until(() -> !handOverLate.get());
		long timeoutsAfterHandOver = statistics.wakeups(WakeupCause.TIMEOUT) + 3;
		await().until(() -> statistics.wakeups(WakeupCause.TIMEOUT) >= timeoutsAfterHandOver);
		assertThat(statistics.get(Counter.WAKEUP_CALLS)).isOne();
		assertThat(statistics.wakeups(WakeupCause.TASK)).isOne();
		assertThat(statistics.wakeups(WakeupCause.SPURIOUS)).isZero();
	}

	@Test
	@Timeout(60)
	void whenAReactorThreadDiesItsConnectionsCloseAsErrorsAndTheOthersTakeAllNewConnections() throws Exception {
		AtomicBoolean kill = new AtomicBoolean();
		TestSelect select = (selector, action, timeoutMillis) -> {
			if (Thread.currentThread().getName().equals("echo-reactor-1") && kill.compareAndSet(true, false)) {
				throw new Error("Simulated fatal error in echo-reactor-1");
			}
			return selector.select(action, timeoutMillis);
		};
		this.server = new EchoServer(settings().reactors(2)
			.selectTimeout(Duration.ofMillis(50))
			.shutdownTimeout(Duration.ofSeconds(30))
			.build(), select);
		this.server.start();
		// Round-robin: the second connection lands on echo-reactor-1.
		EchoClient first = connect();
		EchoClient onTheDoomedReactor = connect();
		first.echo(16);
		onTheDoomedReactor.echo(16);
		kill.set(true);
		await().dontCatchUncaughtExceptions().until(() -> !this.server.view().reactors().get(1).isAlive());
		EchoReactor dead = this.server.view().reactors().get(1);
		assertThat(dead.statistics().closed(CloseCause.ERROR)).isOne();
		onTheDoomedReactor.assertEndOfStream();
		for (int i = 0; i < 4; i++) {
			connect().echo(16);
		}
		assertThat(dead.statistics().get(Counter.CONNECTIONS_ACCEPTED)).isOne();
		assertThat(this.server.view().reactors().get(0).statistics().get(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(5);
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		this.closeables.clear();
		await().until(() -> this.server.view().activeConnections() == 0);
		// The drain must not wait for the dead reactor to stop accepting: it never will.
		CompletableFuture<ShutdownResult> result = new CompletableFuture<>();
		this.server.shutDownGracefully(result::complete);
		assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(ShutdownResult.IDLE);
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
				this.server.port()));
		this.closeables.add(client);
		return client;
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.acceptStrategy(AcceptStrategy.ACCEPTOR);
	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A reactor wedged in a task (a slow log appender, say) stops returning from
 * {@code select()}: after {@code stall-timeout} it is reported stalled, the acceptor
 * hands new connections to the other reactors, and in {@code reuseport} mode, where the
 * kernel would go on routing connections to its listener, the server says it no longer
 * serves new connections. Once the reactor is released, all of that recovers.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@Timeout(60)
class StalledReactorTests {

	private static final String WEDGED = EchoReactor.THREAD_NAME_PREFIX + "1";

	@Parameter
	AcceptStrategy strategy;

	private final CountDownLatch wedge = new CountDownLatch(1);

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		this.wedge.countDown();
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aWedgedReactorIsReportedStalledIsAvoidedAndRecoversOnceReleased() throws IOException {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.acceptStrategy(this.strategy)
			.selectTimeout(Duration.ofMillis(50))
			.stallTimeout(Duration.ofMillis(300))
			.build());
		this.server.start();
		EchoReactor healthy = this.server.view().reactors().get(0);
		EchoReactor wedged = this.server.view().reactors().get(1);
		wedged.execute(() -> {
			try {
				this.wedge.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		await().until(wedged::isStalled);
		await().untilAsserted(() -> assertThat(this.server.view().stalledThreads()).containsExactly(WEDGED));
		if (this.strategy == AcceptStrategy.ACCEPTOR) {
			assertThat(this.server.view().isServingNewConnections()).isTrue();
			long acceptedBefore = healthy.statistics().get(Counter.CONNECTIONS_ACCEPTED);
			for (int i = 0; i < 4; i++) {
				connect().echo(16);
			}
			assertThat(healthy.statistics().get(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(acceptedBefore + 4);
			assertThat(wedged.pendingTasks()).as("hand-offs waiting on the wedged reactor").isZero();
		}
		else {
			// Connections the kernel routes to the wedged reactor's listener would wait unanswered.
			assertThat(this.server.view().isServingNewConnections()).isFalse();
		}

		this.wedge.countDown();
		await().until(() -> !wedged.isStalled());
		await().untilAsserted(() -> assertThat(this.server.view().stalledThreads()).isEmpty());
		assertThat(this.server.view().isServingNewConnections()).isTrue();
		long healthyBefore = healthy.statistics().get(Counter.CONNECTIONS_ACCEPTED);
		long wedgedBefore = wedged.statistics().get(Counter.CONNECTIONS_ACCEPTED);
		// Round-robin, or the kernel's hash of each connection: keep connecting until both
		// reactors have served one.
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			connect().echo(16);
			return healthy.statistics().get(Counter.CONNECTIONS_ACCEPTED) > healthyBefore
					&& wedged.statistics().get(Counter.CONNECTIONS_ACCEPTED) > wedgedBefore;
		});
	}

	private EchoClient connect() throws IOException {
		EchoClient client = EchoClient
			.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()));
		this.clients.add(client);
		return client;
	}

}

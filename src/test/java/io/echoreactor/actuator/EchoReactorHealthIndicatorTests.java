package io.echoreactor.actuator;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.EchoServerView;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link EchoReactorHealthIndicator}.
 */
@Timeout(30)
class EchoReactorHealthIndicatorTests {

	private final EchoServer server = new EchoServer(DefaultSettings.builder()
		.address(InetAddress.getLoopbackAddress())
		.port(0)
		.reactors(2)
		.build());

	private final EchoReactorHealthIndicator indicator = new EchoReactorHealthIndicator(this.server);

	@AfterEach
	void stopServer() {
		this.server.stop();
	}

	@Test
	void upBeforeTheServerStarts() {
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", "NEW")
			.containsEntry("port", -1)
			.containsEntry("reactors", 2)
			.containsEntry("reactorsAlive", 0);
	}

	@Test
	void upWithItsDetailsWhileEveryThreadRuns() {
		this.server.start();
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", "RUNNING")
			.containsEntry("port", this.server.port())
			.containsEntry("connections", 0)
			.containsEntry("reactors", 2)
			.containsEntry("reactorsAlive", 2)
			.doesNotContainKey("deadThreads");
	}

	@Test
	void downWhenAReactorDiesWhileTheServerRuns() {
		this.server.start();
		EchoReactor reactor = this.server.view().reactors().get(1);
		reactor.execute(() -> {
			throw new ReactorKilledError();
		});
		// The reactor's death is the point: Awaitility must not report it as a failure.
		await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> !reactor.isAlive());
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("reactorsAlive", 1)
			.containsEntry("deadThreads", List.of("echo-reactor-1"));
	}

	@Test
	void downWhenTheAcceptorDiesWhileTheServerRuns() {
		EchoServer server = mock(EchoServer.class);
		EchoServerView view = mock(EchoServerView.class);
		given(server.view()).willReturn(view);
		ReactorStatistics acceptor = new ReactorStatistics("echo-acceptor");
		given(view.status()).willReturn(EchoServer.Status.RUNNING);
		given(view.settings()).willReturn(this.server.view().settings());
		given(view.reactors()).willReturn(List.of());
		given(view.isAcceptorAlive()).willReturn(false);
		given(view.acceptorStatistics()).willReturn(acceptor);
		Health health = new EchoReactorHealthIndicator(server).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("deadThreads", List.of("echo-acceptor"));
	}

	@Test
	void downWithTheStalledThreadWhileAReactorIsWedgedAndUpOnceItIsReleased() {
		EchoServer server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.acceptStrategy(AcceptStrategy.REUSEPORT)
			.selectTimeout(Duration.ofMillis(50))
			.stallTimeout(Duration.ofMillis(300))
			.build());
		EchoReactorHealthIndicator indicator = new EchoReactorHealthIndicator(server);
		CountDownLatch wedge = new CountDownLatch(1);
		try {
			server.start();
			server.view().reactors().get(1).execute(() -> block(wedge));
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Health health = indicator.health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails()).containsEntry("stalledThreads", List.of("echo-reactor-1"))
					.containsEntry("reactorsAlive", 2)
					.doesNotContainKey("deadThreads");
			});
			wedge.countDown();
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Health health = indicator.health();
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).doesNotContainKey("stalledThreads");
			});
		}
		finally {
			wedge.countDown();
			server.stop();
		}
	}

	@Test
	void upOnceTheServerHasStoppedAndItsThreadsHaveEnded() {
		this.server.start();
		this.server.stop();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.server.view().reactors().stream().noneMatch(EchoReactor::isAlive));
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", "STOPPED").containsEntry("reactorsAlive", 0);
	}

	@Test
	void upAndSaysSoWhenTheEchoServerIsDisabled() {
		Health health = new EchoReactorHealthIndicator(null).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("enabled", false);
	}

	private static void block(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static final class ReactorKilledError extends Error {

		ReactorKilledError() {
			super("Killed by the test", null, false, false);
		}

	}

}

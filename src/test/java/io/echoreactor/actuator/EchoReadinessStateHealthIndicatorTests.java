package io.echoreactor.actuator;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoReadinessStateHealthIndicator}.
 */
@Timeout(30)
class EchoReadinessStateHealthIndicatorTests {

	private final ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();

	private final EchoServer server = new EchoServer(DefaultSettings.builder()
		.address(InetAddress.getLoopbackAddress())
		.port(0)
		.reactors(1)
		.build());

	private final EchoReadinessStateHealthIndicator indicator = new EchoReadinessStateHealthIndicator(
			this.availability, this.server);

	@AfterEach
	void stopServer() {
		this.server.stop();
	}

	@Test
	void outOfServiceUntilTheEchoPortIsBoundEvenIfTheApplicationSaysItIsReady() {
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(this.indicator.isAcceptingTraffic()).isFalse();
		this.server.start();
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UP);
		assertThat(this.indicator.isAcceptingTraffic()).isTrue();
	}

	@Test
	void followsTheApplicationsReadinessWhileTheServerRuns() {
		this.server.start();
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UP);
		publish(ReadinessState.REFUSING_TRAFFIC);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
	}

	@Test
	void nothingMakesItReadyAgainOnceTheDrainHasBegun() {
		this.server.start();
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		this.server.shutDownGracefully((result) -> {
		});
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(this.indicator.isAcceptingTraffic()).isFalse();
	}

	@Test
	void refusesTrafficWhileAReactorIsWedgedInReuseportModeAndIsReadyAgainOnceItIsReleased() {
		EchoServer server = wedgeable(AcceptStrategy.REUSEPORT);
		EchoReadinessStateHealthIndicator indicator = new EchoReadinessStateHealthIndicator(this.availability,
				server);
		CountDownLatch wedge = new CountDownLatch(1);
		try {
			server.start();
			publish(ReadinessState.ACCEPTING_TRAFFIC);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			server.view().reactors().get(1).execute(() -> block(wedge));
			// The kernel goes on routing connections to the wedged reactor's listener.
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
				assertThat(indicator.isAcceptingTraffic()).isFalse();
			});
			wedge.countDown();
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
				assertThat(indicator.isAcceptingTraffic()).isTrue();
			});
		}
		finally {
			wedge.countDown();
			server.stop();
		}
	}

	@Test
	void staysReadyInAcceptorModeWhileOneOfTwoReactorsIsWedged() {
		EchoServer server = wedgeable(AcceptStrategy.ACCEPTOR);
		EchoReadinessStateHealthIndicator indicator = new EchoReadinessStateHealthIndicator(this.availability,
				server);
		CountDownLatch wedge = new CountDownLatch(1);
		try {
			server.start();
			publish(ReadinessState.ACCEPTING_TRAFFIC);
			server.view().reactors().get(1).execute(() -> block(wedge));
			// The acceptor hands new connections to the other reactor.
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(server.view().stalledThreads()).isEqualTo(List.of("echo-reactor-1"));
				assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
				assertThat(indicator.isAcceptingTraffic()).isTrue();
			});
		}
		finally {
			wedge.countDown();
			server.stop();
		}
	}

	private static EchoServer wedgeable(AcceptStrategy strategy) {
		return new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.acceptStrategy(strategy)
			.selectTimeout(Duration.ofMillis(50))
			.stallTimeout(Duration.ofMillis(300))
			.build());
	}

	private static void block(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void publish(ReadinessState state) {
		this.availability.onApplicationEvent(new AvailabilityChangeEvent<>(this, state));
	}

}

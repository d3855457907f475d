package io.echoreactor.actuator;

import java.net.InetAddress;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EchoReadinessStateHealthIndicator}.
 */
@Timeout(30)
class EchoReadinessStateHealthIndicatorTests {

	private final ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();

	private final EchoServer server = new EchoServer(EchoServerSettings.builder()
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

	private void publish(ReadinessState state) {
		this.availability.onApplicationEvent(new AvailabilityChangeEvent<>(this, state));
	}

}

package io.echoreactor.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.echoreactor.actuator.EchoEndpoint;
import io.echoreactor.actuator.EchoEndpoint.FaultDescriptor;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.support.DefaultSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoFaultMetrics} and the {@code faults} section of the {@code echo}
 * endpoint: a fault injected from a real client is counted by profile and kind, shown in
 * the endpoint, and kept out of the plain ports' counters.
 */
@Timeout(30)
class EchoFaultMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final EchoServer server = new EchoServer(DefaultSettings.bind(Map.of("echo.server.address", "127.0.0.1",
			"echo.server.port", "0", "echo.server.reactors", "2", "echo.server.udp.enabled", "false",
			"echo.server.faults.flaky.port", "0", "echo.server.faults.flaky.reset-probability", "1")));

	@AfterEach
	void stop() {
		this.server.stop();
	}

	@Test
	void everyKindOfFaultHasASeriesPerProfileFromTheStartAtZero() {
		new EchoFaultMetrics(this.server).bindTo(this.registry);
		for (FaultKind kind : FaultKind.values()) {
			assertThat(this.registry.get("echo.faults.injected").tags("profile", "flaky", "kind", kind.tag())
				.functionCounter()
				.count()).isZero();
		}
		assertThat(this.registry.get("echo.faults.connections.active").tags("profile", "flaky").gauge().value())
			.isZero();
	}

	@Test
	void theSeriesScrapeUnderTheirDocumentedNamesWithAHelpTextThatSaysWhatIsHealthy() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		new EchoFaultMetrics(this.server).bindTo(prometheus);
		PrometheusScrape scrape = PrometheusScrape.parse(prometheus.scrape());
		for (EchoFaultMeters meter : EchoFaultMeters.values()) {
			assertThat(scrape.families()).contains(meter.prometheusName());
			assertThat(scrape.help(meter.prometheusName())).contains("Healthy");
		}
		assertThat(scrape.has("echo_faults_injected_total", "profile", "flaky", "kind", "reset-random")).isTrue();
		assertThat(scrape.has("echo_faults_connections_active", "profile", "flaky")).isTrue();
	}

	@Test
	void aResetInjectedIsCountedByProfileAndKindShownInTheEndpointAndKeptOutOfThePlainCounters()
			throws IOException {
		new EchoFaultMetrics(this.server).bindTo(this.registry);
		this.server.start();
		int port = this.server.view().faults().get(0).port();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
			assertThatExceptionOfType(SocketException.class).isThrownBy(() -> socket.getInputStream().read());
		}
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.registry.get("echo.faults.injected")
				.tags("profile", "flaky", "kind", "reset-random")
				.functionCounter()
				.count() == 1);
		FaultDescriptor fault = new EchoEndpoint(this.server).echo().faults().get(0);
		assertThat(fault.name()).isEqualTo("flaky");
		assertThat(fault.port()).isEqualTo(port);
		assertThat(fault.udpPort()).isNull();
		assertThat(fault.settings()).containsEntry("resetProbability", 1.0).doesNotContainKey("port");
		assertThat(fault.injected()).containsEntry("reset-random", 1L).containsEntry("reset", 0L).hasSize(9);
		for (EchoReactor reactor : this.server.view().reactors()) {
			assertThat(reactor.statistics().get(Counter.CLOSE_RESETS)).isZero();
			assertThat(reactor.statistics().get(Counter.CONNECTIONS_ACCEPTED)).isZero();
			for (CloseCause cause : CloseCause.values()) {
				assertThat(reactor.statistics().closed(cause)).as(cause.name()).isZero();
			}
		}
	}

}

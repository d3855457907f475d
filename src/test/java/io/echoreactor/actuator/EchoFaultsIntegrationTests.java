package io.echoreactor.actuator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import io.echoreactor.helm.EchoReactorChartRuntimeTests;
import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.json.BasicJsonTester;
import org.springframework.boot.test.json.JsonContent;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A fault profile in the running application, over real HTTP: the {@code echo} endpoint
 * shows it with its port, settings and counts, and the Prometheus scrape counts what it
 * injected by profile and kind.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2", "echo.server.udp.enabled=false", "echo.server.faults.flaky.port=0",
				"echo.server.faults.flaky.reset-probability=1", "echo.server.faults.flaky.udp-drop-probability=0.5" })
@Timeout(60)
class EchoFaultsIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final BasicJsonTester json = new BasicJsonTester(getClass());

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@Test
	void aFaultInjectedShowsInTheEchoEndpointAndTheScrape() throws Exception {
		int port = this.echoServer.view().faults().get(0).port();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
			assertThatExceptionOfType(SocketException.class).isThrownBy(() -> socket.getInputStream().read());
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> get("/actuator/prometheus").body()
				.contains("echo_faults_injected_total{kind=\"reset-random\",profile=\"flaky\"} 1.0"));
		JsonContent<Object> body = this.json.from(get("/actuator/echo").body());
		assertThat(body).extractingJsonPathStringValue("$.faults[0].name").isEqualTo("flaky");
		assertThat(body).extractingJsonPathNumberValue("$.faults[0].port").isEqualTo(port);
		assertThat(body).extractingJsonPathNumberValue("$.faults[0].udpPort").isEqualTo(port);
		assertThat(body).extractingJsonPathNumberValue("$.faults[0].settings.resetProbability").isEqualTo(1.0);
		assertThat(body).extractingJsonPathNumberValue("$.faults[0].injected.reset-random").isEqualTo(1);
		assertThat(body).extractingJsonPathNumberValue("$.faults[0].injected.delay").isEqualTo(0);
		assertThat(body).extractingJsonPathNumberValue("$.configuration.faults.maxConnections").isEqualTo(1000);
	}

	@Test
	void theDashboardsFaultsRowQueriesSeriesTheScrapeHasWithAFaultProfile() throws Exception {
		Set<String> queried = EchoReactorChartRuntimeTests
			.metricNames(EchoReactorChartRuntimeTests.dashboardQueries(EchoReactorChartRuntimeTests.FAULTS_ROW::equals));
		assertThat(queried).contains("echo_faults_injected_total");
		String scrape = get("/actuator/prometheus").body();
		assertThat(queried).allSatisfy((name) -> assertThat(scrape).containsPattern("(?m)^" + name + "[{ ]"));
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}

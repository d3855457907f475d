package io.echoreactor.console;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code echo.console.enabled=false} there is no console: no page, no stream, no
 * thread, and no list of connections in the {@code echo} endpoint, since it shows client
 * addresses too; while Actuator, the {@code echo} endpoint itself included, still serves.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "server.address=127.0.0.1",
		"echo.server.address=127.0.0.1", "echo.server.port=0", "echo.console.enabled=false" })
@Timeout(60)
class ConsoleDisabledTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int httpPort;

	@Autowired
	private ApplicationContext context;

	@Test
	void noConsoleNorConnectionsAreServedAndActuatorStillIs() throws Exception {
		assertThat(status("/console")).isEqualTo(404);
		assertThat(status("/console/stream")).isEqualTo(404);
		assertThat(status("/actuator/echo/connections")).isEqualTo(404);
		assertThat(status("/actuator/echo")).isEqualTo(200);
		assertThat(status("/actuator/health/liveness")).isEqualTo(200);
		assertThat(this.context.getBeansOfType(ConsoleStreams.class)).isEmpty();
	}

	private int status(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path)).build(),
				HttpResponse.BodyHandlers.discarding()).statusCode();
	}

}

package io.echoreactor.console;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.echoreactor.EchoApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console where Actuator has a server of its own ({@code management.server.port}),
 * and an open console at shutdown: the stream ends at once rather than holding the
 * graceful shutdown until its phase times out.
 */
@Timeout(60)
class ConsoleLifecycleTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void consoleIsOnTheManagementPortAndAnOpenStreamDoesNotHoldTheShutdown() throws Exception {
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setRegisterShutdownHook(false);
		ConfigurableApplicationContext context = application.run("--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--management.server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1");
		try {
			int serverPort = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			int managementPort = context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
			assertThat(get(managementPort, "/console").statusCode()).isEqualTo(200);
			assertThat(get(serverPort, "/console").statusCode()).isEqualTo(404);
			HttpResponse<InputStream> stream = this.http.send(request(managementPort, "/console/stream"),
					HttpResponse.BodyHandlers.ofInputStream());
			assertThat(stream.statusCode()).isEqualTo(200);
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
				assertThat(lines.readLine()).isEqualTo("event:snapshot");
				long start = System.nanoTime();
				context.close();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
				// The stream ended: what is left is read to its end.
				while (lines.readLine() != null) {
					// Continue
				}
			}
		}
		finally {
			context.close();
		}
	}

	private HttpResponse<String> get(int port, String path) throws Exception {
		return this.http.send(request(port, path), HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest request(int port, String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(20))
			.build();
	}

}

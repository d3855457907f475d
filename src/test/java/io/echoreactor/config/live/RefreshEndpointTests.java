package io.echoreactor.config.live;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code refresh} endpoint as the operations guide exposes it, on a management port
 * bound to the loopback address: a refresh asked for over HTTP takes the checks of the
 * file watch, and a refused change leaves the log levels as they were though Spring Cloud
 * has refreshed the Environment.
 */
@Timeout(120)
class RefreshEndpointTests {

	@TempDir
	Path tempDir;

	private final HttpClient http = HttpClient.newHttpClient();

	private ApplicationProcess application;

	private int managementPort;

	@AfterEach
	void stop() throws InterruptedException {
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void aRefreshOverHttpIsCheckedAsAFileChangeIsAndARefusedOneKeepsTheLogLevels() throws Exception {
		Path config = Files.createDirectories(this.tempDir.resolve("config"));
		Path file = config.resolve("application.yml");
		Files.writeString(file, yaml("1h", "INFO"));
		this.managementPort = FreePorts.freeTcpAndUdpPort(InetAddress.getLoopbackAddress());
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"), Map.of(), "--server.port=0",
				"--server.address=127.0.0.1", "--echo.server.port=0", "--echo.server.address=127.0.0.1",
				"--echo.server.reactors=1", "--echo.server.udp.enabled=false",
				"--management.server.port=" + this.managementPort, "--management.server.address=127.0.0.1",
				"--management.endpoints.web.exposure.include=health,echo,prometheus,loggers,refresh",
				// Imported rather than an additional location: no file watch, only the endpoint.
				"--spring.config.import=file:" + file);
		assertThat(this.application.log()).contains("Live reload of settings is off");

		Files.writeString(file, yaml("0ms", "DEBUG"));
		assertThat(post("/actuator/refresh").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/loggers/io.echoreactor")).contains("\"configuredLevel\":\"INFO\"")
			.doesNotContain("DEBUG");
		assertThat(get("/actuator/echo")).contains("\"property\":\"echo.server.idle-timeout\"")
			.contains("\"idleTimeout\":\"PT1H\"");
		assertThat(get("/actuator/prometheus"))
			.containsPattern("echo_settings_reloads_total\\{[^}]*result=\"refused\"[^}]*} 1\\.0");

		Files.writeString(file, yaml("5s", "DEBUG"));
		assertThat(post("/actuator/refresh").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/loggers/io.echoreactor")).contains("\"configuredLevel\":\"DEBUG\"");
		assertThat(get("/actuator/echo")).contains("\"idleTimeout\":\"PT5S\"");
		assertThat(get("/actuator/prometheus"))
			.containsPattern("echo_settings_reloads_total\\{[^}]*result=\"applied\"[^}]*} 1\\.0");
	}

	private static String yaml(String idleTimeout, String level) {
		return """
				logging.level.io.echoreactor: %s
				echo.server.idle-timeout: %s
				""".formatted(level, idleTimeout);
	}

	private HttpResponse<String> post(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(uri(path))
			.timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.managementPort + path);
	}

}

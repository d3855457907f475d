package io.echoreactor.actuator;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.jayway.jsonpath.JsonPath;
import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.json.BasicJsonTester;
import org.springframework.boot.test.json.JsonContent;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The Actuator endpoints of the running application over real HTTP: the echo endpoint's
 * JSON, health with the echo component, info with build and git information, the bill of
 * materials, and what is not exposed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2" })
@Timeout(60)
class EchoActuatorIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final BasicJsonTester json = new BasicJsonTester(getClass());

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@Test
	void echoEndpointShowsEachReactorAndTheEffectiveConfiguration() throws Exception {
		HttpResponse<String> response = get("/actuator/echo");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonContent<Object> body = this.json.from(response.body());
		assertThat(body).extractingJsonPathStringValue("$.state").isEqualTo("RUNNING");
		assertThat(body).extractingJsonPathStringValue("$.address").isEqualTo("127.0.0.1");
		assertThat(body).extractingJsonPathNumberValue("$.port").isEqualTo(this.echoServer.port());
		assertThat(body).extractingJsonPathStringValue("$.acceptStrategy").isEqualTo("acceptor");
		assertThat(body).extractingJsonPathNumberValue("$.connections").isNotNull();
		assertThat(body).extractingJsonPathArrayValue("$.reactors").hasSize(2);
		assertThat(body).extractingJsonPathStringValue("$.reactors[1].thread").isEqualTo("echo-reactor-1");
		assertThat(body).extractingJsonPathMapValue("$.reactors[0]")
			.containsOnlyKeys("index", "thread", "threadState", "state", "alive", "sinceLastSelectMillis", "stalled",
					"registeredKeys", "activeConnections", "pendingBytes", "pausedConnections",
					"connectionsAwaitingMemory", "pendingTasks");
		assertThat(body).extractingJsonPathBooleanValue("$.reactors[0].stalled").isFalse();
		assertThat(body).extractingJsonPathNumberValue("$.pendingOutputAllocated").isNotNull();
		assertThat(body).extractingJsonPathBooleanValue("$.reactors[0].alive").isTrue();
		assertThat(body).extractingJsonPathStringValue("$.acceptor.thread").isEqualTo("echo-acceptor");
		assertThat(body).extractingJsonPathBooleanValue("$.acceptor.stalled").isFalse();
		assertThat(body).extractingJsonPathMapValue("$.configuration")
			.containsEntry("address", "127.0.0.1")
			.containsEntry("port", 0)
			.containsEntry("reactors", 2)
			.containsEntry("acceptStrategy", "acceptor")
			.containsEntry("backlog", 1024)
			.containsEntry("readBufferSize", 65536)
			.containsEntry("writeBufferHighWaterMark", 65536)
			.containsEntry("writeBufferLowWaterMark", 32768)
			.containsEntry("maxConnections", 10000)
			.containsEntry("shutdownTimeout", "PT10S")
			.containsEntry("writeTimeout", "PT1M")
			.containsEntry("stallTimeout", "PT10S")
			.containsEntry("maxConnectionsPerAddress", 0)
			.containsKeys("readBudget", "maxConnectionAgeJitter", "selectTimeout", "socket");
		assertThat(body).extractingJsonPathBooleanValue("$.configuration.socket.tcpNoDelay").isTrue();
	}

	@Test
	void healthShowsTheEchoComponentAndLivenessIncludesIt() throws Exception {
		HttpResponse<String> health = get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		JsonContent<Object> body = this.json.from(health.body());
		assertThat(body).extractingJsonPathStringValue("$.components.echo.status").isEqualTo("UP");
		assertThat(body).extractingJsonPathNumberValue("$.components.echo.details.port")
			.isEqualTo(this.echoServer.port());
		assertThat(body).extractingJsonPathNumberValue("$.components.echo.details.reactorsAlive").isEqualTo(2);
		assertThat(body).extractingJsonPathNumberValue("$.components.echo.details.connections").isNotNull();
		HttpResponse<String> liveness = get("/actuator/health/liveness");
		assertThat(liveness.statusCode()).isEqualTo(200);
		assertThat(this.json.from(liveness.body())).extractingJsonPathMapValue("$.components")
			.containsOnlyKeys("echo", "livenessState");
		HttpResponse<String> readiness = get("/actuator/health/readiness");
		assertThat(readiness.statusCode()).isEqualTo(200);
		assertThat(this.json.from(readiness.body())).extractingJsonPathStringValue("$.status").isEqualTo("UP");
	}

	@Test
	void infoShowsTheBuild() throws Exception {
		Properties build = load("META-INF/build-info.properties");
		HttpResponse<String> response = get("/actuator/info");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonContent<Object> body = this.json.from(response.body());
		assertThat(body).extractingJsonPathStringValue("$.build.version").isEqualTo(build.getProperty("build.version"));
		assertThat(body).extractingJsonPathStringValue("$.build.artifact").isEqualTo("echo-reactor");
		assertThat(body).extractingJsonPathStringValue("$.build.time").isNotEmpty();
	}

	@Test
	void infoShowsTheGitCommit() throws Exception {
		Properties git = load("git.properties");
		// A build from a source archive has no commit to show; one from a checkout must.
		if (!Files.isDirectory(Path.of(".git")) && !Files.isRegularFile(Path.of(".git"))) {
			assumeThat(git.getProperty("git.commit.id")).as("a commit: the build ran outside a git checkout")
				.isNotNull();
		}
		assertThat(git.getProperty("git.commit.id")).as("git.properties in a git checkout").isNotNull();
		HttpResponse<String> response = get("/actuator/info");
		JsonContent<Object> body = this.json.from(response.body());
		assertThat(body).extractingJsonPathStringValue("$.git.commit.id")
			.isEqualTo(git.getProperty("git.commit.id.abbrev"))
			.matches("[0-9a-f]{7,}");
		assertThat(body).extractingJsonPathStringValue("$.git.commit.time").isNotEmpty();
		assertThat(body).extractingJsonPathStringValue("$.git.branch").isEqualTo(git.getProperty("git.branch"));
	}

	@Test
	void sbomEndpointServesTheJarsBillOfMaterialsNamingSpringBootsVersion() throws Exception {
		// Maven skips the CycloneDX plugin offline; online, the SBOM must be there.
		if ("offline=true".equals(System.getProperty("maven.offline"))) {
			assumeThat(new ClassPathResource("META-INF/sbom/application.cdx.json").exists())
				.as("an SBOM from an earlier online build (this offline build skipped the CycloneDX plugin)")
				.isTrue();
		}
		HttpResponse<String> index = get("/actuator/sbom");
		assertThat(index.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<List<String>>read(index.body(), "$.ids")).containsExactly("application");
		HttpResponse<String> response = get("/actuator/sbom/application");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/vnd.cyclonedx+json"));
		String sbom = response.body();
		assertThat(JsonPath.<String>read(sbom, "$.bomFormat")).isEqualTo("CycloneDX");
		assertThat(JsonPath.<String>read(sbom, "$.metadata.component.name")).isEqualTo("echo-reactor");
		String bootVersion = SpringBootVersion.getVersion();
		assertThat(bootVersion).isNotBlank();
		List<String> bootVersions = JsonPath.read(sbom,
				"$.components[?(@.group == 'org.springframework.boot' && @.name == 'spring-boot')].version");
		assertThat(bootVersions).containsExactly(bootVersion);
		List<String> reactorRuntime = JsonPath.read(sbom, "$.components[?(@.name == 'micrometer-core')].version");
		assertThat(reactorRuntime).as("a library the jar holds besides Spring Boot").hasSize(1);
	}

	@Test
	void onlyTheIntendedEndpointsAreExposed() throws Exception {
		HttpResponse<String> response = get("/actuator");
		assertThat(response.statusCode()).isEqualTo(200);
		Map<String, Object> links = JsonPath.read(response.body(), "$._links");
		assertThat(links).containsOnlyKeys("self", "health", "health-path", "info", "prometheus", "echo", "echo-part",
				"sbom", "sbom-id");
		for (String sensitive : new String[] { "env", "configprops", "heapdump", "threaddump", "beans", "mappings",
				"loggers", "shutdown", "refresh", "restart", "pause", "resume", "features" }) {
			assertThat(get("/actuator/" + sensitive).statusCode()).as(sensitive).isEqualTo(404);
		}
		// Spring Cloud's mutating endpoints too: the file watch is the way a change comes in.
		for (String mutating : new String[] { "shutdown", "refresh", "restart", "env", "loggers/io.echoreactor" }) {
			HttpResponse<String> refused = this.http.send(HttpRequest.newBuilder(uri("/actuator/" + mutating))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"configuredLevel\":\"TRACE\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(refused.statusCode()).as(mutating).isEqualTo(404);
		}
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.httpPort + path);
	}

	private static Properties load(String resource) throws IOException {
		Properties properties = new Properties();
		ClassPathResource file = new ClassPathResource(resource);
		if (file.exists()) {
			try (InputStream in = file.getInputStream()) {
				properties.load(in);
			}
		}
		return properties;
	}

}

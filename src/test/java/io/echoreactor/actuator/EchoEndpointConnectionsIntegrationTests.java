package io.echoreactor.actuator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.ByteClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.json.BasicJsonTester;
import org.springframework.boot.test.json.JsonContent;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The echo endpoint's {@code connections} part over real HTTP: a client's connection
 * appears with its bytes and addresses, {@code top} bounds the lists, and anything else
 * under {@code /actuator/echo/} is not found.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2" })
@Timeout(60)
class EchoEndpointConnectionsIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final BasicJsonTester json = new BasicJsonTester(getClass());

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	@Test
	void aClientsConnectionIsListedWithItsBytesAndAddresses() throws Exception {
		try (ByteClient client = ByteClient.connect(
				new InetSocketAddress(InetAddress.getLoopbackAddress(), this.echoServer.port()), null)) {
			String line = "x".repeat(4000) + "\n";
			client.assertEchoes(line);
			// A snapshot taken before the echo may still be served for up to a second.
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				HttpResponse<String> response = get("/actuator/echo/connections?top=5");
				assertThat(response.statusCode()).isEqualTo(200);
				JsonContent<Object> body = this.json.from(response.body());
				assertThat(body).extractingJsonPathNumberValue("$.busiestByBytes[0].bytesReceived")
					.isEqualTo(line.length());
			});
			JsonContent<Object> body = this.json.from(get("/actuator/echo/connections?top=5").body());
			assertThat(body).extractingJsonPathMapValue("$.busiestByBytes[0]")
				.containsEntry("peer", "127.0.0.1:" + client.localAddress().getPort())
				.containsEntry("local", "127.0.0.1:" + this.echoServer.port())
				.containsEntry("bytesSent", line.length())
				.containsEntry("pendingOutputBytes", 0)
				.containsEntry("stage", "echo")
				.containsKey("ageMillis")
				// Left out, as every unset value of the endpoint: no PROXY header, no TLS.
				.doesNotContainKeys("source", "tls");
			assertThat(body).extractingJsonPathNumberValue("$.connections").isEqualTo(1);
			assertThat(body).extractingJsonPathArrayValue("$.reactors").hasSize(2);
			assertThat(body).extractingJsonPathArrayValue("$.busiestByPending").isEmpty();
			assertThat(body).extractingJsonPathStringValue("$.takenAt").isNotBlank();
		}
	}

	@Test
	void withoutTopTheListsAreBoundedAndTopOutOfRangeIsABadRequest() throws Exception {
		HttpResponse<String> response = get("/actuator/echo/connections");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(this.json.from(response.body())).extractingJsonPathMapValue("$")
			.containsOnlyKeys("takenAt", "connections", "reactors", "busiestByBytes", "busiestByPending");
		assertThat(get("/actuator/echo/connections?top=101").statusCode()).isEqualTo(400);
		assertThat(get("/actuator/echo/connections?top=-1").statusCode()).isEqualTo(400);
		assertThat(get("/actuator/echo/sockets").statusCode()).isEqualTo(404);
		assertThat(get("/actuator/echo").statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}

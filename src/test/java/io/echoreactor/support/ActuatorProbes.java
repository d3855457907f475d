package io.echoreactor.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.springframework.boot.json.JsonParserFactory;

/**
 * Reads Actuator health endpoints over real HTTP on the loopback address, with timeouts.
 */
public final class ActuatorProbes {

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private ActuatorProbes() {
	}

	/**
	 * Return a health endpoint's HTTP status and its {@code status} field, such as
	 * {@code "200 UP"} or {@code "503 OUT_OF_SERVICE"}.
	 * @param port the HTTP port
	 * @param path the path, such as {@code /actuator/health/readiness}
	 * @return the status code and the health status, separated by a space
	 * @throws IOException if the request fails
	 * @throws InterruptedException if interrupted while waiting
	 */
	public static String status(int port, String path) throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
		return response.statusCode() + " " + JsonParserFactory.getJsonParser().parseMap(response.body()).get("status");
	}

}

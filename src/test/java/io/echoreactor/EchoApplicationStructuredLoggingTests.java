package io.echoreactor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The application's console log in Spring Boot's structured formats, as a log platform
 * reads it: started as a process with {@code logging.structured.format.console}, every
 * line it prints is one JSON object, and the echo server's lines carry the reactor, the
 * connection's addresses, the client a PROXY header named and the cause as fields, not
 * only in their message. ECS nests the fields under {@code echo}; Logstash keeps their
 * dotted names.
 */
@Timeout(180)
class EchoApplicationStructuredLoggingTests {

	private static final String PROXY_V1 = "PROXY TCP4 192.0.2.1 127.0.0.1 50000 7007\r\n";

	private final JsonMapper json = JsonMapper.shared();

	@TempDir
	Path tempDir;

	private ApplicationProcess application;

	@AfterEach
	void killProcess() throws InterruptedException {
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void ecsLinesAreJsonWithTheFactsNestedUnderEcho() throws Exception {
		List<JsonNode> lines = provokeLinesLoggedIn("ecs");
		JsonNode refusal = line(lines, "Refused the PROXY header", "message");
		assertThat(refusal.path("log").path("level").asString()).isEqualTo("WARN");
		assertThat(refusal.path("log").path("logger").asString()).isEqualTo("io.echoreactor.reactor.tcp.StageOrder");
		assertThat(refusal.path("process").path("thread").path("name").asString()).isEqualTo("echo-reactor-0");
		assertRefusalFacts(refusal.path("echo"));
		JsonNode handshake = line(lines, "TLS handshake failed", "message");
		assertHandshakeFacts(handshake.path("echo"));
		assertThat(handshake.path("error").path("stack_trace").asString()).contains("SSLException");
	}

	@Test
	void logstashLinesAreJsonWithTheFactsAsDottedFields() throws Exception {
		List<JsonNode> lines = provokeLinesLoggedIn("logstash");
		JsonNode refusal = line(lines, "Refused the PROXY header", "message");
		assertThat(refusal.path("level").asString()).isEqualTo("WARN");
		assertThat(refusal.path("logger_name").asString()).isEqualTo("io.echoreactor.reactor.tcp.StageOrder");
		assertRefusalFacts(dotted(refusal));
		JsonNode handshake = line(lines, "TLS handshake failed", "message");
		assertHandshakeFacts(dotted(handshake));
		assertThat(handshake.path("stack_trace").asString()).contains("SSLException");
	}

	private void assertRefusalFacts(JsonNode echo) {
		assertThat(echo.path("reactor").asString()).isEqualTo("echo-reactor-0");
		assertThat(echo.path("local").asString()).isEqualTo("127.0.0.1:" + this.application.echoPort());
		assertThat(echo.path("peer").asString()).matches("127\\.0\\.0\\.1:\\d+");
		assertThat(echo.path("cause").asString()).isEqualTo("malformed");
		assertThat(echo.has("client")).as("no client: the header that would name it was refused").isFalse();
	}

	private void assertHandshakeFacts(JsonNode echo) {
		assertThat(echo.path("reactor").asString()).isEqualTo("echo-reactor-0");
		assertThat(echo.path("local").asString()).isEqualTo("127.0.0.1:" + this.application.tlsPort());
		assertThat(echo.path("peer").asString()).matches("127\\.0\\.0\\.1:\\d+");
		assertThat(echo.path("client").asString()).isEqualTo("192.0.2.1:50000");
		// The client's alert (certificate_unknown), as echo_tls_handshakes_total counts it: result="bad-certificate".
		assertThat(echo.path("cause").asString()).isEqualTo("bad-certificate");
	}

	/**
	 * Start the application logging in {@code format}, refuse a malformed PROXY header on
	 * the plain port, and fail a TLS handshake after a good header on the TLS port (logged
	 * at debug, with the client the header named): the client does not trust the server. Returns every line printed, each parsed
	 * as JSON: one that is not fails the test.
	 */
	private List<JsonNode> provokeLinesLoggedIn(String format) throws Exception {
		TestCertificates.Authority authority = TestCertificates.authority("echo-logging-ca");
		Path certificate = this.tempDir.resolve("server.crt");
		Path key = this.tempDir.resolve("server.key");
		authority.server("localhost").writePem(certificate, key);
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"), Map.of(),
				"--logging.structured.format.console=" + format,
				"--logging.level.io.echoreactor.reactor.tcp.StageOrder=debug", "--server.port=0",
				"--server.address=127.0.0.1", "--echo.server.port=0", "--echo.server.address=127.0.0.1",
				"--echo.server.reactors=1", "--echo.server.proxy-protocol.mode=required",
				"--spring.ssl.bundle.pem.echo.keystore.certificate=file:" + certificate.toAbsolutePath(),
				"--spring.ssl.bundle.pem.echo.keystore.private-key=file:" + key.toAbsolutePath(),
				"--echo.server.ssl.bundle=echo", "--echo.server.ssl.port=0");
		try (Socket client = connect(this.application.echoPort())) {
			send(client, "PROXY TCP4 192.0.2.1 127.0.0.1 50000\r\n");
			assertClosed(client);
		}
		try (Socket client = connect(this.application.tlsPort())) {
			send(client, PROXY_V1);
			// A client that does not trust the server's certificate: its alert fails the handshake.
			SSLSocket tls = (SSLSocket) SSLContext.getDefault()
				.getSocketFactory()
				.createSocket(client, "localhost", this.application.tlsPort(), false);
			assertThatExceptionOfType(SSLException.class).isThrownBy(tls::startHandshake);
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.application.log()).contains("Refused the PROXY header")
				.contains("TLS handshake failed"));
		List<JsonNode> lines = new ArrayList<>();
		for (String line : this.application.log().lines().toList()) {
			try {
				JsonNode node = this.json.readTree(line);
				assertThat(node.isObject()).as(line).isTrue();
				lines.add(node);
			}
			catch (JacksonException ex) {
				throw new AssertionError("Not a JSON line: " + line, ex);
			}
		}
		assertThat(lines).as("lines printed").hasSizeGreaterThan(5);
		return lines;
	}

	private static JsonNode line(List<JsonNode> lines, String text, String messageField) {
		return lines.stream()
			.filter((line) -> line.path(messageField).asString().contains(text))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No line with '" + text + "' in " + lines));
	}

	// Logstash's flat names, seen as ECS's nested object, for the same assertions.
	private JsonNode dotted(JsonNode line) {
		Map<String, Object> echo = new LinkedHashMap<>();
		line.properties().forEach((entry) -> {
			if (entry.getKey().startsWith("echo.")) {
				echo.put(entry.getKey().substring("echo.".length()), entry.getValue().asString());
			}
		});
		assertThat(echo).as("fields named echo.* in " + line).isNotEmpty();
		assertThat(line.has("echo")).as("no nested echo object in " + line).isFalse();
		return this.json.valueToTree(echo);
	}

	private static void send(Socket client, String text) throws IOException {
		OutputStream out = client.getOutputStream();
		out.write(text.getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
	}

	private static void assertClosed(Socket client) throws IOException {
		InputStream in = client.getInputStream();
		try {
			while (in.read() != -1) {
				// A TLS alert may come first
			}
		}
		catch (IOException ex) {
			// Reset: closed too
		}
	}

}

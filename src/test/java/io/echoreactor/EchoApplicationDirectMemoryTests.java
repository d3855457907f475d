package io.echoreactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.echoreactor.support.ApplicationProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that send without reading fill the server's pending output, which lives in
 * direct memory. In a process whose direct memory is capped (as a container's is), the
 * cap must cost only the connections that hold the most of it without reading, never a
 * reactor, and never through the JDK's garbage-collect-and-sleep retries.
 */
@Timeout(120)
class EchoApplicationDirectMemoryTests {

	private static final Pattern CLOSED_EVICTED = Pattern
		.compile("^echo_connections_closed_total\\{cause=\"evicted\",reactor=\"0\"} (\\S+)$", Pattern.MULTILINE);

	/**
	 * The JDK's per-thread cache of temporary direct buffers, which it uses when a heap
	 * buffer is written to or read from a channel (Tomcat's threads serving Actuator):
	 * about 80 KiB measured here.
	 */
	private static final long JDK_TEMPORARY_BUFFERS = 256 * 1024;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final List<SocketChannel> clients = new ArrayList<>();

	@TempDir
	Path tempDir;

	private ApplicationProcess application;

	@AfterEach
	void stop() throws Exception {
		for (SocketChannel client : this.clients) {
			client.close();
		}
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void clientsThatNeverReadAreEvictedWhenPendingOutputRunsShortAndTheReactorKeepsServing() throws Exception {
		this.application = ApplicationProcess.start(this.tempDir,
				List.of("-Xmx256m", "-XX:MaxDirectMemorySize=8m", "-XX:+DisableExplicitGC"),
				Map.of(), "--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1", "--echo.server.reactors=1");
		int echoPort = this.application.echoPort();
		InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), echoPort);
		// Each paused connection holds up to the high-water mark plus one read buffer
		// (128 KiB by default): 150 of them need more than twice the 8 MiB allowed.
		for (int i = 0; i < 150; i++) {
			SocketChannel client = SocketChannel.open();
			client.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
			client.connect(address);
			client.configureBlocking(false);
			this.clients.add(client);
		}
		ByteBuffer data = ByteBuffer.allocate(64 * 1024);
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (SocketChannel client : this.clients) {
				try {
					client.write(data.clear());
				}
				catch (IOException ex) {
					// Ignore: the server evicted this one, which is what the test waits for
				}
			}
			return evicted() > 0;
		});
		assertThat(this.application.log()).contains("max-pending-output (4096 KiB) ran short; evicted a connection")
			.doesNotContain("echo-reactor-0 died");
		assertThat(get("/actuator/health/liveness", "application/json")).contains("\"status\":\"UP\"");
		// Chunks are reused, never left to the garbage collector (which, with explicit GCs
		// disabled, would never free them): direct memory stays within the budget plus the
		// reactor's read buffer plus the JDK's own temporary buffers.
		String metrics = get("/actuator/prometheus", "text/plain;version=0.0.4");
		double direct = value(metrics, "jvm_buffer_memory_used_bytes\\{id=\"direct\"}");
		assertThat(value(metrics, "echo_pending_allocated_bytes")).isEqualTo(4 * 1024 * 1024);
		assertThat(direct).isLessThanOrEqualTo(4 * 1024 * 1024 + 64 * 1024 + JDK_TEMPORARY_BUFFERS);
		try (var client = connect(echoPort)) {
			assertEchoes(client, "still echoing\n");
		}
		catch (IOException ex) {
			throw new AssertionError(this.application.log(), ex);
		}
	}

	private static double value(String metrics, String series) {
		Matcher matcher = Pattern.compile("^" + series + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
		assertThat(matcher.find()).as(series).isTrue();
		return Double.parseDouble(matcher.group(1));
	}

	private double evicted() throws IOException, InterruptedException {
		Matcher matcher = CLOSED_EVICTED.matcher(get("/actuator/prometheus", "text/plain;version=0.0.4"));
		return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
	}

	private String get(String path, String accept) throws IOException, InterruptedException {
		return this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.application.httpPort() + path))
				.header("Accept", accept)
				.timeout(Duration.ofSeconds(10))
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
	}

}

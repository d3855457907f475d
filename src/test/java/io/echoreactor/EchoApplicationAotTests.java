package io.echoreactor;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.echoreactor.support.ApplicationProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.support.ActuatorProbes.status;
import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application as the image and the chart start it: from the context Spring AOT
 * generated at build time ({@code -Dspring.aot.enabled=true}). AOT keeps the outcome of
 * every condition from the build, so these tests check that the settings that decide
 * which beans exist are still read where the application starts, and that the Actuator
 * HTTP server is as small as it is meant to be.
 */
@Timeout(180)
class EchoApplicationAotTests {

	private static final List<String> AOT = List.of("-Xmx256m", "-Dspring.aot.enabled=true");

	@TempDir
	Path tempDir;

	private ApplicationProcess application;

	@AfterEach
	void stop() throws InterruptedException {
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void startsFromTheGeneratedContextEchoesAndServesActuatorOnOneWorker() throws Exception {
		this.application = ApplicationProcess.start(this.tempDir, AOT, Map.of(), "--server.port=0",
				"--echo.server.port=0", "--echo.server.address=127.0.0.1", "--echo.server.reactors=1");
		assertThat(this.application.log()).contains("Starting AOT-processed EchoApplication")
			.contains("Live reload of settings is off: the application runs from Spring AOT's generated context");
		int httpPort = this.application.httpPort();
		try (Socket client = connect(this.application.echoPort())) {
			assertEchoes(client, "hello\n");
		}
		long pid = this.application.process().pid();
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			awaitTomcatWorkersIdle(pid);
			return status(httpPort, "/actuator/health/readiness").equals("200 UP");
		});
		// As the kubelet probes: a connection of its own for each probe, closed after it.
		for (int i = 0; i < 5; i++) {
			awaitTomcatWorkersIdle(pid);
			assertThat(get(httpPort, "/actuator/health/liveness")).startsWith("HTTP/1.1 200")
				.contains("\"status\":\"UP\"");
		}
		awaitTomcatWorkersIdle(pid);
		// Probes one after another need one worker; Tomcat keeps one (threads.min-spare).
		assertThat(javaThreadNames(pid)).filteredOn(EchoApplicationAotTests::isTomcatWorker).hasSize(1);
		assertThat(get(httpPort, "/console")).startsWith("HTTP/1.1 200").contains("echo-reactor console");
		assertThat(get(httpPort, "/actuator/echo/connections")).startsWith("HTTP/1.1 200");
	}

	@Test
	void consoleTurnedOffWhereTheApplicationStartsIsNotServedThoughTheBuildHadItOn() throws Exception {
		this.application = ApplicationProcess.start(this.tempDir, AOT, Map.of("ECHO_CONSOLE_ENABLED", "false"),
				"--server.port=0", "--echo.server.port=0", "--echo.server.address=127.0.0.1");
		assertThat(this.application.log()).contains("Starting AOT-processed EchoApplication");
		int httpPort = this.application.httpPort();
		await().atMost(Duration.ofSeconds(30)).until(() -> status(httpPort, "/actuator/health/readiness").equals("200 UP"));
		assertThat(get(httpPort, "/console")).startsWith("HTTP/1.1 404");
		assertThat(get(httpPort, "/console/stream")).startsWith("HTTP/1.1 404");
		assertThat(get(httpPort, "/actuator/echo/connections")).startsWith("HTTP/1.1 404");
		assertThat(get(httpPort, "/actuator/echo")).startsWith("HTTP/1.1 200");
	}

	@Test
	void echoServerDisabledWhereTheApplicationStartsBindsNoEchoPortThoughTheBuildHadItEnabled() throws Exception {
		this.application = ApplicationProcess.start(this.tempDir, AOT, Map.of("ECHO_SERVER_ENABLED", "false"),
				"--server.port=0", "--echo.server.port=0");
		assertThat(this.application.log()).contains("Starting AOT-processed EchoApplication")
			.doesNotContain("Echo server started");
		int httpPort = this.application.httpPort();
		await().atMost(Duration.ofSeconds(30)).until(() -> status(httpPort, "/actuator/health/readiness").equals("200 UP"));
		assertThat(status(httpPort, "/actuator/health/liveness")).isEqualTo("200 UP");
		assertThat(get(httpPort, "/actuator/health/liveness")).contains("\"enabled\":false");
		assertThat(get(httpPort, "/actuator/echo")).startsWith("HTTP/1.1 404");
	}

	@Test
	void udpTurnedOffWhereTheApplicationStartsBindsNoUdpSocket() throws Exception {
		this.application = ApplicationProcess.start(this.tempDir, AOT, Map.of(), "--server.port=0",
				"--echo.server.port=0", "--echo.server.address=127.0.0.1", "--echo.server.udp.enabled=false");
		assertThat(this.application.log()).contains("Starting AOT-processed EchoApplication")
			.contains("Echo server started")
			.doesNotContain("; UDP on");
		try (Socket client = connect(this.application.echoPort())) {
			assertEchoes(client, "hello\n");
		}
	}

	private static String get(int port, String path) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	/**
	 * Wait until every Tomcat worker is back in its pool, waiting for a task. A client has
	 * the whole response, even the closed connection, before the worker's task returns, and
	 * Tomcat counts the task as submitted until then: a request arriving in between finds
	 * more tasks than workers, and Tomcat starts a second worker although the first is about
	 * to be free. Waiting here makes the probes one after another for Tomcat as well as for
	 * this client.
	 */
	private static void awaitTomcatWorkersIdle(long pid) {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
			List<String> workers = javaThreads(pid).stream()
				.filter((thread) -> isTomcatWorker(threadName(thread)))
				.toList();
			// A worker in getTask has returned from its last task (afterExecute has run).
			return !workers.isEmpty()
					&& workers.stream().allMatch((thread) -> thread.contains(".ThreadPoolExecutor.getTask("));
		});
	}

	private static boolean isTomcatWorker(String threadName) {
		return threadName.matches("http-nio-.*-exec-\\d+");
	}

	/** Every Java thread's full name, from {@code jcmd PID Thread.print}. */
	private static List<String> javaThreadNames(long pid) throws IOException, InterruptedException {
		return threadDump(pid).lines()
			.filter((line) -> line.startsWith("\""))
			.map(EchoApplicationAotTests::threadName)
			.toList();
	}

	// The entries of the Java threads: a name line, the stack and a blank line each.
	private static List<String> javaThreads(long pid) throws IOException, InterruptedException {
		return Arrays.stream(threadDump(pid).split("\n\\s*\n")).filter((thread) -> thread.startsWith("\"")).toList();
	}

	private static String threadName(String thread) {
		return thread.substring(1, thread.indexOf('"', 1));
	}

	private static String threadDump(long pid) throws IOException, InterruptedException {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
			.redirectErrorStream(true)
			.start();
		String dump = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return dump;
	}

}

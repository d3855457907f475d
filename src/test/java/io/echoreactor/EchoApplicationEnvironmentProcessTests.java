package io.echoreactor;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoApplication} started with {@code ECHO_SERVER_*} environment
 * variables, as a pod is: the variables that Kubernetes service links inject for a
 * Service named {@code echo-server} and a misspelled variable each stop start-up with one
 * message and no stack trace, while a setting of our own from the environment binds.
 */
@Timeout(180)
class EchoApplicationEnvironmentProcessTests {

	@TempDir
	Path tempDir;

	@Test
	void serviceLinksOfAServiceNamedEchoServerStopStartUpNamingTheCauseAndTheFix() throws Exception {
		Map<String, String> links = Map.of("ECHO_SERVER_PORT", "tcp://198.51.100.12:7007", "ECHO_SERVER_SERVICE_HOST",
				"198.51.100.12", "ECHO_SERVER_SERVICE_PORT", "7007", "ECHO_SERVER_PORT_7007_TCP",
				"tcp://198.51.100.12:7007", "ECHO_SERVER_PORT_7007_TCP_PROTO", "tcp", "ECHO_SERVER_PORT_7007_TCP_PORT",
				"7007", "ECHO_SERVER_PORT_7007_TCP_ADDR", "198.51.100.12");
		Ended ended = runUntilExit(links);
		assertThat(ended.exitValue()).isNotZero();
		assertThat(ended.output()).contains("APPLICATION FAILED TO START")
			.contains("Kubernetes service links: the environment holds variables that Kubernetes injects into every "
					+ "pod for a Service named echo-server in the same namespace, and they bind as echo.server "
					+ "settings:")
			.contains("    ECHO_SERVER_PORT=tcp://198.51.100.12:7007\n")
			.contains("    ECHO_SERVER_SERVICE_HOST=198.51.100.12\n")
			.contains("Set enableServiceLinks: false in the pod spec, as the echo-reactor Helm chart does, or rename "
					+ "the Service echo-server")
			.doesNotContain("\tat ")
			.doesNotContain("NumberFormatException");
	}

	@Test
	void serviceLinksBesideAPortOfOurOwnStillStopStartUp() throws Exception {
		// The pod's own ECHO_SERVER_PORT wins over the link's; the others remain.
		Ended ended = runUntilExit(Map.of("ECHO_SERVER_PORT", "0", "ECHO_SERVER_SERVICE_HOST", "198.51.100.12",
				"ECHO_SERVER_SERVICE_PORT", "7007"));
		assertThat(ended.exitValue()).isNotZero();
		assertThat(ended.output()).contains("for a Service named echo-server")
			.contains("    ECHO_SERVER_SERVICE_HOST=198.51.100.12\n")
			.doesNotContain("ECHO_SERVER_PORT=0")
			.doesNotContain("\tat ");
	}

	@Test
	void misspelledVariableStopsStartUpNamingItAndTheSettingInItsForm() throws Exception {
		Ended ended = runUntilExit(Map.of("ECHO_SERVER_IDEL_TIMEOUT", "5s"));
		assertThat(ended.exitValue()).isNotZero();
		assertThat(ended.output()).contains("Unknown setting echo.server.idel.timeout (from environment variable "
				+ "ECHO_SERVER_IDEL_TIMEOUT): did you mean ECHO_SERVER_IDLETIMEOUT (echo.server.idle-timeout)?")
			.doesNotContain("\tat ");
	}

	@Test
	void misspelledSystemPropertyStopsStartUpToo() throws Exception {
		// -D and JAVA_TOOL_OPTIONS, which the chart's jvm.extraOptions reach, are left out of Boot's strict binding.
		Ended ended = runUntilExit(Map.of(), "-Decho.server.idel-timeout=5s");
		assertThat(ended.exitValue()).isNotZero();
		assertThat(ended.output()).contains("Unknown setting echo.server.idel-timeout (from system property "
				+ "-Decho.server.idel-timeout): did you mean echo.server.idle-timeout?")
			.doesNotContain("\tat ");
	}

	@Test
	void portOfOurOwnAndTheUnderscoredFormOfASettingBindFromTheEnvironment() throws Exception {
		int port = FreePorts.freeTcpAndUdpPort(InetAddress.getLoopbackAddress());
		try (ApplicationProcess application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"),
				Map.of("ECHO_SERVER_PORT", String.valueOf(port), "ECHO_SERVER_SHUTDOWN_TIMEOUT", "5s",
						"ECHO_SERVER_ACCEPTSTRATEGY", "acceptor"),
				"--server.port=0", "--server.address=127.0.0.1", "--echo.server.address=127.0.0.1")) {
			assertThat(application.echoPort()).isEqualTo(port);
		}
	}

	private Ended runUntilExit(Map<String, String> environment, String... jvmOptions)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx256m");
		command.addAll(List.of(jvmOptions));
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(EchoApplication.class.getName());
		command.addAll(List.of("--server.port=0", "--server.address=127.0.0.1", "--echo.server.address=127.0.0.1"));
		Path log = this.tempDir.resolve("echo-reactor.log");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().putAll(environment);
		Process process = builder.start();
		try {
			await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> !process.isAlive());
			return new Ended(process.exitValue(), Files.readString(log));
		}
		finally {
			process.destroyForcibly();
			process.waitFor(10, TimeUnit.SECONDS);
		}
	}

	private record Ended(int exitValue, String output) {
	}

}

package io.echoreactor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code scripts/strace-check.sh}: the service as a child process, its reactor
 * threads traced with strace under a fixed workload, and the meters' deltas compared with
 * the system calls. The script exits non-zero when any row disagrees by more than 2%.
 */
class StraceCheckScriptTests {

	@TempDir
	Path temp;

	@ParameterizedTest
	@ValueSource(strings = { "acceptor", "reuseport" })
	@Timeout(value = 3, unit = TimeUnit.MINUTES)
	void metersAgreeWithTheSystemCallsStraceSees(String strategy) throws Exception {
		RequiredTools.require("strace");
		RequiredTools.require("curl");
		Path output = this.temp.resolve("strace-check.txt");
		ProcessBuilder builder = new ProcessBuilder("bash", "scripts/strace-check.sh").redirectErrorStream(true)
			.redirectOutput(output.toFile());
		builder.environment().put("STRATEGY", strategy);
		builder.environment().put("ECHO_CLASSPATH", applicationClasspath());
		builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
		builder.environment().put("CONNECTIONS", "20");
		builder.environment().put("MESSAGES", "200");
		Process process = builder.start();
		try {
			boolean exited = process.waitFor(150, TimeUnit.SECONDS);
			String report = Files.readString(output, StandardCharsets.UTF_8);
			assertThat(exited).as(report).isTrue();
			assertThat(process.exitValue()).as(report).isZero();
			assertThat(report).contains("strace (" + strategy + ", 2 reactors)")
				.containsPattern("socket reads +\\d+ +\\d+ +0\\.00%")
				.containsPattern("socket writes +\\d+ +\\d+ +0\\.00%")
				.contains("echo_selector_wakeups_total", "echo_accepts_total", "echo_reads_empty_total")
				.contains("the meters agree with strace within 2%")
				.doesNotContain("MISMATCH");
		}
		finally {
			process.destroyForcibly();
		}
	}

	// The application's classpath: this JVM's, without the test classes and resources.
	private static String applicationClasspath() throws IOException {
		return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.collect(Collectors.joining(File.pathSeparator));
	}

}

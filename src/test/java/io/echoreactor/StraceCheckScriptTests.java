package io.echoreactor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code benchmarks/strace-check.sh}: the service as a child process, its reactor
 * threads traced with strace under a fixed TCP and UDP workload, and the meters' deltas
 * compared with the system calls. The script exits non-zero when any row disagrees by
 * more than 2%.
 */
class StraceCheckScriptTests {

	private static final int UDP_SOCKETS = 10;

	private static final int DATAGRAMS = 200;

	@TempDir
	Path temp;

	@ParameterizedTest
	@ValueSource(strings = { "acceptor", "reuseport" })
	@Timeout(value = 6, unit = TimeUnit.MINUTES)
	void metersAgreeWithTheSystemCallsStraceSees(String strategy) throws Exception {
		RequiredTools.require("strace");
		RequiredTools.require("curl");
		Path output = this.temp.resolve("strace-check.txt");
		ProcessBuilder builder = new ProcessBuilder("bash", "benchmarks/strace-check.sh").redirectErrorStream(true)
			.redirectOutput(output.toFile());
		builder.environment().put("STRATEGY", strategy);
		builder.environment().put("ECHO_CLASSPATH", applicationClasspath());
		builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
		builder.environment().put("CONNECTIONS", "20");
		builder.environment().put("MESSAGES", "200");
		builder.environment().put("UDP_SOCKETS", String.valueOf(UDP_SOCKETS));
		builder.environment().put("DATAGRAMS", String.valueOf(DATAGRAMS));
		Process process = builder.start();
		try {
			// Up to 180 s to start the service on a loaded machine, and the workloads after it.
			boolean exited = process.waitFor(330, TimeUnit.SECONDS);
			String report = Files.readString(output, StandardCharsets.UTF_8);
			assertThat(exited).as(report).isTrue();
			assertThat(process.exitValue()).as(report).isZero();
			assertThat(report).contains("strace (" + strategy + ", 2 reactors)")
				.containsPattern("socket reads +\\d+ +\\d+ +0\\.00%")
				.containsPattern("socket writes +\\d+ +\\d+ +0\\.00%")
				.contains("echo_selector_wakeups_total", "echo_accepts_total", "echo_reads_empty_total")
				.contains("echo_udp_receives_empty_total", "echo_udp_sends_empty_total")
				.contains("the meters agree with strace within 2%")
				.doesNotContain("MISMATCH");
			// Every datagram was received with one recvfrom and answered with one sendto: rows
			// that agree at 0 would prove nothing.
			long datagrams = (long) UDP_SOCKETS * DATAGRAMS;
			assertThat(row(report, "udp receives (recvfrom)")).as(report)
				.allSatisfy((count) -> assertThat(count).isGreaterThanOrEqualTo(datagrams));
			assertThat(row(report, "udp sends (sendto)")).as(report)
				.allSatisfy((count) -> assertThat(count).isGreaterThanOrEqualTo(datagrams));
		}
		finally {
			process.destroyForcibly();
		}
	}

	/** @return the system calls and the meter's count of a row of the report */
	private static List<Long> row(String report, String name) {
		Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + " +(\\d+) +(\\d+) ").matcher(report);
		assertThat(matcher.find()).as("row '%s' in:%n%s", name, report).isTrue();
		return List.of(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)));
	}

	// The application's classpath: this JVM's, without the test classes and resources.
	private static String applicationClasspath() throws IOException {
		return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.collect(Collectors.joining(File.pathSeparator));
	}

}

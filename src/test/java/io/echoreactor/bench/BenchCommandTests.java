package io.echoreactor.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.echoreactor.bench.loop.Interval;
import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BenchCommand}: the closed loop over TCP against an in-process
 * {@link EchoServer}, the summary in text and JSON, the histogram log, the exit statuses,
 * and the jar's dispatch to it without Spring.
 */
@Timeout(60)
class BenchCommandTests {

	private final BenchRuns runs = new BenchRuns();

	@TempDir
	Path tempDir;

	@AfterEach
	void stopServers() {
		this.runs.close();
	}

	@Test
	void closedLoopOverTcpChecksEveryEchoAndPrintsOneLinePerFigure() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "8", "--size", "100", "--depth", "4", "--threads", "2",
				"--duration", "0.5", "--warmup", "0.2", "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.err()).isEmpty();
		assertThat(result.out()).contains("connections      8 of 8")
			.contains("errors           0")
			.containsPattern("messages/s +[1-9]")
			.contains("latency p99.9")
			.containsPattern("client cpu +\\d+% of 2 threads, [\\d.]+ us per message")
			.contains("closed loop, depth 4, 8 connections x 100 B, 2 threads, 0.5 s after 0.2 s warm-up");
		assertThat(result.out().lines()).allMatch((line) -> line.matches("[a-zA-Z/. 0-9]{16} .+"));
	}

	@Test
	void messagesEndTheRunOnceThatManyAreEchoedAllOfThemMeasured() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "3", "--messages", "1000", "--depth", "8", "--json",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		assertThat(result.number("messages")).isEqualTo(1000);
		assertThat(result.number("errors")).isZero();
		assertThat(result.number("duration_s")).isPositive();
		// Every byte sent was received by the server and echoed.
		assertThat(server.view().reactors().stream()
			.mapToLong((reactor) -> reactor.statistics().get(Counter.BYTES_SENT))
			.sum()).isEqualTo(1000 * 64);
	}

	@Test
	void jsonIsOneObjectOnTheLastLineWithTheFiguresOfTheText() {
		EchoServer server = this.runs.server();
		BenchRuns.Result result = bench("--connections", "4", "--duration", "0.3", "--warmup", "0", "--json",
				"127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		Map<String, Object> json = result.json();
		assertThat(json).containsEntry("protocol", "tcp")
			.containsEntry("loop", "closed")
			.containsEntry("target", "127.0.0.1:" + server.port())
			.containsKeys("messages_per_sec", "mb_per_sec", "p50_us", "p90_us", "p99_us", "p999_us", "max_us",
					"connect_p50_us", "connect_p99_us", "client_cpu_pct", "client_cpu_us_per_msg", "errors",
					"errors_by_kind", "status");
		assertThat(((Number) json.get("connections")).intValue()).isEqualTo(4);
		assertThat(((Number) json.get("messages_per_sec")).doubleValue()).isPositive();
		assertThat(result.counts("errors_by_kind")).containsKeys("corrupt", "eof", "reset", "refused", "timeout");
		List<String> lines = result.out().lines().toList();
		assertThat(lines).hasSizeGreaterThan(1);
		assertThat(String.join("\n", lines.subList(0, lines.size() - 1))).as("the text summary first")
			.contains("messages/s")
			.doesNotContain("{");
	}

	@Test
	void histogramLogHoldsEveryMeasuredLatencyOneIntervalPerSecond() throws IOException {
		EchoServer server = this.runs.server();
		Path log = this.tempDir.resolve("latency.hlog");
		BenchRuns.Result result = bench("--connections", "2", "--duration", "1.5", "--warmup", "0.1", "--json",
				"--histogram", log.toString(), "127.0.0.1:" + server.port());
		assertThat(result.status()).as(result::toString).isZero();
		HistogramLogReader reader = new HistogramLogReader(log.toFile());
		Histogram all = Interval.histogram();
		List<Double> starts = new ArrayList<>();
		EncodableHistogram interval;
		while ((interval = reader.nextIntervalHistogram()) != null) {
			starts.add(interval.getStartTimeStamp() / 1000.0 - reader.getStartTimeSec());
			all.add((Histogram) interval);
		}
		assertThat(starts).hasSize(2);
		assertThat(all.getTotalCount()).isEqualTo((long) result.number("messages"));
		assertThat(Files.readString(log)).contains("#[StartTime: ");
	}

	@Test
	void connectionsThatCannotConnectAreReportedInOneLineAndFailTheRun() throws IOException {
		int port;
		try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		BenchRuns.Result result = bench("--connections", "4", "--duration", "1", "127.0.0.1:" + port);
		assertThat(result.status()).isOne();
		assertThat(result.err().lines()).singleElement()
			.asString()
			.startsWith("bench: refused (4 connections): ")
			.contains("Connection refused");
		assertThat(result.err()).doesNotContain("Exception").doesNotContain("\tat ");
		assertThat(result.out()).isEmpty();
	}

	@Test
	void refusedConnectionsStillEndWithTheJsonSummary() throws IOException {
		int port;
		try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		BenchRuns.Result result = bench("--connections", "2", "--json", "127.0.0.1:" + port);
		assertThat(result.status()).isOne();
		assertThat(result.errors("refused")).isEqualTo(2);
		assertThat(result.number("status")).isOne();
	}

	@ParameterizedTest
	@ValueSource(strings = { "--bogus", "--connections=0", "--size=1x", "--duration=10d", "--depth=2 --rate=10",
			"--messages=5 --duration=1", "--protocol=sctp", "--proxy-protocol=v3", "--insecure", "--json=yes",
			"--protocol=udp --size=8", "--protocol=udp --greeting", "--messages=2 --connections=3",
			"--truststore-password=x --protocol=tls", "--connections" })
	void badArgumentsPrintTheUsageAndExitWithStatusTwo(String arguments) {
		List<String> args = new ArrayList<>(List.of(arguments.split(" ")));
		if (!arguments.equals("--connections")) {
			args.add("127.0.0.1:7");
		}
		BenchRuns.Result result = bench(args.toArray(String[]::new));
		assertThat(result.status()).isEqualTo(2);
		assertThat(result.err()).startsWith("bench: ").contains("usage: echo-reactor bench");
		assertThat(result.out()).isEmpty();
	}

	@Test
	void aMissingTargetIsABadArgument() {
		BenchRuns.Result result = bench("--connections", "2");
		assertThat(result.status()).isEqualTo(2);
		assertThat(result.err()).startsWith("bench: HOST[:PORT] is missing");
	}

	@Test
	void helpPrintsTheUsageOnStandardOutput() {
		BenchRuns.Result result = bench("--help");
		assertThat(result.status()).isZero();
		assertThat(result.out()).isEqualTo(BenchOptions.USAGE)
			.contains("0  every byte came back right")
			.contains("1  errors: ")
			.contains("2  bad arguments")
			.contains("3  open loop: less than 95% of the --rate requested was achieved")
			.contains("1 wins over 3");
		assertThat(result.err()).isEmpty();
	}

	@Test
	void theJarRunsTheCommandWithoutStartingSpring() throws IOException, InterruptedException {
		Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), "io.echoreactor.EchoApplication", "bench", "--help")
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).startsWith("usage: echo-reactor bench")
			.doesNotContain("Started EchoApplication")
			.doesNotContain("Tomcat")
			.doesNotContain("Spring");
	}

	@Test
	void theJarExitsWithStatusTwoOnBadArguments() throws IOException, InterruptedException {
		Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), "io.echoreactor.EchoApplication", "bench", "--bogus")
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isEqualTo(2);
		assertThat(output).startsWith("bench: unknown option '--bogus'");
	}

}

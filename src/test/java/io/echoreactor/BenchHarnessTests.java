package io.echoreactor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the benchmark harness that {@code benchmarks/bench.sh} runs: the C echo
 * servers {@code benchmarks/c/echo-epoll.c} (TCP) and {@code benchmarks/c/udp-echo.c} (UDP)
 * and the closed-loop load clients {@code benchmarks/c/echo-load.c} and
 * {@code benchmarks/c/udp-load.c}, compiled with gcc into a temporary directory. The
 * clients' numbers are only worth reading if they find a wrong echo, so tests serve them
 * one on purpose. The Netty peers need Netty's jars in the local Maven repository; their
 * test is skipped when they are not there, so that no test goes online.
 */
class BenchHarnessTests {

	private static final List<String> KEYS = List.of("messages_per_sec", "mb_per_sec", "connections", "p50_us",
			"p90_us", "p99_us", "p999_us", "max_us", "errors", "messages");

	private static final List<String> UDP_KEYS = List.of("messages_per_sec", "mb_per_sec", "connections", "p50_us",
			"p90_us", "p99_us", "p999_us", "max_us", "errors", "messages", "lost", "late");

	@TempDir
	static Path binaries;

	private static Path echoEpoll;

	private static Path echoLoad;

	private static Path udpEcho;

	private static Path udpLoad;

	@TempDir
	Path temp;

	private final List<Process> processes = new ArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-flipping-echo");
		thread.setDaemon(true);
		return thread;
	});

	@BeforeAll
	@Timeout(60)
	static void compileWithoutWarnings() throws Exception {
		RequiredTools.require("gcc");
		echoEpoll = compile("echo-epoll.c");
		echoLoad = compile("echo-load.c", "-pthread");
		udpEcho = compile("udp-echo.c");
		udpLoad = compile("udp-load.c");
	}

	@AfterEach
	void stopProcessesAndThreads() {
		this.processes.forEach(Process::destroyForcibly);
		this.executor.shutdownNow();
	}

	@Test
	@Timeout(30)
	void loadClientFindsTheCEchoServerCorrectAndReportsEveryKey() throws Exception {
		Process server = start(List.of(echoEpoll.toString(), "0"), "echo-epoll");
		int port = listeningPort("echo-epoll");
		Outcome load = load(port, "--connections", "8", "--size", "64", "--depth", "1", "--duration", "2", "--warmup",
				"0.5");
		assertThat(load.exitCode()).as(load.report()).isZero();
		assertThat(load.values()).as(load.report()).containsOnlyKeys(KEYS).containsEntry("errors", "0");
		assertThat(load.values()).as(load.report())
			.allSatisfy((key, value) -> assertThat(value).matches("\\d+(\\.\\d+)?"));
		assertThat(Long.parseLong(load.values().get("messages"))).isPositive();
		assertThat(load.values()).containsEntry("connections", "8");
		assertThat(Double.parseDouble(load.values().get("p50_us")))
			.isLessThanOrEqualTo(Double.parseDouble(load.values().get("p99_us")))
			.isLessThanOrEqualTo(Double.parseDouble(load.values().get("max_us")));
		server.destroy();
		assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("echo-epoll ends on SIGTERM").isTrue();
		assertThat(server.exitValue()).isZero();
	}

	@Test
	@Timeout(30)
	void loadClientFindsOurEchoServerCorrectWithPipelinedMessages() throws Exception {
		EchoServer server = new EchoServer(
				DefaultSettings.builder().address(InetAddress.getLoopbackAddress()).port(0).reactors(1).build());
		server.start();
		try {
			Outcome load = load(server.port(), "--connections", "16", "--size", "64", "--depth", "16", "--duration",
					"2", "--warmup", "0.5");
			assertThat(load.exitCode()).as(load.report()).isZero();
			assertThat(load.values()).as(load.report()).containsEntry("errors", "0");
			assertThat(Long.parseLong(load.values().get("messages"))).isPositive();
		}
		finally {
			server.stop();
		}
	}

	@Test
	@Timeout(30)
	void loadClientCountsAFlippedByteAsAnErrorAndExitsWithStatus1() throws Exception {
		try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			this.executor.execute(() -> acceptFlippingEchoes(listener));
			Outcome load = load(listener.getLocalPort(), "--connections", "2", "--size", "64", "--depth", "2",
					"--duration", "0.5", "--warmup", "0");
			assertThat(load.exitCode()).as(load.report()).isOne();
			assertThat(Long.parseLong(load.values().get("errors"))).as(load.report()).isPositive();
		}
	}

	@Test
	@Timeout(30)
	void loadClientReportsARefusedConnectionOnOneLineAndExitsWithStatus1() throws Exception {
		int port;
		try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		Outcome load = load(port, "--duration", "1", "--warmup", "0");
		assertThat(load.exitCode()).as(load.report()).isOne();
		assertThat(load.stdout()).isEmpty();
		assertThat(load.stderr().lines()).singleElement().asString().contains("refused");
	}

	@Test
	@Timeout(30)
	void loadClientPrintsUsageAndExitsWithStatus2OnBadArguments() throws Exception {
		Outcome load = run(List.of(echoLoad.toString(), "--port", "7", "--depth", "0"), "bad-arguments");
		assertThat(load.exitCode()).as(load.report()).isEqualTo(2);
		assertThat(load.stderr()).startsWith("usage: echo-load");
	}

	@Test
	@Timeout(60)
	void benchScriptRunsTheCEchoServerPinnedAndPrintsTheTable() throws Exception {
		RequiredTools.require("taskset");
		Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "bench.sh needs two CPUs");
		Path benchDir = this.temp.resolve("bench");
		ProcessBuilder builder = new ProcessBuilder("bash", "benchmarks/bench.sh");
		builder.environment()
			.putAll(Map.of("SERVERS", "c-epoll,c-udp", "SCENARIOS", "small,udp", "RUNS", "1", "DURATION", "1", "WARMUP",
					"0", "BENCH_DIR", benchDir.toString()));
		Outcome script = run(builder, "bench-sh", Duration.ofSeconds(45));
		assertThat(script.exitCode()).as(script.report()).isZero();
		assertThat(script.stdout()).as(script.report())
			.contains("| scenario | server | messages/s | MB/s | vs C | spread | p50 µs | p99 µs | p99.9 µs "
					+ "| lost, all runs |")
			.containsPattern("\\| small \\| c-epoll \\| [\\d,]+ \\| [\\d.]+ \\| 1\\.00 \\|( [^|]+ \\|){4} - \\|")
			.containsPattern("\\| udp \\| c-udp \\| [\\d,]+ \\| [\\d.]+ \\| 1\\.00 \\|( [^|]+ \\|){4} [\\d,]+ \\|")
			.doesNotContain("| small | c-udp |", "| udp | c-epoll |");
		String results = results(benchDir);
		assertThat(results).containsPattern("round=1 scenario=small server=c-epoll "
				+ "messages_per_sec=\\d+ .* errors=0 .* cpu0_busy_pct=[\\d.]+ cpu1_busy_pct=[\\d.]+ status=0");
		assertThat(results).containsPattern("round=1 scenario=udp server=c-udp "
				+ "messages_per_sec=\\d+ .* errors=0 .* lost=\\d+ late=\\d+ cpu0_busy_pct=[\\d.]+ .* status=0");
	}

	@Test
	@Timeout(90)
	void benchScriptRunsManyConnectionsAndWeighsIdleOnesInASecondTable() throws Exception {
		RequiredTools.require("taskset");
		Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "bench.sh needs two CPUs");
		assumeDescriptorLimitOfAtLeast(10_100);
		Path benchDir = this.temp.resolve("bench");
		ProcessBuilder builder = new ProcessBuilder("bash", "benchmarks/bench.sh");
		builder.environment()
			.putAll(Map.of("SERVERS", "c-epoll", "SCENARIOS", "many,idle", "RUNS", "1", "DURATION", "1", "WARMUP", "0",
					"BENCH_DIR", benchDir.toString()));
		Outcome script = run(builder, "bench-sh-idle", Duration.ofSeconds(80));
		assertThat(script.exitCode()).as(script.report()).isZero();
		// Rate, MB/s, vs C, then spread, the latencies, lost, errors (0), the busy shares and no allocation.
		assertThat(script.stdout()).as(script.report())
			.containsPattern("\\| many \\| c-epoll \\| [\\d,]+ \\| [\\d.]+ \\| 1\\.00 \\|( [^|]+ \\|){4} - \\| 0 \\|"
					+ "( [^|]+ \\|){2} - \\|")
			.contains("| idle | server | connections | RSS at 1,000 MB | RSS at all MB | RSS B/conn |")
			.containsPattern(
					"\\| idle \\| c-epoll \\| 10,000 \\| [\\d.]+ \\| [\\d.]+ \\| -?[\\d,]+ \\| - \\| - \\| - \\| 0 \\|");
		// Weighed at 1,000 and again with the other 9,000, whose client's line it is.
		assertThat(results(benchDir)).containsPattern("round=1 scenario=idle server=c-epoll .* connections=10000 .* "
				+ "errors=0 messages=9000 rss_before_kb=\\d+ rss_after_kb=\\d+ rss_per_conn_b=-?\\d+ +status=0");
		// On a fresh instance of the server, beside the one that served many.
		assertThat(script.stderr()).as(script.report()).containsPattern("(?s)c-epoll listening on .*"
				+ "scenario=many .*c-epoll listening on .*scenario=idle");
	}

	@Test
	@Timeout(30)
	void udpLoadClientFindsTheCUdpEchoCorrectAndReportsEveryKey() throws Exception {
		Process server = start(List.of(udpEcho.toString(), "0"), "udp-echo");
		int port = listeningPort("udp-echo");
		Outcome load = udpLoad(port, "--flows", "4", "--size", "64", "--depth", "4", "--duration", "2", "--warmup",
				"0.5", "--timeout", "3");
		assertThat(load.exitCode()).as(load.report()).isZero();
		assertThat(load.values()).as(load.report()).containsOnlyKeys(UDP_KEYS).containsEntry("errors", "0");
		assertThat(load.values()).as(load.report())
			.allSatisfy((key, value) -> assertThat(value).matches("\\d+(\\.\\d+)?"))
			.containsEntry("connections", "4");
		assertFewLost(load);
		server.destroy();
		assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("udp-echo ends on SIGTERM").isTrue();
		assertThat(server.exitValue()).isZero();
	}

	@Test
	@Timeout(30)
	void udpLoadClientFindsOurUdpEchoCorrectWithTheRateLimitOff() throws Exception {
		EchoServer server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.udp(new UdpSettings(true, 0, 0, 10_000, 64, null, null))
			.build());
		server.start();
		try {
			Outcome load = udpLoad(server.view().udpPort(), "--flows", "16", "--size", "64", "--depth", "8", "--duration", "2",
					"--warmup", "0.5", "--timeout", "3");
			assertThat(load.exitCode()).as(load.report()).isZero();
			assertThat(load.values()).as(load.report()).containsEntry("errors", "0");
			assertFewLost(load);
		}
		finally {
			server.stop();
		}
	}

	@Test
	@Timeout(30)
	void udpLoadClientCountsAFlippedByteAsAnErrorAndExitsWithStatus1() throws Exception {
		try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			this.executor.execute(() -> echoDatagramsFlipping(socket, 20));
			Outcome load = udpLoad(socket.getLocalPort(), "--flows", "2", "--size", "64", "--depth", "2", "--duration",
					"0.5", "--warmup", "0", "--timeout", "0.5");
			assertThat(load.exitCode()).as(load.report()).isOne();
			assertThat(Long.parseLong(load.values().get("errors"))).as(load.report()).isPositive();
		}
	}

	@Test
	@Timeout(30)
	void udpLoadClientCountsRefusalsAsErrorsAndExitsWithStatus1() throws Exception {
		int port;
		try (DatagramSocket closed = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
			port = closed.getLocalPort();
		}
		Outcome load = udpLoad(port, "--duration", "0.5", "--warmup", "0", "--timeout", "0.2");
		assertThat(load.exitCode()).as(load.report()).isOne();
		assertThat(Long.parseLong(load.values().get("errors"))).as(load.report()).isPositive();
		assertThat(load.stderr().lines()).singleElement().asString().contains("refused");
	}

	@Test
	@Timeout(30)
	void udpLoadClientPrintsUsageAndExitsWithStatus2OnBadArguments() throws Exception {
		Outcome load = run(List.of(udpLoad.toString(), "--port", "7", "--size", "11"), "udp-bad-arguments");
		assertThat(load.exitCode()).as(load.report()).isEqualTo(2);
		assertThat(load.stderr()).startsWith("usage: udp-load");
	}

	@Test
	@Timeout(240)
	void benchScriptRunsTheNettyPeersWhenNettyIsInTheLocalRepository() throws Exception {
		// netty-nio differs from netty-epoll only in its transport, which netty-udp covers.
		RequiredTools.require("taskset");
		Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "bench.sh needs two CPUs");
		assumeNettyIsInTheLocalRepository();
		Path benchDir = this.temp.resolve("bench");
		ProcessBuilder builder = new ProcessBuilder("bash", "benchmarks/bench.sh");
		builder.environment()
			.putAll(Map.of("SERVERS", "netty-epoll,netty-udp", "SCENARIOS", "pipelined,udp", "RUNS", "1",
					"DURATION", "1", "WARMUP", "1", "JVM_WARMUP", "1", "NETTY_FETCH", "false", "BENCH_DIR",
					benchDir.toString()));
		Outcome script = run(builder, "bench-sh-netty", Duration.ofSeconds(220));
		assertThat(script.exitCode()).as(script.report()).isZero();
		assertThat(script.stdout()).as(script.report())
			.containsPattern("\\| pipelined \\| netty-epoll \\| [\\d,]+ \\|")
			.containsPattern("\\| udp \\| netty-udp \\| [\\d,]+ \\|");
		assertThat(results(benchDir)).containsPattern("scenario=udp server=netty-udp .* errors=0 .* status=0");
	}

	// Helpers

	private static Path compile(String source, String... options) throws Exception {
		String name = source.replace(".c", "");
		Path binary = binaries.resolve(name);
		List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra"));
		command.addAll(List.of(options));
		command.addAll(List.of("-o", binary.toString(), "benchmarks/c/" + source));
		Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
		assertThat(gcc.waitFor(50, TimeUnit.SECONDS)).as("gcc " + source + " finished").isTrue();
		String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(gcc.exitValue()).as(output).isZero();
		assertThat(output).as("gcc's warnings for " + source).isEmpty();
		return binary;
	}

	private Process start(List<String> command, String name) throws IOException {
		Process process = new ProcessBuilder(command).redirectOutput(this.temp.resolve(name + ".out").toFile())
			.redirectError(this.temp.resolve(name + ".err").toFile())
			.start();
		this.processes.add(process);
		return process;
	}

	private int listeningPort(String name) throws IOException {
		Path out = this.temp.resolve(name + ".out");
		await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(out).startsWith("listening on "));
		return Integer.parseInt(Files.readString(out).strip().substring("listening on ".length()));
	}

	private Outcome load(int port, String... arguments) throws Exception {
		List<String> command = new ArrayList<>(
				List.of(echoLoad.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port)));
		command.addAll(List.of(arguments));
		return run(command, "echo-load");
	}

	private Outcome udpLoad(int port, String... arguments) throws Exception {
		List<String> command = new ArrayList<>(
				List.of(udpLoad.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port)));
		command.addAll(List.of(arguments));
		return run(command, "udp-load");
	}

	// Loopback loses no datagram unless the machine stalls past the 3 s timeout; allow for a little.
	private static void assertFewLost(Outcome load) {
		long messages = Long.parseLong(load.values().get("messages"));
		assertThat(messages).as(load.report()).isPositive();
		assertThat(Long.parseLong(load.values().get("lost"))).as(load.report()).isLessThanOrEqualTo(messages / 100);
	}

	// The script raises its soft limit to the hard one; one descriptor per connection, and a few more.
	private static void assumeDescriptorLimitOfAtLeast(int needed) throws Exception {
		Process limit = new ProcessBuilder("bash", "-c", "ulimit -Hn").redirectErrorStream(true).start();
		assertThat(limit.waitFor(10, TimeUnit.SECONDS)).isTrue();
		String hard = new String(limit.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		Assumptions.assumeTrue(hard.equals("unlimited") || Long.parseLong(hard) >= needed,
				() -> "needs " + needed + " descriptors per process, the hard limit is " + hard);
	}

	private static String results(Path benchDir) throws IOException {
		try (Stream<Path> files = Files.list(benchDir)) {
			Path results = files.filter((file) -> file.getFileName().toString().startsWith("results-"))
				.findFirst()
				.orElseThrow();
			return Files.readString(results);
		}
	}

	// The jars benchmarks/netty/netty-pom.xml names, and the plugin that copies them, all offline.
	private static void assumeNettyIsInTheLocalRepository() throws IOException {
		String pom = Files.readString(Path.of("benchmarks/netty/netty-pom.xml"));
		Matcher netty = Pattern.compile("<netty.version>([^<]+)</netty.version>").matcher(pom);
		Matcher plugin = Pattern
			.compile("<artifactId>maven-dependency-plugin</artifactId>\\s*<version>([^<]+)</version>")
			.matcher(pom);
		assertThat(netty.find() && plugin.find()).as("versions in benchmarks/netty/netty-pom.xml").isTrue();
		String local = System.getProperty("maven.repo.local");
		Path repository = (local != null) ? Path.of(local)
				: Path.of(System.getProperty("user.home"), ".m2", "repository");
		String version = netty.group(1);
		List<Path> needed = List.of(
				repository.resolve("io/netty/netty-transport/" + version + "/netty-transport-" + version + ".jar"),
				repository.resolve("io/netty/netty-transport-native-epoll/" + version
						+ "/netty-transport-native-epoll-" + version + "-linux-x86_64.jar"),
				repository.resolve("org/apache/maven/plugins/maven-dependency-plugin/" + plugin.group(1)
						+ "/maven-dependency-plugin-" + plugin.group(1) + ".jar"));
		for (Path jar : needed) {
			Assumptions.assumeTrue(Files.isRegularFile(jar), () -> "Netty peers not tested: " + jar + " is not in the "
					+ "local Maven repository (benchmarks/bench.sh with a Netty server fetches it once)");
		}
	}

	private Outcome run(List<String> command, String name) throws Exception {
		return run(new ProcessBuilder(command), name, Duration.ofSeconds(25));
	}

	private Outcome run(ProcessBuilder builder, String name, Duration timeout) throws Exception {
		Path out = this.temp.resolve(name + ".out");
		Path err = this.temp.resolve(name + ".err");
		Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
		this.processes.add(process);
		assertThat(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as(name + " finished").isTrue();
		return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
	}

	// Echoes every byte but the 100th of each connection, which it flips.
	private void acceptFlippingEchoes(ServerSocket listener) {
		while (!listener.isClosed()) {
			try {
				Socket socket = listener.accept();
				this.executor.execute(() -> echoFlipping(socket, 100));
			}
			catch (IOException ex) {
				// Continue: the listener was closed at the end of the test
			}
		}
	}

	// Echoes every datagram with its byte at the given index flipped.
	private static void echoDatagramsFlipping(DatagramSocket socket, int flipped) {
		byte[] buffer = new byte[65536];
		while (!socket.isClosed()) {
			try {
				DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
				socket.receive(packet);
				if (packet.getLength() > flipped) {
					buffer[flipped] ^= (byte) 0xFF;
				}
				socket.send(new DatagramPacket(buffer, packet.getLength(), packet.getSocketAddress()));
			}
			catch (IOException ex) {
				// Continue: the socket was closed at the end of the test
			}
		}
	}

	private static void echoFlipping(Socket socket, long flipped) {
		try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
			byte[] buffer = new byte[8192];
			long position = 0;
			for (int n; (n = in.read(buffer)) != -1; position += n) {
				if (position <= flipped && flipped < position + n) {
					buffer[(int) (flipped - position)] ^= (byte) 0xFF;
				}
				out.write(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			// Ignore: the client went away
		}
	}

	/**
	 * What a run printed: its exit code, stdout and stderr, and the stdout line's
	 * {@code key=value} pairs.
	 */
	private record Outcome(int exitCode, String stdout, String stderr) {

		Map<String, String> values() {
			Map<String, String> values = new LinkedHashMap<>();
			for (String pair : this.stdout.strip().split("\\s+")) {
				int equals = pair.indexOf('=');
				assertThat(equals).as("'%s' in: %s", pair, report()).isPositive();
				values.put(pair.substring(0, equals), pair.substring(equals + 1));
			}
			return values;
		}

		String report() {
			return "exit " + this.exitCode + "\nstdout: " + this.stdout + "\nstderr: " + this.stderr;
		}

	}

}

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap cost of an idle echo connection, measured from outside the server: starts the
 * echo-reactor application as a child process on loopback ephemeral ports, opens N idle
 * connections from this (separate) process, echoes one byte on each so that every one is
 * registered with a reactor, and compares {@code jcmd <pid> GC.class_histogram} (a full
 * GC, live objects only) before and after. The difference divided by N is the cost per
 * connection: of our own classes ({@code io.echoreactor.*}) and of everything, the JDK's
 * channel, key and selector objects included. Direct buffers are counted both in the
 * histogram ({@code java.nio.DirectByteBuffer}) and by the JVM's own buffer pool MXBean,
 * read from the application's Prometheus endpoint.
 *
 * <p>
 * Run through {@code benchmarks/footprint/idle-memory.sh}, which builds the classpath.
 * Usage: {@code java benchmarks/footprint/IdleMemory.java --classpath CP
 * [--counts 5000,9000] [--runs 3] [--reactors 2] [--out DIR] [--timeout-seconds 600]
 * [--server-jvm-arg ARG]... [--server-arg ARG]...}. The JDK that runs this file also runs the server and provides
 * {@code jcmd}.
 *
 * <p>
 * Every step has a deadline, and the server is destroyed on every exit path (a shutdown
 * hook covers SIGTERM; its pid is written to {@code DIR/server.pid} for the script's
 * trap).
 */
public final class IdleMemory {

	private static final String OUR_PACKAGE = "io.echoreactor.";

	private static final Pattern ECHO_PORT = Pattern.compile("Echo server started on [^ ]*:(\\d+)");

	private static final Pattern HTTP_PORT = Pattern.compile("Tomcat started on port (\\d+)");

	// "   1:         64184        6485696  [B (java.base@17.0.15)"
	private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

	private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

	// Hidden classes carry an address that differs from run to run.
	private static final Pattern HIDDEN_CLASS_SUFFIX = Pattern.compile("(\\$\\$Lambda)[$/].*$");

	private static final int WARM_UP_CONNECTIONS = 200;

	private static final int WARM_UP_SCRAPES = 40;

	private static final int TOP_CLASSES = 20;

	private final Options options;

	private final long deadlineNanos;

	private IdleMemory(Options options) {
		this.options = options;
		this.deadlineNanos = System.nanoTime() + options.timeout().toNanos();
	}

	public static void main(String[] args) throws Exception {
		Options options;
		try {
			options = Options.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println("idle-memory: " + ex.getMessage());
			System.err.println("usage: java IdleMemory.java --classpath CP [--counts 5000,9000] [--runs 3] "
					+ "[--reactors 2] [--out DIR] [--timeout-seconds 600] [--server-jvm-arg ARG]... "
					+ "[--server-arg ARG]...");
			System.exit(2);
			return;
		}
		try {
			new IdleMemory(options).run();
		}
		catch (BenchmarkException ex) {
			System.err.println("idle-memory: " + ex.getMessage());
			System.exit(1);
		}
	}

	private void run() throws Exception {
		Files.createDirectories(this.options.out());
		System.out.println("JDK: " + System.getProperty("java.vm.name") + " "
				+ System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home") + ")");
		System.out.println("Server JVM arguments: " + serverJvmArgs() + ", application arguments added: "
				+ this.options.serverArgs());
		List<RunResult> runs = new ArrayList<>();
		for (int run = 1; run <= this.options.runs(); run++) {
			RunResult result = runOnce(run);
			runs.add(result);
			printRun(result);
		}
		printSummary(runs);
	}

	private List<String> serverJvmArgs() {
		List<String> args = new ArrayList<>(List.of("-Xmx512m"));
		args.addAll(this.options.serverJvmArgs());
		return args;
	}

	private RunResult runOnce(int run) throws Exception {
		Path log = this.options.out().resolve("server-run-" + run + ".log");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(serverJvmArgs());
		command.addAll(List.of("-cp", this.options.classpath(), "io.echoreactor.EchoApplication",
				"--spring.main.banner-mode=off", "--echo.server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.reactors=" + this.options.reactors(),
				"--echo.server.max-connections=" + (maxCount() + 100),
				"--server.address=127.0.0.1", "--server.port=0"));
		command.addAll(this.options.serverArgs());
		Process server = new ProcessBuilder(command).redirectErrorStream(true).start();
		Thread cleanup = new Thread(() -> destroy(server), "idle-memory-cleanup");
		Runtime.getRuntime().addShutdownHook(cleanup);
		Files.writeString(this.options.out().resolve("server.pid"), server.pid() + "\n");
		List<Socket> sockets = new ArrayList<>();
		try {
			Ports ports = awaitPorts(server, log);
			System.out.printf(Locale.ROOT, "%nRun %d: server pid %d, echo port %d, http port %d%n", run, server.pid(),
					ports.echo(), ports.http());
			InetSocketAddress echo = new InetSocketAddress("127.0.0.1", ports.echo());
			// Load every class on the path and size the selectors' tables once, so that the
			// baseline already holds what the first connection would otherwise add.
			List<Socket> warmUp = new ArrayList<>();
			open(echo, warmUp, WARM_UP_CONNECTIONS);
			closeAll(warmUp);
			// Each Tomcat worker that writes a response caches a temporary direct buffer
			// (sun.nio.ch.Util); let every worker do so now, not between two histograms.
			for (int i = 0; i < WARM_UP_SCRAPES; i++) {
				scrapeDirectBuffers(ports.http());
			}
			histogram(server, run, "warm-up");
			Histogram baseline = histogram(server, run, "baseline");
			DirectBuffers baselineBuffers = scrapeDirectBuffers(ports.http());
			List<Step> steps = new ArrayList<>();
			for (int count : this.options.counts()) {
				open(echo, sockets, count - sockets.size());
				Histogram after = histogram(server, run, String.valueOf(count));
				DirectBuffers buffers = scrapeDirectBuffers(ports.http());
				steps.add(new Step(count, after, buffers));
			}
			return new RunResult(run, baseline, baselineBuffers, steps);
		}
		finally {
			closeAll(sockets);
			destroy(server);
			Files.deleteIfExists(this.options.out().resolve("server.pid"));
			try {
				Runtime.getRuntime().removeShutdownHook(cleanup);
			}
			catch (IllegalStateException ex) {
				// Ignore: the JVM is already shutting down and the hook runs anyway
			}
		}
	}

	private int maxCount() {
		return this.options.counts().stream().mapToInt(Integer::intValue).max().orElse(0);
	}

	private Ports awaitPorts(Process server, Path log) throws Exception {
		CompletableFuture<Integer> echoPort = new CompletableFuture<>();
		CompletableFuture<Integer> httpPort = new CompletableFuture<>();
		Thread pump = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
					PrintWriter writer = new PrintWriter(Files.newBufferedWriter(log), true)) {
				String line;
				while ((line = reader.readLine()) != null) {
					writer.println(line);
					complete(echoPort, ECHO_PORT.matcher(line));
					complete(httpPort, HTTP_PORT.matcher(line));
				}
			}
			catch (IOException ex) {
				// Ignore: the server is gone; awaitPorts reports that below
			}
			echoPort.completeExceptionally(new BenchmarkException("the server exited; see " + log));
			httpPort.completeExceptionally(new BenchmarkException("the server exited; see " + log));
		}, "idle-memory-server-log");
		pump.setDaemon(true);
		pump.start();
		try {
			return new Ports(echoPort.get(remaining(Duration.ofSeconds(120)), TimeUnit.NANOSECONDS),
					httpPort.get(remaining(Duration.ofSeconds(1)), TimeUnit.NANOSECONDS));
		}
		catch (java.util.concurrent.TimeoutException ex) {
			throw new BenchmarkException("the server did not report its ports in time; see " + log);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			throw (ex.getCause() instanceof BenchmarkException failure) ? failure : ex;
		}
	}

	private static void complete(CompletableFuture<Integer> port, Matcher matcher) {
		if (matcher.find()) {
			port.complete(Integer.parseInt(matcher.group(1)));
		}
	}

	/** Time left for a step: its own bound, or what is left of the whole run if less. */
	private long remaining(Duration bound) {
		long left = this.deadlineNanos - System.nanoTime();
		if (left <= 0) {
			throw new BenchmarkException("the benchmark ran out of time (--timeout-seconds)");
		}
		return Math.min(left, bound.toNanos());
	}

	/**
	 * Open {@code count} connections and echo one byte on each; when the byte is back the
	 * server has registered the connection with a reactor.
	 */
	private void open(InetSocketAddress address, List<Socket> sockets, int count) throws IOException {
		int timeoutMillis = (int) TimeUnit.NANOSECONDS.toMillis(remaining(Duration.ofSeconds(10)));
		for (int i = 0; i < count; i++) {
			Socket socket = new Socket();
			sockets.add(socket);
			socket.setSoTimeout(timeoutMillis);
			socket.connect(address, timeoutMillis);
			OutputStream output = socket.getOutputStream();
			InputStream input = socket.getInputStream();
			byte value = (byte) ('a' + i % 26);
			output.write(value);
			int echoed = input.read();
			if (echoed != (value & 0xff)) {
				throw new BenchmarkException("connection " + sockets.size() + " echoed " + echoed + " for " + value);
			}
		}
		remaining(Duration.ofNanos(1));
	}

	private static void closeAll(List<Socket> sockets) {
		for (Socket socket : sockets) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// Ignore: the connection is gone either way
			}
		}
		sockets.clear();
	}

	private Histogram histogram(Process server, int run, String label) throws Exception {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		Path output = this.options.out().resolve("histogram-run-" + run + "-" + label + ".txt");
		Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(server.pid()), "GC.class_histogram")
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		if (!process.waitFor(remaining(Duration.ofSeconds(120)), TimeUnit.NANOSECONDS)) {
			process.destroyForcibly();
			throw new BenchmarkException("jcmd GC.class_histogram did not finish in time");
		}
		if (process.exitValue() != 0) {
			throw new BenchmarkException("jcmd GC.class_histogram failed; see " + output);
		}
		return Histogram.parse(Files.readAllLines(output));
	}

	/**
	 * Read the direct buffer pool from {@code /actuator/prometheus}. The request is
	 * HTTP/1.0, so the server closes the connection after the response: a kept-alive
	 * connection would hold Tomcat's buffers until its keep-alive timeout, in the middle of
	 * the measurement.
	 */
	private DirectBuffers scrapeDirectBuffers(int httpPort) throws IOException {
		String response;
		try (Socket socket = new Socket()) {
			int timeoutMillis = (int) TimeUnit.NANOSECONDS.toMillis(remaining(Duration.ofSeconds(30)));
			socket.setSoTimeout(timeoutMillis);
			socket.connect(new InetSocketAddress("127.0.0.1", httpPort), timeoutMillis);
			socket.getOutputStream()
				.write(("GET /actuator/prometheus HTTP/1.0\r\nHost: 127.0.0.1\r\n"
						+ "Accept: text/plain;version=0.0.4\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
		if (!response.startsWith("HTTP/1.1 200") && !response.startsWith("HTTP/1.0 200")) {
			throw new BenchmarkException("/actuator/prometheus answered " + response.lines().findFirst().orElse(""));
		}
		return new DirectBuffers(sample(response, "jvm_buffer_count_buffers"),
				sample(response, "jvm_buffer_memory_used_bytes"));
	}

	private static long sample(String body, String name) {
		for (String line : body.split("\r?\n")) {
			if (line.startsWith(name + "{") && line.contains("id=\"direct\"")) {
				return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		throw new BenchmarkException("/actuator/prometheus has no " + name + "{id=\"direct\"}");
	}

	private static void destroy(Process server) {
		if (!server.isAlive()) {
			return;
		}
		server.destroy();
		try {
			if (!server.waitFor(15, TimeUnit.SECONDS)) {
				server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			server.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

	private void printRun(RunResult result) {
		System.out.printf(Locale.ROOT, "%-8s %14s %14s %10s %14s %16s%n", "N", "ours B/conn", "all B/conn",
				"DBB inst", "direct (MXB)", "direct bytes");
		System.out.printf(Locale.ROOT, "%-8s %14s %14s %10d %14d %16d%n", "0", "-", "-",
				result.baseline().instances("java.nio.DirectByteBuffer"), result.baselineBuffers().count(),
				result.baselineBuffers().bytes());
		for (Step step : result.steps()) {
			System.out.printf(Locale.ROOT, "%-8d %14.1f %14.1f %10d %14d %16d%n", step.count(),
					result.oursPerConnection(step), result.allPerConnection(step),
					step.histogram().instances("java.nio.DirectByteBuffer"), step.buffers().count(),
					step.buffers().bytes());
		}
		if (result.steps().size() > 1) {
			Step first = result.steps().get(0);
			Step last = result.steps().get(result.steps().size() - 1);
			int n = last.count() - first.count();
			System.out.printf(Locale.ROOT, "marginal %d->%d: ours %.1f B/conn, all %.1f B/conn%n", first.count(),
					last.count(), (last.histogram().ourBytes() - first.histogram().ourBytes()) / (double) n,
					(last.histogram().totalBytes() - first.histogram().totalBytes()) / (double) n);
		}
	}

	private void printSummary(List<RunResult> runs) {
		System.out.printf(Locale.ROOT, "%n## Medians over %d run(s)%n%n", runs.size());
		System.out.println("| N | ours (io.echoreactor.*) B/conn | all classes B/conn | DirectByteBuffer instances |"
				+ " direct buffers (MXBean) | direct bytes (MXBean) |");
		System.out.println("|---:|---:|---:|---:|---:|---:|");
		System.out.printf(Locale.ROOT, "| 0 (baseline) | - | - | %.0f | %.0f | %.0f |%n",
				median(runs, (r) -> r.baseline().instances("java.nio.DirectByteBuffer")),
				median(runs, (r) -> r.baselineBuffers().count()), median(runs, (r) -> r.baselineBuffers().bytes()));
		for (int i = 0; i < this.options.counts().size(); i++) {
			int index = i;
			System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.0f | %.0f | %.0f |%n", this.options.counts().get(i),
					median(runs, (r) -> r.oursPerConnection(r.steps().get(index))),
					median(runs, (r) -> r.allPerConnection(r.steps().get(index))),
					median(runs, (r) -> r.steps().get(index).histogram().instances("java.nio.DirectByteBuffer")),
					median(runs, (r) -> r.steps().get(index).buffers().count()),
					median(runs, (r) -> r.steps().get(index).buffers().bytes()));
		}
		int last = this.options.counts().size() - 1;
		int n = this.options.counts().get(last);
		Map<String, Double> bytes = new TreeMap<>();
		Map<String, Double> instances = new TreeMap<>();
		for (RunResult run : runs) {
			for (String name : run.steps().get(last).histogram().classes().keySet()) {
				bytes.computeIfAbsent(name,
						(key) -> median(runs, (r) -> r.delta(r.steps().get(last), key).bytes() / (double) n));
				instances.computeIfAbsent(name,
						(key) -> median(runs, (r) -> r.delta(r.steps().get(last), key).instances() / (double) n));
			}
		}
		System.out.printf(Locale.ROOT, "%n## Per connection at N = %d, by class (median over runs)%n%n", n);
		System.out.println("| class | instances/conn | bytes/conn |");
		System.out.println("|---|---:|---:|");
		List<String> ours = bytes.keySet().stream().filter((name) -> name.startsWith(OUR_PACKAGE)).toList();
		for (String name : ours) {
			if (Math.abs(bytes.get(name)) >= 0.05) {
				System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f |%n", name, instances.get(name), bytes.get(name));
			}
		}
		List<String> top = bytes.keySet()
			.stream()
			.filter((name) -> !name.startsWith(OUR_PACKAGE))
			.sorted(Comparator.comparingDouble((String name) -> -bytes.get(name)))
			.limit(TOP_CLASSES)
			.toList();
		double shown = 0;
		for (String name : top) {
			shown += bytes.get(name);
			System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f |%n", name, instances.get(name), bytes.get(name));
		}
		double all = median(runs, (r) -> r.allPerConnection(r.steps().get(last)));
		double oursTotal = median(runs, (r) -> r.oursPerConnection(r.steps().get(last)));
		System.out.printf(Locale.ROOT, "| (all other classes) | | %.1f |%n", all - oursTotal - shown);
		System.out.printf(Locale.ROOT, "| **total** | | **%.1f** |%n", all);
	}

	private static double median(List<RunResult> runs, ToDoubleFunction<RunResult> value) {
		double[] values = runs.stream().mapToDouble(value).sorted().toArray();
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

	private record Options(String classpath, List<Integer> counts, int runs, int reactors, Path out, Duration timeout,
			List<String> serverJvmArgs, List<String> serverArgs) {

		static Options parse(String[] args) {
			String classpath = null;
			List<Integer> counts = List.of(5000, 9000);
			int runs = 3;
			int reactors = 2;
			Path out = Path.of("target", "idle-memory");
			Duration timeout = Duration.ofMinutes(10);
			List<String> serverJvmArgs = new ArrayList<>();
			List<String> serverArgs = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				String name = args[i];
				if (i + 1 >= args.length) {
					throw new IllegalArgumentException(name + " needs a value");
				}
				String value = args[++i];
				switch (name) {
					case "--classpath" -> classpath = value;
					case "--counts" ->
						counts = Arrays.stream(value.split(",")).map((count) -> positive(name, count)).toList();
					case "--runs" -> runs = positive(name, value);
					case "--reactors" -> reactors = positive(name, value);
					case "--out" -> out = Path.of(value);
					case "--timeout-seconds" -> timeout = Duration.ofSeconds(positive(name, value));
					case "--server-jvm-arg" -> serverJvmArgs.add(value);
					case "--server-arg" -> serverArgs.add(value);
					default -> throw new IllegalArgumentException("unknown option " + name);
				}
			}
			if (classpath == null) {
				throw new IllegalArgumentException("--classpath is required");
			}
			for (int i = 1; i < counts.size(); i++) {
				if (counts.get(i) <= counts.get(i - 1)) {
					throw new IllegalArgumentException("--counts must increase, got " + counts);
				}
			}
			if (counts.get(counts.size() - 1) > 9500) {
				// Server and client each have a 20,000 descriptor limit; stay well inside it.
				throw new IllegalArgumentException("--counts must stay at or below 9500, got " + counts);
			}
			return new Options(classpath, counts, runs, reactors, out, timeout, List.copyOf(serverJvmArgs),
					List.copyOf(serverArgs));
		}

		private static int positive(String name, String value) {
			try {
				int parsed = Integer.parseInt(value.trim());
				if (parsed > 0) {
					return parsed;
				}
			}
			catch (NumberFormatException ex) {
				// Reported below
			}
			throw new IllegalArgumentException(name + " must be a positive integer, got '" + value + "'");
		}

	}

	private record Ports(int echo, int http) {
	}

	private record DirectBuffers(long count, long bytes) {
	}

	private record Step(int count, Histogram histogram, DirectBuffers buffers) {
	}

	private record Entry(long instances, long bytes) {
	}

	private record RunResult(int run, Histogram baseline, DirectBuffers baselineBuffers, List<Step> steps) {

		double oursPerConnection(Step step) {
			return (step.histogram().ourBytes() - this.baseline.ourBytes()) / (double) step.count();
		}

		double allPerConnection(Step step) {
			return (step.histogram().totalBytes() - this.baseline.totalBytes()) / (double) step.count();
		}

		Entry delta(Step step, String name) {
			Entry after = step.histogram().classes().getOrDefault(name, new Entry(0, 0));
			Entry before = this.baseline.classes().getOrDefault(name, new Entry(0, 0));
			return new Entry(after.instances() - before.instances(), after.bytes() - before.bytes());
		}

	}

	private record Histogram(Map<String, Entry> classes, long totalBytes) {

		static Histogram parse(List<String> lines) {
			Map<String, Entry> classes = new LinkedHashMap<>();
			long total = -1;
			for (String line : lines) {
				Matcher entry = HISTOGRAM_LINE.matcher(line);
				if (entry.matches()) {
					String name = HIDDEN_CLASS_SUFFIX.matcher(entry.group(3)).replaceFirst("$1");
					Entry parsed = new Entry(Long.parseLong(entry.group(1)), Long.parseLong(entry.group(2)));
					classes.merge(name, parsed,
							(a, b) -> new Entry(a.instances() + b.instances(), a.bytes() + b.bytes()));
					continue;
				}
				Matcher totals = HISTOGRAM_TOTAL.matcher(line);
				if (totals.matches()) {
					total = Long.parseLong(totals.group(2));
				}
			}
			if (total < 0 || classes.isEmpty()) {
				throw new BenchmarkException(
						"unexpected GC.class_histogram output: " + lines.stream().limit(5).toList());
			}
			return new Histogram(classes, total);
		}

		long ourBytes() {
			return this.classes.entrySet()
				.stream()
				.filter((entry) -> entry.getKey().startsWith(OUR_PACKAGE))
				.mapToLong((entry) -> entry.getValue().bytes())
				.sum();
		}

		long instances(String name) {
			Entry entry = this.classes.get(name);
			return (entry != null) ? entry.instances() : 0;
		}

	}

	/** A failure with a message that says what went wrong; printed without a stack trace. */
	private static final class BenchmarkException extends RuntimeException {

		BenchmarkException(String message) {
			super(message);
		}

	}

}

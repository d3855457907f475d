import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up time and footprint at rest of one way of starting the application, measured
 * from outside: launches the given command as a child process (on free ports it appends
 * as arguments), polls {@code /actuator/health/readiness} every 10 ms until it reports
 * UP, and records the wall time from launch and the CPU time the process had used by
 * then. It then leaves the process alone for the rest period (60 s) and reads VmRSS,
 * RssAnon, RssFile and Threads from {@code /proc/PID/status} and every thread's name
 * from {@code /proc/PID/task/}{@code *}{@code /comm}; only then does it touch the process
 * again: one {@code /actuator/prometheus} scrape and one liveness probe, each timed, the
 * RSS after them, and (first run only) {@code jcmd PID Thread.print} for the full thread
 * names. SIGTERM ends the process; the next run starts a fresh one.
 *
 * <p>
 * Run through {@code benchmarks/footprint/startup.sh}. Usage:
 * {@code java benchmarks/footprint/StartupFootprint.java --label L [--runs 1]
 * [--first-run 1] [--rest-seconds 60] [--timeout-seconds 120] [--dir DIR]
 * [--env NAME=VALUE]... [--jcmd PATH] [--raw FILE] [--log-dir DIR] -- COMMAND...} prints
 * one line per run and appends it, tab-separated, to FILE;
 * {@code java benchmarks/footprint/StartupFootprint.java --summarize FILE} prints the
 * medians per label as a Markdown table. The process's output goes to {@code DIR/LABEL-N.log}.
 */
public final class StartupFootprint {

	private static final Pattern STARTED = Pattern
		.compile("Started EchoApplication in ([0-9.]+) seconds \\(process running for ([0-9.]+)\\)");

	private static final long CLOCK_TICKS_PER_SECOND = 100;

	public static void main(String[] args) throws Exception {
		if (args.length == 2 && args[0].equals("--summarize")) {
			summarize(Path.of(args[1]));
			return;
		}
		Options options = Options.parse(args);
		List<Run> runs = new ArrayList<>();
		for (int i = 0; i < options.runs; i++) {
			int number = options.firstRun + i;
			Run run = measure(options, number);
			runs.add(run);
			System.out.println(options.label + " run " + number + ": " + run);
			if (options.raw != null) {
				Files.writeString(options.raw, run.tsv(options.label, number) + "\n", StandardCharsets.UTF_8,
						StandardOpenOption.CREATE, StandardOpenOption.APPEND);
			}
		}
	}

	/** Medians per variant, in the order the variants first appear, from the lines {@link Run#tsv} wrote. */
	private static void summarize(Path raw) throws IOException {
		Map<String, List<String[]>> byLabel = new LinkedHashMap<>();
		for (String line : Files.readAllLines(raw)) {
			String[] fields = line.split("\t");
			byLabel.computeIfAbsent(fields[0], (label) -> new ArrayList<>()).add(fields);
		}
		System.out.println("| variant | runs | ready ms, median (min-max) | JVM uptime at \"Started\" s "
				+ "| CPU ms at ready | RSS at rest MiB (anon + file) | threads at rest | first scrape ms "
				+ "| RSS after it MiB | load avg |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
		byLabel.forEach((label, runs) -> System.out.printf(Locale.ROOT,
				"| %s | %d | %.0f (%.0f-%.0f) | %.2f | %.0f | %.1f (%.1f + %.1f) | %.0f | %.0f | %.1f | %.1f |%n", label,
				runs.size(), median(runs, 3), min(runs, 3), max(runs, 3), median(runs, 15), median(runs, 4),
				median(runs, 6), median(runs, 7), median(runs, 8), median(runs, 9), median(runs, 10),
				median(runs, 12), median(runs, 2)));
		System.out.println();
		byLabel.forEach((label, runs) -> {
			System.out.println(label + ", threads at rest (last run): " + runs.get(runs.size() - 1)[13]);
			System.out.println(label + ", CPU ms by thread at ready (last run): " + runs.get(runs.size() - 1)[14]);
		});
	}

	private static double median(List<String[]> runs, int field) {
		double[] values = runs.stream().mapToDouble((run) -> Double.parseDouble(run[field])).sorted().toArray();
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

	private static double min(List<String[]> runs, int field) {
		return runs.stream().mapToDouble((run) -> Double.parseDouble(run[field])).min().orElse(Double.NaN);
	}

	private static double max(List<String[]> runs, int field) {
		return runs.stream().mapToDouble((run) -> Double.parseDouble(run[field])).max().orElse(Double.NaN);
	}

	private static Run measure(Options options, int index) throws Exception {
		int httpPort = freePort();
		int echoPort = freePort();
		List<String> command = new ArrayList<>(options.command);
		command.add("--server.port=" + httpPort);
		command.add("--echo.server.port=" + echoPort);
		command.add("--echo.server.udp.port=" + echoPort);
		Path log = options.logDir.resolve(options.label.replaceAll("[^A-Za-z0-9.-]+", "_") + "-" + index + ".log");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		if (options.dir != null) {
			builder.directory(options.dir.toFile());
		}
		builder.environment().putAll(options.environment);
		double load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
		long launched = System.nanoTime();
		Process process = builder.start();
		try {
			long deadline = launched + TimeUnit.SECONDS.toNanos(options.timeoutSeconds);
			while (!ready(httpPort)) {
				if (!process.isAlive()) {
					throw new IllegalStateException("exited with " + process.exitValue() + "; see " + log);
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("not ready within " + options.timeoutSeconds + " s; see " + log);
				}
				Thread.sleep(10);
			}
			long readyNanos = System.nanoTime() - launched;
			long pid = process.pid();
			double cpuMillis = cpuMillis(pid);
			Map<String, Double> cpuByThread = cpuMillisByThread(pid);
			Thread.sleep(TimeUnit.SECONDS.toMillis(options.restSeconds));
			Map<String, String> status = status(pid);
			Map<String, Integer> names = threadNames(pid);
			long scrapeStart = System.nanoTime();
			String scrape = get(httpPort, "/actuator/prometheus");
			double scrapeMillis = (System.nanoTime() - scrapeStart) / 1e6;
			if (!scrape.contains(" 200 ") || !scrape.contains("echo_connections_active")) {
				throw new IllegalStateException("scrape failed: " + scrape.lines().findFirst().orElse(""));
			}
			long livenessStart = System.nanoTime();
			String liveness = get(httpPort, "/actuator/health/liveness");
			double livenessMillis = (System.nanoTime() - livenessStart) / 1e6;
			if (!liveness.contains("\"status\":\"UP\"")) {
				throw new IllegalStateException("liveness: " + liveness);
			}
			double rssAfterScrape = kib(status(pid).get("VmRSS")) / 1024.0;
			if (index == 1 && options.jcmd != null) {
				Path dump = options.logDir.resolve(log.getFileName().toString().replace(".log", "-threads.txt"));
				new ProcessBuilder(options.jcmd, Long.toString(pid), "Thread.print").redirectErrorStream(true)
					.redirectOutput(dump.toFile())
					.start()
					.waitFor(60, TimeUnit.SECONDS);
			}
			Matcher started = STARTED.matcher(Files.readString(log));
			boolean found = started.find();
			double bootSeconds = found ? Double.parseDouble(started.group(1)) : Double.NaN;
			double uptimeSeconds = found ? Double.parseDouble(started.group(2)) : Double.NaN;
			return new Run(load, readyNanos / 1e6, cpuMillis, bootSeconds, kib(status.get("VmRSS")) / 1024.0,
					kib(status.get("RssAnon")) / 1024.0, kib(status.get("RssFile")) / 1024.0,
					Integer.parseInt(status.get("Threads").trim()), scrapeMillis, livenessMillis, rssAfterScrape,
					names, cpuByThread, uptimeSeconds);
		}
		finally {
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				process.waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	private static boolean ready(int port) {
		try {
			return get(port, "/actuator/health/readiness").contains("\"status\":\"UP\"");
		}
		catch (IOException ex) {
			// Not listening yet.
			return false;
		}
	}

	/** One HTTP/1.1 GET on a fresh connection, as a kubelet probe or a scrape makes it. */
	private static String get(int port, String path) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			ByteArrayOutputStream response = new ByteArrayOutputStream();
			in.transferTo(response);
			return response.toString(StandardCharsets.UTF_8);
		}
	}

	private static double cpuMillis(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
		// The command name (field 2) may hold spaces; the fields after it are counted from its ")".
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
		return ticks * 1000.0 / CLOCK_TICKS_PER_SECOND;
	}

	/** CPU time each thread (names folded as in {@link #threadNames}) had used, largest first. */
	private static Map<String, Double> cpuMillisByThread(long pid) throws IOException {
		Map<String, Double> cpu = new TreeMap<>();
		try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path task : tasks.toList()) {
				try {
					String name = fold(Files.readString(task.resolve("comm")).strip());
					String stat = Files.readString(task.resolve("stat"));
					String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
					double millis = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000.0
							/ CLOCK_TICKS_PER_SECOND;
					cpu.merge(name, millis, Double::sum);
				}
				catch (IOException ex) {
					// The thread ended while listing.
				}
			}
		}
		Map<String, Double> sorted = new LinkedHashMap<>();
		cpu.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() > 0)
			.sorted(Map.Entry.<String, Double>comparingByValue().reversed())
			.forEach((entry) -> sorted.put(entry.getKey(), entry.getValue()));
		return sorted;
	}

	private static Map<String, String> status(long pid) throws IOException {
		Map<String, String> status = new LinkedHashMap<>();
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
			int colon = line.indexOf(':');
			status.put(line.substring(0, colon), line.substring(colon + 1).trim());
		}
		return status;
	}

	/** Thread names (the kernel keeps 15 characters), digits folded to '#', with counts. */
	private static Map<String, Integer> threadNames(long pid) throws IOException {
		Map<String, Integer> names = new TreeMap<>();
		try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path task : tasks.toList()) {
				try {
					String name = fold(Files.readString(task.resolve("comm")).strip());
					names.merge(name, 1, Integer::sum);
				}
				catch (IOException ex) {
					// The thread ended while listing.
				}
			}
		}
		return names;
	}

	/** Digits folded to '#' (reactor, worker and port numbers), except C1's and C2's. */
	private static String fold(String name) {
		return name.startsWith("C1 ") || name.startsWith("C2 ") ? name.substring(0, 3) + name.substring(3).replaceAll("[0-9]+", "#")
				: name.replaceAll("[0-9]+", "#");
	}

	private static long kib(String value) {
		return Long.parseLong(value.replace("kB", "").trim());
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	record Run(double loadAverage, double readyMillis, double cpuMillisAtReady, double bootStartedSeconds, double rssMiB,
			double rssAnonMiB, double rssFileMiB, int threads, double firstScrapeMillis, double firstLivenessMillis,
			double rssAfterScrapeMiB, Map<String, Integer> threadNames, Map<String, Double> cpuMillisByThread,
			double uptimeAtStartedSeconds) {

		String tsv(String label, int number) {
			return String.join("\t", label, Integer.toString(number), format(this.loadAverage), format(this.readyMillis),
					format(this.cpuMillisAtReady), format(this.bootStartedSeconds), format(this.rssMiB),
					format(this.rssAnonMiB), format(this.rssFileMiB), Integer.toString(this.threads),
					format(this.firstScrapeMillis), format(this.firstLivenessMillis), format(this.rssAfterScrapeMiB),
					this.threadNames.toString(), this.cpuMillisByThread.toString(),
					format(this.uptimeAtStartedSeconds));
		}

		private static String format(double value) {
			return String.format(Locale.ROOT, "%.2f", value);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT,
					"load %.1f, ready %.0f ms, cpu %.0f ms, Boot says %.2f s (JVM up %.2f s), rest RSS %.1f MiB (anon %.1f, file %.1f), "
							+ "%d threads, first scrape %.0f ms, liveness %.0f ms, RSS after %.1f MiB",
					this.loadAverage, this.readyMillis, this.cpuMillisAtReady, this.bootStartedSeconds,
					this.uptimeAtStartedSeconds, this.rssMiB, this.rssAnonMiB,
					this.rssFileMiB, this.threads, this.firstScrapeMillis, this.firstLivenessMillis,
					this.rssAfterScrapeMiB);
		}

	}

	static final class Options {

		String label = "app";

		int runs = 1;

		int restSeconds = 60;

		int timeoutSeconds = 120;

		Path dir;

		Path raw;

		int firstRun = 1;

		Path logDir = Path.of(".");

		String jcmd;

		final Map<String, String> environment = new LinkedHashMap<>();

		final List<String> command = new ArrayList<>();

		static Options parse(String[] args) {
			Options options = new Options();
			for (int i = 0; i < args.length; i++) {
				switch (args[i]) {
					case "--label" -> options.label = args[++i];
					case "--runs" -> options.runs = Integer.parseInt(args[++i]);
					case "--rest-seconds" -> options.restSeconds = Integer.parseInt(args[++i]);
					case "--timeout-seconds" -> options.timeoutSeconds = Integer.parseInt(args[++i]);
					case "--dir" -> options.dir = Path.of(args[++i]);
					case "--raw" -> options.raw = Path.of(args[++i]);
					case "--first-run" -> options.firstRun = Integer.parseInt(args[++i]);
					case "--log-dir" -> options.logDir = Path.of(args[++i]);
					case "--jcmd" -> options.jcmd = args[++i];
					case "--env" -> {
						String assignment = args[++i];
						int equals = assignment.indexOf('=');
						options.environment.put(assignment.substring(0, equals), assignment.substring(equals + 1));
					}
					case "--" -> {
						options.command.addAll(Arrays.asList(args).subList(i + 1, args.length));
						i = args.length;
					}
					default -> throw new IllegalArgumentException("unknown option " + args[i]);
				}
			}
			if (options.command.isEmpty() || options.runs < 1) {
				throw new IllegalArgumentException("usage: --label L [--runs N] ... -- COMMAND...");
			}
			return options;
		}

	}

}

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the commands of the README and of the pages it links as a newcomer copies them, so that a
 * command that stops working, or stops printing what the page says it prints, fails the build.
 *
 * <p>Usage: {@code java .ci/DocCommands.java [page.md ...]}, from the repository's root; with no page,
 * README.md and then every page under {@code docs/} and {@code helm/} it links, in the order linked.
 *
 * <ul>
 * <li>A {@code bash} block runs line by line (a trailing {@code \} continues a line; {@code #} lines are
 * comments); each command must exit 0.</li>
 * <li>A {@code console} block holds {@code $ command} lines, each followed by what it prints: every line of
 * the output must match, in order, where {@code ...} inside a line matches any text and a line of its own
 * matches any number of lines.</li>
 * <li>A command that starts the service ({@code ./mvnw spring-boot:run}, or {@code java -jar
 * target/echo-reactor-0.1.0.jar} without {@code bench}) runs in the background until the next such
 * command or the end of its page; the next command waits for its readiness on the Actuator port
 * ({@code --server.port}, else 8081).</li>
 * <li>Commands that need a container engine or a cluster ({@code docker}, {@code kind}, {@code helm},
 * {@code kubectl}), with the other commands of their block (a {@code curl} after a {@code kubectl
 * port-forward} reaches the cluster too), and the test command ({@code ./mvnw verify}, the step before this
 * one) are listed, not run.</li>
 * </ul>
 * Other blocks ({@code yaml}, plain fences) are examples to read, never run. Files a command leaves in the
 * working directory are removed at the end. Every address the pages use must be loopback:
 * {@code echo.example.com} has to resolve to 127.0.0.1 (CI writes it into /etc/hosts).
 */
public class DocCommands {

	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration READINESS_TIMEOUT = Duration.ofSeconds(120);

	private static final Pattern FENCE = Pattern.compile("^```\\s*([\\w-]*)\\s*$");

	private static final Pattern LINKED_PAGE = Pattern.compile("\\]\\(((?:docs/[\\w-]+|helm/[\\w/.-]+/README)\\.md)");

	private static final Pattern ENVIRONMENT = Pattern.compile("^(?:[A-Z_][A-Z0-9_]*=\\S*\\s+)*");

	private static final Pattern SERVICE = Pattern
		.compile("^(?:\\./mvnw\\b.*\\bspring-boot:run\\b.*|java\\s.*-jar\\s+target/echo-reactor-[\\w.-]+\\.jar(?!\\s+bench\\b).*)$",
				Pattern.DOTALL);

	private static final Pattern SERVER_PORT = Pattern.compile("--server\\.port=(\\d+)");

	private static final Set<String> NOT_RUN_PROGRAMS = Set.of("docker", "kind", "helm", "kubectl");

	private static final Pattern NOT_RUN_COMMAND = Pattern.compile("^\\./mvnw(?:\\s+-B)?\\s+verify\\b.*");

	private static final Set<String> EXAMPLE_HOSTS = Set.of("echo.example.com");

	record Command(Path page, int line, String text, List<String> expected, boolean checksOutput,
			boolean needsACluster) {

		String where() {
			return this.page + ":" + this.line;
		}

		String firstLine() {
			String first = this.text.lines().findFirst().orElse("");
			return (this.text.contains("\n")) ? first + " ..." : first;
		}

	}

	private final Path root;

	private final List<String> failures = new ArrayList<>();

	private int run;

	private int notRun;

	private Process service;

	private int servicePort;

	DocCommands(Path root) {
		this.root = root;
	}

	public static void main(String[] args) throws Exception {
		Path root = Path.of("").toAbsolutePath();
		List<Path> pages = new ArrayList<>();
		for (String arg : args) {
			pages.add(Path.of(arg));
		}
		if (pages.isEmpty()) {
			pages = readmeAndLinkedPages(root);
		}
		DocCommands commands = new DocCommands(root);
		System.exit(commands.runPages(pages) ? 0 : 1);
	}

	static List<Path> readmeAndLinkedPages(Path root) throws IOException {
		Set<Path> pages = new LinkedHashSet<>();
		pages.add(Path.of("README.md"));
		Matcher links = LINKED_PAGE.matcher(Files.readString(root.resolve("README.md")));
		while (links.find()) {
			pages.add(Path.of(links.group(1)));
		}
		return new ArrayList<>(pages);
	}

	boolean runPages(List<Path> pages) throws Exception {
		Set<Path> before = entries(this.root);
		try {
			for (Path page : pages) {
				List<Command> commands = parse(page, Files.readAllLines(this.root.resolve(page)));
				if (commands.isEmpty()) {
					continue;
				}
				System.out.printf("%n%s: %d commands%n", page, commands.size());
				try {
					for (Command command : commands) {
						try {
							runCommand(command);
						}
						catch (IllegalStateException ex) {
							System.out.printf("  FAILED   %-32s %s: %s%n", command.where(), command.firstLine(),
									ex.getMessage());
							this.failures.add(command.where() + " " + command.firstLine() + ": " + ex.getMessage());
						}
					}
				}
				finally {
					stopService();
				}
			}
		}
		finally {
			for (Path left : entries(this.root)) {
				if (!before.contains(left) && Files.isRegularFile(left)) {
					Files.delete(left);
				}
			}
		}
		System.out.printf("%n%d commands run, %d listed but not run, %d failed%n", this.run, this.notRun,
				this.failures.size());
		this.failures.forEach((failure) -> System.out.println("FAILED " + failure));
		return this.failures.isEmpty();
	}

	static List<Command> parse(Path page, List<String> lines) {
		List<Command> commands = new ArrayList<>();
		List<Command> block = new ArrayList<>();
		String language = null;
		int indentation = 0;
		StringBuilder text = null;
		int start = 0;
		List<String> expected = null;
		for (int i = 0; i < lines.size(); i++) {
			// A fence may be indented, inside a list item; so is its content.
			String raw = lines.get(i);
			Matcher fence = FENCE.matcher(raw.strip());
			if (language == null) {
				if (fence.matches()) {
					language = fence.group(1);
					indentation = raw.indexOf('`');
					expected = null;
				}
				continue;
			}
			String line = raw.substring(Math.min(indentation, raw.length() - raw.stripLeading().length()));
			if (fence.matches() && fence.group(1).isEmpty()) {
				if (text != null) {
					block.add(new Command(page, start, text.toString(), expected, language.equals("console"), false));
					text = null;
				}
				// A block that reaches a cluster (kubectl port-forward, say) runs its other commands there too.
				boolean needsACluster = block.stream().anyMatch(DocCommands::reachesACluster);
				block.forEach((command) -> commands.add(new Command(command.page(), command.line(), command.text(),
						command.expected(), command.checksOutput(), needsACluster)));
				block.clear();
				language = null;
				continue;
			}
			boolean continued = text != null && text.toString().endsWith("\\");
			if (continued) {
				text.append('\n').append(line);
				continue;
			}
			if (language.equals("bash")) {
				if (text != null) {
					block.add(new Command(page, start, text.toString(), List.of(), false, false));
					text = null;
				}
				if (!line.isBlank() && !line.strip().startsWith("#")) {
					text = new StringBuilder(line);
					start = i + 1;
				}
			}
			else if (language.equals("console")) {
				if (line.startsWith("$ ")) {
					if (text != null) {
						block.add(new Command(page, start, text.toString(), expected, true, false));
					}
					text = new StringBuilder(line.substring(2));
					start = i + 1;
					expected = new ArrayList<>();
				}
				else if (expected != null) {
					expected.add(line);
				}
			}
		}
		return commands;
	}

	private static String program(Command command) {
		return ENVIRONMENT.matcher(command.text()).replaceFirst("");
	}

	private static boolean reachesACluster(Command command) {
		return NOT_RUN_PROGRAMS.contains(program(command).split("\\s+", 2)[0]);
	}

	private void runCommand(Command command) throws Exception {
		String program = program(command);
		if (command.needsACluster() || NOT_RUN_COMMAND.matcher(program).matches()) {
			this.notRun++;
			System.out.printf("  not run  %-32s %s%n", command.where(), command.firstLine());
			return;
		}
		checkExampleHostsAreLoopback(command);
		this.run++;
		if (SERVICE.matcher(program).matches()) {
			startService(command);
			return;
		}
		awaitReadiness();
		long started = System.nanoTime();
		// pipefail: in "bench --json ... | tail -n 1" bench's status is the one that counts.
		Process process = new ProcessBuilder("bash", "-o", "pipefail", "-c", command.text()).directory(this.root.toFile())
			.redirectErrorStream(true)
			.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
			.start();
		byte[] output = readBounded(process);
		double seconds = (System.nanoTime() - started) / 1e9;
		String printed = new String(output, StandardCharsets.UTF_8);
		String problem = null;
		String detail = "";
		if (process.isAlive()) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
			problem = "still running after " + COMMAND_TIMEOUT.toSeconds() + " s";
		}
		else if (process.exitValue() != 0) {
			problem = "exit status " + process.exitValue();
		}
		else if (command.checksOutput() && !matches(command.expected(), printed.lines().toList())) {
			problem = "printed what the page does not say";
			detail = "    the page says:\n" + indent(String.join("\n", command.expected())) + "\n";
		}
		if (problem == null) {
			System.out.printf("  ok       %-32s %s (%.1f s)%n", command.where(), command.firstLine(), seconds);
			return;
		}
		System.out.printf("  FAILED   %-32s %s: %s%n", command.where(), command.firstLine(), problem);
		System.out.print(detail);
		System.out.println("    it printed:");
		System.out.println(indent(tail(printed, 40)));
		this.failures.add(command.where() + " " + command.firstLine() + ": " + problem);
	}

	private static byte[] readBounded(Process process) throws Exception {
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		Thread reader = new Thread(() -> {
			try (InputStream in = process.getInputStream()) {
				in.transferTo(buffer);
			}
			catch (IOException ex) {
				// The process was killed at its timeout; what it printed so far is reported.
			}
		});
		reader.setDaemon(true);
		reader.start();
		if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
			return buffer.toByteArray();
		}
		reader.join(TimeUnit.SECONDS.toMillis(10));
		return buffer.toByteArray();
	}

	/**
	 * Whether the output matches the page: line by line, where {@code ...} within a line is any text and
	 * a line of its own any number of lines.
	 */
	static boolean matches(List<String> expected, List<String> actual) {
		return matches(expected, 0, actual, 0);
	}

	private static boolean matches(List<String> expected, int e, List<String> actual, int a) {
		if (e == expected.size()) {
			return a == actual.size();
		}
		String line = expected.get(e).stripTrailing();
		if (line.equals("...")) {
			for (int skip = a; skip <= actual.size(); skip++) {
				if (matches(expected, e + 1, actual, skip)) {
					return true;
				}
			}
			return false;
		}
		if (a == actual.size()) {
			return false;
		}
		String pattern = Stream.of(line.split("\\.\\.\\.", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
		return Pattern.matches(pattern, actual.get(a).stripTrailing()) && matches(expected, e + 1, actual, a + 1);
	}

	private void startService(Command command) throws Exception {
		stopService();
		Matcher port = SERVER_PORT.matcher(command.text());
		this.servicePort = port.find() ? Integer.parseInt(port.group(1)) : 8081;
		if (answers(this.servicePort)) {
			String problem = "port " + this.servicePort + " already answers before the service starts: stop what holds it";
			System.out.printf("  FAILED   %-32s %s: %s%n", command.where(), command.firstLine(), problem);
			this.failures.add(command.where() + " " + command.firstLine() + ": " + problem);
			return;
		}
		Path log = Files.createTempFile("doc-commands-service", ".log");
		this.service = new ProcessBuilder("setsid", "bash", "-o", "pipefail", "-c", command.text())
			.directory(this.root.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
			.start();
		System.out.printf("  started  %-32s %s (log: %s)%n", command.where(), command.firstLine(), log);
		try {
			awaitReadiness();
		}
		catch (IllegalStateException ex) {
			this.failures.add(command.where() + " " + command.firstLine() + ": " + ex.getMessage());
			System.out.printf("  FAILED   %-32s %s: %s%n", command.where(), command.firstLine(), ex.getMessage());
			System.out.println(indent(tail(Files.readString(log), 40)));
			stopService();
		}
	}

	private static boolean answers(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private void awaitReadiness() throws Exception {
		if (this.service == null) {
			return;
		}
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		URI readiness = URI.create("http://127.0.0.1:" + this.servicePort + "/actuator/health/readiness");
		long deadline = System.nanoTime() + READINESS_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.service.isAlive()) {
				throw new IllegalStateException("the service exited with status " + this.service.exitValue());
			}
			try {
				HttpResponse<String> response = http.send(
						HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
						HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			this.service.waitFor(200, TimeUnit.MILLISECONDS);
		}
		throw new IllegalStateException("not ready within " + READINESS_TIMEOUT.toSeconds() + " s");
	}

	private void stopService() throws Exception {
		Process stopping = this.service;
		if (stopping == null) {
			return;
		}
		this.service = null;
		// The whole process group: ./mvnw spring-boot:run forks the application's JVM.
		new ProcessBuilder("kill", "-TERM", "--", "-" + stopping.pid()).start().waitFor();
		if (!stopping.waitFor(60, TimeUnit.SECONDS)) {
			new ProcessBuilder("kill", "-KILL", "--", "-" + stopping.pid()).start().waitFor();
			stopping.waitFor(10, TimeUnit.SECONDS);
		}
		awaitGroupGone(stopping.pid());
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (answers(this.servicePort) && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
	}

	private static void awaitGroupGone(long group) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline) {
			Process probe = new ProcessBuilder("pgrep", "-g", Long.toString(group)).start();
			probe.getInputStream().readAllBytes();
			if (probe.waitFor() != 0) {
				return;
			}
			Thread.sleep(100);
		}
		new ProcessBuilder("kill", "-KILL", "--", "-" + group).start().waitFor();
	}

	private static void checkExampleHostsAreLoopback(Command command) {
		for (String host : EXAMPLE_HOSTS) {
			if (!command.text().contains(host)) {
				continue;
			}
			try {
				for (InetAddress address : InetAddress.getAllByName(host)) {
					if (!address.isLoopbackAddress()) {
						throw new IllegalStateException(command.where() + " uses " + host + ", which resolves to "
								+ address.getHostAddress() + ": point it at 127.0.0.1 (in /etc/hosts) to run the docs");
					}
				}
			}
			catch (UnknownHostException ex) {
				throw new IllegalStateException(command.where() + " uses " + host
						+ ", which does not resolve: point it at 127.0.0.1 (in /etc/hosts) to run the docs");
			}
		}
	}

	private static Set<Path> entries(Path directory) throws IOException {
		try (Stream<Path> entries = Files.list(directory)) {
			return entries.collect(Collectors.toSet());
		}
	}

	private static String tail(String text, int lines) {
		List<String> all = text.lines().toList();
		return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
	}

	private static String indent(String text) {
		return text.lines().map((line) -> "      " + line).collect(Collectors.joining("\n"));
	}

}

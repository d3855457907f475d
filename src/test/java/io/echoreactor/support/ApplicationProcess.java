package io.echoreactor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application as a child process, for tests whose subject is the process: started
 * from this JVM's classpath, its output in a file, its ports read from its log.
 */
public final class ApplicationProcess implements AutoCloseable {

	private static final Pattern ECHO_STARTED = Pattern.compile("Echo server started on \\S+:(\\d+) ");

	private static final Pattern TLS_STARTED = Pattern.compile("; TLS on \\S+:(\\d+)");

	private static final Pattern UDP_STARTED = Pattern.compile("; UDP on \\S+:(\\d+) ");

	private static final Pattern TOMCAT_STARTED = Pattern.compile("Tomcat started on port (\\d+) ");

	private final Process process;

	private final Path log;

	private ApplicationProcess(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * Start {@code io.echoreactor.EchoApplication} and wait (at most 90 s) until it has
	 * started.
	 * @param directory where to write its output
	 * @param jvmOptions options for the child JVM, such as {@code -Xmx256m}
	 * @param environment environment variables to add
	 * @param args the application's arguments
	 * @return the started process
	 * @throws IOException if it cannot be launched
	 */
	public static ApplicationProcess start(Path directory, List<String> jvmOptions, Map<String, String> environment,
			String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("io.echoreactor.EchoApplication");
		command.addAll(List.of(args));
		Path log = directory.resolve("echo-reactor.log");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().putAll(environment);
		ApplicationProcess application = new ApplicationProcess(builder.start(), log);
		await().atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> !application.process.isAlive() || application.log().contains("Started EchoApplication"));
		assertThat(application.process.isAlive()).as(() -> "process started; its output:\n" + application.log())
			.isTrue();
		return application;
	}

	/**
	 * Run {@code io.echoreactor.EchoApplication} as one that must fail to start, and wait (at
	 * most 90 s) until it has ended.
	 * @param directory where to write its output
	 * @param jvmOptions options for the child JVM, such as {@code -Xmx64m}
	 * @param args the application's arguments
	 * @return the ended process, whose {@link #log()} holds its output
	 * @throws IOException if it cannot be launched
	 */
	public static ApplicationProcess runUntilExit(Path directory, List<String> jvmOptions, String... args)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("io.echoreactor.EchoApplication");
		command.addAll(List.of(args));
		Path log = directory.resolve("echo-reactor.log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		ApplicationProcess application = new ApplicationProcess(process, log);
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> !process.isAlive());
		return application;
	}

	/** @return the process */
	public Process process() {
		return this.process;
	}

	/** @return everything the process has printed so far */
	public String log() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** @return the echo port, from the "Echo server started" line */
	public int echoPort() {
		return logged(ECHO_STARTED);
	}

	/** @return the TLS echo port beside the plain one, from the "Echo server started" line */
	public int tlsPort() {
		return logged(TLS_STARTED);
	}

	/** @return the UDP echo port, from the "Echo server started" line */
	public int udpPort() {
		return logged(UDP_STARTED);
	}

	/** @return the HTTP (Actuator) port, from the "Tomcat started" line */
	public int httpPort() {
		return logged(TOMCAT_STARTED);
	}

	private int logged(Pattern pattern) {
		String log = log();
		Matcher matcher = pattern.matcher(log);
		assertThat(matcher.find()).as(() -> pattern + " in:\n" + log).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	/**
	 * Kill the process if it still runs, and wait (at most 10 s) for it to end.
	 */
	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
	}

}

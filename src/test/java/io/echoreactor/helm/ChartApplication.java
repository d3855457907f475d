package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.echoreactor.EchoApplication;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application started as a child process the way the chart's container starts it:
 * with the container's arguments and environment, its mounted application.yml read from a
 * local directory instead, and only the ports moved to free ones on 127.0.0.1.
 */
final class ChartApplication implements AutoCloseable {

	static final Pattern HTTP_PORT = Pattern.compile("Tomcat started on port (\\d+)");

	private final Process process;

	private final Path log;

	private ChartApplication(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * Start the application and wait until its log names the HTTP port and every one of
	 * {@code awaited}.
	 * @param container the rendered container
	 * @param configDirectory the local directory that stands for the mounted ConfigMap
	 * @param ports the arguments that move the ports (and anything else) for this machine
	 * @param awaited patterns of log lines to wait for, besides the HTTP port's
	 * @return the running application
	 * @throws IOException if it cannot be started
	 */
	static ChartApplication start(Container container, Path configDirectory, List<String> ports, Pattern... awaited)
			throws IOException {
		String mounted = "file:" + container.getVolumeMounts()
			.stream()
			.filter((mount) -> mount.getName().equals("config"))
			.findFirst()
			.orElseThrow()
			.getMountPath() + "/";
		assertThat(container.getArgs()).anySatisfy((argument) -> assertThat(argument).contains(mounted));
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", classpath(), EchoApplication.class.getName()));
		container.getArgs().forEach((argument) -> command.add(argument.replace(mounted, configDirectory.toUri().toString())));
		command.addAll(ports);
		Path log = Files.createTempFile("echo-reactor-chart-application", ".log");
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		putEnvironment(builder.environment(), container);
		Process process = builder.start();
		process.getOutputStream().close();
		ChartApplication application = new ChartApplication(process, log);
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
			String output = application.output();
			if (!process.isAlive()) {
				throw new AssertionError("The application exited with " + process.exitValue() + ":\n" + output);
			}
			return HTTP_PORT.matcher(output).find()
					&& Stream.of(awaited).allMatch((pattern) -> pattern.matcher(output).find());
		});
		return application;
	}

	/**
	 * Return the number in the first log line that {@code pattern} matches.
	 * @param pattern a pattern whose first group is a port
	 * @return the port
	 * @throws IOException if the log cannot be read
	 */
	int port(Pattern pattern) throws IOException {
		Matcher matcher = pattern.matcher(output());
		assertThat(matcher.find()).as(pattern.pattern()).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	private String output() throws IOException {
		return Files.readString(this.log);
	}

	@Override
	public void close() throws IOException, InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		Files.deleteIfExists(this.log);
	}

	/**
	 * Put the container's environment into a process's, with what the downward API would
	 * give for the variables taken from the pod's fields.
	 * @param environment the process's environment
	 * @param container the rendered container
	 */
	static void putEnvironment(Map<String, String> environment, Container container) {
		Map<String, String> downwardApi = Map.of("metadata.name", EchoReactorChart.FULLNAME + "-7d4b9c-x2k8p",
				"metadata.namespace", EchoReactorChart.NAMESPACE, "spec.nodeName", "node-1");
		for (EnvVar variable : container.getEnv()) {
			if (variable.getValueFrom() != null) {
				String field = variable.getValueFrom().getFieldRef().getFieldPath();
				assertThat(downwardApi).as(variable.getName()).containsKey(field);
				environment.put(variable.getName(), downwardApi.get(field));
			}
			else {
				environment.put(variable.getName(), variable.getValue());
			}
		}
	}

	/**
	 * The test classpath less the test classes: the application as its jar would run it,
	 * plus test-only libraries that it does not pick up.
	 * @return the classpath
	 */
	static String classpath() {
		return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
			.filter((entry) -> !entry.endsWith("test-classes"))
			.collect(Collectors.joining(java.io.File.pathSeparator));
	}

}

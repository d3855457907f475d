package io.echoreactor.fuzz;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Fuzzes every {@link FuzzTargets fuzz target} for {@link FuzzTargets#MAX_DURATION}, each
 * in a JVM of its own ({@link FuzzTargetProcess} with {@code JAZZER_FUZZ=1}), one after
 * the other: part of {@code ./mvnw -Psoak verify} (tag {@code soak}). A target fails if
 * its process finds a crash, fails otherwise, exceeds its time, or did not fuzz (no
 * libFuzzer run count: Jazzer ran it as a regression test, or skipped it). A crashing
 * input is written by Jazzer into the target's committed inputs directory under
 * {@code src/test/resources}, where it becomes a regression test once committed; each
 * target's output is kept in {@code target/fuzz/}.
 */
@Tag("soak")
class FuzzSoakTests {

	// JVM start and the replay of the committed and generated inputs take seconds, but a
	// machine shared with other builds has been seen to need 90 s for them.
	private static final Duration GRACE = Duration.ofSeconds(150);

	private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");

	@TestFactory
	Stream<DynamicTest> everyTargetFuzzesForItsTimeWithoutAFinding() {
		List<Method> targets = FuzzTargets.discover();
		assertThat(targets).as("fuzz targets").isNotEmpty();
		return targets.stream().map((target) -> dynamicTest(FuzzTargets.name(target), () -> fuzz(target)));
	}

	private void fuzz(Method target) throws IOException, InterruptedException {
		String name = FuzzTargets.name(target);
		Path log = Files.createDirectories(Path.of("target", "fuzz")).resolve(name.replace('#', '.') + ".log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-ea", "-Xmx512m"));
		if (Runtime.version().feature() >= 21) {
			// Jazzer attaches its agent at run time and loads its native libFuzzer.
			command.addAll(List.of("-XX:+EnableDynamicAgentLoading", "--enable-native-access=ALL-UNNAMED"));
		}
		// Coverage instrumentation too leaves the configuration records and the PROXY header
		// record alone, as junit-platform.properties does for hooks: Jazzer 0.24 rewrites a
		// record whose components carry type annotations (@Nullable) into one whose
		// constructor no longer finds its fields (NoSuchFieldError).
		command.add("-Djazzer.instrumentation_excludes=io.echoreactor.config.EchoServerProperties**"
				+ ":io.echoreactor.proxy.ProxyHeader");
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), FuzzTargetProcess.class.getName(), name));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().put("JAZZER_FUZZ", "1");
		long start = System.nanoTime();
		Duration bound = maxDuration().plus(GRACE);
		Process process = builder.start();
		boolean exited;
		try {
			exited = process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
		}
		finally {
			if (process.isAlive()) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		String output = Files.readString(log);
		String context = String.format("%s after %d s; its output (%s), last lines:%n%s", name,
				TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), log, tail(output));
		assertThat(exited).as("%s finished within %s: %s", name, bound, context).isTrue();
		assertThat(process.exitValue()).as("exit status of %s", context).isZero();
		Matcher done = DONE.matcher(output);
		assertThat(done.find()).as("libFuzzer's run count, proof that %s fuzzed", context).isTrue();
		assertThat(Long.parseLong(done.group(1))).as("runs of %s", context).isPositive();
	}

	private static Duration maxDuration() {
		Matcher seconds = Pattern.compile("(\\d+)s").matcher(FuzzTargets.MAX_DURATION);
		assertThat(seconds.matches()).as("MAX_DURATION in seconds").isTrue();
		return Duration.ofSeconds(Long.parseLong(seconds.group(1)));
	}

	private static String tail(String output) {
		String[] lines = output.split("\n");
		return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
	}

}

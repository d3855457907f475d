package io.echoreactor.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.fail;

/**
 * Finds the command-line tools (from Debian packages) that some tests drive. A missing tool
 * skips the test with a message naming it, so {@code ./mvnw verify} passes on any fresh
 * machine; with {@code ECHO_REQUIRE_TOOLS=true} (set by {@code .ci/run}, which installs the
 * tools) a missing tool fails the test instead.
 */
public final class RequiredTools {

	private static final String REQUIRE_TOOLS = "ECHO_REQUIRE_TOOLS";

	private RequiredTools() {
	}

	/**
	 * Return the path of {@code command} on the {@code PATH}, or skip (or fail, under
	 * {@code ECHO_REQUIRE_TOOLS=true}) the calling test when there is none.
	 * @param command the command's name, such as {@code promtool}
	 * @return the command's executable
	 */
	public static Path require(String command) {
		Optional<Path> found = find(command);
		if (found.isPresent()) {
			return found.get();
		}
		String message = "'" + command + "' is not on the PATH; install it (see .ci/run) to run this test";
		if (Boolean.parseBoolean(System.getenv(REQUIRE_TOOLS))) {
			fail(message + " (" + REQUIRE_TOOLS + "=true)");
		}
		Assumptions.abort(message);
		throw new IllegalStateException("unreachable");
	}

	private static Optional<Path> find(String command) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		return Stream.of(path.split(File.pathSeparator))
			.filter((directory) -> !directory.isEmpty())
			.map((directory) -> Path.of(directory, command))
			.filter((candidate) -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
			.findFirst();
	}

}

package io.echoreactor.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.fail;

/**
 * Finds the Debian tools (promtool, prometheus, strace) that some tests drive. Where a
 * tool is missing the test is skipped with a message saying so, so that
 * {@code ./mvnw verify} passes on any machine; with the environment variable
 * {@code ECHO_REQUIRE_TOOLS=true} (set by {@code .ci/run}) a missing tool fails the test
 * instead.
 */
public final class RequiredTools {

	/** The environment variable that turns a missing tool into a failure. */
	public static final String REQUIRE_TOOLS = "ECHO_REQUIRE_TOOLS";

	private RequiredTools() {
	}

	/**
	 * Return the path of the given command, found on the {@code PATH}; skip the calling
	 * test if it is missing, or fail it under {@code ECHO_REQUIRE_TOOLS=true}.
	 * @param command the command, such as {@code promtool}
	 * @return the command's path
	 */
	public static Path require(String command) {
		return require(command, System.getenv("PATH"), Boolean.parseBoolean(System.getenv(REQUIRE_TOOLS)));
	}

	static Path require(String command, String searchPath, boolean required) {
		if (searchPath != null) {
			for (String directory : searchPath.split(File.pathSeparator)) {
				if (directory.isEmpty()) {
					continue;
				}
				Path candidate = Path.of(directory, command);
				if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		String missing = "'" + command + "' was not found on the PATH";
		if (required) {
			fail(missing + ", and " + REQUIRE_TOOLS + "=true requires it (.ci/run installs it)");
		}
		return Assumptions.abort(missing + "; test skipped (install it, as .ci/run does, to run this test)");
	}

}

package io.echoreactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reactor threads build no debug or trace message, and no exception for one, when
 * nothing will be logged: every {@code debug} and {@code trace} call in the reactor
 * package sits under its level's {@code isDebugEnabled()} or {@code isTraceEnabled()}
 * guard, a few lines above it, in the reactor's package and its sub-packages. A message
 * built unguarded costs a string concatenation (and often a {@code toString()} of a
 * channel or address) per connection event, on the thread that serves every connection of
 * its reactor.
 */
class ReactorLoggingGuardTests {

	private static final Path REACTOR = Path.of("src/main/java/io/echoreactor/reactor");

	private static final Pattern CALL = Pattern.compile("\\b(\\w+)\\.(debug|trace)\\(");

	// How far above a call its guard may be: the if, and a line or two of a message built.
	private static final int GUARD_DISTANCE = 4;

	@Test
	void everyDebugAndTraceCallIsGuardedByItsLevel() throws IOException {
		List<String> unguarded = new ArrayList<>();
		int calls = 0;
		try (Stream<Path> sources = Files.walk(REACTOR)) {
			for (Path source : sources.filter((path) -> path.toString().endsWith(".java")).sorted().toList()) {
				List<String> lines = Files.readAllLines(source);
				for (int i = 0; i < lines.size(); i++) {
					Matcher call = CALL.matcher(lines.get(i));
					if (!call.find() || lines.get(i).trim().startsWith("*") || lines.get(i).trim().startsWith("//")) {
						continue;
					}
					calls++;
					String guard = call.group(1) + ".is" + Character.toUpperCase(call.group(2).charAt(0))
							+ call.group(2).substring(1) + "Enabled()";
					boolean guarded = false;
					for (int j = Math.max(0, i - GUARD_DISTANCE); j < i && !guarded; j++) {
						guarded = lines.get(j).contains(guard);
					}
					if (!guarded) {
						unguarded.add(REACTOR.relativize(source) + ":" + (i + 1) + ": " + lines.get(i).trim());
					}
				}
			}
		}
		assertThat(calls).as("debug and trace calls found in %s", REACTOR).isPositive();
		assertThat(unguarded).as("calls without their level's guard").isEmpty();
	}

}

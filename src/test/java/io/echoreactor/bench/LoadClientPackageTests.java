package io.echoreactor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the load client's packages in layers, each importing only those below it: the
 * options at the bottom, then the client's TLS, the event loops and their flows' base
 * class, the TCP and UDP flows, and the command at the top. A lower package that needs
 * something from above gets it through an interface of its own ({@code Flow.Factory},
 * {@code TlsClient.Receiver}), so that no import points up and no package depends on
 * itself round a circle.
 */
class LoadClientPackageTests {

	private static final Path SOURCES = Path.of("src/main/java/io/echoreactor/bench");

	// The sub-package imported, or the name of a class of the top package.
	private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.echoreactor\\.bench\\.(\\w+)",
			Pattern.MULTILINE);

	private static final Map<String, List<String>> BELOW = Map.of("options", List.of(), "tls", List.of("options"),
			"loop", List.of("options", "tls"), "tcp", List.of("options", "tls", "loop"), "udp",
			List.of("options", "loop"));

	@Test
	void eachPackageImportsOnlyThePackagesBelowIt() throws IOException {
		BELOW.forEach((packageName, below) -> assertThat(benchImports(SOURCES.resolve(packageName)))
			.as(packageName)
			.isSubsetOf(below));
	}

	@Test
	void everySubPackageHasALayer() throws IOException {
		try (Stream<Path> directories = Files.list(SOURCES)) {
			assertThat(directories.filter(Files::isDirectory).map((directory) -> directory.getFileName().toString()))
				.containsExactlyInAnyOrderElementsOf(BELOW.keySet());
		}
	}

	@Test
	void everyPackageStaysSmall() throws IOException {
		try (Stream<Path> directories = Files.walk(SOURCES)) {
			for (Path directory : directories.filter(Files::isDirectory).toList()) {
				List<Path> files = javaFiles(directory);
				assertThat(files).as(directory.toString()).hasSizeLessThanOrEqualTo(15);
				for (Path file : files) {
					assertThat(Files.readAllLines(file)).as(file.toString()).hasSizeLessThanOrEqualTo(400);
				}
			}
		}
	}

	// The sub-packages of the load client that the package's files import, itself left out.
	private static Set<String> benchImports(Path directory) {
		Set<String> imported = new TreeSet<>();
		try {
			for (Path file : javaFiles(directory)) {
				Matcher matcher = IMPORT.matcher(Files.readString(file));
				while (matcher.find()) {
					imported.add(matcher.group(1));
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		imported.remove(directory.getFileName().toString());
		return imported;
	}

	private static List<Path> javaFiles(Path directory) throws IOException {
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter((file) -> file.toString().endsWith(".java")).toList();
		}
	}

}

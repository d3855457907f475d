package io.echoreactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The floors of the house, checked on the compiled classes so that a new arrow up fails
 * the build: no package depends on another that depends back on it; the PROXY protocol
 * knows nothing of the reactor; the reactor knows nothing of Spring or Micrometer; and
 * inside the reactor each room imports only the rooms below it, from the facade down to
 * the counters. Beside them, two checks on the source tree that keep the rooms small
 * enough to read: no main package over {@value #MAX_FILES_PER_PACKAGE} files and no main
 * file over {@value #MAX_LINES_PER_FILE} lines.
 */
class ArchitectureTests {

	/**
	 * The reactor's rooms from the top floor down: each may use the rooms below it and none
	 * above. The root package is the facade that {@code config}, {@code context},
	 * {@code metrics} and {@code actuator} use; the counters are the ground floor, so that
	 * every room can count.
	 */
	private static final List<String> REACTOR_FLOORS = List.of("io.echoreactor.reactor",
			"io.echoreactor.reactor.fault", "io.echoreactor.reactor.tcp", "io.echoreactor.reactor.accept",
			"io.echoreactor.reactor.udp", "io.echoreactor.reactor.memory", "io.echoreactor.reactor.tls",
			"io.echoreactor.reactor.loop", "io.echoreactor.reactor.counters");

	private static final Path SOURCES = Path.of("src/main/java");

	private static final int MAX_FILES_PER_PACKAGE = 15;

	private static final int MAX_LINES_PER_FILE = 400;

	private static JavaClasses classes;

	@BeforeAll
	static void importClasses() {
		classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages("io.echoreactor");
	}

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("io.echoreactor.(**)").should().beFreeOfCycles().check(classes);
	}

	@Test
	void proxyProtocolDependsOnNothingOfTheReactor() {
		noClasses().that()
			.resideInAPackage("io.echoreactor.proxy..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.echoreactor.reactor..")
			.check(classes);
	}

	@Test
	void reactorAndProxyProtocolUseNeitherSpringNorMicrometer() {
		noClasses().that()
			.resideInAnyPackage("io.echoreactor.reactor..", "io.echoreactor.proxy..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "io.micrometer..")
			.check(classes);
	}

	@Test
	void reactorRoomsUseOnlyTheRoomsBelowThem() {
		for (int floor = 1; floor < REACTOR_FLOORS.size(); floor++) {
			String[] above = REACTOR_FLOORS.subList(0, floor).toArray(String[]::new);
			noClasses().that()
				.resideInAPackage(REACTOR_FLOORS.get(floor))
				.should()
				.dependOnClassesThat()
				.resideInAnyPackage(above)
				.because("a room of the reactor uses only the rooms below it")
				.check(classes);
		}
	}

	@Test
	void everyReactorPackageHasAFloor() {
		assertThat(classes.stream()
			.map((javaClass) -> javaClass.getPackageName())
			.filter((name) -> name.startsWith("io.echoreactor.reactor"))
			.distinct()).allMatch(REACTOR_FLOORS::contains);
	}

	@Test
	void noMainPackageHasMoreThanFifteenFiles() throws IOException {
		Map<String, Integer> files = new TreeMap<>();
		for (Path source : mainSources()) {
			files.merge(SOURCES.relativize(source.getParent()).toString(), 1, Integer::sum);
		}
		assertThat(files).isNotEmpty();
		assertThat(files).allSatisfy((directory, count) -> assertThat(count).as(directory)
			.isLessThanOrEqualTo(MAX_FILES_PER_PACKAGE));
	}

	@Test
	void noMainFileHasMoreThanFourHundredLines() throws IOException {
		List<String> tooLong = new ArrayList<>();
		for (Path source : mainSources()) {
			String name = SOURCES.relativize(source).toString();
			int lines = Files.readAllLines(source).size();
			if (lines > MAX_LINES_PER_FILE) {
				tooLong.add(name + " (" + lines + " lines)");
			}
		}
		assertThat(tooLong).isEmpty();
	}

	private static List<Path> mainSources() throws IOException {
		try (Stream<Path> paths = Files.walk(SOURCES)) {
			return paths.filter((path) -> path.toString().endsWith(".java")).sorted().toList();
		}
	}

}

package io.echoreactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the documentation a product's: README.md a front door of at most 300 lines,
 * BENCHMARKS.md a report of current results of at most 500 lines with no dated sections,
 * and every relative link in them and in {@code docs/} pointing at a file that exists, and
 * at a heading that exists when it names one (headings as GitHub makes their anchors).
 */
class DocsTests {

	private static final Path README = Path.of("README.md");

	private static final Path BENCHMARKS = Path.of("BENCHMARKS.md");

	private static final Path DOCS = Path.of("docs");

	private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

	private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");

	private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

	private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

	private static final String MONTH = "(?:January|February|March|April|May|June|July|August|September|October|November|December)";

	private static final Pattern DATED = Pattern.compile("\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}:\\d{2}\\b|\\bUTC\\b|\\b"
			+ MONTH + "\\s+\\d{4}\\b|\\b\\d{1,2}\\s+" + MONTH + "\\b", Pattern.CASE_INSENSITIVE);

	@Test
	void readmeIsAFrontDoorOfAtMost300Lines() throws IOException {
		assertThat(Files.readAllLines(README)).hasSizeLessThanOrEqualTo(300);
	}

	@Test
	void benchmarksReportIsAtMost500Lines() throws IOException {
		assertThat(Files.readAllLines(BENCHMARKS)).hasSizeLessThanOrEqualTo(500);
	}

	@Test
	void benchmarksReportHasNoDatedSectionHeadings() throws IOException {
		assertThat(headings(BENCHMARKS)).isNotEmpty().noneMatch((heading) -> DATED.matcher(heading).find());
	}

	@Test
	void theFaultProfilesPageShowsTheFileItsCommandsStartTheServiceWith() throws IOException {
		String page = Files.readString(DOCS.resolve("faults.md"));
		String file = Files.readString(DOCS.resolve("faults.yml"));
		String settings = file.substring(file.indexOf("echo:"));
		assertThat(page).contains("```yaml\n" + settings + "```")
			.contains("--spring.config.additional-location=file:docs/faults.yml");
	}

	@Test
	void everyRelativeLinkResolvesToAFileThatExists() throws IOException {
		List<String> broken = new ArrayList<>();
		for (Path page : pages()) {
			for (String link : relativeLinks(page)) {
				Path target = target(page, link);
				if (!Files.exists(target)) {
					broken.add(page + ": " + link);
				}
			}
		}
		assertThat(broken).isEmpty();
	}

	@Test
	void everyLinkToAHeadingNamesOneThatExists() throws IOException {
		List<String> broken = new ArrayList<>();
		Map<Path, Set<String>> anchors = new HashMap<>();
		for (Path page : pages()) {
			for (String link : relativeLinks(page)) {
				int hash = link.indexOf('#');
				if (hash < 0) {
					continue;
				}
				Path target = (hash == 0) ? page : target(page, link);
				if (Files.isRegularFile(target) && target.toString().endsWith(".md")) {
					Set<String> known = anchors.computeIfAbsent(target.normalize(), DocsTests::anchorsOf);
					if (!known.contains(link.substring(hash + 1))) {
						broken.add(page + ": " + link);
					}
				}
			}
		}
		assertThat(broken).isEmpty();
	}

	@Test
	void headingAnchorsAreMadeAsGitHubMakesThem() {
		assertThat(anchors(List.of("## The tail, and the Actuator on the server's core", "### `bench --help` without Spring",
				"## TLS", "## TLS", "## Memory, CPU and JVM options")))
			.containsExactly("the-tail-and-the-actuator-on-the-servers-core", "bench---help-without-spring", "tls",
					"tls-1", "memory-cpu-and-jvm-options");
	}

	private static List<Path> pages() throws IOException {
		List<Path> pages = new ArrayList<>(List.of(README, BENCHMARKS));
		try (Stream<Path> docs = Files.list(DOCS)) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		assertThat(pages).hasSizeGreaterThan(2);
		return pages;
	}

	private static Path target(Path page, String link) {
		int hash = link.indexOf('#');
		String file = (hash < 0) ? link : link.substring(0, hash);
		Path directory = (page.getParent() != null) ? page.getParent() : Path.of("");
		return directory.resolve(file).normalize();
	}

	private static List<String> relativeLinks(Path page) throws IOException {
		List<String> links = new ArrayList<>();
		for (String line : prose(Files.readAllLines(page))) {
			Matcher matcher = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
			while (matcher.find()) {
				String link = matcher.group(1);
				if (!SCHEME.matcher(link).find()) {
					links.add(link);
				}
			}
		}
		return links;
	}

	private static List<String> headings(Path page) throws IOException {
		return prose(Files.readAllLines(page)).stream().filter((line) -> HEADING.matcher(line).matches()).toList();
	}

	private static Set<String> anchorsOf(Path page) {
		try {
			return anchors(headings(page));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Unable to read " + page, ex);
		}
	}

	// GitHub's anchors (github-slugger): lower case, punctuation and symbols dropped, each
	// space a hyphen, and a repeated anchor numbered from -1.
	private static Set<String> anchors(List<String> headings) {
		Set<String> anchors = new LinkedHashSet<>();
		Map<String, Integer> seen = new HashMap<>();
		for (String heading : headings) {
			Matcher matcher = HEADING.matcher(heading);
			assertThat(matcher.matches()).as(heading).isTrue();
			String slug = matcher.group(1)
				.toLowerCase(Locale.ROOT)
				.replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
				.replace(' ', '-');
			int count = seen.merge(slug, 1, Integer::sum);
			anchors.add((count == 1) ? slug : slug + "-" + (count - 1));
		}
		return anchors;
	}

	// The lines outside fenced code blocks, where a '#' starts a comment, not a heading.
	private static List<String> prose(List<String> lines) {
		List<String> prose = new ArrayList<>();
		String fence = null;
		for (String line : lines) {
			String trimmed = line.stripLeading();
			if (fence == null && (trimmed.startsWith("```") || trimmed.startsWith("~~~"))) {
				fence = trimmed.substring(0, 3);
			}
			else if (fence != null && trimmed.startsWith(fence)) {
				fence = null;
			}
			else if (fence == null) {
				prose.add(line);
			}
		}
		return prose;
	}

}

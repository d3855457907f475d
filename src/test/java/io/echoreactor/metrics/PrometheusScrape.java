package io.echoreactor.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A parsed Prometheus text exposition (format 0.0.4), for assertions on a real scrape:
 * families with their type and help, and samples by name and labels.
 */
public final class PrometheusScrape {

	private final Map<String, String> types = new LinkedHashMap<>();

	private final Map<String, String> helps = new LinkedHashMap<>();

	private final List<Sample> samples = new ArrayList<>();

	private PrometheusScrape() {
	}

	/**
	 * Parse a scrape.
	 * @param text the exposition text
	 * @return the parsed scrape
	 */
	public static PrometheusScrape parse(String text) {
		PrometheusScrape scrape = new PrometheusScrape();
		for (String line : text.split("\n")) {
			if (line.startsWith("# TYPE ")) {
				String[] parts = line.substring(7).split(" ", 2);
				scrape.types.put(parts[0], parts[1].trim());
			}
			else if (line.startsWith("# HELP ")) {
				String[] parts = line.substring(7).split(" ", 2);
				scrape.helps.put(parts[0], (parts.length > 1) ? parts[1] : "");
			}
			else if (!line.isBlank() && !line.startsWith("#")) {
				scrape.samples.add(Sample.parse(line));
			}
		}
		return scrape;
	}

	/**
	 * Return the metric families whose name starts with {@code echo_}.
	 * @return the family names
	 */
	public Set<String> families() {
		Set<String> families = new LinkedHashSet<>();
		for (String family : this.types.keySet()) {
			if (family.startsWith("echo_")) {
				families.add(family);
			}
		}
		return families;
	}

	/**
	 * Return a family's type.
	 * @param family the family
	 * @return its type, or {@code null}
	 */
	public String type(String family) {
		return this.types.get(family);
	}

	/**
	 * Return a family's help text.
	 * @param family the family
	 * @return its help, or {@code null}
	 */
	public String help(String family) {
		return this.helps.get(family);
	}

	/**
	 * Return whether a sample with the given name and at least the given labels exists.
	 * @param name the sample name
	 * @param labels label names and values, alternating
	 * @return whether such a sample exists
	 */
	public boolean has(String name, String... labels) {
		return this.samples.stream().anyMatch(matching(name, labels));
	}

	/**
	 * Return the sum of the samples with the given name and at least the given labels.
	 * @param name the sample name
	 * @param labels label names and values, alternating
	 * @return the sum, 0 if there are none
	 */
	public double sum(String name, String... labels) {
		return this.samples.stream().filter(matching(name, labels)).mapToDouble(Sample::value).sum();
	}

	/**
	 * Return the one sample with the given name and exactly the given labels.
	 * @param name the sample name
	 * @param labels label names and values, alternating
	 * @return its value
	 * @throws IllegalArgumentException if there is no such sample
	 */
	public double value(String name, String... labels) {
		Map<String, String> wanted = labels(labels);
		return this.samples.stream()
			.filter((sample) -> sample.name().equals(name) && sample.labels().equals(wanted))
			.mapToDouble(Sample::value)
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("No sample " + name + wanted));
	}

	/**
	 * Return the distinct values of a label over the samples of the given name.
	 * @param name the sample name
	 * @param label the label
	 * @return its values, in order of appearance
	 */
	public Set<String> labelValues(String name, String label) {
		Set<String> values = new LinkedHashSet<>();
		this.samples.stream()
			.filter((sample) -> sample.name().equals(name) && sample.labels().containsKey(label))
			.forEach((sample) -> values.add(sample.labels().get(label)));
		return values;
	}

	private static Predicate<Sample> matching(String name, String... labels) {
		Map<String, String> wanted = labels(labels);
		return (sample) -> sample.name().equals(name) && sample.labels().entrySet().containsAll(wanted.entrySet());
	}

	private static Map<String, String> labels(String... labels) {
		Map<String, String> map = new TreeMap<>();
		for (int i = 0; i + 1 < labels.length; i += 2) {
			map.put(labels[i], labels[i + 1]);
		}
		return map;
	}

	/**
	 * One sample line.
	 *
	 * @param name the sample name
	 * @param labels its labels
	 * @param value its value
	 */
	public record Sample(String name, Map<String, String> labels, double value) {

		static Sample parse(String line) {
			int brace = line.indexOf('{');
			int space;
			Map<String, String> labels = new TreeMap<>();
			String name;
			if (brace >= 0 && brace < line.indexOf(' ')) {
				name = line.substring(0, brace);
				int i = brace + 1;
				while (line.charAt(i) != '}') {
					int equals = line.indexOf('=', i);
					String key = line.substring(i, equals).trim();
					StringBuilder value = new StringBuilder();
					int j = equals + 2;
					while (line.charAt(j) != '"') {
						char c = line.charAt(j);
						if (c == '\\') {
							j++;
							c = (line.charAt(j) == 'n') ? '\n' : line.charAt(j);
						}
						value.append(c);
						j++;
					}
					labels.put(key, value.toString());
					i = j + 1;
					if (line.charAt(i) == ',') {
						i++;
					}
				}
				space = i + 1;
			}
			else {
				space = line.indexOf(' ');
				name = line.substring(0, space);
			}
			String[] rest = line.substring(space).trim().split("\\s+");
			return new Sample(name, labels, parseValue(rest[0]));
		}

		private static double parseValue(String text) {
			return switch (text) {
				case "+Inf" -> Double.POSITIVE_INFINITY;
				case "-Inf" -> Double.NEGATIVE_INFINITY;
				case "NaN" -> Double.NaN;
				default -> Double.parseDouble(text);
			};
		}

	}

}

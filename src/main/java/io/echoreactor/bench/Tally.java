package io.echoreactor.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of distinct values, such as the greetings or TLS sessions seen, in the order
 * first seen. Each loop keeps its own and they are merged at the end.
 */
final class Tally {

	private final Map<String, Long> counts = new LinkedHashMap<>();

	void add(String value) {
		this.counts.merge(value, 1L, Long::sum);
	}

	void addAll(Tally other) {
		other.counts.forEach((value, count) -> this.counts.merge(value, count, Long::sum));
	}

	boolean isEmpty() {
		return this.counts.isEmpty();
	}

	/** @return the counts, by value in order */
	Map<String, Long> sorted() {
		return new TreeMap<>(this.counts);
	}

}

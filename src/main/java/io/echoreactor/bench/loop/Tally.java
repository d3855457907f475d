package io.echoreactor.bench.loop;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of distinct values, such as the greetings or TLS sessions seen, in the order
 * first seen. Each loop keeps its own and they are merged at the end.
 */
public final class Tally {

	private final Map<String, Long> counts = new LinkedHashMap<>();

	/**
	 * Count a value once more.
	 * @param value the value
	 */
	public void add(String value) {
		this.counts.merge(value, 1L, Long::sum);
	}

	/**
	 * Add the counts of another tally.
	 * @param other the other tally
	 */
	public void addAll(Tally other) {
		other.counts.forEach((value, count) -> this.counts.merge(value, count, Long::sum));
	}

	/** @return whether nothing was counted */
	public boolean isEmpty() {
		return this.counts.isEmpty();
	}

	/** @return the counts, by value in order */
	public Map<String, Long> sorted() {
		return new TreeMap<>(this.counts);
	}

}

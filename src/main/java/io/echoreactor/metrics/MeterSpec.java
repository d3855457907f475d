package io.echoreactor.metrics;

import java.util.List;

import io.echoreactor.reactor.counters.CountedEvent;
import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link EchoMeter} is: its name, type, unit, help text, tags and, for a meter
 * counted by kinds of events, those kinds. Each meter enum's constant holds one, so that
 * the enums say what their meters are and nothing else.
 *
 * @param name the Micrometer name
 * @param type a counter or a gauge, or what Micrometer records the meter as
 * @param baseUnit the base unit, or {@code null} for none
 * @param description the help text, which says what a healthy value looks like
 * @param tags the tag keys, in order
 * @param events the kinds of events the last tag counts, one series each; empty for none
 */
public record MeterSpec(String name, Meter.Type type, @Nullable String baseUnit, String description, EchoMeter.Tag[] tags,
		List<CountedEvent> events) {

	/**
	 * A meter whose tags are not an enum's.
	 * @param name the Micrometer name
	 * @param type the type
	 * @param baseUnit the base unit, or {@code null}
	 * @param description the help text
	 * @param tags the tag keys
	 * @return the meter's spec
	 */
	static MeterSpec of(String name, Meter.Type type, @Nullable String baseUnit, String description,
			EchoMeter.Tag... tags) {
		return new MeterSpec(name, type, baseUnit, description, tags, List.of());
	}

	/**
	 * A meter counted by kinds of events, one series per constant of their enum, its help
	 * text composed from what it counts, each kind's meaning and what is healthy.
	 * @param name the Micrometer name
	 * @param type the type
	 * @param baseUnit the base unit, or {@code null}
	 * @param what what the meter counts, ending with the tag it is counted by
	 * @param events the enum of the kinds of events
	 * @param healthy what a healthy value looks like
	 * @param tags the tag keys, the kinds' tag last
	 * @return the meter's spec
	 */
	static MeterSpec counted(String name, Meter.Type type, @Nullable String baseUnit, String what,
			Class<? extends CountedEvent> events, String healthy, EchoMeter.Tag... tags) {
		List<CountedEvent> kinds = List.of(events.getEnumConstants());
		return new MeterSpec(name, type, baseUnit, EchoMeter.describe(what, kinds, healthy), tags, kinds);
	}

}

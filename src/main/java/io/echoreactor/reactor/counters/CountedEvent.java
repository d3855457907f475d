package io.echoreactor.reactor.counters;

import java.util.Locale;

/**
 * A kind of event that the reactor counts, one constant of an enum that tells the kinds
 * apart ({@link CloseCause}, {@link WakeupCause}, {@link TlsFailure} and the like). The
 * enum is the meter's tag: {@link ReactorStatistics} keeps one count per constant,
 * indexed by its ordinal, and the meters register one series per constant, tagged with
 * {@link #tag()}, the constant's name in lower case with dashes, and explained by
 * {@link #description()}. Adding a kind of event is adding a constant with its
 * description.
 */
public interface CountedEvent {

	/**
	 * Return the constant's name, as an enum's {@code name()} does.
	 * @return the name, such as {@code WRITE_TIMEOUT}
	 */
	String name();

	/**
	 * Return the lower-case value of the meter's tag ({@code cause} or {@code result})
	 * that counts this kind of event: the constant's name in lower case, words joined by
	 * dashes ({@code WRITE_TIMEOUT} is {@code write-timeout}).
	 * @return the tag value
	 */
	default String tag() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Return what this kind of event means, for operators: one phrase, in lower case and
	 * without a final period, that the meter's help text and the metrics reference list
	 * after the tag value.
	 * @return the description
	 */
	String description();

}

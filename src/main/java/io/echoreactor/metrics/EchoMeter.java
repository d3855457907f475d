package io.echoreactor.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import io.echoreactor.reactor.counters.CountedEvent;
import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;
import org.jspecify.annotations.Nullable;

/**
 * A meter of the echo service as {@link EchoReactorMeters} and {@link EchoKernelMeters}
 * document it: name, type, base unit and tag keys, plus the description that says what a
 * healthy value looks like, the name it renders to in Prometheus, and, for a meter whose
 * last tag tells kinds of events apart, the enum of those kinds.
 */
public interface EchoMeter extends MeterDocumentation {

	/**
	 * Return what this meter is: name, type, unit, help text, tags and kinds of events.
	 * @return the meter's spec
	 */
	MeterSpec spec();

	@Override
	default String getName() {
		return spec().name();
	}

	@Override
	default Meter.Type getType() {
		return spec().type();
	}

	@Override
	default @Nullable String getBaseUnit() {
		return spec().baseUnit();
	}

	/**
	 * Return the description, which says what a healthy value looks like; it is the
	 * meter's help text.
	 * @return the description
	 */
	default String getDescription() {
		return spec().description();
	}

	@Override
	default KeyName[] getKeyNames() {
		return spec().tags().clone();
	}

	/**
	 * Return the kinds of events that the values of this meter's last tag count, one series
	 * per constant, in order; empty for a meter whose tags are not an enum's.
	 * @return the kinds of events
	 */
	default List<CountedEvent> events() {
		return spec().events();
	}

	/**
	 * Return the keys of this meter's tags, in order.
	 * @return the tag keys
	 */
	default List<String> tagKeys() {
		return Arrays.stream(getKeyNames()).map(KeyName::asString).toList();
	}

	/**
	 * Return the name this meter renders to in Prometheus, the name that dashboards and
	 * alerts use: dots become underscores, then the base unit and, for a counter,
	 * {@code _total} are appended. A timer or a distribution summary renders as a histogram
	 * of that name (its {@code _bucket}, {@code _count} and {@code _sum} series), plus a
	 * gauge named with {@code _max}.
	 * @return the Prometheus name
	 */
	default String prometheusName() {
		String name = getName().replace('.', '_');
		if (getBaseUnit() != null) {
			name += "_" + getBaseUnit();
		}
		return (getType() == Meter.Type.COUNTER) ? name + "_total" : name;
	}

	/**
	 * Compose the description of a meter whose last tag tells kinds of events apart: what
	 * it counts, each kind's tag value with its meaning, then what is healthy.
	 * @param what what the meter counts, ending with the tag it is counted by
	 * @param events the kinds of events
	 * @param healthy what a healthy value looks like
	 * @return the description
	 */
	static String describe(String what, List<CountedEvent> events, String healthy) {
		return what + ": " + eventList(events) + ". " + healthy;
	}

	/**
	 * List kinds of events as a meter's description does: each tag value with its meaning
	 * in parentheses, separated by commas.
	 * @param events the kinds of events
	 * @return the list
	 */
	static String eventList(List<CountedEvent> events) {
		return events.stream()
			.map((event) -> event.tag() + " (" + event.description() + ")")
			.collect(Collectors.joining(", "));
	}

	/**
	 * The tag keys of the echo meters.
	 */
	public enum Tag implements KeyName {

		/** The thread: a reactor's index ({@code "0"} to {@code "N-1"}) or {@code "acceptor"}. */
		REACTOR("reactor"),

		/** Why it happened; the values are listed in each meter's description. */
		CAUSE("cause"),

		/** How it ended; the values are listed in each meter's description. */
		RESULT("result"),

		/** Which listening port: {@code echo}. */
		LISTENER("listener"),

		/** A socket state as /proc/net/sockstat names it. */
		STATE("state"),

		/** An address family: {@code ipv4} or {@code ipv6}. */
		FAMILY("family"),

		/** A negotiated TLS protocol, such as {@code TLSv1.3}. */
		PROTOCOL("protocol"),

		/** A negotiated TLS cipher suite. */
		CIPHER("cipher"),

		/** A fault profile's name, as in {@code echo.server.faults.NAME}. */
		PROFILE("profile"),

		/** What a fault profile did; the values are listed in the meter's description. */
		KIND("kind");

		private final String key;

		Tag(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}

package io.echoreactor.reactor.counters;

/**
 * What a fault profile did on purpose to a connection or a datagram of its port: the
 * {@code kind} tag of {@code echo_faults_injected_total}. These are counted apart from
 * the plain ports' counters (closes, write timeouts, backpressure, UDP drops), so that a
 * fault asked for never fires an alert meant for a failure.
 */
public enum FaultKind implements CountedEvent {

	/** An echo held for {@code delay} plus its jitter. */
	DELAY("an echo was held for delay plus a random part of delay-jitter"),

	/** A write waited for the bandwidth limit's tokens. */
	BANDWIDTH("a write waited for the connection's bandwidth allowance"),

	/** A connection closed with FIN once close-after bytes were echoed. */
	CLOSE("a connection was closed with FIN once close-after bytes were echoed"),

	/** A connection reset once reset-after bytes were echoed. */
	RESET("a connection was reset (RST) once reset-after bytes were echoed"),

	/** A connection reset on a read, by reset-probability. */
	RESET_RANDOM("a connection was reset (RST) on a read, with probability reset-probability"),

	/** A connection accepted and never read. */
	NO_READ("a connection was accepted and is never read"),

	/** A connection served only after accept-delay. */
	ACCEPT_DELAY("an accepted connection waited accept-delay before it was served"),

	/** A datagram dropped unanswered, by udp-drop-probability. */
	UDP_DROP("a datagram was dropped unanswered, with probability udp-drop-probability (or because "
			+ "more datagrams were held than a fault port keeps)"),

	/** A datagram answered only after udp-delay. */
	UDP_DELAY("a datagram's answer was held for udp-delay");

	private final String description;

	FaultKind(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}

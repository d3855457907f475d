package io.echoreactor.reactor.counters;

/**
 * Why the UDP echo dropped a datagram without answering it. Each dropped datagram is
 * counted under exactly one cause, the {@code cause} tag of
 * {@code echo_udp_dropped_total}.
 */
public enum UdpDropCause implements CountedEvent {

	/**
	 * A well-known source port (echo 7, daytime 13, chargen 19, DNS 53 and friends) would
	 * answer back, so that two services bounce datagrams forever, or is a spoofed source
	 * aiming the echo at one.
	 */
	LOW_SOURCE_PORT("its source port is below 1024: a service that would answer back, or a "
			+ "spoofed source aiming the echo at one"),

	/** Answering would send the datagram to the service itself forever. */
	OWN_ADDRESS("it came from the service's own socket"),

	/** Another instance of this service would bounce it back forever. */
	OWN_PORT("its source port is the service's own UDP port, on another address: another instance of "
			+ "the service"),

	/** The source's token bucket is empty. */
	RATE_LIMIT("its source sent more than echo.server.udp.rate-limit-per-source allows"),

	/** UDP promises nothing more, and the reactor never waits for the socket. */
	SEND_BUFFER_FULL("the socket's send buffer was full: send() took nothing"),

	/** {@code send()} failed. */
	SEND_ERROR("send() failed (the destination is unreachable, say)");

	private final String description;

	UdpDropCause(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}

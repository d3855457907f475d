package io.echoreactor.reactor.counters;

/**
 * Why the UDP echo dropped a datagram without answering it. Each dropped datagram is
 * counted under exactly one cause.
 */
public enum UdpDropCause {

	/**
	 * Its source port is below 1024: the port of a well-known service (echo 7, daytime 13,
	 * chargen 19, DNS 53 and friends) that would answer back, so that two services bounce
	 * datagrams forever, or of a spoofed source aiming the echo at one.
	 */
	LOW_SOURCE_PORT("low-source-port"),

	/** It came from the service's own socket: answering would send it to itself forever. */
	OWN_ADDRESS("own-address"),

	/**
	 * Its source port is the service's own UDP port, on another address: another instance
	 * of this service, which would bounce it back forever.
	 */
	OWN_PORT("own-port"),

	/** Its source address sent more than {@code udp.rate-limit-per-source} allows. */
	RATE_LIMIT("rate-limit"),

	/**
	 * The socket's send buffer was full ({@code send()} took nothing): UDP promises nothing
	 * more, and the reactor never waits for it.
	 */
	SEND_BUFFER_FULL("send-buffer-full"),

	/** {@code send()} failed (the destination is unreachable, say). */
	SEND_ERROR("send-error");

	private final String tag;

	UdpDropCause(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the lower-case name used in metric tags.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}

package io.echoreactor.reactor.counters;

/**
 * How a client broke TLS after its handshake, for which its connection is reset
 * ({@link CloseCause#TLS_PROTOCOL}).
 */
public enum TlsViolation {

	/**
	 * A TLS 1.2 client began a new handshake on an established connection. Refused: a
	 * renegotiation costs the server a full handshake on the reactor thread, as often as
	 * the client likes, and an echo has nothing to renegotiate.
	 */
	RENEGOTIATION("renegotiation"),

	/**
	 * A TLS 1.3 client sent more key updates than {@code TlsSession.MAX_KEY_UPDATES} within
	 * a minute: each one costs the server a key derivation, and a client that updates keys
	 * for its data's sake needs one in billions of records.
	 */
	KEY_UPDATES("key-updates"),

	/** A record that did not decrypt, or was malformed. */
	RECORD("record");

	private final String tag;

	TlsViolation(String tag) {
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

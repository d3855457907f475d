package io.echoreactor.reactor.counters;

/**
 * How a client broke TLS after its handshake, for which its connection is reset
 * ({@link CloseCause#TLS_PROTOCOL}); the {@code cause} tag of
 * {@code echo_tls_violations_total}.
 */
public enum TlsViolation implements CountedEvent {

	/**
	 * Refused: a renegotiation costs the server a full handshake on the reactor thread, as
	 * often as the client likes, and an echo has nothing to renegotiate.
	 */
	RENEGOTIATION("a TLS 1.2 client began a new handshake on an established connection: refused"),

	/**
	 * A TLS 1.3 client sent more key updates than {@link #MAX_KEY_UPDATES} within
	 * a minute: each one costs the server a key derivation, and a client that updates keys
	 * for its data's sake needs one in billions of records.
	 */
	KEY_UPDATES("a TLS 1.3 client sent more than " + TlsViolation.MAX_KEY_UPDATES
			+ " key updates within a minute"),

	/** A bad record. */
	RECORD("a record that did not decrypt, or was malformed");

	/** The most key updates a client may ask for within a minute. */
	public static final int MAX_KEY_UPDATES = 16;

	private final String description;

	TlsViolation(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}

package io.echoreactor.reactor.tls;

/**
 * Told of every completed TLS handshake, with what it negotiated and how long it took,
 * so that meters outside the reactor can count connections by protocol and cipher suite
 * and time the handshakes.
 *
 * <p>
 * <strong>Threading:</strong> called on the reactor thread of the connection; must be
 * cheap and must not block.
 */
@FunctionalInterface
public interface TlsHandshakeListener {

	/**
	 * A handshake completed.
	 * @param reactor the reactor's index
	 * @param protocol the negotiated protocol, such as {@code TLSv1.3}
	 * @param cipherSuite the negotiated cipher suite
	 * @param nanos the time from the connection's registration to the end of the handshake
	 */
	void handshakeCompleted(int reactor, String protocol, String cipherSuite, long nanos);

}

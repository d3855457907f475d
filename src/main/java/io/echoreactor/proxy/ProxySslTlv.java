package io.echoreactor.proxy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What the proxy knows of the client's TLS connection to it: the value of an
 * {@link ProxyTlv#SSL} TLV, a client flags byte, a 32-bit verify result and sub-TLVs.
 *
 * @param client the client flags, a combination of {@link #CLIENT_SSL},
 * {@link #CLIENT_CERT_CONN} and {@link #CLIENT_CERT_SESS}
 * @param verify the certificate verification result, unsigned: 0 when the client
 * presented a certificate and it was verified
 * @param tlvs the sub-TLVs in the order they came, unknown types included
 */
public record ProxySslTlv(int client, long verify, List<ProxyTlv> tlvs) {

	/** Flag: the client connected over TLS. */
	public static final int CLIENT_SSL = 0x01;

	/** Flag: the client presented a certificate on this connection. */
	public static final int CLIENT_CERT_CONN = 0x02;

	/** Flag: the client presented a certificate at least once in this TLS session. */
	public static final int CLIENT_CERT_SESS = 0x04;

	public ProxySslTlv {
		tlvs = List.copyOf(tlvs);
	}

	/**
	 * Decode the value of an SSL TLV.
	 * @param tlv the TLV
	 * @return its contents
	 * @throws IllegalArgumentException if the value is shorter than the 5 fixed bytes or
	 * its sub-TLVs do not fit in it
	 */
	static ProxySslTlv decode(ProxyTlv tlv) {
		byte[] value = tlv.rawValue();
		if (value.length < 5) {
			throw new IllegalArgumentException(
					"SSL TLV of " + value.length + " byte(s) is shorter than its 5 fixed bytes");
		}
		return new ProxySslTlv(value[0] & 0xFF, tlv.unsignedInt(1), ProxyTlv.decodeAll(value, 5, value.length));
	}

	/**
	 * Return whether the client connected to the proxy over TLS.
	 * @return whether {@link #CLIENT_SSL} is set
	 */
	public boolean connectedOverSsl() {
		return (this.client & CLIENT_SSL) != 0;
	}

	/**
	 * Return whether the client presented a certificate on this connection.
	 * @return whether {@link #CLIENT_CERT_CONN} is set
	 */
	public boolean certificateOnConnection() {
		return (this.client & CLIENT_CERT_CONN) != 0;
	}

	/**
	 * Return whether the client presented a certificate at least once in this TLS
	 * session.
	 * @return whether {@link #CLIENT_CERT_SESS} is set
	 */
	public boolean certificateInSession() {
		return (this.client & CLIENT_CERT_SESS) != 0;
	}

	/**
	 * Return whether the client presented a certificate and the proxy verified it. A
	 * zero {@code verify} alone is not enough: the specification gives 0 a meaning only
	 * for a presented certificate.
	 * @return whether a certificate flag is set and {@code verify} is 0
	 */
	public boolean certificateVerified() {
		return (certificateOnConnection() || certificateInSession()) && this.verify == 0;
	}

	/**
	 * Return the TLS version, for example {@code TLSv1.3}.
	 * @return the version, if present
	 */
	public Optional<String> version() {
		return ProxyTlv.first(this.tlvs, ProxyTlv.SSL_VERSION).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

	/**
	 * Return the Common Name of the client certificate's subject.
	 * @return the common name, if present
	 */
	public Optional<String> commonName() {
		return ProxyTlv.first(this.tlvs, ProxyTlv.SSL_CN).map((tlv) -> tlv.asString(StandardCharsets.UTF_8));
	}

	/**
	 * Return the cipher, for example {@code ECDHE-RSA-AES128-GCM-SHA256}.
	 * @return the cipher, if present
	 */
	public Optional<String> cipher() {
		return ProxyTlv.first(this.tlvs, ProxyTlv.SSL_CIPHER).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

	/**
	 * Return the algorithm that signed the proxy's certificate, for example
	 * {@code RSA-SHA256}.
	 * @return the algorithm, if present
	 */
	public Optional<String> signatureAlgorithm() {
		return ProxyTlv.first(this.tlvs, ProxyTlv.SSL_SIG_ALG).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

	/**
	 * Return the algorithm of the proxy certificate's key, for example {@code RSA2048}.
	 * @return the algorithm, if present
	 */
	public Optional<String> keyAlgorithm() {
		return ProxyTlv.first(this.tlvs, ProxyTlv.SSL_KEY_ALG).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

}

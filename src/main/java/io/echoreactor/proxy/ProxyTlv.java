package io.echoreactor.proxy;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One version 2 Type-Length-Value entry: a type byte and up to 65,535 bytes of value. The
 * types the specification registers have constants here; the rest, such as the
 * application-specific range {@link #MIN_CUSTOM}..{@link #MAX_CUSTOM} (AWS sends its VPC
 * endpoint id as {@code 0xEA}, Azure its private link id as {@code 0xEE}), are kept as
 * they came for whoever knows them.
 *
 * @param type the type, 0 to 255
 * @param value the value; the record keeps its own copy and hands out copies
 */
public record ProxyTlv(int type, byte[] value) {

	/** Application-Layer Protocol Negotiation: the negotiated protocol name. */
	public static final int ALPN = 0x01;

	/** The host name the client asked for (TLS SNI), UTF-8. */
	public static final int AUTHORITY = 0x02;

	/** CRC32C of the whole header, computed with this field zeroed. */
	public static final int CRC32C = 0x03;

	/** Padding, to be ignored. */
	public static final int NOOP = 0x04;

	/** An opaque connection identifier of at most 128 bytes. */
	public static final int UNIQUE_ID = 0x05;

	/** TLS details: client flags, verify result and sub-TLVs (see {@link ProxySslTlv}). */
	public static final int SSL = 0x20;

	/** SSL sub-TLV: the TLS version, US-ASCII, for example {@code TLSv1.3}. */
	public static final int SSL_VERSION = 0x21;

	/** SSL sub-TLV: the Common Name of the client certificate's subject, UTF-8. */
	public static final int SSL_CN = 0x22;

	/** SSL sub-TLV: the cipher, US-ASCII, for example {@code ECDHE-RSA-AES128-GCM-SHA256}. */
	public static final int SSL_CIPHER = 0x23;

	/** SSL sub-TLV: the proxy certificate's signature algorithm, US-ASCII. */
	public static final int SSL_SIG_ALG = 0x24;

	/** SSL sub-TLV: the proxy certificate's key algorithm, US-ASCII. */
	public static final int SSL_KEY_ALG = 0x25;

	/** The network namespace the proxy accepted the connection in, US-ASCII. */
	public static final int NETNS = 0x30;

	/** First type of the range reserved for applications. */
	public static final int MIN_CUSTOM = 0xE0;

	/** Last type of the range reserved for applications. */
	public static final int MAX_CUSTOM = 0xEF;

	public ProxyTlv {
		if (type < 0 || type > 0xFF) {
			throw new IllegalArgumentException("type must be between 0 and 255, not " + type);
		}
		if (value.length > 0xFFFF) {
			throw new IllegalArgumentException("value must be at most 65535 bytes, not " + value.length);
		}
		value = value.clone();
	}

	/**
	 * Return a copy of the value.
	 * @return the value
	 */
	@Override
	public byte[] value() {
		return this.value.clone();
	}

	/**
	 * Return the length of the value, without copying it.
	 * @return the length in bytes
	 */
	public int length() {
		return this.value.length;
	}

	String asString(Charset charset) {
		return new String(this.value, charset);
	}

	long unsignedInt(int offset) {
		return ((this.value[offset] & 0xFFL) << 24) | ((this.value[offset + 1] & 0xFF) << 16)
				| ((this.value[offset + 2] & 0xFF) << 8) | (this.value[offset + 3] & 0xFF);
	}

	/**
	 * Decode the TLVs packed in {@code bytes[from, to)}.
	 * @param bytes the bytes
	 * @param from the first byte of the first TLV
	 * @param to the end of the last TLV
	 * @return the TLVs, in order
	 * @throws IllegalArgumentException if a TLV does not fit in the range, or bytes are
	 * left over that are too few for a TLV
	 */
	static List<ProxyTlv> decodeAll(byte[] bytes, int from, int to) {
		List<ProxyTlv> tlvs = new ArrayList<>();
		int offset = from;
		while (offset < to) {
			if (to - offset < 3) {
				throw new IllegalArgumentException((to - offset) + " byte(s) left after the TLVs, too few for one");
			}
			int type = bytes[offset] & 0xFF;
			int length = ((bytes[offset + 1] & 0xFF) << 8) | (bytes[offset + 2] & 0xFF);
			int valueOffset = offset + 3;
			if (length > to - valueOffset) {
				throw new IllegalArgumentException(String.format(
						"TLV 0x%02X declares %d byte(s) but only %d are left", type, length, to - valueOffset));
			}
			tlvs.add(new ProxyTlv(type, Arrays.copyOfRange(bytes, valueOffset, valueOffset + length)));
			offset = valueOffset + length;
		}
		return tlvs;
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof ProxyTlv tlv) && this.type == tlv.type && Arrays.equals(this.value, tlv.value);
	}

	@Override
	public int hashCode() {
		return 31 * this.type + Arrays.hashCode(this.value);
	}

	@Override
	public String toString() {
		return String.format("ProxyTlv[type=0x%02X, length=%d]", this.type, this.value.length);
	}

	// The first of the given type, in the order they came.
	static Optional<ProxyTlv> first(List<ProxyTlv> tlvs, int type) {
		for (ProxyTlv tlv : tlvs) {
			if (tlv.type() == type) {
				return Optional.of(tlv);
			}
		}
		return Optional.empty();
	}

	// The value itself, not a copy, for this package's decoders.
	byte[] rawValue() {
		return this.value;
	}

}

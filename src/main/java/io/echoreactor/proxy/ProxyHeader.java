package io.echoreactor.proxy;

import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a PROXY protocol header (HAProxy's {@code proxy-protocol.txt}, versions 1 and 2)
 * says about a connection: the addresses the proxy saw, and for version 2 the TLVs it
 * added. {@link ProxyProtocolParser} reads one from the first bytes of a connection; this
 * record only holds what was read.
 *
 * <p>
 * {@code source} and {@code destination} are {@code null} whenever the header gives no
 * internet addresses, and then the connection's own addresses are the ones to use:
 * <ul>
 * <li>{@link Command#LOCAL}: the proxy opened the connection itself (a health check); its
 * family is reported as {@link Family#UNSPEC} whatever the header said, as the
 * specification tells the receiver to discard it;</li>
 * <li>{@link Family#UNSPEC} with {@link Command#PROXY}: a version 1 {@code PROXY UNKNOWN}
 * line, or a version 2 header whose family or protocol is unspecified; both mean "relayed,
 * but the proxy could not describe it", and the specification says to use the real
 * connection's addresses;</li>
 * <li>{@link Family#UNIX_STREAM} and {@link Family#UNIX_DGRAM}: the client connected to
 * the proxy over a UNIX socket, whose paths are in {@code unixSource} and
 * {@code unixDestination}.</li>
 * </ul>
 *
 * @param version the protocol version, 1 (text) or 2 (binary)
 * @param command whether the connection was relayed for a client ({@code PROXY}) or
 * opened by the proxy itself ({@code LOCAL}); version 1 is always {@code PROXY}
 * @param family the address family and transport of the client's connection to the proxy
 * @param source the client's address and port, or {@code null} (see above)
 * @param destination the address and port the client connected to, or {@code null}
 * @param unixSource the client's UNIX socket path for the UNIX families, its 108 bytes
 * without the trailing NULs (a leading NUL, Linux's abstract namespace, is kept), decoded
 * as UTF-8; otherwise {@code null}
 * @param unixDestination the UNIX socket path the client connected to, like
 * {@code unixSource}
 * @param tlvs the version 2 TLVs in the order they came, unknown types included; empty for
 * version 1 and for headers whose addresses are not read ({@code LOCAL}, {@code UNSPEC})
 */
public record ProxyHeader(int version, Command command, Family family, InetSocketAddress source,
		InetSocketAddress destination, String unixSource, String unixDestination, List<Tlv> tlvs) {

	public ProxyHeader {
		if (version != 1 && version != 2) {
			throw new IllegalArgumentException("version must be 1 or 2, not " + version);
		}
		Objects.requireNonNull(command, "command");
		Objects.requireNonNull(family, "family");
		tlvs = List.copyOf(Objects.requireNonNull(tlvs, "tlvs"));
	}

	/**
	 * Return the application protocol (ALPN) the client negotiated with the proxy, such as
	 * {@code h2}. ALPN names are opaque bytes, so they are decoded byte for byte
	 * (ISO-8859-1) and nothing is lost.
	 * @return the protocol name, if the header carried {@link Tlv#ALPN}
	 */
	public Optional<String> alpn() {
		return first(Tlv.ALPN).map((tlv) -> tlv.asString(StandardCharsets.ISO_8859_1));
	}

	/**
	 * Return the host name the client asked the proxy for (the TLS SNI when TLS was used).
	 * @return the host name, if the header carried {@link Tlv#AUTHORITY}
	 */
	public Optional<String> authority() {
		return first(Tlv.AUTHORITY).map((tlv) -> tlv.asString(StandardCharsets.UTF_8));
	}

	/**
	 * Return the opaque identifier (at most 128 bytes) the proxy gave the connection, to
	 * correlate it across proxies.
	 * @return a copy of the identifier, if the header carried {@link Tlv#UNIQUE_ID}
	 */
	public Optional<byte[]> uniqueId() {
		return first(Tlv.UNIQUE_ID).map(Tlv::value);
	}

	/**
	 * Return the CRC32C checksum the header carried. {@link ProxyProtocolParser} verifies it
	 * (CRC32C over the whole header with the checksum field zeroed) and reports a mismatch as
	 * malformed, so a parsed header only ever carries a correct one; this record does not
	 * check it again.
	 * @return the checksum as an unsigned 32-bit value, if the header carried
	 * {@link Tlv#CRC32C}
	 */
	public OptionalLong crc32c() {
		Optional<Tlv> crc32c = first(Tlv.CRC32C).filter((tlv) -> tlv.length() == 4);
		return crc32c.isPresent() ? OptionalLong.of(crc32c.get().unsignedInt(0)) : OptionalLong.empty();
	}

	/**
	 * Return the name of the network namespace the proxy accepted the connection in.
	 * @return the namespace name, if the header carried {@link Tlv#NETNS}
	 */
	public Optional<String> netns() {
		return first(Tlv.NETNS).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

	/**
	 * Return what the proxy knows of the client's TLS connection to it.
	 * @return the TLS details, if the header carried {@link Tlv#SSL}
	 * @throws IllegalArgumentException if this record was built by hand with an SSL TLV that
	 * does not decode (a parsed header's always does)
	 */
	public Optional<Ssl> ssl() {
		return first(Tlv.SSL).map(Ssl::decode);
	}

	private Optional<Tlv> first(int type) {
		return first(this.tlvs, type);
	}

	// The specification does not forbid repeating a type; the first answers, all stay in tlvs.
	private static Optional<Tlv> first(List<Tlv> tlvs, int type) {
		for (Tlv tlv : tlvs) {
			if (tlv.type() == type) {
				return Optional.of(tlv);
			}
		}
		return Optional.empty();
	}

	/**
	 * The command in a version 2 header's low nibble of byte 13.
	 */
	public enum Command {

		/** The proxy opened the connection itself (a health check): use the real addresses. */
		LOCAL,

		/** The proxy relayed the connection for a client: the header describes the client. */
		PROXY

	}

	/**
	 * The address family and transport of the client's connection to the proxy: byte 14 of
	 * a version 2 header, or the protocol word of a version 1 line.
	 */
	public enum Family {

		/** Unknown, unspecified or unsupported; no addresses (v1 {@code UNKNOWN}). */
		UNSPEC(0x00, 0),

		/** TCP over IPv4: 4-byte addresses and two ports, 12 bytes. */
		TCP4(0x11, 12),

		/** UDP over IPv4: 4-byte addresses and two ports, 12 bytes. */
		UDP4(0x12, 12),

		/** TCP over IPv6: 16-byte addresses and two ports, 36 bytes. */
		TCP6(0x21, 36),

		/** UDP over IPv6: 16-byte addresses and two ports, 36 bytes. */
		UDP6(0x22, 36),

		/** A UNIX stream socket: two 108-byte paths, 216 bytes. */
		UNIX_STREAM(0x31, 216),

		/** A UNIX datagram socket: two 108-byte paths, 216 bytes. */
		UNIX_DGRAM(0x32, 216);

		private final int code;

		private final int addressLength;

		Family(int code, int addressLength) {
			this.code = code;
			this.addressLength = addressLength;
		}

		/**
		 * Return the family's byte in a version 2 header.
		 * @return the family and protocol byte
		 */
		public int code() {
			return this.code;
		}

		/**
		 * Return the length of the family's address block in a version 2 header.
		 * @return the length in bytes
		 */
		public int addressLength() {
			return this.addressLength;
		}

	}

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
	public record Tlv(int type, byte[] value) {

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

		/** TLS details: client flags, verify result and sub-TLVs (see {@link Ssl}). */
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

		public Tlv {
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
		static List<Tlv> decodeAll(byte[] bytes, int from, int to) {
			List<Tlv> tlvs = new ArrayList<>();
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
				tlvs.add(new Tlv(type, Arrays.copyOfRange(bytes, valueOffset, valueOffset + length)));
				offset = valueOffset + length;
			}
			return tlvs;
		}

		@Override
		public boolean equals(Object other) {
			return (other instanceof Tlv tlv) && this.type == tlv.type && Arrays.equals(this.value, tlv.value);
		}

		@Override
		public int hashCode() {
			return 31 * this.type + Arrays.hashCode(this.value);
		}

		@Override
		public String toString() {
			return String.format("Tlv[type=0x%02X, length=%d]", this.type, this.value.length);
		}

	}

	/**
	 * What the proxy knows of the client's TLS connection to it: the value of an
	 * {@link Tlv#SSL} TLV, a client flags byte, a 32-bit verify result and sub-TLVs.
	 *
	 * @param client the client flags, a combination of {@link #CLIENT_SSL},
	 * {@link #CLIENT_CERT_CONN} and {@link #CLIENT_CERT_SESS}
	 * @param verify the certificate verification result, unsigned: 0 when the client
	 * presented a certificate and it was verified
	 * @param tlvs the sub-TLVs in the order they came, unknown types included
	 */
	public record Ssl(int client, long verify, List<Tlv> tlvs) {

		/** Flag: the client connected over TLS. */
		public static final int CLIENT_SSL = 0x01;

		/** Flag: the client presented a certificate on this connection. */
		public static final int CLIENT_CERT_CONN = 0x02;

		/** Flag: the client presented a certificate at least once in this TLS session. */
		public static final int CLIENT_CERT_SESS = 0x04;

		public Ssl {
			tlvs = List.copyOf(tlvs);
		}

		/**
		 * Decode the value of an SSL TLV.
		 * @param tlv the TLV
		 * @return its contents
		 * @throws IllegalArgumentException if the value is shorter than the 5 fixed bytes or
		 * its sub-TLVs do not fit in it
		 */
		static Ssl decode(Tlv tlv) {
			byte[] value = tlv.value;
			if (value.length < 5) {
				throw new IllegalArgumentException(
						"SSL TLV of " + value.length + " byte(s) is shorter than its 5 fixed bytes");
			}
			return new Ssl(value[0] & 0xFF, tlv.unsignedInt(1), Tlv.decodeAll(value, 5, value.length));
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
			return first(this.tlvs, Tlv.SSL_VERSION).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
		}

		/**
		 * Return the Common Name of the client certificate's subject.
		 * @return the common name, if present
		 */
		public Optional<String> commonName() {
			return first(this.tlvs, Tlv.SSL_CN).map((tlv) -> tlv.asString(StandardCharsets.UTF_8));
		}

		/**
		 * Return the cipher, for example {@code ECDHE-RSA-AES128-GCM-SHA256}.
		 * @return the cipher, if present
		 */
		public Optional<String> cipher() {
			return first(this.tlvs, Tlv.SSL_CIPHER).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
		}

		/**
		 * Return the algorithm that signed the proxy's certificate, for example
		 * {@code RSA-SHA256}.
		 * @return the algorithm, if present
		 */
		public Optional<String> signatureAlgorithm() {
			return first(this.tlvs, Tlv.SSL_SIG_ALG).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
		}

		/**
		 * Return the algorithm of the proxy certificate's key, for example {@code RSA2048}.
		 * @return the algorithm, if present
		 */
		public Optional<String> keyAlgorithm() {
			return first(this.tlvs, Tlv.SSL_KEY_ALG).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
		}

	}

}

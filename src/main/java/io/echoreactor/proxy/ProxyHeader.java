package io.echoreactor.proxy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import org.jspecify.annotations.Nullable;

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
public record ProxyHeader(int version, Command command, Family family, @Nullable InetSocketAddress source,
		@Nullable InetSocketAddress destination, @Nullable String unixSource, @Nullable String unixDestination,
		List<ProxyTlv> tlvs) {

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
	 * @return the protocol name, if the header carried {@link ProxyTlv#ALPN}
	 */
	public Optional<String> alpn() {
		return first(ProxyTlv.ALPN).map((tlv) -> tlv.asString(StandardCharsets.ISO_8859_1));
	}

	/**
	 * Return the host name the client asked the proxy for (the TLS SNI when TLS was used).
	 * @return the host name, if the header carried {@link ProxyTlv#AUTHORITY}
	 */
	public Optional<String> authority() {
		return first(ProxyTlv.AUTHORITY).map((tlv) -> tlv.asString(StandardCharsets.UTF_8));
	}

	/**
	 * Return the opaque identifier (at most 128 bytes) the proxy gave the connection, to
	 * correlate it across proxies.
	 * @return a copy of the identifier, if the header carried {@link ProxyTlv#UNIQUE_ID}
	 */
	public Optional<byte[]> uniqueId() {
		return first(ProxyTlv.UNIQUE_ID).map(ProxyTlv::value);
	}

	/**
	 * Return the CRC32C checksum the header carried. {@link ProxyProtocolParser} verifies it
	 * (CRC32C over the whole header with the checksum field zeroed) and reports a mismatch as
	 * malformed, so a parsed header only ever carries a correct one; this record does not
	 * check it again.
	 * @return the checksum as an unsigned 32-bit value, if the header carried
	 * {@link ProxyTlv#CRC32C}
	 */
	public OptionalLong crc32c() {
		Optional<ProxyTlv> crc32c = first(ProxyTlv.CRC32C).filter((tlv) -> tlv.length() == 4);
		return crc32c.isPresent() ? OptionalLong.of(crc32c.get().unsignedInt(0)) : OptionalLong.empty();
	}

	/**
	 * Return the name of the network namespace the proxy accepted the connection in.
	 * @return the namespace name, if the header carried {@link ProxyTlv#NETNS}
	 */
	public Optional<String> netns() {
		return first(ProxyTlv.NETNS).map((tlv) -> tlv.asString(StandardCharsets.US_ASCII));
	}

	/**
	 * Return what the proxy knows of the client's TLS connection to it.
	 * @return the TLS details, if the header carried {@link ProxyTlv#SSL}
	 * @throws IllegalArgumentException if this record was built by hand with an SSL TLV that
	 * does not decode (a parsed header's always does)
	 */
	public Optional<ProxySslTlv> ssl() {
		return first(ProxyTlv.SSL).map(ProxySslTlv::decode);
	}

	private Optional<ProxyTlv> first(int type) {
		return ProxyTlv.first(this.tlvs, type);
	}

	// The specification does not forbid repeating a type; the first answers, all stay in tlvs.

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

}

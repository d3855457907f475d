package io.echoreactor.proxy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.proxy.ProxyTlv;
import org.jspecify.annotations.Nullable;

/**
 * Parser for the PROXY protocol header (HAProxy's {@code proxy-protocol.txt}, the text
 * version 1 and the binary version 2) that a proxy sends before anything else on a TCP
 * connection. It reads a {@link ProxyHeader}, or says why the bytes are not one yet, from
 * whatever part of the connection's first bytes has arrived, so a caller can call it
 * again after every read until the answer is final.
 *
 * <p>
 * The parser is strict: the specification asks the receiver to drop any connection whose
 * header "does not exactly match the protocol", so it checks single spaces, CR LF, decimal
 * numbers without leading zeros, address literals (never looked up in DNS), the version 2
 * version, command, family, lengths, TLV bounds, and verifies a CRC32C checksum when the
 * header carries one.
 *
 * <p>
 * <strong>Threading:</strong> stateless; {@link #parse(ByteBuffer)} may be called from any
 * thread.
 */
public final class ProxyProtocolParser {

	/**
	 * Longest version 1 line, CR LF included: {@code PROXY UNKNOWN} followed by two full
	 * IPv6 addresses and two five-digit ports, the specification's worst case.
	 */
	public static final int V1_MAX_LENGTH = 107;

	/**
	 * Longest version 2 header accepted, its 16 fixed bytes included. The format allows 16 +
	 * 65,535 bytes, but the header has to be held until it is complete, so this bounds what
	 * one connection can make the server buffer before it has said who it is. Real headers
	 * are far smaller: the largest address block (UNIX, 216 bytes) with a unique id (128),
	 * an authority (a host name, at most 255), the SSL details and a checksum stays under 1
	 * KiB. 4 KiB leaves room for application TLVs (cloud load balancers add a few dozen
	 * bytes each) and is four times the 1,024 bytes Jetty accepts by default.
	 */
	public static final int V2_MAX_LENGTH = 4096;

	private static final byte[] V1_SIGNATURE = { 'P', 'R', 'O', 'X', 'Y' };

	private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	static final Result INCOMPLETE = new Result.Incomplete();

	private static final Result ABSENT = new Result.Absent();

	private ProxyProtocolParser() {
	}

	/**
	 * Parse the PROXY header at the start of {@code bytes}, reading from its position to its
	 * limit. The buffer is not consumed: its position, limit and mark are left as they were
	 * (only absolute reads are used, so its byte order does not matter either). After a
	 * {@link Result.Parsed}, the caller skips {@link Result.Parsed#length()} bytes; what
	 * follows is the client's data.
	 * <p>
	 * The first bytes decide whether a header is there at all: while they are a prefix of
	 * {@code PROXY} or of the version 2 signature the answer is {@link Result.Incomplete};
	 * as soon as one byte matches neither it is {@link Result.Absent}. Once all of
	 * {@code PROXY} or the 12-byte signature has arrived, the bytes are a header, and every
	 * later answer is about that header.
	 * @param bytes the bytes received so far
	 * @return what the bytes are
	 */
	public static Result parse(ByteBuffer bytes) {
		Objects.requireNonNull(bytes, "bytes");
		int start = bytes.position();
		int available = bytes.remaining();
		Result v1 = matchSignature(bytes, start, available, V1_SIGNATURE);
		if (v1 == null) {
			return parseV1(bytes, start, available);
		}
		Result v2 = matchSignature(bytes, start, available, V2_SIGNATURE);
		if (v2 == null) {
			return ProxyV2Parser.parse(bytes, start, available);
		}
		return (v1 == INCOMPLETE || v2 == INCOMPLETE) ? INCOMPLETE : ABSENT;
	}

	/**
	 * Return whether {@code bytes} (position to limit) are a proper prefix of the version 1
	 * or version 2 signature: what {@link #parse(ByteBuffer)} answers
	 * {@link Result.Incomplete} for before it knows whether a header is there at all.
	 * @param bytes the bytes received so far
	 * @return whether they are a prefix of a signature and no more
	 */
	public static boolean isSignaturePrefix(ByteBuffer bytes) {
		int start = bytes.position();
		int available = bytes.remaining();
		return matchSignature(bytes, start, available, V1_SIGNATURE) == INCOMPLETE
				|| matchSignature(bytes, start, available, V2_SIGNATURE) == INCOMPLETE;
	}

	// Returns null when the whole signature is there.
	private static @Nullable Result matchSignature(ByteBuffer bytes, int start, int available, byte[] signature) {
		for (int i = 0; i < signature.length; i++) {
			if (i == available) {
				return INCOMPLETE;
			}
			if (bytes.get(start + i) != signature[i]) {
				return ABSENT;
			}
		}
		return null;
	}

	private static Result parseV1(ByteBuffer bytes, int start, int available) {
		// A CR first seen at index 106 or later would end the line beyond 107 bytes, so the
		// line is oversized whatever byte 106 is: judging it would make the answer depend on
		// whether the bytes arrived at once or in pieces.
		int scan = Math.min(available, V1_MAX_LENGTH - 1);
		for (int i = V1_SIGNATURE.length; i < scan; i++) {
			byte b = bytes.get(start + i);
			if (b == '\r') {
				if (i + 1 == available) {
					return INCOMPLETE;
				}
				if (bytes.get(start + i + 1) != '\n') {
					return malformed("v1 line has a CR that is not followed by LF");
				}
				byte[] line = new byte[i];
				bytes.get(start, line);
				return parseV1Line(new String(line, StandardCharsets.US_ASCII), i + 2);
			}
			if (b == '\n') {
				return malformed("v1 line ends with LF without CR");
			}
			// The line is US-ASCII text; anything else can be refused before CR LF arrives.
			if (b < 0x20 || b > 0x7E) {
				return malformed(String.format("v1 line contains byte 0x%02X", b & 0xFF));
			}
		}
		return (available >= V1_MAX_LENGTH - 1) ? oversizedV1() : INCOMPLETE;
	}

	private static Result oversizedV1() {
		return new Result.Oversized("v1 line has no CR LF within " + V1_MAX_LENGTH + " bytes");
	}

	private static Result parseV1Line(String line, int length) {
		if (!line.startsWith("PROXY ")) {
			return malformed("v1 line must start with \"PROXY \"");
		}
		String rest = line.substring(6);
		// The receiver must ignore whatever UNKNOWN is followed by, up to CR LF.
		if (rest.equals("UNKNOWN") || rest.startsWith("UNKNOWN ")) {
			return parsed(new ProxyHeader(1, Command.PROXY, Family.UNSPEC, null, null, null, null, List.of()), length);
		}
		String[] fields = rest.split(" ", -1);
		for (String field : fields) {
			if (field.isEmpty()) {
				return malformed("v1 fields must be separated by exactly one space");
			}
		}
		Family family = switch (fields[0]) {
			case "TCP4" -> Family.TCP4;
			case "TCP6" -> Family.TCP6;
			default -> null;
		};
		if (family == null) {
			return malformed("v1 protocol must be TCP4, TCP6 or UNKNOWN, not \"" + fields[0] + "\"");
		}
		if (fields.length != 5) {
			return malformed("v1 " + fields[0] + " line must have 4 fields after the protocol, not "
					+ (fields.length - 1));
		}
		byte[] source = (family == Family.TCP4) ? InetLiterals.ipv4(fields[1]) : InetLiterals.ipv6(fields[1]);
		byte[] destination = (family == Family.TCP4) ? InetLiterals.ipv4(fields[2]) : InetLiterals.ipv6(fields[2]);
		if (source == null || destination == null) {
			return malformed("v1 " + fields[0] + " address \"" + ((source == null) ? fields[1] : fields[2])
					+ "\" is not a valid literal");
		}
		int sourcePort = InetLiterals.port(fields[3]);
		int destinationPort = InetLiterals.port(fields[4]);
		if (sourcePort < 0 || destinationPort < 0) {
			return malformed("v1 port \"" + ((sourcePort < 0) ? fields[3] : fields[4])
					+ "\" is not a decimal from 0 to 65535 without leading zeros");
		}
		return parsed(new ProxyHeader(1, Command.PROXY, family, socketAddress(source, sourcePort),
				socketAddress(destination, destinationPort), null, null, List.of()), length);
	}

	static InetSocketAddress socketAddress(byte[] address, int port) {
		try {
			// Raw bytes are never looked up. The Inet6Address factory keeps an IPv4-mapped
			// address in the IPv6 family it was sent in; InetAddress would turn it to IPv4.
			InetAddress inet = (address.length == 16) ? Inet6Address.getByAddress(null, address, -1)
					: InetAddress.getByAddress(address);
			return new InetSocketAddress(inet, port);
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("Address of " + address.length + " bytes", ex);
		}
	}

	static Result parsed(ProxyHeader header, int length) {
		return new Result.Parsed(header, length);
	}

	static Result malformed(String reason) {
		return new Result.Malformed(reason);
	}

	/**
	 * What the first bytes of a connection are, as far as the PROXY protocol is concerned.
	 */
	public sealed interface Result {

		/**
		 * The bytes are a prefix of a signature or of a header: wait for more.
		 */
		record Incomplete() implements Result {
		}

		/**
		 * The bytes cannot start a PROXY header: where the header is optional, they are the
		 * client's data.
		 */
		record Absent() implements Result {
		}

		/**
		 * The bytes start a PROXY header that breaks the specification: drop the connection.
		 *
		 * @param reason what is wrong, for a log line
		 */
		record Malformed(String reason) implements Result {
		}

		/**
		 * The bytes start a PROXY header longer than {@link #V1_MAX_LENGTH} or
		 * {@link #V2_MAX_LENGTH}: drop the connection.
		 *
		 * @param reason what is too long, for a log line
		 */
		record Oversized(String reason) implements Result {
		}

		/**
		 * A complete, valid header.
		 *
		 * @param header what it says
		 * @param length how many bytes it took from the buffer's position; the client's data
		 * starts after them
		 */
		record Parsed(ProxyHeader header, int length) implements Result {
		}

	}

}

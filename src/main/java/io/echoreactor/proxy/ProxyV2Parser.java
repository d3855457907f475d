package io.echoreactor.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolParser.Result;
import org.jspecify.annotations.Nullable;

/**
 * The binary version 2 of the PROXY protocol, for {@link ProxyProtocolParser}: the fixed
 * bytes judged as they arrive, then the addresses, the TLVs the specification defines
 * and the CRC32C checksum when the header carries one.
 *
 * <p>
 * <strong>Threading:</strong> stateless.
 */
final class ProxyV2Parser {

	private static final int V2_FIXED_LENGTH = 16;

	private static final int UNIX_PATH_LENGTH = 108;

	private static final int MAX_UNIQUE_ID_LENGTH = 128;

	private ProxyV2Parser() {
	}

	/**
	 * Parse the version 2 header at {@code start}, whose 12-byte signature has arrived.
	 * @param bytes the bytes received so far, not consumed
	 * @param start where the header starts
	 * @param available the bytes from there on
	 * @return what the bytes are
	 */
	static Result parse(ByteBuffer bytes, int start, int available) {
		// Judge each fixed byte as soon as it arrives, so a bad header fails without waiting.
		if (available < 13) {
			return ProxyProtocolParser.INCOMPLETE;
		}
		int versionCommand = bytes.get(start + 12) & 0xFF;
		if ((versionCommand >>> 4) != 2) {
			return ProxyProtocolParser.malformed("v2 version must be 2, not " + (versionCommand >>> 4));
		}
		int commandCode = versionCommand & 0x0F;
		if (commandCode > 1) {
			return ProxyProtocolParser.malformed("v2 command must be LOCAL (0) or PROXY (1), not " + commandCode);
		}
		Command command = (commandCode == 0) ? Command.LOCAL : Command.PROXY;
		if (available < 14) {
			return ProxyProtocolParser.INCOMPLETE;
		}
		int familyCode = bytes.get(start + 13) & 0xFF;
		// LOCAL discards the family along with the addresses, so only PROXY has it checked.
		if (command == Command.PROXY && ((familyCode >>> 4) > 3 || (familyCode & 0x0F) > 2)) {
			return ProxyProtocolParser.malformed(String.format("v2 family and protocol byte 0x%02X is not defined", familyCode));
		}
		if (available < V2_FIXED_LENGTH) {
			return ProxyProtocolParser.INCOMPLETE;
		}
		int length = V2_FIXED_LENGTH + (((bytes.get(start + 14) & 0xFF) << 8) | (bytes.get(start + 15) & 0xFF));
		if (length > ProxyProtocolParser.V2_MAX_LENGTH) {
			return new Result.Oversized("v2 header of " + length + " bytes is longer than " + ProxyProtocolParser.V2_MAX_LENGTH);
		}
		if (available < length) {
			return ProxyProtocolParser.INCOMPLETE;
		}
		if (command == Command.LOCAL) {
			return ProxyProtocolParser.parsed(new ProxyHeader(2, Command.LOCAL, Family.UNSPEC, null, null, null, null, List.of()), length);
		}
		byte[] header = new byte[length];
		bytes.get(start, header);
		return parseV2Proxy(header, family(familyCode));
	}

	// Either nibble unspecified means the receiver should ignore the address information,
	// so the other nibble is not worth a refusal.
	private static Family family(int code) {
		if ((code >>> 4) == 0 || (code & 0x0F) == 0) {
			return Family.UNSPEC;
		}
		for (Family family : Family.values()) {
			if (family.code() == code) {
				return family;
			}
		}
		throw new IllegalStateException("Unchecked family byte " + code);
	}

	private static Result parseV2Proxy(byte[] header, Family family) {
		int length = header.length;
		if (family == Family.UNSPEC) {
			// Unspecified addresses have no defined size, so where TLVs would start is unknown.
			return ProxyProtocolParser.parsed(new ProxyHeader(2, Command.PROXY, family, null, null, null, null, List.of()), length);
		}
		int tlvStart = V2_FIXED_LENGTH + family.addressLength();
		if (tlvStart > length) {
			return ProxyProtocolParser.malformed("v2 length " + (length - V2_FIXED_LENGTH) + " is too short for the " + family
					+ " addresses (" + family.addressLength() + " bytes)");
		}
		List<ProxyTlv> tlvs;
		try {
			tlvs = ProxyTlv.decodeAll(header, tlvStart, length);
		}
		catch (IllegalArgumentException ex) {
			return ProxyProtocolParser.malformed("v2 " + ex.getMessage());
		}
		String problem = checkTlvs(header, tlvStart, tlvs);
		if (problem != null) {
			return ProxyProtocolParser.malformed("v2 " + problem);
		}
		int a = V2_FIXED_LENGTH;
		return switch (family) {
			case TCP4, UDP4 -> ProxyProtocolParser.parsed(new ProxyHeader(2, Command.PROXY, family,
					ProxyProtocolParser.socketAddress(slice(header, a, 4), unsignedShort(header, a + 8)),
					ProxyProtocolParser.socketAddress(slice(header, a + 4, 4), unsignedShort(header, a + 10)), null, null, tlvs), length);
			case TCP6, UDP6 -> ProxyProtocolParser.parsed(new ProxyHeader(2, Command.PROXY, family,
					ProxyProtocolParser.socketAddress(slice(header, a, 16), unsignedShort(header, a + 32)),
					ProxyProtocolParser.socketAddress(slice(header, a + 16, 16), unsignedShort(header, a + 34)), null, null, tlvs), length);
			default -> ProxyProtocolParser.parsed(new ProxyHeader(2, Command.PROXY, family, null, null, unixPath(header, a),
					unixPath(header, a + UNIX_PATH_LENGTH), tlvs), length);
		};
	}

	// Returns what is wrong with the TLVs the specification defines, or null.
	private static @Nullable String checkTlvs(byte[] header, int tlvStart, List<ProxyTlv> tlvs) {
		int offset = tlvStart;
		int crc32cOffset = -1;
		for (ProxyTlv tlv : tlvs) {
			int valueOffset = offset + 3;
			offset = valueOffset + tlv.length();
			String problem = switch (tlv.type()) {
				case ProxyTlv.CRC32C -> {
					if (tlv.length() != 4) {
						yield "CRC32C TLV must have 4 bytes, not " + tlv.length();
					}
					// With two, each checksum would cover the other: what to zero is undefined.
					if (crc32cOffset >= 0) {
						yield "header has more than one CRC32C TLV";
					}
					crc32cOffset = valueOffset;
					yield null;
				}
				case ProxyTlv.UNIQUE_ID -> (tlv.length() > MAX_UNIQUE_ID_LENGTH)
						? "unique id of " + tlv.length() + " bytes is longer than " + MAX_UNIQUE_ID_LENGTH : null;
				case ProxyTlv.AUTHORITY -> checkEncoding("authority", tlv, StandardCharsets.UTF_8);
				case ProxyTlv.NETNS -> checkEncoding("netns", tlv, StandardCharsets.US_ASCII);
				case ProxyTlv.SSL -> checkSsl(tlv);
				default -> null;
			};
			if (problem != null) {
				return problem;
			}
		}
		if (crc32cOffset >= 0 && !checksumMatches(header, crc32cOffset)) {
			return "CRC32C checksum does not match the header";
		}
		return null;
	}

	private static @Nullable String checkSsl(ProxyTlv tlv) {
		ProxySslTlv ssl;
		try {
			ssl = ProxySslTlv.decode(tlv);
		}
		catch (IllegalArgumentException ex) {
			return "SSL " + ex.getMessage();
		}
		for (ProxyTlv sub : ssl.tlvs()) {
			String problem = switch (sub.type()) {
				case ProxyTlv.SSL_CN -> checkEncoding("SSL common name", sub, StandardCharsets.UTF_8);
				case ProxyTlv.SSL_VERSION, ProxyTlv.SSL_CIPHER, ProxyTlv.SSL_SIG_ALG, ProxyTlv.SSL_KEY_ALG -> checkEncoding(
						String.format("SSL sub-TLV 0x%02X", sub.type()), sub, StandardCharsets.US_ASCII);
				default -> null;
			};
			if (problem != null) {
				return problem;
			}
		}
		return null;
	}

	private static @Nullable String checkEncoding(String what, ProxyTlv tlv, Charset charset) {
		try {
			charset.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(tlv.value()));
			return null;
		}
		catch (CharacterCodingException ex) {
			return what + " is not valid " + charset.name();
		}
	}

	// The specification's procedure: CRC32C (RFC 4960 Appendix B) over the whole header
	// with the 4 checksum bytes taken as zeros.
	private static boolean checksumMatches(byte[] header, int offset) {
		long received = ((header[offset] & 0xFFL) << 24) | ((header[offset + 1] & 0xFF) << 16)
				| ((header[offset + 2] & 0xFF) << 8) | (header[offset + 3] & 0xFF);
		CRC32C crc32c = new CRC32C();
		crc32c.update(header, 0, offset);
		crc32c.update(new byte[4]);
		crc32c.update(header, offset + 4, header.length - offset - 4);
		return crc32c.getValue() == received;
	}


	private static String unixPath(byte[] header, int offset) {
		int end = offset + UNIX_PATH_LENGTH;
		while (end > offset && header[end - 1] == 0) {
			end--;
		}
		return new String(header, offset, end - offset, StandardCharsets.UTF_8);
	}

	private static byte[] slice(byte[] bytes, int offset, int length) {
		byte[] slice = new byte[length];
		System.arraycopy(bytes, offset, slice, 0, length);
		return slice;
	}

	private static int unsignedShort(byte[] bytes, int offset) {
		return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
	}

}

package io.echoreactor.proxy;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.echoreactor.fuzz.FuzzTargets;
import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolParser.Result;
import io.echoreactor.proxy.ProxyTlv;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz test for {@link ProxyProtocolParser}, versions 1 and 2 alike: whatever the bytes,
 * the answer is one of the five results, consistent with the bytes, the same wherever the
 * bytes sit in a buffer, and the same whether they arrive at once or split at any point.
 * The committed inputs ({@code ProxyProtocolParserFuzzTestsInputs/parse/}) run in every
 * build; {@code ./mvnw -Psoak verify} fuzzes it.
 */
class ProxyProtocolParserFuzzTests {

	private static final byte[] V1_SIGNATURE = "PROXY".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	@FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
	void parse(byte[] bytes) {
		Result whole = parseUnchanged(ByteBuffer.wrap(bytes));
		assertThat(parseUnchanged(embedded(bytes))).as("the same bytes inside a larger buffer").isEqualTo(whole);
		assertAnswerFitsTheBytes(bytes, whole);
		assertIncrementalParsingAgrees(bytes, whole);
		if (whole instanceof Result.Parsed parsed) {
			assertHeaderFitsTheBytes(bytes, parsed);
		}
	}

	// The parser reads absolutely and must leave the buffer to its caller as it was.
	private static Result parseUnchanged(ByteBuffer buffer) {
		int position = buffer.position();
		int limit = buffer.limit();
		Result result = ProxyProtocolParser.parse(buffer);
		assertThat(result).isNotNull();
		assertThat(buffer.position()).isEqualTo(position);
		assertThat(buffer.limit()).isEqualTo(limit);
		return result;
	}

	// Non-zero position, bytes that are not a header's on either side, and a limit before them.
	private static ByteBuffer embedded(byte[] bytes) {
		ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 14);
		buffer.put(new byte[] { 'P', 'R', 'O', 'X', 'Y', ' ', 0x0D });
		buffer.put(bytes);
		buffer.put(new byte[] { '\r', '\n', 'P', 0x0D, 0x0A, 0x00, 0x21 });
		return buffer.limit(7 + bytes.length).position(7);
	}

	private static void assertAnswerFitsTheBytes(byte[] bytes, Result result) {
		boolean v1 = startsWith(bytes, V1_SIGNATURE);
		boolean v2 = startsWith(bytes, V2_SIGNATURE);
		boolean signaturePrefix = isPrefixOf(bytes, V1_SIGNATURE) || isPrefixOf(bytes, V2_SIGNATURE);
		if (result instanceof Result.Absent) {
			assertThat(v1 || v2 || signaturePrefix).as("absent, yet the bytes start a signature").isFalse();
		}
		else {
			assertThat(v1 || v2 || signaturePrefix).as("%s without a signature", result).isTrue();
		}
		if (result instanceof Result.Incomplete) {
			// A header has a bounded length, so no byte stream is incomplete forever.
			int bound = v1 ? ProxyProtocolParser.V1_MAX_LENGTH : ProxyProtocolParser.V2_MAX_LENGTH;
			assertThat(bytes.length).as("incomplete after that many bytes").isLessThan(bound);
		}
		if (result instanceof Result.Malformed malformed) {
			assertThat(malformed.reason()).isNotBlank().doesNotContain("\n", "\r");
		}
		if (result instanceof Result.Oversized oversized) {
			assertThat(oversized.reason()).isNotBlank();
		}
	}

	// What a reactor sees: the bytes in pieces. Until the answer is final every prefix is
	// incomplete; after, every longer prefix gives the final answer, the whole one's.
	private static void assertIncrementalParsingAgrees(byte[] bytes, Result whole) {
		Result first = null;
		for (int end = 0; end < bytes.length; end++) {
			Result prefix = parseUnchanged(ByteBuffer.wrap(bytes, 0, end).slice());
			if (first == null && !(prefix instanceof Result.Incomplete)) {
				first = prefix;
			}
			if (first != null) {
				assertThat(prefix).as("%d of %d bytes, after the answer %s", end, bytes.length, first)
					.isEqualTo(whole);
			}
		}
	}

	private static void assertHeaderFitsTheBytes(byte[] bytes, Result.Parsed parsed) {
		ProxyHeader header = parsed.header();
		int length = parsed.length();
		assertThat(length).isPositive().isLessThanOrEqualTo(bytes.length);
		byte[] exact = Arrays.copyOf(bytes, length);
		assertThat(ProxyProtocolParser.parse(ByteBuffer.wrap(exact))).as("the header's bytes alone").isEqualTo(parsed);
		boolean addressed = header.family() != Family.UNSPEC;
		boolean inet = addressed && header.family() != Family.UNIX_STREAM && header.family() != Family.UNIX_DGRAM;
		assertThat(header.source() != null).isEqualTo(inet);
		assertThat(header.destination() != null).isEqualTo(inet);
		assertThat(header.unixSource() != null).isEqualTo(addressed && !inet);
		assertThat(header.unixDestination() != null).isEqualTo(addressed && !inet);
		if (inet) {
			Class<?> type = switch (header.family()) {
				case TCP4, UDP4 -> Inet4Address.class;
				default -> Inet6Address.class;
			};
			assertThat(header.source().getAddress()).isInstanceOf(type);
			assertThat(header.destination().getAddress()).isInstanceOf(type);
			assertThat(header.source().isUnresolved()).isFalse();
		}
		if (header.version() == 1) {
			assertV1(exact, header);
		}
		else {
			assertV2(exact, header);
		}
	}

	private static void assertV1(byte[] line, ProxyHeader header) {
		assertThat(line.length).isLessThanOrEqualTo(ProxyProtocolParser.V1_MAX_LENGTH);
		assertThat(new String(line, StandardCharsets.US_ASCII)).startsWith("PROXY ")
			.endsWith("\r\n")
			.containsOnlyOnce("\r")
			.containsOnlyOnce("\n");
		assertThat(header.command()).isEqualTo(Command.PROXY);
		assertThat(header.family()).isIn(Family.TCP4, Family.TCP6, Family.UNSPEC);
		assertThat(header.tlvs()).isEmpty();
		if (header.family() != Family.UNSPEC) {
			// Written back in the JDK's canonical form, the line means the same.
			String rewritten = "PROXY " + header.family() + " " + header.source().getAddress().getHostAddress() + " "
					+ header.destination().getAddress().getHostAddress() + " " + header.source().getPort() + " "
					+ header.destination().getPort() + "\r\n";
			Result reparsed = ProxyProtocolParser.parse(ByteBuffer.wrap(rewritten.getBytes(StandardCharsets.US_ASCII)));
			assertThat(reparsed).isInstanceOf(Result.Parsed.class);
			assertThat(((Result.Parsed) reparsed).header()).isEqualTo(header);
		}
	}

	private static void assertV2(byte[] header, ProxyHeader parsed) {
		assertThat(header.length).isLessThanOrEqualTo(ProxyProtocolParser.V2_MAX_LENGTH)
			.isEqualTo(16 + (((header[14] & 0xFF) << 8) | (header[15] & 0xFF)));
		assertThat(parsed.command()).isEqualTo(((header[12] & 0x0F) == 0) ? Command.LOCAL : Command.PROXY);
		if (parsed.tlvs().isEmpty()) {
			return;
		}
		// The TLVs are the tail of the header, byte for byte.
		ByteArrayOutputStream encoded = new ByteArrayOutputStream();
		for (ProxyTlv tlv : parsed.tlvs()) {
			encoded.write(tlv.type());
			encoded.write(tlv.length() >>> 8);
			encoded.write(tlv.length());
			encoded.writeBytes(tlv.value());
		}
		byte[] tail = encoded.toByteArray();
		assertThat(Arrays.copyOfRange(header, header.length - tail.length, header.length)).isEqualTo(tail);
		assertThat(header.length - tail.length).isEqualTo(16 + parsed.family().addressLength());
		// What a parsed header carries decodes: the accessors do not throw.
		parsed.ssl().ifPresent((ssl) -> {
			ssl.version();
			ssl.commonName();
			ssl.cipher();
		});
		parsed.authority();
		parsed.alpn();
		parsed.netns();
		parsed.uniqueId().ifPresent((id) -> assertThat(id.length).isLessThanOrEqualTo(128));
	}

	private static boolean startsWith(byte[] bytes, byte[] prefix) {
		return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
	}

	private static boolean isPrefixOf(byte[] bytes, byte[] signature) {
		return bytes.length < signature.length && Arrays.equals(bytes, 0, bytes.length, signature, 0, bytes.length);
	}

}

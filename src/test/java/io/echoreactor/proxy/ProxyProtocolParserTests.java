package io.echoreactor.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolParser.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProxyProtocolParser}: telling a header from plain data, headers split
 * across reads, and version 1. Version 2 is in {@link ProxyProtocolParserV2Tests}.
 */
class ProxyProtocolParserTests {

	// The specification's example line (2.1), with documentation addresses (RFC 5737).
	private static final String SPEC_V1_EXAMPLE = "PROXY TCP4 203.0.113.1 203.0.113.11 56324 443\r\n";

	private static final String MAX_V1_LINE = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
			+ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

	@Test
	void nothingYetIsIncomplete() {
		assertThat(parse(new byte[0])).isInstanceOf(Result.Incomplete.class);
	}

	@Test
	void everyPrefixOfTheV1SignatureIsIncomplete() {
		for (String prefix : new String[] { "P", "PR", "PRO", "PROX", "PROXY", "PROXY " }) {
			assertThat(parse(prefix)).as(prefix).isInstanceOf(Result.Incomplete.class);
		}
	}

	@Test
	void everyPrefixOfTheV2SignatureIsIncomplete() {
		byte[] header = ProxyV2Writer.local().toBytes();
		for (int length = 1; length <= 12; length++) {
			assertThat(parse(Arrays.copyOf(header, length))).as("%d bytes", length)
				.isInstanceOf(Result.Incomplete.class);
		}
		assertThat(parse("\r\n")).isInstanceOf(Result.Incomplete.class);
	}

	@Test
	void onlyProperPrefixesOfASignatureAreSignaturePrefixes() {
		byte[] v2 = ProxyV2Writer.local().toBytes();
		for (String prefix : new String[] { "P", "PRO", "PROX", "\r\n", "\r\n\r\n\0" }) {
			assertThat(ProxyProtocolParser.isSignaturePrefix(ascii(prefix))).as(prefix).isTrue();
		}
		assertThat(ProxyProtocolParser.isSignaturePrefix(ByteBuffer.wrap(v2, 0, 11))).isTrue();
		// A whole signature starts a header: what follows it is the header's business.
		for (String bytes : new String[] { "PROXY", "PROXY TCP4 192.0.2.1", "PX", "GET" }) {
			assertThat(ProxyProtocolParser.isSignaturePrefix(ascii(bytes))).as(bytes).isFalse();
		}
		assertThat(ProxyProtocolParser.isSignaturePrefix(ByteBuffer.wrap(v2, 0, 12))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET / HTTP/1.1\r\n", "PX", "PROXZ", "proxy TCP4 203.0.113.1 203.0.113.11 56324 443\r\n",
			"\r\n\r\nGET", "\r\n\r\n\0\r\nQUIZ\n", "\n", "SSH-2.0-OpenSSH_9.6\r\n", "hello" })
	void bytesThatDifferFromBothSignaturesAreAbsent(String data) {
		assertThat(parse(data)).isInstanceOf(Result.Absent.class);
	}

	@Test
	void aTlsClientHelloIsAbsent() {
		assertThat(parse(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 })).isInstanceOf(Result.Absent.class);
	}

	@Test
	void parsingLeavesTheBufferAsItWas() {
		byte[] line = bytes(SPEC_V1_EXAMPLE + "GET / HTTP/1.1\r\n");
		ByteBuffer buffer = ByteBuffer.allocateDirect(line.length + 10).order(ByteOrder.LITTLE_ENDIAN);
		buffer.put(new byte[] { 'x', 'y', 'z' }).put(line).flip();
		buffer.position(3).mark();
		int limit = buffer.limit();
		Result result = ProxyProtocolParser.parse(buffer);
		assertThat(result).isInstanceOf(Result.Parsed.class);
		assertThat(buffer.position()).isEqualTo(3);
		assertThat(buffer.limit()).isEqualTo(limit);
		buffer.position(20).reset();
		assertThat(buffer.position()).as("mark").isEqualTo(3);
	}

	@Test
	void theSpecificationsV1ExampleIsParsedAndTheRequestAfterItIsNotPartOfIt() throws Exception {
		String request = "GET / HTTP/1.1\r\nHost: 203.0.113.11\r\n\r\n";
		Result.Parsed parsed = parsed(SPEC_V1_EXAMPLE + request);
		assertThat(parsed.length()).isEqualTo(SPEC_V1_EXAMPLE.length());
		ProxyHeader header = parsed.header();
		assertThat(header.version()).isEqualTo(1);
		assertThat(header.command()).isEqualTo(Command.PROXY);
		assertThat(header.family()).isEqualTo(Family.TCP4);
		assertThat(header.source()).isEqualTo(new InetSocketAddress(InetAddress.getByName("203.0.113.1"), 56324));
		assertThat(header.destination()).isEqualTo(new InetSocketAddress(InetAddress.getByName("203.0.113.11"), 443));
		assertThat(header.source().getAddress()).isInstanceOf(Inet4Address.class);
		assertThat(header.unixSource()).isNull();
		assertThat(header.tlvs()).isEmpty();
	}

	@Test
	void v1Tcp6IsParsedWithFullAndShortGroups() throws Exception {
		Result.Parsed parsed = parsed("PROXY TCP6 2001:0db8:85a3:0000:0000:8a2e:0370:7334 "
				+ "1050:0:0:0:5:600:300c:326b 56324 443\r\n");
		assertThat(parsed.header().family()).isEqualTo(Family.TCP6);
		assertThat(parsed.header().source())
			.isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8:85a3::8a2e:370:7334"), 56324));
		assertThat(parsed.header().destination())
			.isEqualTo(new InetSocketAddress(InetAddress.getByName("1050::5:600:300c:326b"), 443));
	}

	@Test
	void v1Tcp6AcceptsCompressionAndATrailingIpv4AsInetNtopWritesThem() throws Exception {
		ProxyHeader header = parsed("PROXY TCP6 ::ffff:192.0.2.1 :: 0 65535\r\n").header();
		assertThat(header.source().getAddress()).isInstanceOf(Inet6Address.class);
		assertThat(header.source().getAddress().getAddress()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
				192, 0, 2, 1);
		assertThat(header.destination().getAddress().getAddress()).containsOnly(0);
		assertThat(header.source().getPort()).isZero();
		assertThat(header.destination().getPort()).isEqualTo(65535);
		assertThat(parsed("PROXY TCP6 ::1 fe80:: 1 2\r\n").header().source().getAddress().isLoopbackAddress()).isTrue();
	}

	@Test
	void v1AddressesAreNeverLookedUp() {
		// Even a resolvable name is refused: the parser has no DNS to wait for.
		assertThat(parse("PROXY TCP4 localhost 127.0.0.1 1 2\r\n")).isInstanceOf(Result.Malformed.class);
		assertThat(parse("PROXY TCP6 localhost ::1 1 2\r\n")).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void v1UnknownShortFormMeansUseTheConnectionsOwnAddresses() {
		Result.Parsed parsed = parsed("PROXY UNKNOWN\r\nhello");
		assertThat(parsed.length()).isEqualTo(15);
		assertThat(parsed.header().version()).isEqualTo(1);
		assertThat(parsed.header().command()).isEqualTo(Command.PROXY);
		assertThat(parsed.header().family()).isEqualTo(Family.UNSPEC);
		assertThat(parsed.header().source()).isNull();
		assertThat(parsed.header().destination()).isNull();
	}

	@Test
	void v1UnknownIgnoresWhateverFollowsIt() {
		assertThat(parsed("PROXY UNKNOWN 203.0.113.1 203.0.113.11 56324 443\r\n").header().source()).isNull();
		assertThat(parsed("PROXY UNKNOWN not even addresses\r\n").header().family()).isEqualTo(Family.UNSPEC);
	}

	@Test
	void aV1LineOfTheMaximum107BytesIsParsed() {
		assertThat(MAX_V1_LINE).hasSize(107);
		assertThat(parsed(MAX_V1_LINE).length()).isEqualTo(107);
		String tcp6 = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				+ "65535 65535\r\n";
		assertThat(parsed(tcp6).length()).isEqualTo(104);
	}

	@Test
	void aV1LineOf108BytesIsOversized() {
		String line = MAX_V1_LINE.replace("65535 65535", "65535 655350");
		assertThat(line).hasSize(108);
		assertThat(parse(line)).isInstanceOf(Result.Oversized.class);
	}

	@Test
	void aV1LineIsOversizedAsSoonAsItsCrLfCanNoLongerFitIn107Bytes() {
		String content = MAX_V1_LINE.substring(0, 105) + "f";
		assertThat(parse(content.substring(0, 105))).isInstanceOf(Result.Incomplete.class);
		assertThat(parse(content)).isInstanceOf(Result.Oversized.class);
		assertThat(parse(MAX_V1_LINE.substring(0, 106))).as("CR as byte 106").isInstanceOf(Result.Incomplete.class);
		assertThat(parse(content + "\r")).isInstanceOf(Result.Oversized.class);
		assertThat(parse("PROXY " + "x".repeat(200))).isInstanceOf(Result.Oversized.class);
	}

	@Test
	void everyPrefixOfAV1LineIsIncompleteUntilTheLf() {
		assertIncompleteUntilComplete(bytes(SPEC_V1_EXAMPLE));
		assertIncompleteUntilComplete(bytes(MAX_V1_LINE));
	}

	@Test
	void everyPrefixOfAV2HeaderIsIncompleteUntilItsLastByte() throws Exception {
		byte[] header = ProxyV2Writer.proxy(Family.TCP6)
			.inet(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1234),
					new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 7))
			.tlv(ProxyTlv.AUTHORITY, "echo.example")
			.crc32c()
			.toBytes();
		assertIncompleteUntilComplete(header);
	}

	@Test
	void v1LfWithoutCrIsMalformed() {
		assertThat(parse(SPEC_V1_EXAMPLE.replace("\r\n", "\n") + "GET / HTTP/1.1\r\n"))
			.isInstanceOf(Result.Malformed.class);
		assertThat(parse("PROXY TCP4 203.0.113.1\n")).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void v1CrWithoutLfIsMalformedOnceTheNextByteArrives() {
		String withoutLf = SPEC_V1_EXAMPLE.replace("\r\n", "\r");
		assertThat(parse(withoutLf)).isInstanceOf(Result.Incomplete.class);
		assertThat(parse(withoutLf + "GET")).isInstanceOf(Result.Malformed.class);
		assertThat(parse("PROXY TCP4 203.0.113.1\r 203.0.113.11 56324 443\r\n")).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void v1ControlAndNonAsciiBytesAreMalformedWithoutWaitingForCrLf() {
		assertThat(parse("PROXY TCP4\t")).isInstanceOf(Result.Malformed.class);
		assertThat(parse(new byte[] { 'P', 'R', 'O', 'X', 'Y', ' ', 0 })).isInstanceOf(Result.Malformed.class);
		assertThat(parse(new byte[] { 'P', 'R', 'O', 'X', 'Y', ' ', (byte) 0xC3, (byte) 0xA9 }))
			.isInstanceOf(Result.Malformed.class);
	}

	@ParameterizedTest
	@ValueSource(strings = {
			// the signature and the spaces
			"PROXY\r\n", "PROXY \r\n", "PROXYTCP4 203.0.113.1 203.0.113.11 56324 443\r\n",
			"PROXY  TCP4 203.0.113.1 203.0.113.11 56324 443\r\n", "PROXY TCP4  203.0.113.1 203.0.113.11 56324 443\r\n",
			"PROXY TCP4 203.0.113.1 203.0.113.11  56324 443\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 56324 443 \r\n",
			// the protocol
			"PROXY TCP5 203.0.113.1 203.0.113.11 56324 443\r\n", "PROXY tcp4 203.0.113.1 203.0.113.11 56324 443\r\n",
			"PROXY UDP4 203.0.113.1 203.0.113.11 56324 443\r\n", "PROXY UNKNOWNX\r\n", "PROXY unknown\r\n",
			"PROXY TCP4\r\n",
			// missing and extra fields
			"PROXY TCP4 203.0.113.1 203.0.113.11 56324\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 56324 443 123\r\n",
			"PROXY TCP4 203.0.113.1\r\n",
			// ports
			"PROXY TCP4 203.0.113.1 203.0.113.11 65536 443\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 56324 080\r\n",
			"PROXY TCP4 203.0.113.1 203.0.113.11 00 443\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 -1 443\r\n",
			"PROXY TCP4 203.0.113.1 203.0.113.11 +443 443\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 44a 443\r\n",
			"PROXY TCP4 203.0.113.1 203.0.113.11 0x1bb 443\r\n", "PROXY TCP4 203.0.113.1 203.0.113.11 1000000 443\r\n",
			// IPv4
			"PROXY TCP4 203.0.113.256 203.0.113.11 56324 443\r\n", "PROXY TCP4 203.0.113.01 203.0.113.11 56324 443\r\n",
			"PROXY TCP4 192.168.1 203.0.113.11 56324 443\r\n", "PROXY TCP4 1.2.3.4.5 203.0.113.11 56324 443\r\n",
			"PROXY TCP4 192..0.1 203.0.113.11 56324 443\r\n", "PROXY TCP4 203.0.113.1. 203.0.113.11 56324 443\r\n",
			"PROXY TCP4 -1.2.3.4 203.0.113.11 56324 443\r\n", "PROXY TCP4 0x7f.0.0.1 203.0.113.11 56324 443\r\n",
			"PROXY TCP4 2130706433 203.0.113.11 56324 443\r\n", "PROXY TCP4 ::1 ::1 56324 443\r\n",
			// IPv6
			"PROXY TCP6 r001:0db8:85a3:0000:0000:8a2e:0370:7334 ::1 56324 443\r\n",
			"PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n",
			"PROXY TCP6 1::2::3 ::1 1 2\r\n", "PROXY TCP6 12345:: ::1 1 2\r\n",
			"PROXY TCP6 :1:: ::1 1 2\r\n", "PROXY TCP6 1:2:3:4:5:6:7:8: ::1 1 2\r\n", "PROXY TCP6 ::: ::1 1 2\r\n",
			"PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
			"PROXY TCP6 [::1] ::1 1 2\r\n", "PROXY TCP6 ::ffff:1.2.3.256 ::1 1 2\r\n",
			"PROXY TCP6 1.2.3.4::1 ::1 1 2\r\n",
			"PROXY TCP6 203.0.113.1 ::1 1 2\r\n", "PROXY TCP6 : ::1 1 2\r\n", "PROXY TCP6 ::1 ::g 1 2\r\n" })
	void v1LinesThatBreakTheSpecificationAreMalformed(String line) {
		assertThat(parse(line)).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void aMalformedReasonSaysWhatIsWrong() {
		assertThat(parse("PROXY TCP4 203.0.113.1 203.0.113.11 65536 443\r\n"))
			.isEqualTo(new Result.Malformed(
					"v1 port \"65536\" is not a decimal from 0 to 65535 without leading zeros"));
		assertThat(parse("PROXY TCP4 203.0.113.1 203.0.113.256 1 443\r\n"))
			.isEqualTo(new Result.Malformed("v1 TCP4 address \"203.0.113.256\" is not a valid literal"));
	}

	@Test
	void aV1LineIsJudgedOnlyOnceItsCrLfHasArrived() {
		// The specification has the receiver wait for CR LF before decoding the fields.
		assertThat(parse("PROXY TCP9 999.1.1.1 ")).isInstanceOf(Result.Incomplete.class);
	}

	private static void assertIncompleteUntilComplete(byte[] header) {
		for (int length = 0; length < header.length; length++) {
			assertThat(parse(Arrays.copyOf(header, length))).as("%d of %d bytes", length, header.length)
				.isInstanceOf(Result.Incomplete.class);
		}
		assertThat(parse(header)).isInstanceOf(Result.Parsed.class);
		byte[] withData = Arrays.copyOf(header, header.length + 5);
		System.arraycopy(bytes("hello"), 0, withData, header.length, 5);
		Result.Parsed parsed = (Result.Parsed) parse(withData);
		assertThat(parsed.length()).isEqualTo(header.length);
		assertThat(parsed).isEqualTo(parse(header));
	}

	private static ByteBuffer ascii(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
	}

	static Result parse(String text) {
		return parse(bytes(text));
	}

	static Result parse(byte[] bytes) {
		return ProxyProtocolParser.parse(ByteBuffer.wrap(bytes));
	}

	static Result.Parsed parsed(String text) {
		return parsed(bytes(text));
	}

	static Result.Parsed parsed(byte[] bytes) {
		Result result = parse(bytes);
		assertThat(result).isInstanceOf(Result.Parsed.class);
		return (Result.Parsed) result;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

}

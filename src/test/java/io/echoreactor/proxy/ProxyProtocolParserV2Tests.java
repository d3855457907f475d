package io.echoreactor.proxy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.echoreactor.proxy.ProxyHeader.Command;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolParser.Result;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.proxy.ProxyTlv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.echoreactor.proxy.ProxyProtocolParserTests.parse;
import static io.echoreactor.proxy.ProxyProtocolParserTests.parsed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ProxyProtocolParser} with version 2 (binary) headers and their TLVs.
 */
class ProxyProtocolParserV2Tests {

	private static final InetSocketAddress CLIENT4 = address("192.0.2.10", 51234);

	private static final InetSocketAddress SERVER4 = address("198.51.100.7", 7);

	private static final InetSocketAddress CLIENT6 = address("2001:db8::10", 51234);

	private static final InetSocketAddress SERVER6 = address("2001:db8:ffff::7", 7);

	@Test
	void aHeaderCapturedFromHaproxyWithSslTlvsIsParsed() {
		// Byte for byte the header of Netty's HAProxyMessageDecoderTest.testV2WithSslTLVs
		// (codec-haproxy): TCP over IPv4, 127.0.0.1:51622 to 127.0.0.1:1881, one SSL TLV
		// with client flags SSL | CERT_SESS, verify 0, and sub-TLVs version "TLSv1" and
		// CN "LEAF".
		byte[] bytes = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x23,
				0x7F, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00, 0x01, (byte) 0xC9, (byte) 0xA6, 0x07, 0x59, 0x20, 0x00, 0x14,
				0x05, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x05, 'T', 'L', 'S', 'v', '1', 0x22, 0x00, 0x04, 'L', 'E',
				'A', 'F' };
		Result.Parsed parsed = parsed(bytes);
		assertThat(parsed.length()).isEqualTo(51);
		ProxyHeader header = parsed.header();
		assertThat(header.version()).isEqualTo(2);
		assertThat(header.command()).isEqualTo(Command.PROXY);
		assertThat(header.family()).isEqualTo(Family.TCP4);
		assertThat(header.source()).isEqualTo(address("127.0.0.1", 51622));
		assertThat(header.destination()).isEqualTo(address("127.0.0.1", 1881));
		assertThat(header.tlvs()).extracting(ProxyTlv::type).containsExactly(ProxyTlv.SSL);
		ProxySslTlv ssl = header.ssl().orElseThrow();
		assertThat(ssl.connectedOverSsl()).isTrue();
		assertThat(ssl.certificateInSession()).isTrue();
		assertThat(ssl.certificateOnConnection()).isFalse();
		assertThat(ssl.verify()).isZero();
		assertThat(ssl.certificateVerified()).isTrue();
		assertThat(ssl.version()).hasValue("TLSv1");
		assertThat(ssl.commonName()).hasValue("LEAF");
		assertThat(ssl.cipher()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(names = { "TCP4", "UDP4" })
	void ipv4AddressesAreParsed(Family family) {
		byte[] header = ProxyV2Writer.proxy(family).inet(CLIENT4, SERVER4).toBytes();
		Result.Parsed parsed = parsed(withData(header, "hello"));
		assertThat(parsed.length()).isEqualTo(28);
		assertThat(parsed.header().family()).isEqualTo(family);
		assertThat(parsed.header().source()).isEqualTo(CLIENT4);
		assertThat(parsed.header().destination()).isEqualTo(SERVER4);
		assertThat(parsed.header().tlvs()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(names = { "TCP6", "UDP6" })
	void ipv6AddressesAreParsed(Family family) {
		byte[] header = ProxyV2Writer.proxy(family).inet(CLIENT6, SERVER6).toBytes();
		Result.Parsed parsed = parsed(withData(header, "hello"));
		assertThat(parsed.length()).isEqualTo(52);
		assertThat(parsed.header().family()).isEqualTo(family);
		assertThat(parsed.header().source()).isEqualTo(CLIENT6);
		assertThat(parsed.header().destination()).isEqualTo(SERVER6);
	}

	@Test
	void anIpv4MappedIpv6AddressStaysIpv6() {
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 1 };
		byte[] header = ProxyV2Writer.proxy(Family.TCP6)
			.addressBytes(mapped)
			.addressBytes(mapped)
			.addressBytes(new byte[] { 0, 1, 0, 2 })
			.toBytes();
		InetSocketAddress source = parsed(header).header().source();
		assertThat(source.getAddress()).isInstanceOf(Inet6Address.class);
		assertThat(source.getAddress().getAddress()).isEqualTo(mapped);
		assertThat(source.getPort()).isEqualTo(1);
	}

	@ParameterizedTest
	@EnumSource(names = { "UNIX_STREAM", "UNIX_DGRAM" })
	void unixPathsAreParsedWithoutTheirTrailingNuls(Family family) {
		byte[] header = ProxyV2Writer.proxy(family).unix("/var/run/src.sock", "/var/run/dest.sock").toBytes();
		Result.Parsed parsed = parsed(withData(header, "hello"));
		assertThat(parsed.length()).isEqualTo(232);
		assertThat(parsed.header().family()).isEqualTo(family);
		assertThat(parsed.header().unixSource()).isEqualTo("/var/run/src.sock");
		assertThat(parsed.header().unixDestination()).isEqualTo("/var/run/dest.sock");
		assertThat(parsed.header().source()).isNull();
		assertThat(parsed.header().destination()).isNull();
	}

	@Test
	void anAbstractUnixPathKeepsItsLeadingNul() {
		byte[] longest = "/".repeat(108).getBytes(StandardCharsets.US_ASCII);
		byte[] header = ProxyV2Writer.proxy(Family.UNIX_STREAM)
			.unix("\0echo-abstract".getBytes(StandardCharsets.US_ASCII), longest)
			.toBytes();
		ProxyHeader parsed = parsed(header).header();
		assertThat(parsed.unixSource()).isEqualTo("\0echo-abstract");
		assertThat(parsed.unixDestination()).hasSize(108);
	}

	@Test
	void localDiscardsTheAddressBlockButTakesItsLength() {
		// As Netty's testV2LocalProtocolDecode: LOCAL, UNSPEC, and 12 address bytes anyway.
		byte[] header = ProxyV2Writer.local().inet(CLIENT4, SERVER4).toBytes();
		Result.Parsed parsed = parsed(withData(header, "hello"));
		assertThat(parsed.length()).isEqualTo(28);
		assertThat(parsed.header().command()).isEqualTo(Command.LOCAL);
		assertThat(parsed.header().family()).isEqualTo(Family.UNSPEC);
		assertThat(parsed.header().source()).isNull();
		assertThat(parsed.header().destination()).isNull();
		assertThat(parsed.header().tlvs()).isEmpty();
		assertThat(parsed(ProxyV2Writer.local().toBytes()).length()).isEqualTo(16);
	}

	@Test
	void localIgnoresItsFamilyByte() {
		byte[] header = ProxyV2Writer.local().family(0xFF).inet(CLIENT4, SERVER4).toBytes();
		assertThat(parsed(header).header().family()).isEqualTo(Family.UNSPEC);
	}

	@ParameterizedTest
	@ValueSource(ints = { 0x00, 0x01, 0x02, 0x10, 0x20, 0x30 })
	void proxyWithAnUnspecifiedFamilyOrProtocolMeansUseTheConnectionsOwnAddresses(int family) {
		byte[] header = ProxyV2Writer.proxy(Family.UNSPEC).family(family).inet(CLIENT4, SERVER4).toBytes();
		Result.Parsed parsed = parsed(header);
		assertThat(parsed.length()).isEqualTo(28);
		assertThat(parsed.header().command()).isEqualTo(Command.PROXY);
		assertThat(parsed.header().family()).isEqualTo(Family.UNSPEC);
		assertThat(parsed.header().source()).isNull();
		assertThat(parsed(ProxyV2Writer.proxy(Family.UNSPEC).toBytes()).length()).isEqualTo(16);
	}

	@ParameterizedTest
	@ValueSource(ints = { 0x11, 0x31, 0x01, 0xF1 })
	void aVersionOtherThan2IsMalformedAsSoonAsItsByteArrives(int versionCommand) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.versionCommand(versionCommand)
			.inet(CLIENT4, SERVER4)
			.toBytes();
		assertThat(parse(Arrays.copyOf(header, 13))).isInstanceOf(Result.Malformed.class);
		assertThat(parse(header)).isInstanceOf(Result.Malformed.class);
	}

	@ParameterizedTest
	@ValueSource(ints = { 0x22, 0x2F })
	void aCommandOtherThanLocalOrProxyIsMalformedAsSoonAsItsByteArrives(int versionCommand) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.versionCommand(versionCommand)
			.inet(CLIENT4, SERVER4)
			.toBytes();
		assertThat(parse(Arrays.copyOf(header, 13))).isInstanceOf(Result.Malformed.class);
	}

	@ParameterizedTest
	@ValueSource(ints = { 0x41, 0xF1, 0x13, 0x1F, 0x03, 0x40 })
	void anUndefinedFamilyOrProtocolIsMalformedAsSoonAsItsByteArrives(int family) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).family(family).inet(CLIENT4, SERVER4).toBytes();
		assertThat(parse(Arrays.copyOf(header, 14))).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void aLengthTooShortForTheFamilysAddressesIsMalformed() {
		// As Netty's testV2MissingParams: TCP over IPv4 declaring 10 bytes.
		byte[] tcp4 = ProxyV2Writer.proxy(Family.TCP4).addressBytes(new byte[10]).toBytes();
		assertThat(parse(tcp4)).isEqualTo(
				new Result.Malformed("v2 length 10 is too short for the TCP4 addresses (12 bytes)"));
		byte[] tcp6 = ProxyV2Writer.proxy(Family.TCP6).inet(CLIENT4, SERVER4).toBytes();
		assertThat(parse(tcp6)).isInstanceOf(Result.Malformed.class);
		byte[] unix = ProxyV2Writer.proxy(Family.UNIX_STREAM).addressBytes(new byte[108]).toBytes();
		assertThat(parse(unix)).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void tlvsAreKeptInOrderWithUnknownTypesAsTheyCame() {
		byte[] uniqueId = new byte[128];
		Arrays.fill(uniqueId, (byte) 0xAB);
		byte[] aws = ascii("\u0001vpce-08d2bf15fac5001c9");
		byte[] azure = { 0x01, 0x21, 0x43, 0x65, (byte) 0x87 };
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.inet(CLIENT4, SERVER4)
			.tlv(ProxyTlv.ALPN, "h2")
			.tlv(ProxyTlv.AUTHORITY, "bücher.example")
			.tlv(ProxyTlv.NOOP, new byte[3])
			.tlv(ProxyTlv.UNIQUE_ID, uniqueId)
			.tlv(ProxyTlv.NETNS, "blue")
			.tlv(0xEA, aws)
			.tlv(0xEE, azure)
			.tlv(ProxyTlv.MIN_CUSTOM, new byte[0])
			.toBytes();
		ProxyHeader parsed = parsed(header).header();
		assertThat(parsed.tlvs()).containsExactly(new ProxyTlv(ProxyTlv.ALPN, ascii("h2")),
				new ProxyTlv(ProxyTlv.AUTHORITY, "bücher.example".getBytes(StandardCharsets.UTF_8)),
				new ProxyTlv(ProxyTlv.NOOP, new byte[3]),
				new ProxyTlv(ProxyTlv.UNIQUE_ID, uniqueId), new ProxyTlv(ProxyTlv.NETNS, ascii("blue")), new ProxyTlv(0xEA, aws),
				new ProxyTlv(0xEE, azure), new ProxyTlv(ProxyTlv.MIN_CUSTOM, new byte[0]));
		assertThat(parsed.alpn()).hasValue("h2");
		assertThat(parsed.authority()).hasValue("bücher.example");
		assertThat(parsed.uniqueId()).hasValueSatisfying((id) -> assertThat(id).isEqualTo(uniqueId));
		assertThat(parsed.netns()).hasValue("blue");
		assertThat(parsed.ssl()).isEmpty();
		assertThat(parsed.crc32c()).isEmpty();
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> parsed.tlvs().add(new ProxyTlv(ProxyTlv.NOOP, new byte[0])));
	}

	@Test
	void allSslDetailsAreRead() {
		byte[] value = ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL | ProxySslTlv.CLIENT_CERT_CONN | ProxySslTlv.CLIENT_CERT_SESS, 0,
				ProxyV2Writer.subTlv(ProxyTlv.SSL_VERSION, "TLSv1.3"), ProxyV2Writer.subTlv(ProxyTlv.SSL_CN, "client.example"),
				ProxyV2Writer.subTlv(ProxyTlv.SSL_CIPHER, "TLS_AES_128_GCM_SHA256"),
				ProxyV2Writer.subTlv(ProxyTlv.SSL_SIG_ALG, "RSA-SHA256"), ProxyV2Writer.subTlv(ProxyTlv.SSL_KEY_ALG, "RSA2048"),
				ProxyV2Writer.subTlv(0xF0, "experimental"));
		ProxySslTlv ssl = sslOf(value);
		assertThat(ssl.connectedOverSsl()).isTrue();
		assertThat(ssl.certificateOnConnection()).isTrue();
		assertThat(ssl.certificateInSession()).isTrue();
		assertThat(ssl.certificateVerified()).isTrue();
		assertThat(ssl.version()).hasValue("TLSv1.3");
		assertThat(ssl.commonName()).hasValue("client.example");
		assertThat(ssl.cipher()).hasValue("TLS_AES_128_GCM_SHA256");
		assertThat(ssl.signatureAlgorithm()).hasValue("RSA-SHA256");
		assertThat(ssl.keyAlgorithm()).hasValue("RSA2048");
		assertThat(ssl.tlvs()).extracting(ProxyTlv::type)
			.containsExactly(ProxyTlv.SSL_VERSION, ProxyTlv.SSL_CN, ProxyTlv.SSL_CIPHER, ProxyTlv.SSL_SIG_ALG, ProxyTlv.SSL_KEY_ALG, 0xF0);
	}

	@Test
	void aCertificateIsVerifiedOnlyWhenOneWasPresentedAndVerifyIsZero() {
		ProxySslTlv failed = sslOf(ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL | ProxySslTlv.CLIENT_CERT_CONN, 0xFFFFFFFFL));
		assertThat(failed.verify()).isEqualTo(0xFFFFFFFFL);
		assertThat(failed.certificateVerified()).isFalse();
		ProxySslTlv none = sslOf(ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL, 0));
		assertThat(none.certificateVerified()).isFalse();
		assertThat(none.tlvs()).isEmpty();
	}

	@Test
	void aMatchingCrc32cIsVerifiedAndReported() {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).inet(CLIENT4, SERVER4).tlv(ProxyTlv.ALPN, "h2").crc32c().toBytes();
		long expected = ProxyV2Writer.crc32c(withZeroedChecksum(header));
		assertThat(parsed(header).header().crc32c()).hasValue(expected);
	}

	@Test
	void aCrc32cThatDoesNotMatchIsMalformed() {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).inet(CLIENT4, SERVER4).crc32c().toBytes();
		byte[] otherClient = header.clone();
		otherClient[19] ^= 1;
		assertThat(parse(otherClient))
			.isEqualTo(new Result.Malformed("v2 CRC32C checksum does not match the header"));
		byte[] otherChecksum = header.clone();
		otherChecksum[header.length - 1] ^= 1;
		assertThat(parse(otherChecksum)).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void theChecksumIsCrc32cAsRfc4960DefinesIt() {
		// The CRC-32C check value: the checksum of the nine ASCII digits "123456789".
		byte[] check = ascii("123456789");
		assertThat(ProxyV2Writer.crc32c(check)).isEqualTo(0xE3069283L);
		CRC32C jdk = new CRC32C();
		jdk.update(check);
		assertThat(jdk.getValue()).isEqualTo(0xE3069283L);
	}

	@Test
	void aCrc32cTlvOfOtherThanFourBytesOrASecondOneIsMalformed() {
		byte[] short3 = ProxyV2Writer.proxy(Family.TCP4).inet(CLIENT4, SERVER4).tlv(ProxyTlv.CRC32C, new byte[3]).toBytes();
		assertThat(parse(short3)).isInstanceOf(Result.Malformed.class);
		byte[] two = ProxyV2Writer.proxy(Family.TCP4)
			.inet(CLIENT4, SERVER4)
			.tlv(ProxyTlv.CRC32C, new byte[4])
			.crc32c()
			.toBytes();
		assertThat(parse(two)).isEqualTo(new Result.Malformed("v2 header has more than one CRC32C TLV"));
	}

	@Test
	void aTlvThatOverrunsTheDeclaredLengthIsMalformed() {
		byte[] overrun = ProxyV2Writer.proxy(Family.TCP4)
			.inet(CLIENT4, SERVER4)
			.tlvBytes(ProxyV2Writer.tlv(ProxyTlv.ALPN, ascii("h2"), 10))
			.toBytes();
		assertThat(parse(overrun))
			.isEqualTo(new Result.Malformed("v2 TLV 0x01 declares 10 byte(s) but only 2 are left"));
		// Bytes after the header do not rescue it: the declared length is the bound.
		assertThat(parse(withData(overrun, "12345678"))).isInstanceOf(Result.Malformed.class);
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 2 })
	void bytesLeftOverThatAreTooFewForATlvAreMalformed(int count) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.inet(CLIENT4, SERVER4)
			.tlv(ProxyTlv.ALPN, "h2")
			.tlvBytes(new byte[count])
			.toBytes();
		assertThat(parse(header)).isInstanceOf(Result.Malformed.class);
	}

	@Test
	void tlvsThatBreakTheirDefinitionsAreMalformed() {
		assertMalformed(ProxyTlv.UNIQUE_ID, new byte[129]);
		assertMalformed(ProxyTlv.AUTHORITY, new byte[] { 'a', (byte) 0xC3, 0x28 });
		assertMalformed(ProxyTlv.NETNS, new byte[] { 'n', (byte) 0xE9 });
		assertMalformed(ProxyTlv.SSL, new byte[4]);
		assertMalformed(ProxyTlv.SSL,
				ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL, 0, ProxyV2Writer.tlv(ProxyTlv.SSL_VERSION, ascii("TLS"), 9)));
		assertMalformed(ProxyTlv.SSL, ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL, 0, new byte[] { ProxyTlv.SSL_CN, 0 }));
		assertMalformed(ProxyTlv.SSL, ProxyV2Writer.ssl(ProxySslTlv.CLIENT_CERT_CONN, 0,
				ProxyV2Writer.tlv(ProxyTlv.SSL_CN, new byte[] { (byte) 0xFF }, 1)));
		assertMalformed(ProxyTlv.SSL, ProxyV2Writer.ssl(ProxySslTlv.CLIENT_SSL, 0,
				ProxyV2Writer.tlv(ProxyTlv.SSL_CIPHER, new byte[] { (byte) 0xE9 }, 1)));
	}

	@Test
	void aHeaderLongerThanTheCapIsOversizedAsSoonAsItsLengthArrives() {
		int tooLong = ProxyProtocolParser.V2_MAX_LENGTH - 16 + 1;
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).length(tooLong).toBytes();
		assertThat(header).hasSize(16);
		assertThat(parse(header)).isInstanceOf(Result.Oversized.class);
		assertThat(parse(ProxyV2Writer.local().length(0xFFFF).toBytes())).isInstanceOf(Result.Oversized.class);
	}

	@Test
	void aHeaderOfExactlyTheCapIsParsed() {
		int padding = ProxyProtocolParser.V2_MAX_LENGTH - 16 - 12 - 3;
		byte[] header = ProxyV2Writer.proxy(Family.TCP4)
			.inet(CLIENT4, SERVER4)
			.tlv(ProxyTlv.MIN_CUSTOM, new byte[padding])
			.toBytes();
		assertThat(header).hasSize(ProxyProtocolParser.V2_MAX_LENGTH);
		assertThat(parsed(header).length()).isEqualTo(ProxyProtocolParser.V2_MAX_LENGTH);
	}

	private static void assertMalformed(int type, byte[] value) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).inet(CLIENT4, SERVER4).tlv(type, value).toBytes();
		assertThat(parse(header)).as("TLV 0x%02X %s", type, Arrays.toString(value))
			.isInstanceOf(Result.Malformed.class);
	}

	private static ProxySslTlv sslOf(byte[] value) {
		byte[] header = ProxyV2Writer.proxy(Family.TCP4).inet(CLIENT4, SERVER4).tlv(ProxyTlv.SSL, value).toBytes();
		return parsed(header).header().ssl().orElseThrow();
	}

	private static byte[] withZeroedChecksum(byte[] header) {
		byte[] zeroed = header.clone();
		Arrays.fill(zeroed, header.length - 4, header.length, (byte) 0);
		return zeroed;
	}

	private static byte[] withData(byte[] header, String data) {
		byte[] bytes = Arrays.copyOf(header, header.length + data.length());
		System.arraycopy(ascii(data), 0, bytes, header.length, data.length());
		return bytes;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	private static InetSocketAddress address(String literal, int port) {
		try {
			// A literal: InetAddress parses it without a lookup.
			return new InetSocketAddress(InetAddress.getByName(literal), port);
		}
		catch (java.net.UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

}

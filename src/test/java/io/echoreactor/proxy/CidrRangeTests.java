package io.echoreactor.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link CidrRange}: the forms {@code trusted-sources} takes, what each range
 * contains, and that a host name is refused rather than looked up. The addresses are
 * documentation addresses (RFC 5737, RFC 3849), only parsed.
 */
class CidrRangeTests {

	@Test
	void ipv4RangeContainsItsAddressesAndTheirIpv4MappedForm() {
		CidrRange range = CidrRange.parse("198.51.100.0/24");
		assertThat(range.contains(address("198.51.100.7"))).isTrue();
		assertThat(range.contains(address("203.0.113.1"))).isFalse();
		assertThat(range.contains(address("::ffff:198.51.100.3"))).isTrue();
		assertThat(range.contains(address("2001:db8::1"))).isFalse();
	}

	@Test
	void ipv6RangeContainsItsAddressesAndNoIpv4Address() {
		CidrRange range = CidrRange.parse("fd00::/8");
		assertThat(range.contains(address("fd12:3456::1"))).isTrue();
		assertThat(range.contains(address("fe80::1"))).isFalse();
		assertThat(range.contains(address("198.51.100.1"))).isFalse();
	}

	@Test
	void ipv6RangeOfIpv4MappedAddressesContainsTheIpv4AddressesTheyMap() {
		CidrRange range = CidrRange.parse("::ffff:198.51.100.0/120");
		assertThat(range.contains(address("198.51.100.7"))).isTrue();
		assertThat(range.contains(address("203.0.113.1"))).isFalse();
		assertThat(CidrRange.parse("::ffff:fff2:0").contains(address("255.242.0.0"))).isTrue();
		assertThat(CidrRange.parse("2001:db8::/32").contains(address("198.51.100.7"))).isFalse();
	}

	@Test
	void anAddressWithoutAPrefixIsThatAddressAlone() {
		CidrRange range = CidrRange.parse("127.0.0.2");
		assertThat(range.contains(address("127.0.0.2"))).isTrue();
		assertThat(range.contains(address("127.0.0.1"))).isFalse();
		assertThat(CidrRange.parse("::1").contains(address("::1"))).isTrue();
	}

	@Test
	void prefixZeroContainsEveryAddressOfItsFamily() {
		assertThat(CidrRange.parse("0.0.0.0/0").contains(address("203.0.113.9"))).isTrue();
		assertThat(CidrRange.parse("::/0").contains(address("2001:db8::1"))).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "198.51.100.0/33", "fd00::/129", "198.51.100.0/", "198.51.100.0/-1", "198.51.100.0/24/24",
			"198.51.100/24", "", "example.com", "localhost", "localhost/8" })
	void anythingButAnAddressLiteralWithAPrefixInRangeIsRefused(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> CidrRange.parse(text)).withMessageContaining(text);
	}

	@ParameterizedTest
	@ValueSource(strings = { "198.51.100.0/08", "198.51.100.0/024", "0.0.0.0/00", "203.0.113.0/000", "fd00::/08",
			"::/00", "2001:db8::/032" })
	void aPrefixLengthWithALeadingZeroIsRefused(String text) {
		// A leading zero means octal to some parsers; the range would differ between readers.
		assertThatIllegalArgumentException().isThrownBy(() -> CidrRange.parse(text))
			.withMessage("'" + text + "' has no valid prefix length: a decimal number without leading zeros");
	}

	@ParameterizedTest
	@ValueSource(strings = { "198.051.100.0/24", "010.0.0.1", "203.0.113.07", "192.0.2.00/32", "::ffff:198.051.100.7" })
	void anAddressWithALeadingZeroInANumberIsRefused(String text) {
		// inet_aton reads 010 as 8 and 051 as 41: the range would not be the one written.
		assertThatIllegalArgumentException().isThrownBy(() -> CidrRange.parse(text))
			.withMessage("'" + text + "' is not an IPv4 or IPv6 address or CIDR range");
	}

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0/0", "198.51.100.7/0", "::/0", "2001:db8::/0", "::ffff:0:0/96",
			"::ffff:0.0.0.0/96", "::ffff:198.51.100.0/96", "::/80", "::/1", "::ffff:0:0/81" })
	void aRangeThatHoldsEveryIpv4OrEveryIpv6AddressSaysSo(String text) {
		assertThat(CidrRange.parse(text).containsEveryAddressOfAFamily()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0/1", "128.0.0.0/1", "198.51.100.0/24", "203.0.113.7", "::/81", "8000::/1",
			"::ffff:0:0/97", "::ffff:198.51.100.0/120", "2001:db8::/32", "::1/128", "::" })
	void aNarrowerRangeDoesNot(String text) {
		assertThat(CidrRange.parse(text).containsEveryAddressOfAFamily()).isFalse();
	}

	@Test
	void aHostNameIsRefusedEvenWhereItWouldResolve() throws UnknownHostException {
		// A lookup would have found localhost; the range takes literals only.
		assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).isTrue();
		assertThatIllegalArgumentException().isThrownBy(() -> CidrRange.parse("localhost"))
			.withMessage("'localhost' is not an IPv4 or IPv6 address or CIDR range");
	}

	private static InetAddress address(String literal) {
		try {
			return InetAddress.getByName(literal);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

}

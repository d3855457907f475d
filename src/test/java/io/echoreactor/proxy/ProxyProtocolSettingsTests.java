package io.echoreactor.proxy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ProxyProtocolSettings}: the reactor refuses to believe headers from
 * everyone even where no validated configuration stands before it.
 */
class ProxyProtocolSettingsTests {

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0/0", "::/0", "::ffff:0:0/96" })
	void aTrustedSourceThatHoldsEveryAddressOfAFamilyIsRefused(String range) {
		List<CidrRange> sources = List.of(CidrRange.parse("198.51.100.7"), CidrRange.parse(range));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProxyProtocolSettings(ProxyProtocolSettings.Mode.REQUIRED, sources,
					Duration.ofSeconds(5)))
			.withMessage("proxyProtocol.trustedSources must not contain every IPv4 or every IPv6 address, as " + range
					+ " does");
	}

	@Test
	void narrowerSourcesAreTrustedAndNoOneElse() throws Exception {
		ProxyProtocolSettings settings = new ProxyProtocolSettings(ProxyProtocolSettings.Mode.REQUIRED,
				List.of(CidrRange.parse("198.51.100.0/24"), CidrRange.parse("0.0.0.0/1")), Duration.ofSeconds(5));
		assertThat(settings.trusts(InetAddress.getByName("198.51.100.7"))).isTrue();
		assertThat(settings.trusts(InetAddress.getByName("127.0.0.1"))).isTrue();
		assertThat(settings.trusts(InetAddress.getByName("203.0.113.7"))).isFalse();
	}

}

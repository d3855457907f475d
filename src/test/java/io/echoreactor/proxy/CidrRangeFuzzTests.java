package io.echoreactor.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.echoreactor.fuzz.FuzzTargets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Fuzz test for {@link CidrRange#parse(String)}, which reads
 * {@code echo.server.proxy-protocol.trusted-sources}: any text is either refused with an
 * {@link IllegalArgumentException} or is a literal address with an optional prefix length,
 * never a name to look up, and the range it gives holds exactly the addresses that share
 * the network's first prefix-length bits.
 */
class CidrRangeFuzzTests {

	@FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
	void parse(FuzzedDataProvider data) throws UnknownHostException {
		String text = data.consumeRemainingAsString();
		CidrRange range;
		try {
			range = CidrRange.parse(text);
		}
		catch (IllegalArgumentException ex) {
			assertThat(ex.getMessage()).isNotBlank();
			return;
		}
		String trimmed = text.trim();
		assertThat(range).hasToString(trimmed);
		assertThat(trimmed).as("a literal, nothing to look up").matches("[0-9a-fA-F:.]+(/[0-9]{1,3})?");
		byte[] network = range.network().getAddress();
		if (trimmed.contains(":") && network.length == 4) {
			// An IPv4-mapped IPv6 range: the JDK gives its network as the IPv4 address it maps.
			byte[] mapped = new byte[16];
			mapped[10] = (byte) 0xff;
			mapped[11] = (byte) 0xff;
			System.arraycopy(network, 0, mapped, 12, 4);
			network = mapped;
		}
		assertThat(network.length).isIn(4, 16);
		int bits = network.length * 8;
		int slash = trimmed.indexOf('/');
		int prefix = (slash < 0) ? bits : Integer.parseInt(trimmed.substring(slash + 1));
		assertThat(prefix).isBetween(0, bits);
		// The network address has no bit set after the prefix, and flipping any bit of it
		// leaves the range exactly when the bit is within the prefix.
		for (int bit = 0; bit < bits; bit++) {
			boolean set = (network[bit / 8] & (0x80 >>> (bit % 8))) != 0;
			if (bit >= prefix) {
				assertThat(set).as("bit %d of the network %s", bit, range.network()).isFalse();
			}
			byte[] flipped = network.clone();
			flipped[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
			assertThat(range.contains(address(flipped))).as("%s with bit %d flipped in %s", range.network(), bit, range)
				.isEqualTo(bit >= prefix);
		}
		assertThat(range.contains(range.network())).isTrue();
		if (network.length == 4) {
			// A dual-stack socket reports IPv4 clients in their IPv4-mapped IPv6 form.
			byte[] mapped = new byte[16];
			mapped[10] = (byte) 0xff;
			mapped[11] = (byte) 0xff;
			System.arraycopy(network, 0, mapped, 12, 4);
			assertThat(range.contains(address(mapped))).isTrue();
			assertThat(range.network()).isInstanceOf(Inet4Address.class);
		}
		else {
			// The JDK reports an IPv4-mapped client as its IPv4 address: it is in an IPv6
			// range exactly when its mapped form is.
			byte[] mappedZero = new byte[16];
			mappedZero[10] = (byte) 0xff;
			mappedZero[11] = (byte) 0xff;
			assertThat(range.contains(address(new byte[4]))).isEqualTo(range.contains(address(mappedZero)));
		}
		assertThat(catchThrowable(() -> CidrRange.parse(range.toString()))).isNull();
	}

	private static InetAddress address(byte[] bytes) throws UnknownHostException {
		return (bytes.length == 16) ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
	}

}

package io.echoreactor.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A block of addresses in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}, or a single
 * address), as {@code echo.server.proxy-protocol.trusted-sources} lists them. An IPv4
 * range also matches the IPv4-mapped IPv6 form of its addresses, which a dual-stack socket
 * may report.
 */
public final class CidrRange {

	// ::ffff:0:0/96, where every IPv4 address has its IPv4-mapped IPv6 form
	private static final byte[] IPV4_MAPPED_NETWORK = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0,
			0, 0 };

	private static final int IPV4_MAPPED_PREFIX_LENGTH = 96;

	private final byte[] network;

	private final int prefixLength;

	private final String text;

	private CidrRange(byte[] network, int prefixLength, String text) {
		this.network = network;
		this.prefixLength = prefixLength;
		this.text = text;
	}

	/**
	 * Parse a range. Literals only: nothing is looked up.
	 * @param text such as {@code 10.0.0.0/8}, {@code ::1/128} or {@code 192.0.2.7}
	 * @return the range
	 * @throws IllegalArgumentException if the text is not a range
	 */
	public static CidrRange parse(String text) {
		String trimmed = text.trim();
		int slash = trimmed.indexOf('/');
		String address = (slash < 0) ? trimmed : trimmed.substring(0, slash);
		byte[] bytes = InetLiterals.ipv4(address);
		if (bytes == null) {
			bytes = InetLiterals.ipv6(address);
		}
		if (bytes == null) {
			throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or CIDR range");
		}
		int bits = bytes.length * 8;
		int prefix = bits;
		if (slash >= 0) {
			// Without leading zeros, as the address's own numbers: /08 is /8 to one reader and
			// octal to another, and /00 is a /0 that a check for "/0" would miss.
			prefix = InetLiterals.decimal(trimmed.substring(slash + 1), 255);
			if (prefix < 0) {
				throw new IllegalArgumentException(
						"'" + text + "' has no valid prefix length: a decimal number without leading zeros");
			}
			if (prefix > bits) {
				throw new IllegalArgumentException("'" + text + "' has a prefix longer than " + bits + " bits");
			}
		}
		return new CidrRange(mask(bytes, prefix), prefix, trimmed);
	}

	/**
	 * @param address an address
	 * @return whether it lies in this range
	 */
	public boolean contains(InetAddress address) {
		byte[] bytes = address.getAddress();
		if (address instanceof Inet6Address && this.network.length == 4 && isIpv4Mapped(bytes)) {
			bytes = java.util.Arrays.copyOfRange(bytes, 12, 16);
		}
		else if (address instanceof Inet4Address && this.network.length == 16) {
			// The JDK reports an IPv4-mapped client as its IPv4 address: compare its mapped form.
			bytes = ipv4Mapped(bytes);
		}
		if (bytes.length != this.network.length) {
			return false;
		}
		return java.util.Arrays.equals(mask(bytes, this.prefixLength), this.network);
	}

	private static byte[] ipv4Mapped(byte[] ipv4) {
		byte[] mapped = IPV4_MAPPED_NETWORK.clone();
		System.arraycopy(ipv4, 0, mapped, 12, 4);
		return mapped;
	}

	private static boolean isIpv4Mapped(byte[] bytes) {
		for (int i = 0; i < 10; i++) {
			if (bytes[i] != 0) {
				return false;
			}
		}
		return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
	}

	private static byte[] mask(byte[] address, int prefix) {
		byte[] masked = address.clone();
		for (int i = 0; i < masked.length; i++) {
			int bits = Math.max(0, Math.min(8, prefix - 8 * i));
			masked[i] &= (byte) (0xff << (8 - bits));
		}
		return masked;
	}

	/**
	 * Whether the range holds every IPv4 or every IPv6 address: a prefix length of 0 in
	 * either family, or an IPv6 range that holds all of {@code ::ffff:0:0/96}, every IPv4
	 * address in the IPv4-mapped form a dual-stack socket may report ({@code ::/1} and
	 * {@code ::/80} too). As a list of trusted sources, such a range trusts anyone.
	 * @return whether the range holds every address of a family
	 */
	public boolean containsEveryAddressOfAFamily() {
		if (this.prefixLength == 0) {
			return true;
		}
		return this.network.length == 16 && this.prefixLength <= IPV4_MAPPED_PREFIX_LENGTH
				&& java.util.Arrays.equals(mask(IPV4_MAPPED_NETWORK, this.prefixLength), this.network);
	}

	/** @return the network address of the range */
	public InetAddress network() {
		try {
			return InetAddress.getByAddress(this.network);
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public String toString() {
		return this.text;
	}

}

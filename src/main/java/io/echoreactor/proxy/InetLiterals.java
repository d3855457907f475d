package io.echoreactor.proxy;

import org.jspecify.annotations.Nullable;
/**
 * Strict parsers for the address and port fields of a PROXY protocol version 1 line, used
 * by {@link ProxyProtocolParser}, and for the addresses and prefix lengths of
 * {@link CidrRange}. They accept literals only and never touch the network, unlike
 * {@link java.net.InetAddress#getByName(String)}, which looks up anything that is not a
 * literal in DNS.
 *
 * <p>
 * The rules are the specification's: decimal numbers without leading zeros (no octal
 * confusion), IPv4 as exactly four numbers from 0 to 255, IPv6 as groups of one to four
 * hexadecimal digits with at most one {@code ::}, 128 bits in all. An IPv6 literal may end
 * in a dotted IPv4 address ({@code ::ffff:192.0.2.1}), because senders format addresses
 * with {@code inet_ntop}, which writes IPv4-mapped addresses that way. Zone ids
 * ({@code %eth0}) and brackets are not addresses and are refused. Leading zeros in an
 * IPv6 group ({@code 2001:0db8::}) are allowed: hexadecimal is never read as octal.
 */
final class InetLiterals {

	// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
	private static final int MAX_IPV6_LENGTH = 45;

	private InetLiterals() {
	}

	/**
	 * Parse a dotted-quad IPv4 address.
	 * @param text the text
	 * @return the 4 address bytes, or {@code null} if the text is not a valid literal
	 */
	static byte @Nullable [] ipv4(String text) {
		byte[] address = new byte[4];
		int start = 0;
		for (int i = 0; i < 4; i++) {
			int end = (i < 3) ? text.indexOf('.', start) : text.length();
			if (end < 0) {
				return null;
			}
			int octet = decimal(text, start, end, 255);
			if (octet < 0) {
				return null;
			}
			address[i] = (byte) octet;
			start = end + 1;
		}
		return address;
	}

	/**
	 * Parse an IPv6 address.
	 * @param text the text
	 * @return the 16 address bytes, or {@code null} if the text is not a valid literal
	 */
	static byte @Nullable [] ipv6(String text) {
		if (text.isEmpty() || text.length() > MAX_IPV6_LENGTH) {
			return null;
		}
		int gap = text.indexOf("::");
		if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
			return null;
		}
		int[] head = groups((gap < 0) ? text : text.substring(0, gap), gap < 0);
		int[] tail = (gap < 0) ? new int[0] : groups(text.substring(gap + 2), true);
		if (head == null || tail == null) {
			return null;
		}
		int count = head.length + tail.length;
		// Without "::" all 8 groups are written; with it, it stands for at least one.
		if ((gap < 0) ? count != 8 : count > 7) {
			return null;
		}
		byte[] address = new byte[16];
		for (int i = 0; i < head.length; i++) {
			putGroup(address, i, head[i]);
		}
		for (int i = 0; i < tail.length; i++) {
			putGroup(address, 8 - tail.length + i, tail[i]);
		}
		return address;
	}

	/**
	 * Parse a port number.
	 * @param text the text
	 * @return the port, or -1 if the text is not a decimal number from 0 to 65535 without
	 * leading zeros
	 */
	static int port(String text) {
		return decimal(text, 0, text.length(), 65535);
	}

	/**
	 * Parse a decimal number, such as a CIDR prefix length.
	 * @param text the text
	 * @param max the largest number allowed, at most 99999
	 * @return the number, or -1 if the text is not a decimal number from 0 to {@code max}
	 * without leading zeros
	 */
	static int decimal(String text, int max) {
		return decimal(text, 0, text.length(), max);
	}

	// The colon-separated groups of one side of "::" (or of the whole address); only the
	// last side may end in a dotted IPv4 address, which counts as two groups.
	private static int @Nullable [] groups(String part, boolean last) {
		if (part.isEmpty()) {
			return new int[0];
		}
		String[] fields = part.split(":", -1);
		boolean endsInIpv4 = last && fields[fields.length - 1].indexOf('.') >= 0;
		int hexFields = endsInIpv4 ? fields.length - 1 : fields.length;
		int[] groups = new int[endsInIpv4 ? fields.length + 1 : fields.length];
		for (int i = 0; i < hexFields; i++) {
			groups[i] = hexGroup(fields[i]);
			if (groups[i] < 0) {
				return null;
			}
		}
		if (endsInIpv4) {
			byte[] ipv4 = ipv4(fields[fields.length - 1]);
			if (ipv4 == null) {
				return null;
			}
			groups[hexFields] = ((ipv4[0] & 0xFF) << 8) | (ipv4[1] & 0xFF);
			groups[hexFields + 1] = ((ipv4[2] & 0xFF) << 8) | (ipv4[3] & 0xFF);
		}
		return groups;
	}

	private static int hexGroup(String field) {
		if (field.isEmpty() || field.length() > 4) {
			return -1;
		}
		int value = 0;
		for (int i = 0; i < field.length(); i++) {
			int digit = hexDigit(field.charAt(i));
			if (digit < 0) {
				return -1;
			}
			value = (value << 4) | digit;
		}
		return value;
	}

	// Character.digit would also take non-ASCII digits such as fullwidth ones.
	private static int hexDigit(char c) {
		if (c >= '0' && c <= '9') {
			return c - '0';
		}
		if (c >= 'a' && c <= 'f') {
			return c - 'a' + 10;
		}
		if (c >= 'A' && c <= 'F') {
			return c - 'A' + 10;
		}
		return -1;
	}

	private static void putGroup(byte[] address, int index, int group) {
		address[2 * index] = (byte) (group >>> 8);
		address[2 * index + 1] = (byte) group;
	}

	private static int decimal(String text, int start, int end, int max) {
		int length = end - start;
		if (length == 0 || length > 5 || (length > 1 && text.charAt(start) == '0')) {
			return -1;
		}
		int value = 0;
		for (int i = start; i < end; i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
			value = value * 10 + (c - '0');
		}
		return (value <= max) ? value : -1;
	}

}

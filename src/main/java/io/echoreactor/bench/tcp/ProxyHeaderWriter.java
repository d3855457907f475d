package io.echoreactor.bench.tcp;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.echoreactor.bench.options.BenchOptions;

/**
 * Writes the PROXY protocol header (HAProxy's {@code proxy-protocol.txt}) that a load
 * balancer would send first: {@code PROXY TCP4|TCP6} with the connection's own addresses,
 * as the text version 1 or the binary version 2, so that a server requiring the header
 * can be loaded directly.
 */
final class ProxyHeaderWriter {

	private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	// Version 2, command PROXY.
	private static final int V2_PROXY = 0x21;

	private static final int TCP4 = 0x11;

	private static final int TCP6 = 0x21;

	private ProxyHeaderWriter() {
	}

	/**
	 * Write a header describing a TCP connection.
	 * @param version the protocol version
	 * @param source the client's address: this socket's local address
	 * @param destination the address connected to: this socket's remote address
	 * @return the header, ready to send
	 */
	static ByteBuffer header(BenchOptions.ProxyVersion version, InetSocketAddress source,
			InetSocketAddress destination) {
		boolean ipv4 = source.getAddress() instanceof Inet4Address;
		if (ipv4 != (destination.getAddress() instanceof Inet4Address)) {
			throw new IllegalArgumentException("source " + source + " and destination " + destination
					+ " must be of one address family");
		}
		return (version == BenchOptions.ProxyVersion.V1) ? v1(ipv4, source, destination)
				: v2(ipv4, source, destination);
	}

	private static ByteBuffer v1(boolean ipv4, InetSocketAddress source, InetSocketAddress destination) {
		String line = "PROXY " + (ipv4 ? "TCP4" : "TCP6") + " " + literal(source) + " " + literal(destination) + " "
				+ source.getPort() + " " + destination.getPort() + "\r\n";
		return ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
	}

	// The specification has no room for an IPv6 scope ("%eth0").
	private static String literal(InetSocketAddress address) {
		String literal = address.getAddress().getHostAddress();
		int scope = literal.indexOf('%');
		return (scope >= 0) ? literal.substring(0, scope) : literal;
	}

	private static ByteBuffer v2(boolean ipv4, InetSocketAddress source, InetSocketAddress destination) {
		byte[] sourceAddress = source.getAddress().getAddress();
		byte[] destinationAddress = destination.getAddress().getAddress();
		int addressLength = sourceAddress.length + destinationAddress.length + 4;
		ByteBuffer header = ByteBuffer.allocate(V2_SIGNATURE.length + 4 + addressLength);
		header.put(V2_SIGNATURE)
			.put((byte) V2_PROXY)
			.put((byte) (ipv4 ? TCP4 : TCP6))
			.putShort((short) addressLength)
			.put(sourceAddress)
			.put(destinationAddress)
			.putShort((short) source.getPort())
			.putShort((short) destination.getPort());
		return header.flip();
	}

}

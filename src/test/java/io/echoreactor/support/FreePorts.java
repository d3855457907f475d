package io.echoreactor.support;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a port number free for both TCP and UDP, for tests that must configure a fixed
 * port (an unset UDP port takes the TCP port's configured number, which 0 would hide).
 *
 * <p>
 * The number is taken below the kernel's ephemeral range
 * ({@code net.ipv4.ip_local_port_range}), which the kernel hands out to every
 * {@code bind(0)} and {@code connect()} on the machine: there, no other test or build
 * running at the same time is given it in the moment between its release here and the
 * server binding it.
 */
public final class FreePorts {

	private static final int LOWEST = 10_000;

	private FreePorts() {
	}

	/**
	 * Return a port on which both a TCP listener and a UDP socket could bind the given
	 * address just now.
	 * @param address the address
	 * @return the port
	 * @throws IOException if no such port was found in 200 tries
	 */
	public static int freeTcpAndUdpPort(InetAddress address) throws IOException {
		int below = Math.max(LOWEST + 1000, ephemeralRangeStart());
		for (int attempt = 0; attempt < 200; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
			try (ServerSocket tcp = new ServerSocket()) {
				tcp.setReuseAddress(true);
				tcp.bind(new InetSocketAddress(address, port), 1);
				try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port))) {
					return port;
				}
			}
			catch (BindException ex) {
				// Continue: taken, try another
			}
		}
		throw new IOException("No port free for both TCP and UDP on " + address + " in 200 tries");
	}

	private static int ephemeralRangeStart() {
		try {
			String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
			return Integer.parseInt(range.split("\\s+")[0]);
		}
		catch (IOException | RuntimeException ex) {
			// The IANA dynamic range, where /proc does not say.
			return 49152;
		}
	}

}

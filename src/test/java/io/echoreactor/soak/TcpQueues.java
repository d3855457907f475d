package io.echoreactor.soak;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The kernel's view of loopback TCP sockets, from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: how many bytes a socket holds that its peer has not taken yet,
 * with no tool and no privilege.
 */
final class TcpQueues {

	private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

	private TcpQueues() {
	}

	/**
	 * Return the bytes queued for sending (written, not yet acknowledged by the peer: for a
	 * peer whose window is closed, everything it has not read room for) on the sockets
	 * bound to {@code localPort} whose peer has the given IPv4 address.
	 * @param localPort the local port, such as the echo server's
	 * @param peer the peer's IPv4 address
	 * @return the bytes, summed over those sockets; 0 if there are none
	 * @throws IOException if the tables cannot be read
	 */
	static long sendQueue(int localPort, InetAddress peer) throws IOException {
		String port = String.format(Locale.ROOT, "%04X", localPort);
		String peerHex = hex((Inet4Address) peer);
		long queued = 0;
		for (Path table : TABLES) {
			if (!Files.isReadable(table)) {
				continue;
			}
			for (String line : Files.readAllLines(table)) {
				String[] fields = line.trim().split("\\s+");
				if (fields.length < 5 || !fields[1].contains(":") || fields[0].equals("sl")) {
					continue;
				}
				String[] local = fields[1].split(":");
				String[] remote = fields[2].split(":");
				// IPv4-mapped IPv6 addresses end with the IPv4 address in the same notation.
				if (local[1].equals(port) && remote[0].endsWith(peerHex)) {
					queued += Long.parseLong(fields[4].split(":")[0], 16);
				}
			}
		}
		return queued;
	}

	private static String hex(Inet4Address address) {
		byte[] b = address.getAddress();
		// The kernel prints the address as one 32-bit word in host (little-endian) order.
		return String.format(Locale.ROOT, "%02X%02X%02X%02X", b[3], b[2], b[1], b[0]);
	}

}

package io.echoreactor.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.jspecify.annotations.Nullable;

/**
 * Parses the Linux {@code /proc} files that {@link EchoKernelMetrics} reads:
 * {@code /proc/net/netstat}, {@code /proc/net/sockstat}, {@code /proc/net/tcp} and
 * {@code tcp6}, and the page size from {@code /proc/self/smaps}. Pure functions of the
 * text, so they can be tested on samples; a field the text lacks is absent from the
 * result, never 0.
 */
final class ProcNetParser {

	private static final String LISTEN = "0A";

	private ProcNetParser() {
	}

	/**
	 * Return the fields of one section of {@code /proc/net/netstat} (or
	 * {@code /proc/net/snmp}), which come as a line of names and a line of values, each
	 * starting with the section, such as {@code TcpExt:}.
	 * @param text the file's content
	 * @param section the section, such as {@code TcpExt}
	 * @return the fields by name, in file order; empty if the section is missing
	 */
	static Map<String, Long> netstat(String text, String section) {
		String prefix = section + ":";
		String[] names = null;
		for (String line : text.split("\n")) {
			if (!line.startsWith(prefix)) {
				continue;
			}
			String[] fields = line.substring(prefix.length()).trim().split("\\s+");
			if (names == null) {
				names = fields;
				continue;
			}
			Map<String, Long> values = new LinkedHashMap<>();
			for (int i = 0; i < Math.min(names.length, fields.length); i++) {
				Long value = parseLong(fields[i]);
				if (value != null) {
					values.put(names[i], value);
				}
			}
			return values;
		}
		return Map.of();
	}

	/**
	 * Return the fields of {@code /proc/net/snmp6}, which come one to a line, each a name
	 * and a value, such as {@code Udp6InErrors 0}.
	 * @param text the file's content
	 * @return the fields by name, in file order
	 */
	static Map<String, Long> snmp6(String text) {
		Map<String, Long> values = new LinkedHashMap<>();
		for (String line : text.split("\n")) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length == 2) {
				Long value = parseLong(fields[1]);
				if (value != null) {
					values.put(fields[0], value);
				}
			}
		}
		return values;
	}

	/**
	 * Return the fields of one protocol's line of {@code /proc/net/sockstat}, such as
	 * {@code TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1}.
	 * @param text the file's content
	 * @param protocol the protocol, such as {@code TCP}
	 * @return the fields by name, in file order; empty if the line is missing
	 */
	static Map<String, Long> sockstat(String text, String protocol) {
		String prefix = protocol + ":";
		for (String line : text.split("\n")) {
			if (!line.startsWith(prefix)) {
				continue;
			}
			String[] fields = line.substring(prefix.length()).trim().split("\\s+");
			Map<String, Long> values = new LinkedHashMap<>();
			for (int i = 0; i + 1 < fields.length; i += 2) {
				Long value = parseLong(fields[i + 1]);
				if (value != null) {
					values.put(fields[i], value);
				}
			}
			return values;
		}
		return Map.of();
	}

	/**
	 * Return the listening sockets of {@code /proc/net/tcp} or {@code /proc/net/tcp6}.
	 * @param text the file's content
	 * @param byteOrder the byte order of the host that wrote it
	 * @return the listening sockets, in file order
	 */
	static List<ListeningSocket> listeningSockets(String text, ByteOrder byteOrder) {
		try {
			return listeningSockets(new BufferedReader(new StringReader(text)), byteOrder);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return the listening sockets of {@code /proc/net/tcp} or {@code /proc/net/tcp6}, read
	 * only as far as needed.
	 * @param reader reads the file
	 * @param byteOrder the byte order of the host that wrote it
	 * @return the listening sockets, in file order
	 * @throws IOException if the file cannot be read
	 */
	static List<ListeningSocket> listeningSockets(BufferedReader reader, ByteOrder byteOrder) throws IOException {
		List<ListeningSocket> sockets = new ArrayList<>();
		String header = reader.readLine();
		if (header == null) {
			return sockets;
		}
		String line;
		while ((line = reader.readLine()) != null) {
			// sl local_address rem_address st tx_queue:rx_queue ...
			String[] fields = line.trim().split("\\s+");
			if (fields.length < 5) {
				continue;
			}
			if (!LISTEN.equals(fields[3])) {
				// The kernel lists the listening hash table before the established one, so
				// the first other state ends the listeners; with many connections this
				// spares reading (and the kernel formatting) the rest of the file.
				break;
			}
			int colon = fields[1].indexOf(':');
			int queues = fields[4].indexOf(':');
			if (colon < 0 || queues < 0) {
				continue;
			}
			InetAddress address = address(fields[1].substring(0, colon), byteOrder);
			Long port = parseHex(fields[1].substring(colon + 1));
			Long acceptQueue = parseHex(fields[4].substring(queues + 1));
			if (address != null && port != null && acceptQueue != null) {
				sockets.add(new ListeningSocket(address, port.intValue(), acceptQueue));
			}
		}
		return sockets;
	}

	/**
	 * Return the kernel's page size from {@code /proc/self/smaps}.
	 * @param text the file's content, or its first mapping
	 * @return the page size in bytes, if the text has it
	 */
	static OptionalLong kernelPageSize(String text) {
		for (String line : text.split("\n")) {
			if (line.startsWith("KernelPageSize:")) {
				String[] fields = line.substring("KernelPageSize:".length()).trim().split("\\s+");
				Long value = parseLong(fields[0]);
				if (value != null && fields.length > 1 && fields[1].equals("kB")) {
					return OptionalLong.of(value * 1024);
				}
			}
		}
		return OptionalLong.empty();
	}

	// /proc prints an address as 32-bit words in %08X, each in the host's byte order.
	private static @Nullable InetAddress address(String hex, ByteOrder byteOrder) {
		if (hex.length() != 8 && hex.length() != 32) {
			return null;
		}
		ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(byteOrder);
		for (int i = 0; i < hex.length(); i += 8) {
			Long word = parseHex(hex.substring(i, i + 8));
			if (word == null) {
				return null;
			}
			// Written as a number, the word comes out in big-endian order: put it back in
			// the host's order to recover the bytes as they were in memory.
			bytes.putInt((int) (long) word);
		}
		try {
			// An IPv4-mapped IPv6 address (a dual-stack socket bound to an IPv4 address)
			// comes back as the Inet4Address it maps.
			return InetAddress.getByAddress(bytes.array());
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	private static @Nullable Long parseHex(String text) {
		try {
			return Long.parseLong(text, 16);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable Long parseLong(String text) {
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * A listening socket as {@code /proc/net/tcp} shows it.
	 *
	 * @param address the local address
	 * @param port the local port
	 * @param acceptQueue connections completed and not yet accepted (its rx_queue)
	 */
	record ListeningSocket(InetAddress address, int port, long acceptQueue) {
	}

}

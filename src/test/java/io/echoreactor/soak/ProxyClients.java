package io.echoreactor.soak;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The soak's clients that send a PROXY protocol header (HAProxy's
 * {@code proxy-protocol.txt}) first, as a load balancer would: good ones that then echo as
 * the {@link GoodClients} do, and hostile ones. Which close cause the server owes each
 * behaviour is documented on the method; every hostile method returns only once the
 * server has answered.
 *
 * <p>
 * <strong>Threading:</strong> each method runs on the calling thread.
 */
final class ProxyClients {

	private static final byte[] V2_SIGNATURE = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
			0x0A };

	private final InetSocketAddress server;

	private final Duration atMost;

	/**
	 * @param server the plain echo port
	 * @param atMost the longest any one behaviour may wait for the server's answer
	 */
	ProxyClients(InetSocketAddress server, Duration atMost) {
		this.server = server;
		this.atMost = atMost;
	}

	/**
	 * Return a connector for a good client: a header naming the connection's own addresses,
	 * then the stream, of which the server echoes every byte and nothing of the header.
	 * @param source the address to connect from: a trusted one
	 * @param version 1 (text) or 2 (binary)
	 * @return the connector
	 */
	GoodClients.Connector good(InetAddress source, int version) {
		return (key, readTimeoutMillis) -> {
			Socket socket = StreamSocket.open(source, this.server, 0);
			try {
				socket.getOutputStream().write(header(version, socket));
			}
			catch (IOException ex) {
				socket.close();
				throw ex;
			}
			return StreamSocket.over(socket, key, readTimeoutMillis);
		};
	}

	/**
	 * Send the beginning of a header and nothing more: {@code PROXY TCP4 } of a version 1
	 * line, or the fixed part of a version 2 header and four of the twelve address bytes
	 * it announces. The server owes it {@code proxy-header}, counted as a header
	 * {@code timeout}, as a reset: it holds bytes that, in optional mode, might have been
	 * data, and drops them.
	 * @param source the address to connect from: a trusted one
	 * @param versions the version of each connection's header
	 * @return how each ended, from its last byte
	 * @throws IOException if a connection fails, or is not closed in time
	 */
	List<Ended> headerThatNeverEnds(InetAddress source, List<Integer> versions) throws IOException {
		List<Socket> sockets = new ArrayList<>();
		List<Long> since = new ArrayList<>();
		try {
			for (int version : versions) {
				Socket socket = StreamSocket.open(source, this.server, 0);
				sockets.add(socket);
				socket.setSoTimeout((int) this.atMost.toMillis());
				byte[] header = header(version, socket);
				socket.getOutputStream().write(header, 0, (version == 1) ? "PROXY TCP4 ".length() : 16 + 4);
				since.add(System.nanoTime());
			}
			List<Ended> ended = new ArrayList<>();
			for (int i = 0; i < sockets.size(); i++) {
				ended.add(Ended.await(sockets.get(i), since.get(i)));
			}
			return ended;
		}
		finally {
			for (Socket socket : sockets) {
				socket.close();
			}
		}
	}

	/**
	 * Send a whole version 1 header and a message after it, from a source the server does
	 * not trust, and end with a FIN once both are back. The server reads no header from an
	 * untrusted source (one that could forge its address so), so it owes the client an
	 * exact echo of everything, header included, and {@code eof}.
	 * @param source the address to connect from: an untrusted one
	 * @return the bytes echoed, all of them checked
	 * @throws IOException if the echo is not exactly what was sent, or does not end with
	 * the server's FIN
	 */
	int untrustedHeader(InetAddress source) throws IOException {
		try (Socket socket = StreamSocket.open(source, this.server, 0)) {
			socket.setSoTimeout((int) this.atMost.toMillis());
			byte[] header = header(1, socket);
			byte[] sent = Arrays.copyOf(header, header.length + 200);
			Arrays.fill(sent, header.length, sent.length, (byte) 'u');
			socket.getOutputStream().write(sent);
			byte[] echo = socket.getInputStream().readNBytes(sent.length);
			if (!Arrays.equals(echo, sent)) {
				throw new IOException("An untrusted header and its message came back as "
						+ new String(echo, StandardCharsets.ISO_8859_1) + ", not as sent");
			}
			socket.shutdownOutput();
			int next = socket.getInputStream().read();
			if (next != -1) {
				throw new IOException("An untrusted header's echo went on after the message: " + next);
			}
			return echo.length;
		}
	}

	private static byte[] header(int version, Socket socket) {
		InetSocketAddress source = (InetSocketAddress) socket.getLocalSocketAddress();
		InetSocketAddress destination = (InetSocketAddress) socket.getRemoteSocketAddress();
		if (!(source.getAddress() instanceof Inet4Address)) {
			throw new IllegalArgumentException("The soak's headers are TCP4: " + source);
		}
		if (version == 1) {
			return ("PROXY TCP4 " + source.getAddress().getHostAddress() + " "
					+ destination.getAddress().getHostAddress() + " " + source.getPort() + " " + destination.getPort()
					+ "\r\n")
				.getBytes(StandardCharsets.US_ASCII);
		}
		ByteBuffer header = ByteBuffer.allocate(V2_SIGNATURE.length + 4 + 12);
		header.put(V2_SIGNATURE)
			// Version 2, command PROXY; TCP over IPv4; 12 bytes of addresses and ports.
			.put((byte) 0x21)
			.put((byte) 0x11)
			.putShort((short) 12)
			.put(source.getAddress().getAddress())
			.put(destination.getAddress().getAddress())
			.putShort((short) source.getPort())
			.putShort((short) destination.getPort());
		return header.array();
	}

}

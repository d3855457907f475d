package io.echoreactor.soak;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

/**
 * The soak's clients of the TLS port: good ones, which echo through TLS 1.2 or 1.3 as the
 * {@link GoodClients} do in plain text, and hostile ones, each in one way. Which close
 * cause the server owes each behaviour is documented on the method; every hostile method
 * returns only once the server has answered.
 *
 * <p>
 * <strong>Threading:</strong> each method runs on the calling thread.
 */
final class TlsClients {

	// The content type of application data (RFC 8446 5.1), the first byte of its records.
	private static final int APPLICATION_DATA = 23;

	private final InetSocketAddress server;

	private final SSLContext context;

	private final Duration atMost;

	/**
	 * @param server the TLS port
	 * @param context a client context that trusts the server's certificate
	 * @param atMost the longest any one behaviour may wait for the server's answer
	 */
	TlsClients(InetSocketAddress server, SSLContext context, Duration atMost) {
		this.server = server;
		this.context = context;
		this.atMost = atMost;
	}

	/**
	 * Return a connector for a good client: the handshake with exactly {@code protocol},
	 * then the stream.
	 * @param source the address to connect from
	 * @param protocol {@code TLSv1.2} or {@code TLSv1.3}
	 * @return the connector
	 */
	GoodClients.Connector good(InetAddress source, String protocol) {
		return (key, readTimeoutMillis) -> {
			Handshaken tls = handshake(source, protocol);
			if (!tls.socket().getSession().getProtocol().equals(protocol)) {
				tls.close();
				throw new IOException("Negotiated " + tls.socket().getSession().getProtocol() + ", not " + protocol);
			}
			return StreamSocket.over(tls.socket(), key, readTimeoutMillis);
		};
	}

	/**
	 * Connect to the TLS port and send nothing. The server owes it {@code tls-handshake},
	 * counted as a handshake {@code timeout}: no ClientHello within the handshake timeout.
	 * @param source the address to connect from
	 * @param count how many connections
	 * @return how each ended, from its connect
	 * @throws IOException if a connection fails, or is not closed in time
	 */
	List<Ended> connectAndSendNothing(InetAddress source, int count) throws IOException {
		return holdEach(source, count, null);
	}

	/**
	 * Send a real ClientHello (a JDK client's first flight, offering TLS 1.3 and 1.2), read
	 * the server's answer and send nothing more. The server owes it {@code tls-handshake},
	 * a handshake {@code timeout}, like a client that sends nothing: the handshake is
	 * bounded as a whole, not message by message.
	 * @param source the address to connect from
	 * @param count how many connections
	 * @return how each ended, from its ClientHello
	 * @throws IOException if a connection fails, or is not closed in time
	 */
	List<Ended> helloAndStall(InetAddress source, int count) throws IOException {
		return holdEach(source, count, clientHello());
	}

	private List<Ended> holdEach(InetAddress source, int count, byte[] sent) throws IOException {
		List<Socket> sockets = new ArrayList<>();
		List<Long> since = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				Socket socket = StreamSocket.open(source, this.server, 0);
				sockets.add(socket);
				socket.setSoTimeout((int) this.atMost.toMillis());
				if (sent != null) {
					socket.getOutputStream().write(sent);
				}
				since.add(System.nanoTime());
			}
			List<Ended> ended = new ArrayList<>();
			for (int i = 0; i < count; i++) {
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

	private byte[] clientHello() throws IOException {
		SSLEngine engine = this.context.createSSLEngine(this.server.getHostString(), this.server.getPort());
		engine.setUseClientMode(true);
		engine.beginHandshake();
		ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
		engine.wrap(ByteBuffer.allocate(0), hello);
		return Arrays.copyOf(hello.array(), hello.position());
	}

	/**
	 * Complete the handshake, echo a message, then send the first byte of an application
	 * data record, and nothing more. The server holds that byte as part of a record that
	 * never completes, so the connection is silent: it owes it {@code idle}, as a reset,
	 * since the client's bytes are dropped unechoed.
	 * @param source the address to connect from
	 * @param protocols the protocol of each connection, {@code TLSv1.2} or {@code TLSv1.3}
	 * @return how each ended, from its one byte
	 * @throws IOException if a connection fails, or is not closed in time
	 */
	List<Ended> oneByteOfARecord(InetAddress source, List<String> protocols) throws IOException {
		List<Handshaken> connections = new ArrayList<>();
		List<Long> since = new ArrayList<>();
		try {
			for (String protocol : protocols) {
				Handshaken tls = handshake(source, protocol);
				connections.add(tls);
				byte[] message = new byte[100];
				Arrays.fill(message, (byte) 'x');
				tls.socket().getOutputStream().write(message);
				byte[] echo = tls.socket().getInputStream().readNBytes(message.length);
				if (!Arrays.equals(echo, message)) {
					throw new IOException("The echo before the one byte was " + echo.length + " bytes, not the "
							+ "message, on a " + tls.socket().getSession().getProtocol() + " connection from "
							+ tls.plain().getLocalSocketAddress());
				}
				// Under the TLS socket, which would only ever send whole records.
				tls.plain().getOutputStream().write(APPLICATION_DATA);
				since.add(System.nanoTime());
			}
			List<Ended> ended = new ArrayList<>();
			for (int i = 0; i < connections.size(); i++) {
				ended.add(Ended.await(connections.get(i).plain(), since.get(i)));
			}
			return ended;
		}
		finally {
			for (Handshaken tls : connections) {
				tls.close();
			}
		}
	}

	/**
	 * Under TLS 1.2, echo a message and ask for a new handshake, again and again, at most
	 * {@code most} times. Each renegotiation costs the server a full handshake, so the
	 * server refuses a client-initiated one: it owes the client {@code tls-protocol},
	 * counted as a TLS violation of the kind {@code renegotiation}. A client the server
	 * does not refuse ends the connection itself after {@code most}, with a reset, so that
	 * the server counts it as {@code reset} and the soak can tell.
	 * @param source the address to connect from
	 * @param most the most renegotiations to ask for
	 * @return what the client saw
	 * @throws IOException if the first handshake fails
	 */
	Renegotiation renegotiate(InetAddress source, int most) throws IOException {
		Handshaken tls = handshake(source, "TLSv1.2");
		long start = System.nanoTime();
		int renegotiated = 0;
		try {
			OutputStream output = tls.socket().getOutputStream();
			InputStream input = tls.socket().getInputStream();
			byte[] message = new byte[100];
			while (renegotiated < most) {
				Arrays.fill(message, (byte) renegotiated);
				output.write(message);
				// For an established TLS 1.2 socket, a ClientHello that the next read completes.
				tls.socket().startHandshake();
				byte[] echo = input.readNBytes(message.length);
				if (echo.length < message.length) {
					throw new EOFException("The server ended the connection");
				}
				if (!Arrays.equals(echo, message)) {
					throw new IllegalStateException("Wrong echo after " + renegotiated + " renegotiations");
				}
				renegotiated++;
			}
		}
		catch (IOException ex) {
			tls.close();
			return new Renegotiation(renegotiated, true, ex.toString(),
					Duration.ofNanos(System.nanoTime() - start));
		}
		// Under the TLS socket, whose close would send a close_notify first, which the
		// server would answer as an end of input.
		tls.plain().setSoLinger(true, 0);
		tls.plain().close();
		return new Renegotiation(renegotiated, false, "not refused", Duration.ofNanos(System.nanoTime() - start));
	}

	private Handshaken handshake(InetAddress source, String protocol) throws IOException {
		Socket plain = StreamSocket.open(source, this.server, 0);
		try {
			plain.setSoTimeout((int) this.atMost.toMillis());
			SSLSocket socket = (SSLSocket) this.context.getSocketFactory()
				.createSocket(plain, this.server.getHostString(), this.server.getPort(), true);
			socket.setEnabledProtocols(new String[] { protocol });
			socket.startHandshake();
			return new Handshaken(plain, socket);
		}
		catch (IOException | RuntimeException ex) {
			plain.close();
			throw ex;
		}
	}

	/**
	 * A connection whose handshake is done.
	 *
	 * @param plain the TCP socket under it
	 * @param socket the TLS socket
	 */
	private record Handshaken(Socket plain, SSLSocket socket) {

		void close() throws IOException {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// Ignore: a connection the server ended has no close_notify to send
			}
			this.plain.close();
		}

	}

	/**
	 * What a renegotiating client saw.
	 *
	 * @param renegotiated the rounds (a message echoed, and a new handshake asked for) that
	 * completed; a renegotiation that the server refuses may end the round after its own
	 * @param refused whether the server ended the connection
	 * @param end how it ended: the client's error, or "not refused"
	 * @param lasted how long from the first handshake to the end
	 */
	record Renegotiation(int renegotiated, boolean refused, String end, Duration lasted) {

	}

}

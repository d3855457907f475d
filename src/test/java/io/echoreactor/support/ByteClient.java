package io.echoreactor.support;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A blocking client that sends exactly the bytes it is given (a PROXY header, a TLS
 * record, text) and reads back exactly what the server sends, for tests where the first
 * bytes of a connection matter. It can connect from a chosen loopback address: on Linux
 * every {@code 127.0.0.x} is the loopback interface, so a test can play several clients,
 * or a proxy and a client, on one machine. Reads time out after {@link #READ_TIMEOUT_MILLIS}.
 */
public final class ByteClient implements Closeable {

	public static final int READ_TIMEOUT_MILLIS = 20_000;

	private final Socket socket;

	private final InputStream input;

	private final OutputStream output;

	private ByteClient(Socket socket) throws IOException {
		this.socket = socket;
		this.input = socket.getInputStream();
		this.output = socket.getOutputStream();
	}

	/**
	 * Connect to {@code server} from {@code from} (an ephemeral port).
	 * @param server the server
	 * @param from the local address, or {@code null} for the kernel's choice
	 * @return the connected client
	 */
	public static ByteClient connect(InetSocketAddress server, InetAddress from) throws IOException {
		Socket socket = new Socket();
		try {
			configure(socket, server, from);
			return new ByteClient(socket);
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Connect to {@code server} from {@code from}, send {@code prefix} (a PROXY header, say)
	 * in the clear, then start TLS on the same connection.
	 * @param server the server
	 * @param from the local address, or {@code null}
	 * @param prefix bytes to send before the TLS handshake
	 * @param context the client's TLS context
	 * @return the connected client, its handshake done
	 */
	public static ByteClient connectTls(InetSocketAddress server, InetAddress from, byte[] prefix, SSLContext context)
			throws IOException {
		return connectTls(server, from, prefix, context, (parameters) -> {
		});
	}

	/**
	 * Connect as {@link #connectTls(InetSocketAddress, InetAddress, byte[], SSLContext)}
	 * does, with the handshake's parameters (server name, ALPN) adjusted first.
	 * @param server the server
	 * @param from the local address, or {@code null}
	 * @param prefix bytes to send before the TLS handshake
	 * @param context the client's TLS context
	 * @param parameters adjusts the handshake's parameters
	 * @return the connected client, its handshake done
	 */
	public static ByteClient connectTls(InetSocketAddress server, InetAddress from, byte[] prefix, SSLContext context,
			Consumer<SSLParameters> parameters) throws IOException {
		Socket plain = new Socket();
		try {
			configure(plain, server, from);
			plain.getOutputStream().write(prefix);
			plain.getOutputStream().flush();
			SSLSocket tls = (SSLSocket) context.getSocketFactory()
				.createSocket(plain, server.getHostString(), server.getPort(), true);
			tls.setSoTimeout(READ_TIMEOUT_MILLIS);
			SSLParameters handshake = tls.getSSLParameters();
			parameters.accept(handshake);
			tls.setSSLParameters(handshake);
			tls.startHandshake();
			return new ByteClient(tls);
		}
		catch (IOException | RuntimeException ex) {
			plain.close();
			throw ex;
		}
	}

	private static void configure(Socket socket, InetSocketAddress server, InetAddress from) throws IOException {
		socket.setTcpNoDelay(true);
		if (from != null) {
			socket.bind(new InetSocketAddress(from, 0));
		}
		socket.connect(server, READ_TIMEOUT_MILLIS);
		socket.setSoTimeout(READ_TIMEOUT_MILLIS);
	}

	public Socket socket() {
		return this.socket;
	}

	/** @return the TLS session of a client made with {@link #connectTls} */
	public SSLSession tlsSession() {
		return ((SSLSocket) this.socket).getSession();
	}

	/** @return the client's own address and port, as the server (or a proxy) sees them */
	public InetSocketAddress localAddress() {
		return (InetSocketAddress) this.socket.getLocalSocketAddress();
	}

	/** Send {@code bytes} in one write. */
	public ByteClient send(byte[] bytes) throws IOException {
		this.output.write(bytes);
		this.output.flush();
		return this;
	}

	/** Send {@code text} as US-ASCII in one write. */
	public ByteClient send(String text) throws IOException {
		return send(text.getBytes(StandardCharsets.US_ASCII));
	}

	/** @return exactly the next {@code length} bytes; fails on an early end of stream */
	public byte[] read(int length) throws IOException {
		byte[] bytes = this.input.readNBytes(length);
		assertThat(bytes).as("bytes before the end of stream").hasSize(length);
		return bytes;
	}

	/** @return the next {@code length} bytes as US-ASCII */
	public String readText(int length) throws IOException {
		return new String(read(length), StandardCharsets.US_ASCII);
	}

	/** @return the next line, as UTF-8, without its {@code \n}; fails on an end of stream first */
	public String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = this.input.read()) != '\n') {
			assertThat(b).as("byte of a line that has %d so far (-1 is the end of stream)", line.size())
				.isNotNegative();
			line.write(b);
		}
		return line.toString(StandardCharsets.UTF_8);
	}

	/** Send {@code text} and assert that exactly it comes back. */
	public void assertEchoes(String text) throws IOException {
		send(text);
		assertThat(readText(text.length())).isEqualTo(text);
	}

	/**
	 * Assert that the server closed the connection without sending anything (more): the
	 * next read meets the end of stream, or the reset of a server that closed with unread
	 * input.
	 */
	public void assertClosedWithoutReply() throws IOException {
		try {
			assertThat(this.input.read()).as("next byte (-1 is the end of stream)").isEqualTo(-1);
		}
		catch (SocketException ex) {
			assertThat(ex).hasMessageContaining("reset");
		}
	}

	/** Assert that the server reset the connection: the next read fails, never a clean end. */
	public void assertReset() {
		assertThatExceptionOfType(SocketException.class).isThrownBy(() -> {
			while (this.input.read() >= 0) {
				// What the server sent before its reset
			}
		}).withMessageContaining("reset");
	}

	public void shutdownOutput() throws IOException {
		this.socket.shutdownOutput();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}

package io.echoreactor.soak;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A blocking client socket, bound to a chosen loopback source address before it
 * connects, that sends its own {@link SoakStream} and verifies the echo as it arrives, in
 * constant memory whatever the amount.
 *
 * <p>
 * Plain JDK, no test libraries, so that the {@link StreamingEchoClient} child process can
 * use it too.
 *
 * <p>
 * <strong>Threading:</strong> one thread may write while another reads; each direction
 * keeps its own position, written only by the thread using that direction.
 */
final class StreamSocket implements Closeable {

	private static final int CHUNK = 64 * 1024;

	private final Socket socket;

	private final InputStream input;

	private final OutputStream output;

	private final SoakStream stream;

	private final byte[] writeChunk = new byte[CHUNK];

	private final byte[] readChunk = new byte[CHUNK];

	private volatile long written;

	private volatile long read;

	private StreamSocket(Socket socket, long key) throws IOException {
		this.socket = socket;
		this.input = socket.getInputStream();
		this.output = socket.getOutputStream();
		this.stream = new SoakStream(key);
	}

	/**
	 * Connect from {@code source} (any 127.x.y.z is loopback on Linux).
	 * @param source the local address to bind before connecting
	 * @param server the echo server
	 * @param key the stream's key
	 * @param receiveBufferSize SO_RCVBUF to set before the handshake (it fixes the window
	 * scale), or 0 for the kernel's default and autotuning
	 * @param readTimeoutMillis how long a read may block before it fails
	 * @return the connected socket
	 * @throws IOException if the connection fails
	 */
	static StreamSocket connect(InetAddress source, InetSocketAddress server, long key, int receiveBufferSize,
			int readTimeoutMillis) throws IOException {
		return over(open(source, server, receiveBufferSize), key, readTimeoutMillis);
	}

	/**
	 * Open a plain socket from {@code source}, for a client that sends something of its own
	 * (a PROXY header, a TLS handshake) before the stream, or instead of it.
	 * @param source the local address to bind before connecting
	 * @param server the server
	 * @param receiveBufferSize SO_RCVBUF to set before the handshake, or 0 for the kernel's
	 * default
	 * @return the connected socket
	 * @throws IOException if the connection fails
	 */
	static Socket open(InetAddress source, InetSocketAddress server, int receiveBufferSize) throws IOException {
		Socket socket = new Socket();
		try {
			if (receiveBufferSize > 0) {
				socket.setReceiveBufferSize(receiveBufferSize);
			}
			socket.setTcpNoDelay(true);
			socket.bind(new InetSocketAddress(source, 0));
			socket.connect(server, 10_000);
			return socket;
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Send and verify the stream over a socket that is connected already, such as a TLS
	 * socket whose handshake is done.
	 * @param socket the socket, closed if this fails
	 * @param key the stream's key
	 * @param readTimeoutMillis how long a read may block before it fails
	 * @return the stream socket
	 * @throws IOException if the socket fails
	 */
	static StreamSocket over(Socket socket, long key, int readTimeoutMillis) throws IOException {
		try {
			socket.setSoTimeout(readTimeoutMillis);
			return new StreamSocket(socket, key);
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	Socket socket() {
		return this.socket;
	}

	/** @return the bytes sent so far */
	long written() {
		return this.written;
	}

	/** @return the echoed bytes received and verified so far */
	long read() {
		return this.read;
	}

	/**
	 * Send the next {@code bytes} of the stream.
	 * @param bytes how many
	 * @throws IOException if the write fails
	 */
	void write(long bytes) throws IOException {
		long remaining = bytes;
		while (remaining > 0) {
			int n = (int) Math.min(CHUNK, remaining);
			this.stream.fill(this.written, this.writeChunk, 0, n);
			this.output.write(this.writeChunk, 0, n);
			this.written += n;
			remaining -= n;
		}
	}

	/**
	 * Receive and verify exactly the next {@code bytes} of the echo.
	 * @param bytes how many
	 * @throws IOException if the read fails, the echo is wrong, or it ends early
	 */
	void readAndVerify(long bytes) throws IOException {
		long remaining = bytes;
		while (remaining > 0) {
			int n = readSome((int) Math.min(CHUNK, remaining));
			if (n < 0) {
				throw new EOFException("The server closed the connection after echoing " + this.read + " bytes; "
						+ remaining + " more were expected");
			}
			remaining -= n;
		}
	}

	/**
	 * Receive and verify whatever the echo brings next, at most {@code max} bytes.
	 * @param max the most to read
	 * @return the bytes read, or -1 at the end of the stream
	 * @throws IOException if the read fails or the echo is wrong
	 */
	int readSome(int max) throws IOException {
		int n = this.input.read(this.readChunk, 0, Math.min(max, CHUNK));
		if (n > 0) {
			long wrong = this.stream.mismatch(this.read, this.readChunk, 0, n);
			if (wrong >= 0) {
				throw new IOException("Echoed byte at stream position " + wrong + " was "
						+ this.readChunk[(int) (wrong - this.read)] + ", expected " + this.stream.at(wrong));
			}
			this.read += n;
		}
		return n;
	}

	/**
	 * Receive and verify the echo until the server closes its side, then check that
	 * exactly what was sent came back.
	 * @throws IOException if the read fails, the echo is wrong, or bytes are missing
	 */
	void readToEndAndVerifyAll() throws IOException {
		while (readSome(CHUNK) >= 0) {
			// Continue until the server's FIN
		}
		if (this.read != this.written) {
			throw new EOFException("The server ended the echo after " + this.read + " of " + this.written + " bytes");
		}
	}

	void shutdownOutput() throws IOException {
		this.socket.shutdownOutput();
	}

	/**
	 * Close with {@code SO_LINGER} 0, so that the kernel sends a reset instead of a FIN.
	 * @throws IOException if closing fails
	 */
	void reset() throws IOException {
		this.socket.setSoLinger(true, 0);
		this.socket.close();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}

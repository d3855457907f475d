package io.echoreactor.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A blocking echo client on a plain {@link Socket}, or an {@link SSLSocket} over one: it sends its own {@link EchoPattern}
 * stream and verifies the echo as it arrives, a chunk at a time, so that any amount can
 * be echoed in constant memory.
 *
 * <p>
 * <strong>Threading:</strong> one thread may write while another reads; each direction
 * has its own position, written only by the thread using that direction. Reads time out
 * after {@link #READ_TIMEOUT_MILLIS}; a blocked write ends when the client is closed.
 */
public final class EchoClient implements Closeable {

	public static final int READ_TIMEOUT_MILLIS = 20_000;

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final AtomicLong seeds = new AtomicLong();

	private final Socket socket;

	private final Socket transport;

	private final InputStream input;

	private final OutputStream output;

	private final long key;

	private volatile long written;

	private volatile long read;

	private EchoClient(Socket socket) throws IOException {
		this(socket, socket);
	}

	private EchoClient(Socket socket, Socket transport) throws IOException {
		this.socket = socket;
		this.transport = transport;
		this.input = socket.getInputStream();
		this.output = socket.getOutputStream();
		this.key = EchoPattern.key(seeds.incrementAndGet());
	}

	public static EchoClient connect(InetSocketAddress address) throws IOException {
		return connect(address, (socket) -> {
		});
	}

	/**
	 * Connect, after applying options that must be set before the handshake (buffer sizes
	 * fix the TCP window scale).
	 */
	public static EchoClient connect(InetSocketAddress address, SocketOptions options) throws IOException {
		Socket socket = new Socket();
		try {
			options.apply(socket);
			socket.setTcpNoDelay(true);
			socket.connect(address, READ_TIMEOUT_MILLIS);
			socket.setSoTimeout(READ_TIMEOUT_MILLIS);
			return new EchoClient(socket);
		}
		catch (IOException | RuntimeException ex) {
			socket.close();
			throw ex;
		}
	}

	/**
	 * Connect through TLS and finish the handshake.
	 * @param address the TLS port's address
	 * @param context the client's SSL context (what it trusts, and its certificate)
	 * @param protocols the protocols the client offers, none for the JDK's defaults
	 */
	public static EchoClient connectTls(InetSocketAddress address, SSLContext context, String... protocols)
			throws IOException {
		return connectTls(address, (socket) -> {
		}, context, protocols);
	}

	/**
	 * Connect through TLS, after applying options to the TCP socket, and finish the
	 * handshake.
	 */
	public static EchoClient connectTls(InetSocketAddress address, SocketOptions options, SSLContext context,
			String... protocols) throws IOException {
		Socket plain = new Socket();
		try {
			options.apply(plain);
			plain.setTcpNoDelay(true);
			plain.connect(address, READ_TIMEOUT_MILLIS);
			plain.setSoTimeout(READ_TIMEOUT_MILLIS);
			SSLSocket socket = (SSLSocket) context.getSocketFactory()
				.createSocket(plain, address.getHostString(), address.getPort(), true);
			if (protocols.length > 0) {
				socket.setEnabledProtocols(protocols);
			}
			socket.startHandshake();
			return new EchoClient(socket, plain);
		}
		catch (IOException | RuntimeException ex) {
			plain.close();
			throw ex;
		}
	}

	public Socket socket() {
		return this.socket;
	}

	/** @return the TCP socket: {@link #socket()} itself, or the one a TLS socket is layered over */
	public Socket transport() {
		return this.transport;
	}

	/** @return the bytes sent so far */
	public long written() {
		return this.written;
	}

	/** @return the echoed bytes received and verified so far */
	public long read() {
		return this.read;
	}

	/** Send the next {@code bytes} of the stream. */
	public void write(long bytes) throws IOException {
		byte[] chunk = new byte[(int) Math.min(CHUNK_SIZE, Math.max(1, bytes))];
		long remaining = bytes;
		while (remaining > 0) {
			int n = (int) Math.min(chunk.length, remaining);
			EchoPattern.fill(this.key, this.written, chunk, 0, n);
			this.output.write(chunk, 0, n);
			this.written += n;
			remaining -= n;
		}
	}

	/** Send the next {@code bytes} of the stream from a thread of {@code executor}. */
	public CompletableFuture<Void> writeAsync(long bytes, Executor executor) {
		return CompletableFuture.runAsync(() -> {
			try {
				write(bytes);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, executor);
	}

	/** Receive and verify the next {@code bytes} of the echo; fail on an early EOF. */
	public void readAndVerify(long bytes) throws IOException {
		byte[] chunk = new byte[(int) Math.min(CHUNK_SIZE, Math.max(1, bytes))];
		long remaining = bytes;
		while (remaining > 0) {
			int n = this.input.read(chunk, 0, (int) Math.min(chunk.length, remaining));
			if (n < 0) {
				fail("The server closed the connection after echoing %d bytes; %d more were expected", this.read,
						remaining);
			}
			EchoPattern.verify(this.key, this.read, chunk, 0, n);
			this.read += n;
			remaining -= n;
		}
	}

	/**
	 * Receive and verify the echo until the server closes its side.
	 * @return the number of bytes received by this call
	 */
	public long readAndVerifyUntilEof() throws IOException {
		byte[] chunk = new byte[CHUNK_SIZE];
		long start = this.read;
		int n;
		while ((n = this.input.read(chunk)) >= 0) {
			EchoPattern.verify(this.key, this.read, chunk, 0, n);
			this.read += n;
		}
		return this.read - start;
	}

	/** Assert that the server has closed its side and sent nothing more. */
	public void assertEndOfStream() throws IOException {
		assertThat(this.input.read()).as("next byte after %d echoed bytes (-1 is EOF)", this.read).isEqualTo(-1);
	}

	/**
	 * Echo a message small enough to fit the socket buffers, so that it can be sent whole
	 * before reading.
	 */
	public void echo(int bytes) throws IOException {
		write(bytes);
		readAndVerify(bytes);
	}

	/** Echo any amount: a thread of {@code executor} writes while this one reads. */
	public void echoConcurrently(long bytes, Executor executor) throws IOException {
		CompletableFuture<Void> writing = writeAsync(bytes, executor);
		readAndVerify(bytes);
		writing.join();
	}

	public void shutdownOutput() throws IOException {
		this.socket.shutdownOutput();
	}

	/** Close with {@code SO_LINGER} 0, so that the kernel sends RST instead of FIN. */
	public void reset() throws IOException {
		this.socket.setSoLinger(true, 0);
		this.socket.close();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * Options applied to the socket before it connects.
	 */
	@FunctionalInterface
	public interface SocketOptions {

		void apply(Socket socket) throws IOException;

	}

}

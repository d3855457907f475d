package io.echoreactor.bench.tcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import io.echoreactor.bench.tls.TlsClient;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of one {@link TcpFlow}'s connection: its socket, and TLS over it once the
 * flow begins a handshake ({@link TlsClient}). What is read goes to the flow as
 * plaintext; what the flow's {@link TcpEcho} writes goes out as plain bytes or as TLS
 * records. With {@code --reconnect} or {@code --keep-going} one transport serves each of
 * the flow's connections in turn.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class TcpTransport {

	private final TcpFlow flow;

	// The connection's socket: none before open() and between two connections.
	private @Nullable SocketChannel channel;

	// TLS over the socket, from beginTls() on; none for plain TCP.
	private @Nullable TlsClient tls;

	TcpTransport(TcpFlow flow) {
		this.flow = flow;
	}

	/**
	 * Open a non-blocking socket, with Nagle's algorithm off.
	 * @param family the address family of the server's address
	 * @throws IOException if the socket cannot be opened
	 */
	void open(StandardProtocolFamily family) throws IOException {
		SocketChannel channel = SocketChannel.open(family);
		this.channel = channel;
		channel.configureBlocking(false);
		// Pipelined small messages leave at once instead of waiting for the previous ACK.
		channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
	}

	/** @return the current connection's socket, which tells one connection from the next; none between two */
	@Nullable SocketChannel socket() {
		return this.channel;
	}

	// Every stage of the flow that uses the socket comes after open() has set it.
	private SocketChannel channel() {
		return Objects.requireNonNull(this.channel, "not open");
	}

	// The flow asks for the handshake and the session only in the stage that beginTls() starts.
	private TlsClient handshaking() {
		return Objects.requireNonNull(this.tls, "no TLS handshake begun");
	}

	/**
	 * Start connecting, and register the socket with the flow's loop.
	 * @param address the server
	 * @return whether the connection is complete already
	 * @throws IOException if connecting fails
	 */
	boolean connect(InetSocketAddress address) throws IOException {
		SocketChannel channel = channel();
		boolean connected = channel.connect(address);
		this.flow.register(channel, connected ? 0 : SelectionKey.OP_CONNECT);
		return connected;
	}

	/**
	 * Finish connecting.
	 * @return whether the connection is complete
	 * @throws IOException if connecting failed
	 */
	boolean finishConnect() throws IOException {
		return channel().finishConnect();
	}

	InetSocketAddress localAddress() throws IOException {
		return (InetSocketAddress) channel().getLocalAddress();
	}

	InetSocketAddress remoteAddress() throws IOException {
		return (InetSocketAddress) channel().getRemoteAddress();
	}

	/**
	 * Write bytes that go before TLS (a PROXY header) to the socket.
	 * @param header the bytes, positioned after what has been written
	 * @return whether all are written
	 * @throws IOException if writing fails
	 */
	boolean writeHeader(ByteBuffer header) throws IOException {
		channel().write(header);
		return !header.hasRemaining();
	}

	/**
	 * Begin a TLS handshake: from now on the socket carries TLS records.
	 * @param engine the client's engine
	 * @throws IOException if the first records cannot be made
	 */
	void beginTls(SSLEngine engine) throws IOException {
		TlsClient tls = new TlsClient(engine, channel(), this.flow.tlsBuffers(engine));
		this.tls = tls;
		tls.begin();
	}

	/**
	 * Take the handshake as far as it goes without waiting.
	 * @return whether it is complete
	 * @throws IOException if it fails
	 */
	boolean handshake() throws IOException {
		return handshaking().handshake(this.flow);
	}

	/** @return the TLS session */
	SSLSession session() {
		return handshaking().engine().getSession();
	}

	/**
	 * Read what the socket has and hand it to the flow as plaintext.
	 * @return -1 at the server's end of stream, else 0 or more
	 * @throws IOException if reading fails
	 */
	int read() throws IOException {
		if (this.tls != null) {
			return this.tls.read(this.flow);
		}
		SocketChannel channel = channel();
		ByteBuffer buffer = this.flow.readBuffer();
		for (;;) {
			buffer.clear();
			int read = channel.read(buffer);
			if (read <= 0) {
				return read;
			}
			long now = System.nanoTime();
			buffer.flip();
			this.flow.plaintext(buffer, now);
			// A short read emptied the socket; the selector reports the next bytes.
			if (this.flow.isDone() || read < buffer.capacity()) {
				return read;
			}
		}
	}

	/**
	 * Write plaintext: to the socket, or as TLS records.
	 * @param src the bytes
	 * @return how many were taken
	 * @throws IOException if writing fails
	 */
	int write(ByteBuffer src) throws IOException {
		return (this.tls == null) ? channel().write(src) : this.tls.send(src);
	}

	/** @return whether TLS records wait to be written */
	boolean outputPending() {
		return this.tls != null && this.tls.hasPending();
	}

	/**
	 * Write the TLS records that wait, if any.
	 * @return whether none waits any more
	 * @throws IOException if writing fails
	 */
	boolean flush() throws IOException {
		return this.tls == null || this.tls.flush();
	}

	/**
	 * End the output: shut the socket's, or send {@code close_notify}.
	 * @param allEchoed whether every echo is back
	 * @return whether the output is ended; under TLS not before every echo is back
	 * @throws IOException if shutting or writing fails
	 */
	boolean endOutput(boolean allEchoed) throws IOException {
		if (this.tls == null) {
			channel().shutdownOutput();
			return true;
		}
		// TLS 1.2 servers answer close_notify by closing at once, dropping echoes not yet sent.
		if (!allEchoed) {
			return false;
		}
		this.tls.closeOutbound();
		if (this.tls.hasPending()) {
			this.flow.interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
		}
		return true;
	}

	/** Cancel the socket's registration and close it, if there is one. */
	void close() {
		this.flow.close(this.channel);
	}

	/**
	 * Close, and be ready for the flow's next connection. A TLS session is invalidated
	 * first: not to be resumed by anyone (the next engine does not look it up either).
	 */
	void closeForNext() {
		if (this.tls != null) {
			this.tls.engine().getSession().invalidate();
		}
		close();
		this.channel = null;
		this.tls = null;
	}

}

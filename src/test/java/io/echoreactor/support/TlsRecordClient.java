package io.echoreactor.support;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A TLS client that sees the records: an {@link SSLEngine} in client mode over a blocking
 * {@link Socket}, so that a test can tell how the server's stream ended, which the JDK's
 * {@code SSLSocket} cannot (it reads an end of stream without {@code close_notify} as -1
 * too): with the server's {@code close_notify}, truncated, or broken. It can also send
 * its own {@code close_notify} at any point, the handshake included.
 *
 * <p>
 * <strong>Threading:</strong> one thread at a time.
 */
public final class TlsRecordClient implements Closeable {

	private static final int READ_TIMEOUT_MILLIS = 20_000;

	private final Socket socket;

	private final SSLEngine engine;

	private final InputStream input;

	private final OutputStream output;

	private final ByteBuffer network;

	private final ByteBuffer application;

	private TlsRecordClient(Socket socket, SSLEngine engine) throws IOException {
		this.socket = socket;
		this.engine = engine;
		this.input = socket.getInputStream();
		this.output = socket.getOutputStream();
		this.network = ByteBuffer.allocate(4 * engine.getSession().getPacketBufferSize());
		this.application = ByteBuffer.allocate(4 * engine.getSession().getApplicationBufferSize());
	}

	/**
	 * Connect, not yet handshaking.
	 * @param address the TLS port's address
	 * @param context what the client trusts
	 * @param protocol the one protocol it offers
	 */
	public static TlsRecordClient connect(InetSocketAddress address, SSLContext context, String protocol)
			throws IOException {
		return connect(address, (socket) -> {
		}, context, protocol);
	}

	/**
	 * Connect, after applying options to the socket, not yet handshaking.
	 * @param address the TLS port's address
	 * @param options options set before connecting
	 * @param context what the client trusts
	 * @param protocol the one protocol it offers
	 */
	public static TlsRecordClient connect(InetSocketAddress address, EchoClient.SocketOptions options, SSLContext context,
			String protocol) throws IOException {
		Socket socket = new Socket();
		options.apply(socket);
		socket.setTcpNoDelay(true);
		socket.connect(address, READ_TIMEOUT_MILLIS);
		socket.setSoTimeout(READ_TIMEOUT_MILLIS);
		SSLEngine engine = context.createSSLEngine("localhost", address.getPort());
		engine.setUseClientMode(true);
		engine.setEnabledProtocols(new String[] { protocol });
		return new TlsRecordClient(socket, engine);
	}

	/** Send the ClientHello only. */
	public void sendClientHello() throws IOException {
		this.engine.beginHandshake();
		wrap(ByteBuffer.allocate(0));
	}

	/** Complete the handshake. */
	public void handshake() throws IOException {
		this.engine.beginHandshake();
		HandshakeStatus status = this.engine.getHandshakeStatus();
		while (status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED) {
			switch (status) {
				case NEED_TASK -> {
					Runnable task;
					while ((task = this.engine.getDelegatedTask()) != null) {
						task.run();
					}
				}
				case NEED_WRAP -> wrap(ByteBuffer.allocate(0));
				case NEED_UNWRAP -> {
					if (unwrap(new ByteArrayOutputStream()) == Ending.END_OF_STREAM) {
						throw new SSLException("The server closed during the handshake");
					}
				}
				default -> throw new IllegalStateException("Handshake status " + status);
			}
			status = this.engine.getHandshakeStatus();
		}
	}

	/** @return the negotiated protocol */
	public String protocol() {
		return this.engine.getSession().getProtocol();
	}

	/** Encrypt and send {@code data}. */
	public void send(byte[] data) throws IOException {
		ByteBuffer plaintext = ByteBuffer.wrap(data);
		while (plaintext.hasRemaining()) {
			wrap(plaintext);
		}
	}

	/**
	 * Encrypt {@code data} and send the records' bytes in pieces of the given sizes, in
	 * turn and over again, calling {@code afterEachPiece} after each, so that the pieces
	 * split records anywhere: in their headers, in their bodies, between them.
	 */
	public void sendInPieces(byte[] data, int[] pieceSizes, Runnable afterEachPiece) throws IOException {
		ByteArrayOutputStream records = new ByteArrayOutputStream();
		ByteBuffer plaintext = ByteBuffer.wrap(data);
		while (plaintext.hasRemaining()) {
			ByteBuffer record = ByteBuffer.allocate(this.engine.getSession().getPacketBufferSize() * 2);
			this.engine.wrap(plaintext, record);
			records.write(record.array(), 0, record.position());
		}
		byte[] bytes = records.toByteArray();
		int offset = 0;
		for (int piece = 0; offset < bytes.length; piece++) {
			int length = Math.min(pieceSizes[piece % pieceSizes.length], bytes.length - offset);
			this.output.write(bytes, offset, length);
			this.output.flush();
			offset += length;
			afterEachPiece.run();
		}
	}

	/**
	 * Encrypt {@code data}, then the client's {@code close_notify}, and send all of it in
	 * one write, so that the server reads them together.
	 */
	public void sendWithCloseNotify(byte[] data) throws IOException {
		ByteArrayOutputStream records = new ByteArrayOutputStream();
		ByteBuffer plaintext = ByteBuffer.wrap(data);
		ByteBuffer record = ByteBuffer.allocate(this.engine.getSession().getPacketBufferSize() * 2);
		while (plaintext.hasRemaining()) {
			record.clear();
			this.engine.wrap(plaintext, record);
			records.write(record.array(), 0, record.position());
		}
		this.engine.closeOutbound();
		while (!this.engine.isOutboundDone()) {
			record.clear();
			this.engine.wrap(ByteBuffer.allocate(0), record);
			records.write(record.array(), 0, record.position());
		}
		this.output.write(records.toByteArray());
		this.output.flush();
	}

	/**
	 * Begin a new handshake on the established connection and send its first message: a
	 * renegotiation under TLS 1.2, a key update (asking the server for one too) under
	 * TLS 1.3.
	 */
	public void requestNewHandshake() throws IOException {
		this.engine.beginHandshake();
		wrap(ByteBuffer.allocate(0));
	}

	/** Send {@code bytes} as they are, outside TLS. */
	public void sendRaw(byte[] bytes) throws IOException {
		this.output.write(bytes);
		this.output.flush();
	}

	/** Send the client's {@code close_notify}. */
	public void sendCloseNotify() throws IOException {
		this.engine.closeOutbound();
		while (!this.engine.isOutboundDone()) {
			wrap(ByteBuffer.allocate(0));
		}
	}

	private void wrap(ByteBuffer plaintext) throws IOException {
		ByteBuffer records = ByteBuffer.allocate(this.engine.getSession().getPacketBufferSize() * 2);
		this.engine.wrap(plaintext, records);
		this.output.write(records.array(), 0, records.position());
		this.output.flush();
	}

	/**
	 * Read and decrypt until {@code length} bytes have arrived.
	 * @param length how many
	 * @return them
	 * @throws IOException if the stream ends first
	 */
	public byte[] receive(int length) throws IOException {
		ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
		while (plaintext.size() < length) {
			Ending ending = unwrap(plaintext);
			if (ending != null) {
				throw new IOException("The stream ended (" + ending + ") after " + plaintext.size() + " bytes");
			}
		}
		return plaintext.toByteArray();
	}

	/**
	 * Read and decrypt until the stream ends.
	 * @param plaintext where what arrives goes
	 * @return how it ended
	 */
	public Ending readToEnd(ByteArrayOutputStream plaintext) throws IOException {
		while (true) {
			Ending ending = unwrap(plaintext);
			if (ending != null) {
				return ending;
			}
		}
	}

	/** @return whether the TCP stream ends here: the server's FIN */
	public boolean atEndOfStream() throws IOException {
		return this.input.read() < 0;
	}

	// Unwraps what is buffered, reading more when a record is incomplete; null while the
	// stream goes on.
	private Ending unwrap(ByteArrayOutputStream plaintext) throws IOException {
		while (true) {
			this.network.flip();
			SSLEngineResult result;
			try {
				result = this.engine.unwrap(this.network, this.application);
			}
			finally {
				this.network.compact();
			}
			this.application.flip();
			plaintext.write(this.application.array(), this.application.position(), this.application.remaining());
			this.application.clear();
			switch (result.getStatus()) {
				case CLOSED -> {
					return Ending.CLOSE_NOTIFY;
				}
				case BUFFER_UNDERFLOW -> {
					byte[] chunk = new byte[this.network.remaining()];
					int n = this.input.read(chunk);
					if (n < 0) {
						return (this.network.position() == 0) ? Ending.END_OF_STREAM : Ending.TRUNCATED_RECORD;
					}
					this.network.put(chunk, 0, n);
				}
				default -> {
					return null;
				}
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * How the server's stream ended. A record that does not decrypt is an
	 * {@link SSLException} instead.
	 */
	public enum Ending {

		/** With the server's {@code close_notify}. */
		CLOSE_NOTIFY,

		/** At a record boundary, without {@code close_notify}. */
		END_OF_STREAM,

		/** In the middle of a record. */
		TRUNCATED_RECORD

	}

}

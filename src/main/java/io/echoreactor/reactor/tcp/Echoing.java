package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.echoreactor.reactor.counters.CloseCause;

/**
 * The echo of RFC 862: every byte that arrives is sent back, in order. When the client
 * shuts down its output, what it sent is echoed to the end, then (under TLS) the server's
 * {@code close_notify}, and then the connection closes ({@code eof}).
 */
final class Echoing implements Stage {

	static final Echoing INSTANCE = new Echoing();

	private Echoing() {
	}

	@Override
	public void received(TcpConnection connection, ByteBuffer data) throws IOException {
		connection.send(data);
	}

	@Override
	public void endOfInput(TcpConnection connection) throws IOException {
		if (!connection.hasPendingOutput()) {
			finish(connection);
		}
	}

	@Override
	public void flushed(TcpConnection connection) throws IOException {
		if (connection.isInputShutdown()) {
			finish(connection);
		}
	}

	// Everything is echoed. Under TLS the server's close_notify goes out like any other
	// record, behind what the socket has not sent yet and waiting for room in it, and the
	// close comes once it is written: written straight to a full socket it could be lost,
	// and the client would read a cut stream instead of a clean end.
	private static void finish(TcpConnection connection) throws IOException {
		if (connection.tls() != null && !connection.isOutputShutdown()) {
			connection.shutdownOutput();
			if (connection.hasPendingOutput()) {
				return;
			}
		}
		connection.close(CloseCause.EOF);
	}

}

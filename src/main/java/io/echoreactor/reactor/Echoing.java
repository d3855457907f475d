package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The echo of RFC 862: every byte that arrives is sent back, in order. When the client
 * shuts down its output, what it sent is echoed to the end and then the connection
 * closes ({@code eof}).
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
	public void endOfInput(TcpConnection connection) {
		if (!connection.hasPendingOutput()) {
			connection.close(CloseCause.EOF);
		}
	}

	@Override
	public void flushed(TcpConnection connection) {
		if (connection.isInputShutdown()) {
			connection.close(CloseCause.EOF);
		}
	}

}

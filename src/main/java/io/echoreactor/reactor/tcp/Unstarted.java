package io.echoreactor.reactor.tcp;

import java.nio.ByteBuffer;

import io.echoreactor.reactor.counters.CloseCause;

/**
 * A connection's stage until its stage order begins it. Nothing should arrive then; if
 * anything does, it is never echoed.
 */
final class Unstarted implements Stage {

	static final Unstarted INSTANCE = new Unstarted();

	private Unstarted() {
	}

	@Override
	public void received(TcpConnection connection, ByteBuffer data) {
		connection.reset(CloseCause.ERROR);
	}

	@Override
	public void endOfInput(TcpConnection connection) {
		connection.close(CloseCause.ERROR);
	}

	@Override
	public void flushed(TcpConnection connection) {
	}

}

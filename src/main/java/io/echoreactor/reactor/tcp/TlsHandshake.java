package io.echoreactor.reactor.tcp;

import java.nio.ByteBuffer;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.TlsFailure;

/**
 * The TLS handshake, before the echo: the connection's {@link TlsSession} drives it, and
 * this stage bounds it in time ({@code echo.server.ssl.handshake-timeout}) and moves on
 * to the next stage when it is done. A client that does not finish in time, or closes
 * first, is closed with the cause {@code tls-handshake}; so is one whose handshake waited
 * for session memory all that time ({@code memory}).
 */
final class TlsHandshake implements Stage {

	private final long deadlineNanos;

	private final Stage next;

	TlsHandshake(long deadlineNanos, Stage next) {
		this.deadlineNanos = deadlineNanos;
		this.next = next;
	}

	Stage next() {
		return this.next;
	}

	@Override
	public void received(TcpConnection connection, ByteBuffer data) {
		// Application data comes only once the handshake has moved the connection on; never
		// echo what has not been through a finished handshake.
		connection.reset(CloseCause.TLS_HANDSHAKE);
	}

	@Override
	public void endOfInput(TcpConnection connection) {
		connection.requireTls().handshakeFailed(connection, TlsFailure.EOF, null);
	}

	@Override
	public void flushed(TcpConnection connection) {
	}

	@Override
	public long deadlineNanos(TcpConnection connection) {
		return this.deadlineNanos;
	}

	@Override
	public void expired(TcpConnection connection, long nowNanos) {
		if (nowNanos - this.deadlineNanos >= 0) {
			TlsSession tls = connection.requireTls();
			tls.handshakeFailed(connection, tls.timedOut(), null);
		}
	}

	@Override
	public CloseCause closeCause() {
		return CloseCause.TLS_HANDSHAKE;
	}

}

package io.echoreactor.reactor.tcp;

import java.io.IOException;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.memory.PendingOutput;

/**
 * The timers of a {@link TcpConnection}: the idle timeout, the write timeout, the maximum
 * age and its stage's own deadline (the PROXY header's, the TLS handshake's, closing's),
 * kept as one entry in its reactor's {@link Deadlines} at the earliest of them. The idle
 * timer is read lazily: the entry comes due at the earliest moment the connection could
 * be idle, and is moved on if it was not, so a busy connection touches the deadlines once
 * per timeout, not once per message.
 *
 * <p>
 * <strong>Threading:</strong> the connection's reactor thread.
 */
final class ConnectionTimers {

	private ConnectionTimers() {
	}

	/**
	 * Return when the connection's earliest timer comes due.
	 * @param connection the connection
	 * @return the time, in {@link System#nanoTime()} terms, or {@link Long#MAX_VALUE}
	 */
	static long due(TcpConnection connection) {
		ConnectionContext context = connection.context();
		Stage stage = connection.stage();
		long due = stage.deadlineNanos(connection);
		long idleTimeout = context.idleTimeoutNanos();
		if (idleTimeout > 0) {
			due = earlier(due, lastTraffic(connection) + idleTimeout);
		}
		long writeTimeout = context.writeTimeoutNanos();
		PendingOutput pending = connection.pendingOutput();
		if (writeTimeout > 0 && pending != null) {
			due = earlier(due, pending.oldestNanos() + writeTimeout);
		}
		if (!(stage instanceof Closing)) {
			due = earlier(due, connection.expiresAtNanos());
		}
		return due;
	}

	/**
	 * The connection's entry came due: act on whichever timer has passed, and schedule the
	 * next.
	 * @param connection the connection
	 * @param nowNanos the loop's time
	 * @throws IOException if the connection fails
	 */
	static void expired(TcpConnection connection, long nowNanos) throws IOException {
		ConnectionContext context = connection.context();
		if (connection.stage().deadlineNanos(connection) - nowNanos <= 0) {
			connection.stage().expired(connection, nowNanos);
			if (!connection.isOpen()) {
				return;
			}
		}
		long idleTimeout = context.idleTimeoutNanos();
		// A connection waiting for memory is the server's doing, not the client's idleness.
		if (idleTimeout > 0 && !connection.isAwaitingMemory()
				&& nowNanos - lastTraffic(connection) >= idleTimeout) {
			connection.close(CloseCause.IDLE);
			return;
		}
		long writeTimeout = context.writeTimeoutNanos();
		PendingOutput pending = connection.pendingOutput();
		if (writeTimeout > 0 && pending != null && nowNanos - pending.oldestNanos() >= writeTimeout) {
			connection.reset(CloseCause.WRITE_TIMEOUT);
			return;
		}
		if (nowNanos - connection.expiresAtNanos() >= 0 && !(connection.stage() instanceof Closing)) {
			connection.beginClose(CloseCause.MAX_AGE, nowNanos + connection.context().flushTimeoutNanos());
			return;
		}
		connection.scheduleDeadline();
	}

	private static long lastTraffic(TcpConnection connection) {
		return Math.max(connection.lastReadNanos(), connection.lastWriteNanos());
	}

	private static long earlier(long a, long b) {
		if (a == Long.MAX_VALUE) {
			return b;
		}
		if (b == Long.MAX_VALUE) {
			return a;
		}
		return (a - b <= 0) ? a : b;
	}

}

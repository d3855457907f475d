package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.counters.CloseCause;

/**
 * The server closes the connection (maximum age, or the end of the shutdown drain)
 * without ever dropping a byte silently: a client either gets back every byte it sent or
 * sees an error.
 *
 * <p>
 * The connection keeps echoing until it is quiet: reading, nothing pending and nothing
 * received for {@link #QUIET_NANOS}; a connection whose reading waits for memory is never
 * quiet, since its bytes may wait unread in the kernel. Then the server sends its FIN and
 * waits for the client's.
 * Bytes that arrive after the FIN can no longer be echoed, so they reset the connection at
 * once: the client's next read or write fails rather than ending in a clean EOF. A
 * connection that is not quiet by the deadline is reset too. A client that shuts down its
 * output first gets the rest of its echo and a normal close.
 */
final class Closing implements Stage {

	/** How long a connection must have sent nothing before the server sends its FIN. */
	static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final CloseCause cause;

	private final long deadlineNanos;

	private boolean finSent;

	Closing(CloseCause cause, long deadlineNanos) {
		this.cause = cause;
		this.deadlineNanos = deadlineNanos;
	}

	long deadline() {
		return this.deadlineNanos;
	}

	@Override
	public void received(TcpConnection connection, ByteBuffer data) throws IOException {
		if (this.finSent) {
			connection.reset(this.cause);
		}
		else {
			connection.send(data);
		}
	}

	@Override
	public void endOfInput(TcpConnection connection) {
		if (!connection.hasPendingOutput()) {
			connection.close(this.cause);
		}
	}

	@Override
	public void flushed(TcpConnection connection) {
		if (connection.isInputShutdown()) {
			connection.close(this.cause);
		}
	}

	@Override
	public long deadlineNanos(TcpConnection connection) {
		if (this.finSent || connection.hasPendingOutput()) {
			return this.deadlineNanos;
		}
		long quietAt = connection.lastReadNanos() + QUIET_NANOS;
		if (!connection.isReading()) {
			// Reading waits for memory: what the client sent may wait unread in the kernel, so
			// quiet says nothing yet. Look again later.
			quietAt = Math.max(quietAt, connection.context().loop().now() + QUIET_NANOS);
		}
		return (quietAt - this.deadlineNanos < 0) ? quietAt : this.deadlineNanos;
	}

	@Override
	public void expired(TcpConnection connection, long nowNanos) throws IOException {
		if (nowNanos - this.deadlineNanos >= 0) {
			if (this.finSent) {
				connection.close(this.cause);
			}
			else {
				connection.reset(this.cause);
			}
		}
		else if (!this.finSent && !connection.hasPendingOutput() && connection.isReading()
				&& nowNanos - connection.lastReadNanos() >= QUIET_NANOS) {
			this.finSent = true;
			connection.shutdownOutput();
		}
	}

	@Override
	public CloseCause closeCause() {
		return this.cause;
	}

	boolean finSent() {
		return this.finSent;
	}

}

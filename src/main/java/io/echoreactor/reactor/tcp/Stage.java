package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.echoreactor.reactor.counters.CloseCause;

/**
 * Where a {@link TcpConnection} is in its life, and what its bytes mean there. A
 * connection passes through its stages in order, each replacing itself with the next when
 * it is done: {@link Echoing echoing}, then {@link Closing closing}; the PROXY header and
 * the TLS handshake come before echoing when they are on. The connection does the I/O
 * (reads, writes, pending output, backpressure, half-close and deadlines); a stage only
 * decides what the bytes and events mean.
 *
 * <p>
 * <strong>Threading:</strong> every method runs on the connection's reactor thread.
 */
public interface Stage {

	/**
	 * Bytes arrived from the client.
	 * @param connection the connection
	 * @param data the bytes, which the stage consumes entirely (copying what it keeps)
	 * @throws IOException if the connection fails
	 */
	void received(TcpConnection connection, ByteBuffer data) throws IOException;

	/**
	 * The client shut down its output: no more bytes will arrive.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	void endOfInput(TcpConnection connection) throws IOException;

	/**
	 * Everything the connection had pending has been written.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	void flushed(TcpConnection connection) throws IOException;

	/**
	 * Return the stage's own deadline (the connection adds its idle, age and write
	 * limits).
	 * @param connection the connection
	 * @return the time, in {@link System#nanoTime()} terms, or {@link Long#MAX_VALUE}
	 */
	default long deadlineNanos(TcpConnection connection) {
		return Long.MAX_VALUE;
	}

	/**
	 * The stage's deadline has passed.
	 * @param connection the connection
	 * @param nowNanos the loop's time
	 * @throws IOException if the connection fails
	 */
	default void expired(TcpConnection connection, long nowNanos) throws IOException {
	}

	/**
	 * Return the cause a connection in this stage is closed for if its reactor must close
	 * it outright (the drain ran out of time).
	 * @return the cause
	 */
	default CloseCause closeCause() {
		return CloseCause.SHUTDOWN;
	}

}

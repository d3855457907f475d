package io.echoreactor.reactor.tcp;

import java.nio.ByteBuffer;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.memory.ReactorMemory;
import io.echoreactor.reactor.memory.SessionMemory;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link TcpConnection} sees of its reactor: the loop it is registered with, what
 * it shares with the reactor's other connections (the read buffer, the memory, the
 * order of the stages), its limits and timeouts, and where it reports that it closed.
 * A connection knows nothing else of the reactor, which can therefore own connections
 * without a connection owning it back.
 *
 * <p>
 * <strong>Threading:</strong> used on the reactor thread only.
 */
public interface ConnectionContext {

	/** @return the reactor's loop: its time, deadlines, selector and statistics */
	EventLoop loop();

	/** @return the reactor's read buffer, shared by its connections one read at a time */
	ByteBuffer readBuffer();

	/** @return the most bytes a connection reads in one readiness event */
	int readBudget();

	/** @return the reactor's memory for pending output */
	ReactorMemory memory();

	/** @return the reactor's memory for TLS sessions and records and headers in part */
	SessionMemory sessionMemory();

	/** @return the pending output above which a connection stops reading */
	int writeBufferHighWaterMark();

	/** @return the pending output below which a paused connection reads again */
	int writeBufferLowWaterMark();

	/** @return the idle timeout, 0 for none */
	long idleTimeoutNanos();

	/** @return the write timeout, 0 for none */
	long writeTimeoutNanos();

	/** @return how long a connection closing at its maximum age writes what it owes */
	long flushTimeoutNanos();

	/** @return what decides the order of the connection's stages */
	StageOrder stages();

	/**
	 * A connection has closed: count it and give back its place under the limits.
	 * @param connection the connection
	 * @param cause why, or {@code null} for a connection refused after its PROXY header
	 */
	void closed(TcpConnection connection, @Nullable CloseCause cause);

}

package io.echoreactor.reactor.memory;

import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * A connection as the reactor's memory sees it: what it holds, how long it has gone
 * without draining, how to let it read again when memory comes back, and how to evict it
 * when memory runs short. Memory finds holders among its loop's selection keys and knows
 * nothing else of them.
 *
 * <p>
 * <strong>Threading:</strong> every method runs on the thread of the holder's reactor.
 */
public interface MemoryHolder {

	/** @return the chunks of pending output held, 0 if none */
	int heldChunks();

	/** @return when the holder last wrote, in its loop's time */
	long lastWriteNanos();

	/** Memory for pending output is available again: read if nothing else holds reading off. */
	void memoryAvailable();

	/**
	 * @return the bytes held in part of a record or header that eviction may reclaim: none
	 * for a holder still waiting to begin its TLS handshake, which its handshake timeout
	 * bounds
	 */
	int heldInPart();

	/** @return when the holder last read, in its loop's time */
	long lastReadNanos();

	/** @return whether the holder waits for session memory to start its TLS handshake */
	boolean awaitsHandshakeStart();

	/** Session memory came back: start a handshake that waited for it, then read again. */
	void sessionMemoryAvailable();

	/**
	 * Close with a reset: the holder kept memory others need without draining it, and
	 * owed echoes are dropped.
	 */
	void evict();

	/** @return the holder's channel, whose addresses an eviction's log line names */
	SocketChannel channel();

	/** @return the client a PROXY header named, or {@code null} */
	@Nullable SocketAddress client();

}

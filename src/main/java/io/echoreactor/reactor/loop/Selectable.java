package io.echoreactor.reactor.loop;

import java.nio.channels.SelectionKey;

import io.echoreactor.reactor.counters.CloseCause;

/**
 * What an {@link EventLoop} finds attached to a selection key: a listener, a connection
 * or a datagram channel, each of which knows what to do when its channel is ready. The
 * loop knows keys and this interface, not protocols.
 *
 * <p>
 * <strong>Threading:</strong> every method runs on the thread of the loop the key belongs
 * to.
 */
public interface Selectable {

	/**
	 * The channel is ready for the given operations.
	 * @param readyOps the key's ready set
	 */
	void ready(int readyOps);

	/**
	 * The loop rebuilt its selector and registered the channel again, with the same
	 * interest set and attachment, under a new key.
	 * @param key the new key
	 */
	void rekeyed(SelectionKey key);

	/**
	 * The channel could not be registered with a rebuilt selector, or the loop is ending:
	 * close it.
	 * @param cause why; {@link CloseCause#ERROR} if the loop died or the channel could
	 * not move
	 */
	void abort(CloseCause cause);

}

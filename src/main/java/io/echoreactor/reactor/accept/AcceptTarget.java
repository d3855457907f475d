package io.echoreactor.reactor.accept;

import java.net.InetAddress;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * Where the acceptor hands an accepted connection: a reactor, as the acceptor sees it.
 *
 * <p>
 * <strong>Threading:</strong> called from the acceptor thread; an implementation queues
 * the connection for its own thread.
 */
public interface AcceptTarget {

	/**
	 * Return whether connections handed over now would be served: a dead reactor would
	 * never serve or close one, a stalled one would hold it unanswered.
	 * @return whether to hand connections to it
	 */
	boolean takesConnections();

	/**
	 * Hand over an accepted channel, which the target owns from now on.
	 * @param channel the channel, still blocking
	 * @param address the client's address as the per-address limit counted it, or
	 * {@code null}
	 * @param tls whether it came in on the TLS port
	 */
	void register(SocketChannel channel, @Nullable InetAddress address, boolean tls);

}

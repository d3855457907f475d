package io.echoreactor.console;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Where the console's table of the busiest connections comes from. The reactor keeps no
 * per-connection figures for it yet, so {@link #NONE} is used and the table stays empty;
 * a bean of this type replaces it.
 *
 * <p>
 * <strong>Threading:</strong> called from the console's own thread, once a second while a
 * live console is open, and from a request thread for each page or snapshot requested.
 */
@FunctionalInterface
public interface ConsoleConnections {

	/** No connections: the table is shown empty. */
	ConsoleConnections NONE = (limit) -> List.of();

	/**
	 * Return the busiest connections now, most bytes first.
	 * @param limit the most to return
	 * @return the connections, at most {@code limit}
	 */
	List<Connection> busiest(int limit);

	/**
	 * One connection as the console shows it.
	 *
	 * @param reactor the thread that serves it
	 * @param remote the peer's address and port
	 * @param proxySource the client's address and port as a PROXY header gave it, or
	 * {@code null}
	 * @param tlsProtocol the negotiated TLS protocol, or {@code null} for plain TCP
	 * @param stage where the connection is: proxy-header, tls-handshake, echo or closing
	 * @param bytesReceived bytes read from the peer
	 * @param bytesSent bytes written to the peer
	 * @param pendingBytes bytes read and not yet written back
	 * @param ageMillis milliseconds since it was accepted
	 */
	record Connection(String reactor, String remote, @Nullable String proxySource, @Nullable String tlsProtocol,
			String stage, long bytesReceived, long bytesSent, long pendingBytes, long ageMillis) {

	}

}

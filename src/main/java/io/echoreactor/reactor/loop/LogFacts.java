package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;

import io.echoreactor.reactor.counters.CountedEvent;
import org.jspecify.annotations.Nullable;

/**
 * The facts of a reactor's log line that a log platform indexes beside its message: the
 * reactor, the connection's addresses and the cause. {@link ReactorLog} hands them to the
 * logging backend as key-value pairs, which Spring Boot's structured formats (ECS,
 * Logstash) write as fields; the message states them as well, for whoever reads plain
 * text.
 *
 * @param reactor the name of the reactor's thread, such as {@code echo-reactor-0}
 * @param local the address the connection (or listener) is bound to, or {@code null}
 * @param peer the address of the other end of the socket, or {@code null}
 * @param client the client as a PROXY header named it, or {@code null} where none did
 * @param cause why, as the {@code cause} or {@code result} tag of the meter that counts
 * it, or {@code null}
 */
public record LogFacts(@Nullable String reactor, @Nullable SocketAddress local, @Nullable SocketAddress peer,
		@Nullable SocketAddress client, @Nullable CountedEvent cause) {

	/** The key of the reactor's name. */
	public static final String REACTOR = "echo.reactor";

	/** The key of the local address, {@code host:port}. */
	public static final String LOCAL = "echo.local";

	/** The key of the peer's address, {@code host:port}. */
	public static final String PEER = "echo.peer";

	/** The key of the client's address from a PROXY header, {@code host:port}. */
	public static final String CLIENT = "echo.client";

	/** The key of the cause, a meter's tag value. */
	public static final String CAUSE = "echo.cause";

	private static final LogFacts NONE = new LogFacts(null, null, null, null, null);

	/** @return no facts: a line about the server as a whole */
	public static LogFacts none() {
		return NONE;
	}

	/**
	 * @param reactor the name of the reactor's thread
	 * @return the facts of a line about one reactor
	 */
	public static LogFacts reactor(String reactor) {
		return new LogFacts(reactor, null, null, null, null);
	}

	/**
	 * Read a connection's addresses from its channel; one that is gone is left out.
	 * @param reactor the name of the reactor's thread
	 * @param channel the connection's channel (or a listener's, or a UDP socket's)
	 * @param client the client a PROXY header named, or {@code null}
	 * @return the facts of a line about one connection
	 */
	public static LogFacts connection(String reactor, Channel channel, @Nullable SocketAddress client) {
		SocketAddress peer = null;
		if (channel instanceof SocketChannel socket) {
			try {
				peer = socket.getRemoteAddress();
			}
			catch (IOException ex) {
				// Closed meanwhile: the line is logged without the address
			}
		}
		return new LogFacts(reactor, localAddress(channel), peer, client, null);
	}

	private static @Nullable SocketAddress localAddress(Channel channel) {
		try {
			return (channel instanceof NetworkChannel network) ? network.getLocalAddress() : null;
		}
		catch (IOException ex) {
			// Closed meanwhile: the line is logged without the address
			return null;
		}
	}

	/**
	 * @param local the local address
	 * @return these facts with the local address
	 */
	public LogFacts local(@Nullable SocketAddress local) {
		return new LogFacts(this.reactor, local, this.peer, this.client, this.cause);
	}

	/**
	 * @param peer the peer's address
	 * @return these facts with the peer's address
	 */
	public LogFacts peer(@Nullable SocketAddress peer) {
		return new LogFacts(this.reactor, this.local, peer, this.client, this.cause);
	}

	/**
	 * @param cause why
	 * @return these facts with the cause
	 */
	public LogFacts cause(CountedEvent cause) {
		return new LogFacts(this.reactor, this.local, this.peer, this.client, cause);
	}

	/**
	 * @return the known facts as key-value pairs, in the order of the keys above:
	 * addresses as {@code host:port} ({@code [v6]:port}), the cause as its tag
	 */
	public Map<String, String> fields() {
		Map<String, String> fields = new LinkedHashMap<>();
		if (this.reactor != null) {
			fields.put(REACTOR, this.reactor);
		}
		put(fields, LOCAL, this.local);
		put(fields, PEER, this.peer);
		put(fields, CLIENT, this.client);
		if (this.cause != null) {
			fields.put(CAUSE, this.cause.tag());
		}
		return fields;
	}

	private static void put(Map<String, String> fields, String key, @Nullable SocketAddress address) {
		if (address != null) {
			fields.put(key, format(address));
		}
	}

	/**
	 * @param address an address
	 * @return {@code host:port}, {@code [v6]:port} for IPv6, as a log line shows it
	 */
	public static String format(SocketAddress address) {
		if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
			String host = inet.getAddress().getHostAddress();
			return ((host.indexOf(':') >= 0) ? "[" + host + "]" : host) + ":" + inet.getPort();
		}
		return String.valueOf(address);
	}

}

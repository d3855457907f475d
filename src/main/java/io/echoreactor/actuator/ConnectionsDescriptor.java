package io.echoreactor.actuator;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.echoreactor.reactor.ConnectionsSnapshot;
import io.echoreactor.reactor.counters.ConnectionFigures;
import io.echoreactor.reactor.loop.LogFacts;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The open TCP connections as {@code /actuator/echo/connections} shows them, from one
 * {@link ConnectionsSnapshot}; the connections of the fault ports are not among them.
 * Addresses are {@code host:port} ({@code [::1]:7007} for IPv6), sizes are bytes.
 *
 * @param takenAt when the reactors were asked, ISO-8601
 * @param connections the open TCP connections over all reactors
 * @param reactors each reactor's totals, by index
 * @param busiestByBytes the connections that received and sent the most bytes, most
 * first
 * @param busiestByPending the connections with pending output, the most first
 */
public record ConnectionsDescriptor(String takenAt, int connections, List<ReactorConnections> reactors,
		List<Connection> busiestByBytes, List<Connection> busiestByPending) implements OperationResponseBody {

	static ConnectionsDescriptor of(ConnectionsSnapshot snapshot) {
		List<ReactorConnections> reactors = snapshot.reactors().stream().map((totals) -> {
			Map<String, Integer> stages = new LinkedHashMap<>();
			totals.stages()
				.entrySet()
				.stream()
				.sorted(Map.Entry.comparingByKey())
				.forEach((entry) -> stages.put(entry.getKey().displayName(), entry.getValue()));
			return new ReactorConnections(totals.index(), totals.connections(), totals.bytesReceived(),
					totals.bytesSent(), totals.pendingOutputBytes(), stages);
		}).toList();
		return new ConnectionsDescriptor(snapshot.takenAt().toString(), snapshot.connections(), reactors,
				snapshot.busiestByBytes().stream().map(Connection::of).toList(),
				snapshot.busiestByPending().stream().map(Connection::of).toList());
	}

	/**
	 * One reactor's open TCP connections added up.
	 *
	 * @param index the reactor's index
	 * @param connections its open TCP connections
	 * @param bytesReceived bytes they received since they opened
	 * @param bytesSent bytes they sent since they opened
	 * @param pendingOutputBytes bytes of output they have pending
	 * @param stages how many are in each stage ({@code opening}, {@code proxy-header},
	 * {@code tls-handshake}, {@code echo}, {@code closing}); a stage with none is left out
	 */
	public record ReactorConnections(int index, int connections, long bytesReceived, long bytesSent,
			long pendingOutputBytes, Map<String, Integer> stages) {

	}

	/**
	 * One open TCP connection.
	 *
	 * @param reactor the index of the reactor that owns it
	 * @param local the server's address and port of it
	 * @param peer the peer's address and port: the load balancer's behind a PROXY header
	 * @param source the client's address and port the PROXY header named, {@code null}
	 * without one
	 * @param tls the TLS protocol once its handshake is done, {@code null} otherwise
	 * @param stage {@code opening}, {@code proxy-header}, {@code tls-handshake},
	 * {@code echo} or {@code closing}
	 * @param bytesReceived bytes read from the socket since it opened, TLS records and
	 * PROXY header included
	 * @param bytesSent bytes written to the socket since it opened
	 * @param pendingOutputBytes bytes waiting for the socket to take them
	 * @param ageMillis milliseconds since it opened
	 */
	public record Connection(int reactor, @Nullable String local, @Nullable String peer, @Nullable String source,
			@Nullable String tls, String stage, long bytesReceived, long bytesSent, long pendingOutputBytes,
			long ageMillis) {

		static Connection of(ConnectionFigures connection) {
			return new Connection(connection.reactor(), describe(connection.local()), describe(connection.peer()),
					describe(connection.source()), connection.tlsProtocol(), connection.stage().displayName(),
					connection.bytesReceived(), connection.bytesSent(), connection.pendingOutputBytes(),
					connection.age().toMillis());
		}

		private static @Nullable String describe(@Nullable InetSocketAddress address) {
			return (address != null) ? LogFacts.format(address) : null;
		}

	}

}

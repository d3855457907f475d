package io.echoreactor.reactor.accept;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectionLimit}, alone and end to end: {@code max-connections-per-address}
 * turns away one client address's extra connections at once while other addresses are
 * served, and an address's count disappears with its last connection.
 */
@Timeout(60)
class ConnectionLimitTests {

	private static final InetAddress FIRST = address(1);

	private static final InetAddress SECOND = address(2);

	private final List<EchoClient> clients = new ArrayList<>();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void anAddressIsCountedOnlyWhileItHasConnections() {
		ConnectionLimit limit = new ConnectionLimit(100, 2);
		assertThat(limit.tryAcquire(FIRST)).isTrue();
		assertThat(limit.tryAcquire(FIRST)).isTrue();
		assertThat(limit.tryAcquire(FIRST)).as("third from one address").isFalse();
		assertThat(limit.tryAcquire(SECOND)).isTrue();
		assertThat(limit.addresses()).isEqualTo(2);
		limit.release(FIRST);
		assertThat(limit.addresses()).isEqualTo(2);
		assertThat(limit.tryAcquire(FIRST)).as("after one closed").isTrue();
		limit.release(FIRST);
		limit.release(FIRST);
		assertThat(limit.addresses()).isOne();
		limit.release(SECOND);
		assertThat(limit.addresses()).isZero();
	}

	@Test
	void releasingAnAddressThatIsNotCountedChangesNothing() {
		ConnectionLimit limit = new ConnectionLimit(100, 2);
		limit.release(FIRST);
		assertThat(limit.addresses()).isZero();
		// No negative count that would let a third connection in.
		assertThat(limit.tryAcquire(FIRST)).isTrue();
		assertThat(limit.tryAcquire(FIRST)).isTrue();
		assertThat(limit.tryAcquire(FIRST)).isFalse();
	}

	@Test
	void theTotalIsBoundedByMaxConnections() {
		ConnectionLimit limit = new ConnectionLimit(2, 0);
		assertThat(limit.limitsAddresses()).isFalse();
		assertThat(limit.tryAcquire()).isTrue();
		assertThat(limit.tryAcquire()).isTrue();
		assertThat(limit.tryAcquire()).isFalse();
		assertThat(limit.open()).isEqualTo(2);
		limit.release();
		assertThat(limit.tryAcquire()).isTrue();
		assertThat(limit.open()).isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(AcceptStrategy.class)
	void aThirdConnectionFromOneAddressIsClosedAtOnceWhileOtherAddressesAreServed(AcceptStrategy strategy)
			throws IOException {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(FIRST)
			.port(0)
			.reactors(2)
			.acceptStrategy(strategy)
			.maxConnectionsPerAddress(2)
			.build());
		this.server.start();
		EchoClient first = connectFrom(FIRST);
		EchoClient second = connectFrom(FIRST);
		first.echo(16);
		second.echo(16);
		assertClosedByServer(connectFrom(FIRST));
		await().untilAsserted(() -> assertThat(acceptSide(strategy, RejectCause.ADDRESS_LIMIT))
			.isOne());
		// Every 127.0.0.x is the loopback interface: another client address on this host.
		for (int i = 0; i < 2; i++) {
			connectFrom(SECOND).echo(16);
		}
		assertClosedByServer(connectFrom(SECOND));
		await().untilAsserted(() -> assertThat(acceptSide(strategy, RejectCause.ADDRESS_LIMIT))
			.isEqualTo(2));
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(4);
		assertThat(this.server.view().activeConnections()).isEqualTo(4);
		first.close();
		await().untilAsserted(() -> assertThat(this.server.view().activeConnections()).isEqualTo(3));
		connectFrom(FIRST).echo(16);
		second.echo(16);
		assertThat(sum(Counter.CONNECTIONS_ACCEPTED)).isEqualTo(5);
		assertThat(acceptSide(strategy, RejectCause.ADDRESS_LIMIT)).isEqualTo(2);
		assertThat(acceptSide(strategy, RejectCause.LIMIT)).isZero();
		assertThat(sum((statistics) -> statistics.closed(CloseCause.EOF))).as("rejections are not counted as closed")
			.isOne();
	}

	private EchoClient connectFrom(InetAddress local) throws IOException {
		EchoClient client = EchoClient.connect(new InetSocketAddress(FIRST, this.server.port()),
				(socket) -> socket.bind(new InetSocketAddress(local, 0)));
		this.clients.add(client);
		return client;
	}

	private static void assertClosedByServer(EchoClient client) throws IOException {
		try {
			client.assertEndOfStream();
		}
		catch (SocketException ex) {
			// A reset says the same: the server closed the connection
			assertThat(ex).hasMessageContaining("reset");
		}
	}

	private long acceptSide(AcceptStrategy strategy, RejectCause cause) {
		return (strategy == AcceptStrategy.ACCEPTOR) ? this.server.view().acceptorStatistics().rejected(cause)
				: sum((statistics) -> statistics.rejected(cause));
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private static InetAddress address(int last) {
		try {
			return InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) last });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private long sum(ToLongFunction<ReactorStatistics> count) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> count.applyAsLong(reactor.statistics())).sum();
	}

}

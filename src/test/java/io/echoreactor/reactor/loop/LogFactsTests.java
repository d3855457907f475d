package io.echoreactor.reactor.loop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import io.echoreactor.reactor.counters.ProxyHeaderResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link LogFacts}.
 */
class LogFactsTests {

	@Test
	void aConnectionsFactsAreItsReactorAddressesClientAndCauseInThatOrder() throws Exception {
		InetAddress loopback = InetAddress.getLoopbackAddress();
		try (ServerSocketChannel listener = ServerSocketChannel.open()) {
			listener.bind(new InetSocketAddress(loopback, 0));
			int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
			try (SocketChannel client = SocketChannel.open(new InetSocketAddress(loopback, port));
					SocketChannel accepted = listener.accept()) {
				int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
				InetSocketAddress proxied = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 50000);
				LogFacts facts = LogFacts.connection("echo-reactor-1", accepted, proxied)
					.cause(ProxyHeaderResult.MALFORMED);
				assertThat(facts.fields()).containsExactly(entry(LogFacts.REACTOR, "echo-reactor-1"),
						entry(LogFacts.LOCAL, "127.0.0.1:" + port), entry(LogFacts.PEER, "127.0.0.1:" + clientPort),
						entry(LogFacts.CLIENT, "192.0.2.1:50000"), entry(LogFacts.CAUSE, "malformed"));
			}
		}
	}

	@Test
	void whatIsNotKnownIsLeftOut() throws Exception {
		SocketChannel closed = SocketChannel.open();
		closed.close();
		assertThat(LogFacts.connection("echo-reactor-0", closed, null).fields())
			.containsExactly(entry(LogFacts.REACTOR, "echo-reactor-0"));
		assertThat(LogFacts.none().fields()).isEmpty();
	}

	@Test
	void ipv6AddressesAreBracketedBeforeThePort() throws Exception {
		assertThat(LogFacts.format(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 7007)))
			.isEqualTo("[2001:db8:0:0:0:0:0:7]:7007");
		assertThat(LogFacts.format(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 7007)))
			.isEqualTo("192.0.2.7:7007");
	}

}

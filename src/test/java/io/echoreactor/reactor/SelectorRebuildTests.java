package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.loop.LoopSelector;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.tcp.TcpConnection;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A reactor whose selector spins or fails rebuilds it under its live connections: every
 * key moves with its interest set and attachment, so a connection paused by backpressure
 * stays paused, its pending output is still flushed, and everything keeps echoing.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@Timeout(60)
class SelectorRebuildTests {

	private static final int KIB = 1024;

	private static final int MIB = 1024 * KIB;

	private static final String REACTOR = EchoReactor.THREAD_NAME_PREFIX + "0";

	@Parameter
	AcceptStrategy strategy;

	private final ExecutorService executor = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "test-client");
		thread.setDaemon(true);
		return thread;
	});

	private final List<EchoClient> clients = new ArrayList<>();

	private final FaultySelect select = new FaultySelect();

	private EchoServer server;

	@AfterEach
	void stop() throws IOException {
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		this.executor.shutdownNow();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(RebuildCause.class)
	void connectionsKeepTheirInterestSetsAndKeepEchoingAfterTheSelectorIsRebuilt(RebuildCause cause)
			throws Exception {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.acceptStrategy(this.strategy)
			// Long, so that returning at once can only be spurious, and recovery cannot wait for it.
			.selectTimeout(Duration.ofSeconds(5))
			.stallTimeout(Duration.ofSeconds(10))
			.socket(new SocketSettings(true, false, null, null, null, 8 * KIB, 8 * KIB))
			// The keys this test accounts for are TCP's.
			.udp(DefaultSettings.udpDisabled())
			.build(), this.select);
		this.server.start();
		EchoReactor reactor = this.server.view().reactors().get(0);
		ReactorStatistics statistics = reactor.statistics();
		EchoClient echoing = connect((socket) -> {
		});
		echoing.echo(KIB);
		EchoClient paused = connect((socket) -> {
			socket.setReceiveBufferSize(8 * KIB);
			socket.setSendBufferSize(8 * KIB);
		});
		CompletableFuture<Void> writing = paused.writeAsync(MIB, this.executor);
		await().untilAsserted(() -> assertThat(statistics.get(Gauge.CONNECTIONS_PAUSED)).isOne());
		Map<String, Integer> expected = new TreeMap<>(Map.of(name(echoing), SelectionKey.OP_READ, name(paused),
				SelectionKey.OP_WRITE));
		if (this.strategy == AcceptStrategy.REUSEPORT) {
			expected.put("listener", SelectionKey.OP_ACCEPT);
		}
		List<Registration> before = registrations(reactor);
		assertThat(interestOps(before)).isEqualTo(expected);
		long spuriousBefore = statistics.wakeups(WakeupCause.SPURIOUS);

		this.select.inject(cause);
		// Out of its long select(), into the faulty one.
		reactor.execute(() -> {
		});
		await().untilAsserted(() -> assertThat(statistics.rebuilds(cause)).isOne());

		assertThat(statistics.rebuilds((cause == RebuildCause.SPIN) ? RebuildCause.FAILURE : RebuildCause.SPIN))
			.isZero();
		if (cause == RebuildCause.SPIN) {
			assertThat(statistics.wakeups(WakeupCause.SPURIOUS) - spuriousBefore)
				.isEqualTo(LoopSelector.SPIN_THRESHOLD);
		}
		List<Registration> after = registrations(reactor);
		assertThat(interestOps(after)).as("interest sets on the rebuilt selector").isEqualTo(expected);
		assertThat(selectors(after)).doesNotContainAnyElementsOf(selectors(before));
		assertThat(statistics.get(Gauge.CONNECTIONS_PAUSED)).isOne();
		echoing.echo(KIB);
		connect((socket) -> {
		}).echo(KIB);
		// The pending output is flushed as the client reads, and reading resumes.
		paused.readAndVerify(MIB);
		writing.get(10, TimeUnit.SECONDS);
		assertThat(statistics.get(Gauge.CONNECTIONS_PAUSED)).isZero();
		assertThat(statistics.get(Counter.LOOP_FAILURES)).isZero();
		assertThat(statistics.get(Gauge.CONNECTIONS_ACTIVE)).isEqualTo(3);
	}

	private EchoClient connect(EchoClient.SocketOptions options) throws IOException {
		EchoClient client = EchoClient
			.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()), options);
		this.clients.add(client);
		return client;
	}

	private static String name(EchoClient client) {
		return "connection from port " + client.socket().getLocalPort();
	}

	private static List<Registration> registrations(EchoReactor reactor) throws Exception {
		CompletableFuture<List<Registration>> registrations = new CompletableFuture<>();
		reactor.execute(() -> {
			List<Registration> all = new ArrayList<>();
			for (SelectionKey key : reactor.loop().selector().keys()) {
				if (key.isValid()) {
					all.add(new Registration(describe(key.attachment()), key.interestOps(), key.selector()));
				}
			}
			registrations.complete(all);
		});
		return registrations.get(10, TimeUnit.SECONDS);
	}

	private static String describe(Object attachment) {
		if (attachment instanceof TcpConnection connection) {
			try {
				InetSocketAddress client = (InetSocketAddress) connection.channel().getRemoteAddress();
				return "connection from port " + client.getPort();
			}
			catch (IOException ex) {
				return "connection (closed)";
			}
		}
		return (attachment instanceof Listener) ? "listener" : String.valueOf(attachment);
	}

	private static Map<String, Integer> interestOps(List<Registration> registrations) {
		return new TreeMap<>(
				registrations.stream().collect(Collectors.toMap(Registration::name, Registration::interestOps)));
	}

	private static Set<Selector> selectors(List<Registration> registrations) {
		return registrations.stream().map(Registration::selector).collect(Collectors.toSet());
	}

	private record Registration(String name, int interestOps, Selector selector) {
	}

	/**
	 * The select() of {@code echo-reactor-0}, made to fail once, or to return at once for
	 * nothing until the reactor replaces its selector (a spinning epoll descriptor).
	 */
	private static final class FaultySelect implements SelectOperation {

		private volatile RebuildCause fault;

		// Reactor-thread state.

		private Selector spinning;

		private int spins;

		void inject(RebuildCause fault) {
			this.fault = fault;
		}

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			RebuildCause fault = this.fault;
			if (fault != null && Thread.currentThread().getName().equals(REACTOR)) {
				if (fault == RebuildCause.FAILURE) {
					this.fault = null;
					throw new IOException("Simulated failure of epoll_wait");
				}
				if (this.spinning == null) {
					this.spinning = selector;
				}
				// Capped, so that a reactor that never rebuilds fails the test rather than spin on.
				if (selector == this.spinning && this.spins++ < 4 * LoopSelector.SPIN_THRESHOLD) {
					return 0;
				}
				this.fault = null;
			}
			return selector.select(action, timeoutMillis);
		}

	}

}

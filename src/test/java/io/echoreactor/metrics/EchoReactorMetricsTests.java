package io.echoreactor.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.support.DefaultSettings;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoReactorMetrics}.
 */
@Timeout(30)
class EchoReactorMetricsTests {

	/** The Prometheus names that dashboards and alerts rely on. */
	static final Set<String> CONTRACT = Set.of("echo_connections_active", "echo_connections_accepted_total",
			"echo_connections_rejected_total", "echo_connections_closed_total", "echo_connections_max",
			"echo_connections_paused", "echo_received_bytes_total", "echo_sent_bytes_total", "echo_pending_bytes",
			"echo_pending_limit_bytes",
			"echo_selector_wakeups_total", "echo_selector_wakeup_calls_total", "echo_selector_ready_keys",
			"echo_selector_ready_keys_max", "echo_reads_total", "echo_reads_empty_total", "echo_writes_total",
			"echo_writes_incomplete_total", "echo_op_write_registrations_total", "echo_backpressure_pauses_total",
			"echo_accepts_total", "echo_accepts_empty_total", "echo_accept_errors_total",
			"echo_reactor_busy_seconds_total", "echo_reactor_busy_ratio", "echo_reactor_tasks_pending",
			"echo_reactor_alive", "echo_selector_rebuilds_total", "echo_ready", "echo_connections_resets_total",
			"echo_connections_awaiting_memory", "echo_memory_waits_total", "echo_pending_allocated_bytes",
			"echo_reactor_select_age_seconds", "echo_udp_datagrams_received_total", "echo_udp_received_bytes_total",
			"echo_udp_datagrams_sent_total", "echo_udp_sent_bytes_total", "echo_udp_receives_empty_total",
			"echo_udp_sends_empty_total", "echo_udp_dropped_total", "echo_udp_rate_limit_buckets",
			"echo_udp_rate_limit_buckets_active", "echo_udp_rate_limit_shared_total", "echo_tls_handshakes_total",
			"echo_tls_handshake_seconds", "echo_tls_handshake_seconds_max", "echo_tls_task_seconds_total",
			"echo_tls_violations_total", "echo_tls_bundle_reloads_total", "echo_proxy_headers_total",
			"echo_reactor_allocated_bytes_total", "echo_session_memory_bytes", "echo_session_memory_limit_bytes",
			"echo_connections_awaiting_session_memory", "echo_session_memory_waits_total");

	/** The contracted names of the kernel's view, present where /proc has them. */
	static final Set<String> KERNEL = Set.of("echo_kernel_listen_overflows_total", "echo_kernel_listen_drops_total",
			"echo_listen_queue_depth", "echo_listen_queue_max", "echo_kernel_tcp_memory_bytes",
			"echo_kernel_tcp_sockets", "echo_kernel_udp_errors_total");

	/** Meters beyond the contract. */
	static final Set<String> EXTRA = Set.of("echo_reactor_tasks_total", "echo_reactor_loop_failures_total");

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AtomicBoolean ready = new AtomicBoolean();

	private EchoServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void everySeriesExistsWithValueZeroBeforeTheServerStarts() {
		bind(server(2, AcceptStrategy.ACCEPTOR));
		for (String reactor : List.of("0", "1")) {
			for (String counter : List.of("echo.connections.accepted", "echo.received", "echo.sent",
					"echo.selector.wakeup.calls", "echo.reads", "echo.reads.empty", "echo.writes",
					"echo.op.write.registrations", "echo.backpressure.pauses", "echo.reactor.busy",
					"echo.reactor.tasks", "echo.reactor.loop.failures", "echo.connections.resets",
					"echo.memory.waits")) {
				assertThat(counter(counter, "reactor", reactor)).as(counter).isZero();
			}
			for (CloseCause cause : CloseCause.values()) {
				assertThat(counter("echo.connections.closed", "reactor", reactor, "cause", cause.tag())).isZero();
			}
			for (WakeupCause cause : WakeupCause.values()) {
				assertThat(counter("echo.selector.wakeups", "reactor", reactor, "cause", cause.tag())).isZero();
			}
			for (String result : List.of("partial", "empty")) {
				assertThat(counter("echo.writes.incomplete", "reactor", reactor, "result", result)).isZero();
			}
			for (String gauge : List.of("echo.connections.active", "echo.connections.paused", "echo.pending",
					"echo.reactor.tasks.pending", "echo.reactor.busy.ratio")) {
				assertThat(gauge(gauge, "reactor", reactor)).as(gauge).isZero();
			}
			assertThat(gauge("echo.reactor.alive", "reactor", reactor)).isOne();
			assertThat(this.registry.get("echo.selector.ready.keys").tag("reactor", reactor).summary().count())
				.isZero();
		}
		assertThat(counter("echo.accepts", "reactor", "acceptor")).isZero();
		assertThat(counter("echo.accepts.empty", "reactor", "acceptor")).isZero();
		assertThat(counter("echo.connections.rejected", "reactor", "acceptor", "cause", "limit")).isZero();
		assertThat(counter("echo.accept.errors", "reactor", "acceptor", "cause", "too-many-open-files")).isZero();
		assertThat(counter("echo.accept.errors", "reactor", "acceptor", "cause", "other")).isZero();
		assertThat(gauge("echo.reactor.alive", "reactor", "acceptor")).isOne();
		assertThat(counter("echo.reactor.loop.failures", "reactor", "acceptor")).isZero();
		assertThat(gauge("echo.connections.max")).isEqualTo(100);
		assertThat(gauge("echo.ready")).isZero();
	}

	@Test
	void inAcceptorModeTheAcceptSideMetersBelongToTheAcceptorThread() {
		bind(server(2, AcceptStrategy.ACCEPTOR));
		assertThat(tagValues("echo.accepts")).containsExactly("acceptor");
		// With the PROXY protocol on, a refusal for the client's address happens on the
		// reactor, once the header has named the client.
		assertThat(tagValues("echo.connections.rejected")).containsExactly("0", "1", "acceptor");
		assertThat(tagValues("echo.accept.errors")).containsExactly("acceptor");
		assertThat(tagValues("echo.connections.accepted")).containsExactly("0", "1");
		assertThat(tagValues("echo.reactor.alive")).containsExactly("0", "1", "acceptor");
	}

	@Test
	void inReuseportModeEachReactorAccepts() {
		bind(server(2, AcceptStrategy.REUSEPORT));
		assertThat(tagValues("echo.accepts")).containsExactly("0", "1");
		assertThat(tagValues("echo.accepts.empty")).containsExactly("0", "1");
		assertThat(tagValues("echo.connections.rejected")).containsExactly("0", "1");
		assertThat(tagValues("echo.reactor.alive")).containsExactly("0", "1");
	}

	@Test
	void metersRenderAsExactlyTheContractedPrometheusNames() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		new EchoReactorMetrics(server(2, AcceptStrategy.ACCEPTOR), this.ready::get).bindTo(prometheus);
		PrometheusScrape scrape = PrometheusScrape.parse(prometheus.scrape());
		Set<String> expected = new TreeSet<>(CONTRACT);
		expected.addAll(EXTRA);
		assertThat(new TreeSet<>(scrape.families())).isEqualTo(expected);
		assertThat(scrape.type("echo_selector_ready_keys")).isEqualTo("histogram");
		assertThat(scrape.type("echo_received_bytes_total")).isEqualTo("counter");
		assertThat(scrape.type("echo_pending_bytes")).isEqualTo("gauge");
		assertThat(scrape.has("echo_connections_closed_total", "reactor", "1", "cause", "max-age")).isTrue();
		assertThat(scrape.has("echo_connections_closed_total", "reactor", "1", "cause", "write-timeout")).isTrue();
		assertThat(scrape.has("echo_connections_closed_total", "reactor", "1", "cause", "evicted")).isTrue();
		assertThat(scrape.has("echo_connections_rejected_total", "reactor", "acceptor", "cause", "address-limit"))
			.isTrue();
		assertThat(scrape.has("echo_selector_rebuilds_total", "reactor", "0", "cause", "spin")).isTrue();
		assertThat(scrape.has("echo_udp_dropped_total", "reactor", "1", "cause", "low-source-port")).isTrue();
		assertThat(scrape.has("echo_udp_dropped_total", "reactor", "0", "cause", "send-buffer-full")).isTrue();
		assertThat(scrape.has("echo_selector_rebuilds_total", "reactor", "acceptor", "cause", "failure")).isTrue();
		assertThat(scrape.has("echo_accept_errors_total", "reactor", "acceptor", "cause", "too-many-open-files"))
			.isTrue();
		assertThat(scrape.has("echo_writes_incomplete_total", "reactor", "0", "result", "partial")).isTrue();
		assertThat(scrape.has("echo_selector_ready_keys_bucket", "reactor", "0", "le", "1.0")).isTrue();
		assertThat(scrape.has("echo_selector_ready_keys_bucket", "reactor", "0", "le", "+Inf")).isTrue();
		for (String family : scrape.families()) {
			assertThat(scrape.help(family)).as(family).contains("Healthy");
		}
	}

	@Test
	void everyDocumentedMeterIsOneTheBindersRegister() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		EchoServer server = server(1, AcceptStrategy.ACCEPTOR);
		new EchoReactorMetrics(server, this.ready::get).bindTo(prometheus);
		new EchoKernelMetrics(server).bindTo(prometheus);
		Set<String> names = new TreeSet<>();
		prometheus.getMeters().forEach((meter) -> names.add(meter.getId().getName()));
		for (EchoMeter meter : MetricsReferenceTests.meters()) {
			// The kernel's meters exist where /proc has them; connections by TLS protocol and
			// cipher appear with their first handshake; the settings reloads are the live
			// settings' own (LiveSettingsIntegrationTests reads them); the fault meters exist per
			// fault profile (EchoFaultMetricsTests reads them).
			if (!meter.getName().startsWith("echo.kernel") && !meter.getName().startsWith("echo.listen")
					&& meter != EchoReactorMeters.TLS_CONNECTIONS && meter != EchoSettingsMeters.SETTINGS_RELOADS
					&& !(meter instanceof EchoFaultMeters)) {
				assertThat(names).as(meter.toString()).contains(meter.getName());
			}
			Meter.Id id = prometheus.getMeters()
				.stream()
				.map(Meter::getId)
				.filter((candidate) -> candidate.getName().equals(meter.getName()))
				.findFirst()
				.orElse(null);
			if (id != null) {
				assertThat(id.getTags()).extracting(Tag::getKey)
					.as(meter.toString())
					.containsExactlyInAnyOrderElementsOf(meter.tagKeys());
				assertThat(id.getDescription()).isEqualTo(meter.getDescription());
			}
		}
	}

	@Test
	void countersFollowTheReactorsThroughAnEcho() throws IOException {
		EchoServer server = server(2, AcceptStrategy.ACCEPTOR);
		bind(server);
		server.start();
		byte[] message = new byte[1000];
		try (SocketChannel client = SocketChannel.open(new InetSocketAddress(server.view().localAddress().getAddress(),
				server.port()))) {
			client.write(ByteBuffer.wrap(message));
			ByteBuffer echoed = ByteBuffer.allocate(message.length);
			while (echoed.hasRemaining()) {
				assertThat(client.read(echoed)).isNotNegative();
			}
			client.shutdownOutput();
			assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(sum("echo.received")).isEqualTo(1000);
			assertThat(sum("echo.sent")).isEqualTo(1000);
			assertThat(sum("echo.connections.accepted")).isOne();
			assertThat(sumTagged("echo.connections.closed", "cause", "eof")).isOne();
			assertThat(sumGauges("echo.connections.active")).isZero();
			assertThat(counter("echo.accepts", "reactor", "acceptor")).isGreaterThanOrEqualTo(1);
			assertThat(sum("echo.reads")).isGreaterThanOrEqualTo(2);
			assertThat(sum("echo.reads.empty")).isLessThanOrEqualTo(sum("echo.reads"));
			assertThat(sumTagged("echo.selector.wakeups", "cause", "io")).isGreaterThanOrEqualTo(1);
			// One ready-keys sample per select() return, whatever its cause.
			double readyKeysSamples = this.registry.find("echo.selector.ready.keys")
				.summaries()
				.stream()
				.mapToDouble((summary) -> summary.count())
				.sum();
			assertThat(readyKeysSamples).isEqualTo(sum("echo.selector.wakeups"));
		});
	}

	@Test
	void readyFollowsTheReadinessItIsGiven() {
		bind(server(1, AcceptStrategy.ACCEPTOR));
		assertThat(gauge("echo.ready")).isZero();
		this.ready.set(true);
		assertThat(gauge("echo.ready")).isOne();
	}

	@Test
	void aReactorThatDiesWhileTheServerRunsIsNoLongerAlive() {
		EchoServer server = server(2, AcceptStrategy.ACCEPTOR);
		bind(server);
		server.start();
		assertThat(gauge("echo.reactor.alive", "reactor", "1")).isOne();
		kill(server.view().reactors().get(1));
		// The reactor's death is the point: Awaitility must not report it as a failure.
		await().dontCatchUncaughtExceptions()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(gauge("echo.reactor.alive", "reactor", "1")).isZero());
		assertThat(gauge("echo.reactor.alive", "reactor", "0")).isOne();
		assertThat(gauge("echo.reactor.alive", "reactor", "acceptor")).isOne();
	}

	@Test
	void valuesSurviveTheServerStopping() throws IOException {
		EchoServer server = server(1, AcceptStrategy.ACCEPTOR);
		bind(server);
		server.start();
		try (SocketChannel client = SocketChannel.open(new InetSocketAddress(server.view().localAddress().getAddress(),
				server.port()))) {
			await().atMost(Duration.ofSeconds(10)).until(() -> sum("echo.connections.accepted") == 1);
		}
		server.stop();
		assertThat(sum("echo.connections.accepted")).isOne();
		assertThat(gauge("echo.reactor.alive", "reactor", "0")).isOne();
	}

	private EchoServer server(int reactors, AcceptStrategy acceptStrategy) {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(reactors)
			.acceptStrategy(acceptStrategy)
			.maxConnections(100)
			.tls(new TlsSettings(defaultTlsContext(), 0, Duration.ofSeconds(10)))
			.proxyProtocol(new ProxyProtocolSettings(ProxyProtocolSettings.Mode.OPTIONAL,
					DefaultSettings.proxyProtocol().trustedSources(), Duration.ofSeconds(5)))
			.build());
		return this.server;
	}

	// Enough to have the TLS meters bound; no handshake completes with it.
	private static TlsContext defaultTlsContext() {
		try {
			return new TlsContext(SSLContext.getDefault(), null, null, TlsContext.ClientAuth.NONE);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void bind(EchoServer server) {
		new EchoReactorMetrics(server, this.ready::get).bindTo(this.registry);
	}

	private double counter(String name, String... tags) {
		return this.registry.get(name).tags(tags).functionCounter().count();
	}

	private double gauge(String name, String... tags) {
		return this.registry.get(name).tags(tags).gauge().value();
	}

	private double sum(String name) {
		return sumTagged(name);
	}

	private double sumTagged(String name, String... tags) {
		return this.registry.find(name).tags(tags).functionCounters().stream().mapToDouble((c) -> c.count()).sum();
	}

	private double sumGauges(String name) {
		return this.registry.find(name).gauges().stream().mapToDouble((g) -> g.value()).sum();
	}

	private List<String> tagValues(String name) {
		Search search = this.registry.find(name);
		return search.meters().stream().map((meter) -> meter.getId().getTag("reactor")).distinct().sorted().toList();
	}

	// An Error is what the reactor loop does not survive, by design.
	static void kill(EchoReactor reactor) {
		reactor.execute(() -> {
			throw new ReactorKilledError();
		});
	}

	static final class ReactorKilledError extends Error {

		ReactorKilledError() {
			super("Killed by the test", null, false, false);
		}

	}

}

package io.echoreactor.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.RequiredTools;
import io.echoreactor.support.TestCertificates;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile soak: the service as a child process under the chart's memory settings
 * ({@code -Xmx127m -XX:MaxDirectMemorySize=96m -XX:+UseSerialGC
 * -XX:+ExitOnOutOfMemoryError}), with TLS, the PROXY protocol ({@code optional}, trusted
 * from 127.0.0.3 alone) and UDP on, for {@link #SOAK}, serving good clients beside hostile
 * ones on every path. It proves that
 * every good client gets every byte back and is never closed by the server; that every
 * hostile client is closed for what it does (and every hostile datagram dropped for what it
 * is), and that the meters say so, cause by cause;
 * that heap after GC and direct memory stay flat; that no reactor thread dies; and that,
 * once every connection is closed, {@code echo_pending_bytes} is back to 0 and the
 * service has logged no unexpected failure.
 *
 * <p>
 * <strong>Good clients</strong> ({@link GoodClients}, connected for the whole soak): on
 * plain TCP from 127.0.0.2, two ping-pong, two pipelined, two bulk, two half-close (a
 * connection per message) and one that echoes a full gibibyte ({@value #GIBIBYTE} bytes)
 * with every byte checked; it runs beside everything else and the soak waits for it to
 * finish (it took 7 to 31 s on two cores shared with other builds). On the TLS port from
 * 127.0.0.5 ({@link TlsClients}), a pipelined client under TLS 1.3 and a ping-pong one under
 * TLS 1.2 (which must read every echo before its {@code close_notify}, as the server closes
 * at once under TLS 1.2). From the trusted 127.0.0.3 ({@link ProxyClients}), a pipelined
 * client behind a PROXY v1 header and a ping-pong one behind a v2 header: the server echoes
 * what follows the header, exactly. And a UDP client from 127.0.6.1, 20 datagrams a second,
 * well under the {@value #UDP_RATE_LIMIT} a second allowed a source, each answered exactly.
 * Before they start, an echo through each TLS version, tried until it succeeds, warms the
 * server's TLS code up; the soak counts from the meters after it.
 *
 * <p>
 * <strong>Hostile clients</strong> ({@link HostileClients}, {@link TlsClients},
 * {@link ProxyClients}, {@link UdpClients}) come in cycles of three
 * waves, repeated for {@link #SOAK}, so that every quarter of the soak sees the same mix
 * and flatness compares like with like. Each wave waits until the server has answered all
 * its clients, and checks the meters' change over the wave:
 * <ol>
 * <li><em>Memory crowd</em>: {@value #CROWD} clients that never read, with 4 KiB receive
 * buffers, from 127.0.2.x. Each makes the server hold at least the 64 KiB high-water mark
 * of pending output, together more than {@value #MAX_PENDING_OUTPUT}: at least one is
 * {@code evicted}, the rest reach {@code write-timeout}, all are reset. It comes first in
 * each cycle, so the pending-output pool reaches its limit in the first quarter.</li>
 * <li><em>Timeouts, resets, an address flood, and the other protocols</em>, all at once,
 * with memory to spare:
 * {@value #IDLE} connections that send nothing ({@code idle}); a slow reader at 1 KiB/s
 * that keeps sending ({@code write-timeout}); a client that sends and never reads
 * ({@code write-timeout}); {@value #RESETS} clients that echo once and reset
 * ({@code reset}); {@value #ADDRESS_FLOOD} connections from one address (the first
 * {@value #MAX_CONNECTIONS_PER_ADDRESS} served and closed by the client, {@code eof}, the
 * rest {@code rejected{cause="address-limit"}}); and a client process stopped with
 * SIGSTOP mid-transfer for {@link #STOP} and continued with SIGCONT, which must then get
 * every byte back ({@code eof}). On the TLS port (handshake timeout
 * {@link #HANDSHAKE_TIMEOUT}): {@value #HALF_OPEN} connections that send nothing and {@value #STALLED} that send a real
 * ClientHello and stall ({@code tls-handshake}, counted as a handshake {@code timeout}, a
 * FIN); a TLS 1.3 and a TLS 1.2 connection that send the first byte of a record after an
 * echo ({@code idle}, as a reset: the byte is dropped unechoed); and a TLS 1.2 client that
 * renegotiates again and again, which the server must refuse ({@code tls-protocol},
 * {@code echo_tls_violations_total{cause="renegotiation"}}; checked last, so that a server
 * that allows it fails there with everything else checked: a client it let renegotiate
 * ends the connection itself, with a reset, counted as {@code reset}). From the trusted
 * address, PROXY v1 and v2 headers that never finish ({@code proxy-header}, a header {@code timeout} after
 * {@link #HEADER_TIMEOUT}, as a reset); from the untrusted 127.0.0.4, whole v1 headers,
 * which are no headers from there and must come back as data, exactly ({@code eof}). And
 * UDP ({@link UdpClients}, paced so that no receive queue overflows and every datagram
 * counts): {@value #SPOOFERS} sources on 127.0.7.x sending from the service's own UDP port
 * ({@code own-port}), {@value #SPOOFERS} on 127.0.8.x from ports below 1024
 * ({@code low-source-port}), {@value #PER_SPOOFER} datagrams each, none answered; and
 * {@value #RATE_FLOOD} datagrams from one source as fast as the server takes them, of which
 * it answers about a second's worth and the rate's refill, exactly, and drops the rest
 * ({@code rate-limit}).</li>
 * <li><em>Connection flood</em>: connections from 127.0.(10+cycle).x, at most 15 per
 * address, 30 past {@value #MAX_CONNECTIONS} ({@code rejected{cause="limit"}}; those
 * served echo a byte and close, {@code eof}). The good clients do not connect while it
 * runs, so no good connection can be refused at the limit.</li>
 * </ol>
 *
 * <p>
 * <strong>Timeouts.</strong> The handshake and header timeouts are shorter than the idle
 * timeout, so that wave 2 lasts no longer for them; they are not much shorter, since the
 * handshakes of clients that mean to finish share two busy cores (and the key exchange
 * runs on the reactor thread): with 2 s, the soak once saw one of them time out.
 * {@code write-timeout} ({@link #WRITE_TIMEOUT}) is shorter than {@code idle-timeout}
 * ({@link #IDLE_TIMEOUT}): a client that stops reading stops all traffic once the server
 * pauses reading it, so with the idle timeout shorter it would be closed as idle before
 * its write timeout could fire. The stop
 * ({@link #STOP}) is shorter than both, so a stopped client that is continued must be
 * served to the end, exactly; a stop longer than the write timeout would end in a reset
 * only if pending output happened to build up at the server (the client's kernel buffers
 * absorb some), and as idle otherwise, which is not a deterministic outcome.
 *
 * <p>
 * <strong>Flatness.</strong> Every {@link #SAMPLE_INTERVAL} the sampler runs
 * {@code jcmd <pid> GC.run} (a full GC, which {@code -XX:+DisableExplicitGC} does not
 * stop) and reads {@code jvm_gc_live_data_size_bytes} (the heap after that GC, as the
 * JVM measured it) and {@code jvm_buffer_memory_used_bytes{id="direct"}}. The medians of
 * the second and the last quarter of the soak must be within 10% of each other. The
 * service runs with {@code -XX:SoftRefLRUPolicyMSPerMB=0}, so every GC clears softly
 * reachable objects and the samples measure what is strongly reachable: by default the
 * JVM keeps a soft reference for about a second per free MiB of heap after its last use,
 * so the caches Spring fills at start-up (its reflection and annotation caches are soft)
 * would expire some 80 s in and drop the heap by about 2 MiB (12%) in the middle of the
 * soak, which is no leak but would hide one of the same size.
 *
 * <p>
 * Run with {@code ./mvnw -Psoak verify}; {@code target/soak} keeps the service's log, the
 * stopped client's output and {@code report.txt} (counts, timings, samples).
 */
@Tag("soak")
class HostileSoakTests {

	static final Duration SOAK = Duration.ofSeconds(100);

	static final Duration CYCLE_ESTIMATE = Duration.ofSeconds(20);

	static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(2);

	static final Duration IDLE_TIMEOUT = Duration.ofSeconds(7);

	static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);

	static final Duration STOP = Duration.ofSeconds(2);

	// The server's clock is its loop's time at the start of a turn, so a deadline set in a
	// long turn (handshakes run on the reactor thread) starts up to that turn early.
	static final Duration LOOP_TURN = Duration.ofMillis(250);

	static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(4);

	static final Duration HEADER_TIMEOUT = Duration.ofSeconds(4);

	static final int MAX_CONNECTIONS = 200;

	static final int MAX_CONNECTIONS_PER_ADDRESS = 16;

	static final String MAX_PENDING_OUTPUT = "4MB";

	static final long GIBIBYTE = 1L << 30;

	static final int CROWD = 80;

	static final int IDLE = 10;

	static final int RESETS = 10;

	static final int ADDRESS_FLOOD = 40;

	static final int HALF_OPEN = 3;

	static final int STALLED = 3;

	static final List<String> ONE_BYTE = List.of("TLSv1.3", "TLSv1.2");

	static final int RENEGOTIATIONS = 20;

	static final List<Integer> HEADERS_NEVER_ENDING = List.of(1, 2, 1, 2);

	static final int UNTRUSTED_HEADERS = 2;

	static final int UDP_RATE_LIMIT = 50;

	static final int SPOOFERS = 16;

	static final int PER_SPOOFER = 10;

	static final int RATE_FLOOD = 400;

	// Ports below 1024 of services that answer datagrams (echo, daytime, chargen, DNS, NTP and others).
	private static final List<Integer> LOW_PORTS = List.of(7, 13, 17, 19, 37, 53, 69, 111, 123, 137, 161, 389, 500,
			520, 1023, 1);

	private static final InetAddress GOOD = address("127.0.0.2");

	private static final InetAddress IDLE_SOURCE = address("127.0.0.10");

	private static final InetAddress SLOW_SOURCE = address("127.0.0.11");

	private static final InetAddress NEVER_SOURCE = address("127.0.0.12");

	private static final InetAddress RESET_SOURCE = address("127.0.0.13");

	private static final InetAddress STOPPED_SOURCE = address("127.0.0.30");

	// The one trusted source of PROXY headers: a load balancer.
	private static final InetAddress PROXY = address("127.0.0.3");

	private static final InetAddress UNTRUSTED = address("127.0.0.4");

	private static final InetAddress TLS_GOOD = address("127.0.0.5");

	private static final InetAddress TLS_WARM_UP = address("127.0.0.6");

	private static final InetAddress TLS_HALF_OPEN = address("127.0.5.1");

	private static final InetAddress TLS_STALLED = address("127.0.5.2");

	private static final InetAddress TLS_ONE_BYTE = address("127.0.5.3");

	private static final InetAddress TLS_RENEGOTIATING = address("127.0.5.4");

	private static final InetAddress UDP_GOOD = address("127.0.6.1");

	private static final InetAddress UDP_FLOODER = address("127.0.6.2");

	private static final Pattern ECHOED = Pattern
		.compile("echoed (\\d+) bytes exact; longest wait for an echo (\\d+) ms");

	private static final List<String> CAUSES = List.of("eof", "reset", "idle", "max-age", "shutdown", "error",
			"write-timeout", "evicted", "tls-handshake", "tls-protocol", "proxy-header");


	private final Path directory = Path.of("target", "soak");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	private final ExecutorService threads = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "soak-client");
		thread.setDaemon(true);
		return thread;
	});

	private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "soak-sampler");
		thread.setDaemon(true);
		return thread;
	});

	private final ReentrantReadWriteLock connectGate = new ReentrantReadWriteLock();

	private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());

	private final AtomicReference<Throwable> samplerFailure = new AtomicReference<>();

	private final AtomicInteger gcRuns = new AtomicInteger();

	private final List<Process> children = Collections.synchronizedList(new ArrayList<>());

	private final Object report = new Object();

	private final List<TlsClients.Renegotiation> renegotiations = Collections.synchronizedList(new ArrayList<>());

	private ApplicationProcess application;

	private Path kill;

	private long soakStart;

	@AfterEach
	void stop() throws Exception {
		this.sampler.shutdownNow();
		if (this.application != null && this.application.process().isAlive()) {
			// What the server counted up to here: after a failure, what it saw of it.
			try {
				PrometheusScrape last = scrape();
				line("at the end: closed %s; rejected %s; resets sent %.0f; tls handshakes %s; proxy headers %s; "
						+ "udp dropped %s", results(last, "echo_connections_closed_total", "cause"),
						results(last, "echo_connections_rejected_total", "cause"),
						last.sum("echo_connections_resets_total"), results(last, "echo_tls_handshakes_total", "result"),
						results(last, "echo_proxy_headers_total", "result"),
						results(last, "echo_udp_dropped_total", "cause"));
			}
			catch (IOException | RuntimeException ex) {
				line("at the end: no scrape (%s)", ex);
			}
		}
		for (Process child : this.children) {
			child.destroyForcibly();
		}
		this.threads.shutdownNow();
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	@Timeout(value = 6, unit = TimeUnit.MINUTES)
	void goodClientsGetEveryByteBackWhileHostileClientsAreClosedForWhatTheyDoAndMemoryStaysFlat() throws Exception {
		this.kill = RequiredTools.require("kill");
		FileSystemUtils.deleteRecursively(this.directory);
		Files.createDirectories(this.directory);
		long started = System.nanoTime();
		TestCertificates.Authority authority = TestCertificates.authority("echo-soak-ca");
		Path certificate = this.directory.resolve("server.crt");
		Path key = this.directory.resolve("server.key");
		authority.server("localhost").writePem(certificate, key);
		// The chart's memory settings (jvm.maxRamPercentage of its 384Mi limit, jvm.maxDirectMemorySize,
		// jvm.options), and what makes flatness measurable.
		this.application = ApplicationProcess.start(this.directory,
				List.of("-Xmx127m", "-XX:MaxDirectMemorySize=96m", "-XX:+UseSerialGC", "-XX:AutoBoxCacheMax=65536",
						"-XX:+ExitOnOutOfMemoryError", "-XX:+DisableExplicitGC", "-XX:SoftRefLRUPolicyMSPerMB=0"),
				Map.of(),
				"--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1", "--echo.server.reactors=2",
				"--echo.server.idle-timeout=" + IDLE_TIMEOUT.toSeconds() + "s",
				"--echo.server.write-timeout=" + WRITE_TIMEOUT.toSeconds() + "s",
				"--echo.server.max-connections=" + MAX_CONNECTIONS,
				"--echo.server.max-connections-per-address=" + MAX_CONNECTIONS_PER_ADDRESS,
				"--echo.server.max-pending-output=" + MAX_PENDING_OUTPUT,
				"--spring.ssl.bundle.pem.soak.keystore.certificate=file:" + certificate.toAbsolutePath(),
				"--spring.ssl.bundle.pem.soak.keystore.private-key=file:" + key.toAbsolutePath(),
				"--echo.server.ssl.bundle=soak", "--echo.server.ssl.port=0",
				"--echo.server.ssl.handshake-timeout=" + HANDSHAKE_TIMEOUT.toSeconds() + "s",
				"--echo.server.proxy-protocol.mode=optional",
				"--echo.server.proxy-protocol.trusted-sources=" + PROXY.getHostAddress() + "/32",
				"--echo.server.proxy-protocol.header-timeout=" + HEADER_TIMEOUT.toSeconds() + "s",
				"--echo.server.udp.enabled=true", "--echo.server.udp.port=0",
				"--echo.server.udp.rate-limit-per-source=" + UDP_RATE_LIMIT);
		InetSocketAddress server = new InetSocketAddress(address("127.0.0.1"), this.application.echoPort());
		InetSocketAddress tlsServer = new InetSocketAddress(address("127.0.0.1"), this.application.tlsPort());
		InetSocketAddress udpServer = new InetSocketAddress(address("127.0.0.1"), this.application.udpPort());
		line("service started in %d s: pid %d, echo port %d, TLS port %d, UDP port %d, http port %d",
				TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), this.application.process().pid(),
				server.getPort(), tlsServer.getPort(), udpServer.getPort(), this.application.httpPort());

		TlsClients tls = new TlsClients(tlsServer, TestCertificates.sslContext(null, authority.certificate()),
				Duration.ofSeconds(30));
		PrometheusScrape baseline = warmUpTls(tls);
		Expected expected = new Expected();
		expected.eof = (int) closed(baseline, "eof");
		expected.reset = (int) closed(baseline, "reset");
		expected.tlsHandshake = (int) closed(baseline, "tls-handshake");
		expected.tlsHandshakeTimeouts = (int) baseline.sum("echo_tls_handshakes_total", "result", "timeout");

		this.soakStart = System.nanoTime();
		this.sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
		GoodClients good = new GoodClients(GOOD, server, this.connectGate.readLock(), this.threads);
		good.pingPong("ping-pong-1");
		good.pingPong("ping-pong-2");
		good.pipelined("pipelined-1");
		good.pipelined("pipelined-2");
		good.bulk("bulk-1");
		good.bulk("bulk-2");
		good.halfClose("half-close-1");
		good.halfClose("half-close-2");
		good.stream("gibibyte", GIBIBYTE);
		ProxyClients proxy = new ProxyClients(server, Duration.ofSeconds(30));
		good.pipelined("tls-1.3", tls.good(TLS_GOOD, "TLSv1.3"));
		good.pingPong("tls-1.2", tls.good(TLS_GOOD, "TLSv1.2"));
		good.pipelined("proxy-v1", proxy.good(PROXY, 1));
		good.pingPong("proxy-v2", proxy.good(PROXY, 2));
		good.datagrams("udp", udpServer, UDP_GOOD);

		Hostile hostile = new Hostile(new HostileClients(server, this.threads, Duration.ofSeconds(30)), tls, proxy,
				new UdpClients(udpServer, Duration.ofSeconds(30)), udpServer);
		int cycles = 0;
		while (elapsed().plus(CYCLE_ESTIMATE).compareTo(SOAK) < 0) {
			assertHealthy(good);
			runCycle(cycles++, hostile, server, expected);
		}
		await("the end of the soak").atMost(SOAK.plus(Duration.ofMinutes(1)))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> elapsed().compareTo(SOAK) >= 0 || good.failure() != null);
		assertHealthy(good);
		Duration soak = elapsed();
		this.sampler.shutdown();
		assertThat(this.sampler.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

		List<GoodClients.Report> reports = good.stop(Duration.ofMinutes(2));
		for (GoodClients.Report report : reports) {
			line("good %-13s %5d %-11s %,15d bytes echoed exact in %5.1f s (%.1f MiB/s)", report.name(),
					report.connections(), report.name().equals("udp") ? "datagrams" : "connections", report.bytes(),
					seconds(report.duration()), report.bytes() / seconds(report.duration()) / (1 << 20));
		}
		assertThat(reports).filteredOn((report) -> report.name().equals("gibibyte"))
			.singleElement()
			.extracting(GoodClients.Report::bytes)
			.isEqualTo(GIBIBYTE);
		expected.eof += good.connections();

		await("every connection closed").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> scrape().sum("echo_connections_active") == 0);
		PrometheusScrape end = scrape();
		line("after %d cycles in %.0f s (whole test %.0f s):", cycles, seconds(soak),
				seconds(Duration.ofNanos(System.nanoTime() - started)));
		for (String cause : CAUSES) {
			line("  closed{cause=%s} %.0f", cause, closed(end, cause));
		}
		line("  rejected{cause=limit} %.0f, rejected{cause=address-limit} %.0f, resets (server RST) %.0f",
				rejected(end, "limit"), rejected(end, "address-limit"), end.sum("echo_connections_resets_total"));
		line("  tls handshakes: %s", results(end, "echo_tls_handshakes_total", "result"));
		line("  proxy headers: %s", results(end, "echo_proxy_headers_total", "result"));
		line("  udp: %.0f datagrams received, %.0f sent; dropped %s", end.sum("echo_udp_datagrams_received_total"),
				end.sum("echo_udp_datagrams_sent_total"), results(end, "echo_udp_dropped_total", "cause"));
		line("  expected: eof %d, idle %d, reset %d, write-timeout + evicted %d (evicted at least %d), limit %d, "
				+ "address-limit %d, tls-handshake %d, proxy-header %d, tls-protocol %d, resets after idle and "
				+ "header timeouts %d; udp own-port %d, low-source-port %d, rate-limit %d", expected.eof,
				expected.idle, expected.reset, expected.timedOutOrEvicted, cycles, expected.limit,
				expected.addressLimit, expected.tlsHandshake, expected.proxyHeader, expected.tlsProtocol,
				expected.heldAndReset, expected.ownPort, expected.lowSourcePort, expected.rateLimit);
		assertFlat();

		assertThat(closed(end, "eof")).as("eof: every good connection and every served flood connection")
			.isEqualTo(expected.eof);
		assertThat(closed(end, "idle")).as("idle").isEqualTo(expected.idle);
		assertThat(closed(end, "reset")).as("reset").isEqualTo(expected.reset);
		assertThat(closed(end, "write-timeout") + closed(end, "evicted")).as("write-timeout + evicted")
			.isEqualTo(expected.timedOutOrEvicted);
		assertThat(closed(end, "evicted")).as("evicted").isGreaterThanOrEqualTo(cycles);
		assertThat(closed(end, "tls-handshake")).as("tls-handshake").isEqualTo(expected.tlsHandshake);
		assertThat(end.sum("echo_tls_handshakes_total", "result", "timeout")).as("TLS handshake timeouts")
			.isEqualTo(expected.tlsHandshakeTimeouts);
		assertThat(closed(end, "proxy-header")).as("proxy-header").isEqualTo(expected.proxyHeader);
		assertThat(end.sum("echo_proxy_headers_total", "result", "timeout")).as("PROXY header timeouts")
			.isEqualTo(expected.proxyHeader);
		assertThat(closed(end, "error") + closed(end, "max-age") + closed(end, "shutdown"))
			.as("error, max-age and shutdown")
			.isZero();
		assertThat(udpDropped(end, "own-port")).as("UDP own-port").isEqualTo(expected.ownPort);
		assertThat(udpDropped(end, "low-source-port")).as("UDP low-source-port").isEqualTo(expected.lowSourcePort);
		assertThat(udpDropped(end, "rate-limit")).as("UDP rate-limit").isEqualTo(expected.rateLimit);
		assertThat(end.sum("echo_udp_dropped_total")).as("UDP drops of any other cause")
			.isEqualTo(expected.ownPort + expected.lowSourcePort + expected.rateLimit);
		assertThat(rejected(end, "limit")).as("rejected at the limit").isEqualTo(expected.limit);
		assertThat(rejected(end, "address-limit")).as("rejected at the address limit")
			.isEqualTo(expected.addressLimit);
		assertThat(end.sum("echo_connections_resets_total"))
			.as("resets sent: every write-timeout and eviction, and every close that dropped bytes held in part")
			.isEqualTo(closed(end, "write-timeout") + closed(end, "evicted") + expected.heldAndReset);
		assertNoReactorDied(end);
		assertThat(unexpectedFailures(this.application.log())).as("unexpected failures in the service's log")
			.isEmpty();
		// Every connection is closed: no byte can still be pending, and the pool never grew past its limit.
		assertThat(end.sum("echo_pending_bytes")).as("echo_pending_bytes with every connection closed").isZero();
		assertThat(end.value("echo_pending_allocated_bytes")).as("echo_pending_allocated_bytes")
			.isLessThanOrEqualTo(end.value("echo_pending_limit_bytes"));
		// Last, so that a server that lets clients renegotiate fails here with everything else checked.
		assertThat(this.renegotiations).as("renegotiating clients, each refused by the server")
			.allSatisfy((renegotiation) -> assertThat(renegotiation.refused()).as("%s", renegotiation).isTrue());
		assertThat(closed(end, "tls-protocol")).as("tls-protocol: every renegotiating client")
			.isEqualTo(expected.tlsProtocol);
		assertThat(end.sum("echo_tls_violations_total", "cause", "renegotiation"))
			.as("echo_tls_violations_total{cause=renegotiation}")
			.isEqualTo(expected.tlsProtocol);
	}

	/**
	 * Echo once through TLS 1.3 and once through TLS 1.2, each tried until it succeeds, so
	 * that the server's TLS code is loaded and compiled before the soak: the first
	 * handshakes of a cold JVM on two busy cores have taken longer than the handshake
	 * timeout, and those of the good clients must not.
	 * @return the meters once every warm-up connection is closed, which the soak's counts
	 * start from
	 */
	private PrometheusScrape warmUpTls(TlsClients tls) {
		for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
			GoodClients.Connector connector = tls.good(TLS_WARM_UP, protocol);
			await("an echo through " + protocol).atMost(Duration.ofMinutes(1))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> {
					try (StreamSocket socket = connector.connect(1, 30_000)) {
						socket.write(100);
						socket.readAndVerify(100);
						socket.shutdownOutput();
						socket.readToEndAndVerifyAll();
						return true;
					}
					catch (IOException ex) {
						line("warm-up through %s failed: %s", protocol, ex);
						return false;
					}
				});
		}
		return await("every warm-up connection closed").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(this::scrape, (scrape) -> scrape.sum("echo_connections_active") == 0);
	}

	/**
	 * One cycle of the three hostile waves; see the class's Javadoc.
	 */
	private void runCycle(int cycle, Hostile hostile, InetSocketAddress server, Expected expected) throws Exception {
		crowdThatSpendsPendingOutput(cycle, hostile.tcp(), expected);
		timeoutsResetsAddressFloodAStoppedProcessAndOtherProtocols(cycle, hostile, server, expected);
		floodPastMaxConnections(cycle, hostile.tcp(), expected);
	}

	private void crowdThatSpendsPendingOutput(int cycle, HostileClients hostile, Expected expected)
			throws Exception {
		PrometheusScrape before = scrape();
		List<InetAddress> crowd = new ArrayList<>();
		for (int i = 0; i < CROWD; i++) {
			crowd.add(address("127.0.2." + (1 + i % 10)));
		}
		List<Duration> crowdLasted = hostile.crowdThatNeverReads(crowd);
		PrometheusScrape after = scrape();
		double evicted = delta(before, after, "evicted");
		double timedOut = delta(before, after, "write-timeout");
		line("cycle %d at %3.0f s: crowd of %d: %.0f evicted, %.0f write-timeout; reset after %.1f to %.1f s", cycle,
				seconds(elapsed()), CROWD, evicted, timedOut, seconds(crowdLasted.get(0)),
				seconds(crowdLasted.get(crowdLasted.size() - 1)));
		assertThat(evicted).as("crowd evicted").isGreaterThanOrEqualTo(1);
		assertThat(evicted + timedOut).as("crowd evicted + write-timeout").isEqualTo(CROWD);
		assertThat(delta(before, after, "idle") + delta(before, after, "reset") + delta(before, after, "error"))
			.as("crowd: idle, reset, error")
			.isZero();
		expected.timedOutOrEvicted += CROWD;
	}

	// With memory to spare: no eviction can take the place of the causes asserted here.
	private void timeoutsResetsAddressFloodAStoppedProcessAndOtherProtocols(int cycle, Hostile hostile,
			InetSocketAddress server, Expected expected) throws Exception {
		PrometheusScrape start = scrape();
		InetAddress floodSource = address("127.0.0." + (20 + cycle));
		HostileClients tcp = hostile.tcp();
		CompletableFuture<List<Duration>> idle = async(() -> tcp.connectAndSendNothing(IDLE_SOURCE, IDLE));
		CompletableFuture<HostileClients.SlowReader> slow = async(() -> tcp.readSlowly(SLOW_SOURCE));
		CompletableFuture<Duration> never = async(() -> tcp.sendAndNeverRead(NEVER_SOURCE));
		CompletableFuture<Void> resets = async(() -> {
			tcp.openAndReset(RESET_SOURCE, RESETS);
			return null;
		});
		CompletableFuture<HostileClients.Flood> addressFlood = async(
				() -> tcp.flood(Collections.nCopies(ADDRESS_FLOOD, floodSource)));
		CompletableFuture<String> stopped = async(() -> stopAndContinueAClientMidTransfer(cycle, server));
		CompletableFuture<List<Ended>> halfOpen = async(
				() -> hostile.tls().connectAndSendNothing(TLS_HALF_OPEN, HALF_OPEN));
		CompletableFuture<List<Ended>> stalled = async(() -> hostile.tls().helloAndStall(TLS_STALLED, STALLED));
		CompletableFuture<List<Ended>> oneByte = async(() -> hostile.tls().oneByteOfARecord(TLS_ONE_BYTE, ONE_BYTE));
		CompletableFuture<TlsClients.Renegotiation> renegotiation = async(
				() -> hostile.tls().renegotiate(TLS_RENEGOTIATING, RENEGOTIATIONS));
		CompletableFuture<List<Ended>> headers = async(
				() -> hostile.proxy().headerThatNeverEnds(PROXY, HEADERS_NEVER_ENDING));
		CompletableFuture<Integer> untrusted = async(() -> {
			int echoed = 0;
			for (int i = 0; i < UNTRUSTED_HEADERS; i++) {
				echoed += hostile.proxy().untrustedHeader(UNTRUSTED);
			}
			return echoed;
		});
		List<InetSocketAddress> ownPortSources = new ArrayList<>();
		List<InetSocketAddress> lowPortSources = new ArrayList<>();
		for (int i = 0; i < SPOOFERS; i++) {
			ownPortSources.add(new InetSocketAddress(address("127.0.7." + (1 + i)), hostile.udpServer().getPort()));
			lowPortSources.add(new InetSocketAddress(address("127.0.8." + (1 + i)), LOW_PORTS.get(i)));
		}
		CompletableFuture<Integer> ownPort = async(() -> hostile.udp().spoof(ownPortSources, PER_SPOOFER));
		CompletableFuture<Integer> lowPort = async(() -> hostile.udp().spoof(lowPortSources, PER_SPOOFER));
		CompletableFuture<UdpClients.RateFlood> rateFlood = async(
				() -> hostile.udp().overRate(UDP_FLOODER, RATE_FLOOD));
		CompletableFuture.allOf(idle, slow, never, resets, addressFlood, stopped, halfOpen, stalled, oneByte,
				renegotiation, headers, untrusted, ownPort, lowPort, rateFlood)
			.join();
		TlsClients.Renegotiation renegotiated = renegotiation.join();
		this.renegotiations.add(renegotiated);
		// A client the server let renegotiate ended the connection itself, with a reset.
		int clientResets = RESETS + (renegotiated.refused() ? 0 : 1);
		// Reset by the server: bytes held unechoed, and a refused renegotiation.
		int heldAndReset = ONE_BYTE.size() + HEADERS_NEVER_ENDING.size() + (renegotiated.refused() ? 1 : 0);
		try (UdpClients.RateFlood flood = rateFlood.join()) {
			PrometheusScrape settled = settle("the server's closes and drops of wave 2", () -> {
				flood.drain();
				return scrape();
			}, (scrape) -> delta(start, scrape, "reset") >= clientResets
						&& delta(start, scrape, "idle") >= IDLE + ONE_BYTE.size()
						&& delta(start, scrape, "tls-handshake") >= HALF_OPEN + STALLED
						&& delta(start, scrape, "proxy-header") >= HEADERS_NEVER_ENDING.size()
						&& udpDropped(scrape, "own-port") - udpDropped(start, "own-port") >= ownPort.join()
						&& udpDropped(scrape, "low-source-port")
								- udpDropped(start, "low-source-port") >= lowPort.join()
						&& udpDropped(scrape, "rate-limit") - udpDropped(start, "rate-limit")
								+ flood.answered() >= flood.sent());
			line("  closed in wave 2: %s; resets sent %.0f", CAUSES.stream()
				.map((cause) -> String.format(Locale.ROOT, "%s=%.0f", cause, delta(start, settled, cause)))
				.collect(Collectors.joining(", ")),
					settled.sum("echo_connections_resets_total") - start.sum("echo_connections_resets_total"));
			line("  idle: %d closed after %.1f to %.1f s; slow reader: reset after %.1f s, %d bytes read (%s); "
					+ "never-reader: reset after %.1f s", IDLE, seconds(idle.join().get(0)),
					seconds(Collections.max(idle.join())), seconds(slow.join().lasted()), slow.join().read(),
					slow.join().readEnd() + " / " + slow.join().writeEnd(), seconds(never.join()));
			line("  address flood from %s: %d served, %d rejected; stopped client: %s", floodSource.getHostAddress(),
					addressFlood.join().admitted(), addressFlood.join().rejected(), stopped.join());
			line("  TLS: half-open %s; stalled after a ClientHello %s; one byte of a record %s; renegotiation %s",
					halfOpen.join(), stalled.join(), oneByte.join(), renegotiated);
			line("  PROXY: headers that never end %s; untrusted headers echoed as data, %d bytes", headers.join(),
					untrusted.join());
			line("  UDP: %d from the service's port, %d from low ports; rate flood of %d sent in %.1f s: %d answered",
					ownPort.join(), lowPort.join(), flood.sent(), seconds(flood.sending()), flood.answered());
			assertThat(idle.join())
				.allSatisfy((lasted) -> assertThat(lasted).isGreaterThanOrEqualTo(IDLE_TIMEOUT.minus(LOOP_TURN)));
			assertThat(slow.join().lasted()).isGreaterThanOrEqualTo(WRITE_TIMEOUT.minus(LOOP_TURN));
			assertThat(slow.join().sawReset()).as("slow reader saw a reset: %s", slow.join()).isTrue();
			assertThat(never.join()).isGreaterThanOrEqualTo(WRITE_TIMEOUT.minus(LOOP_TURN));
			assertThat(addressFlood.join().admitted()).as("served from one address")
				.isEqualTo(MAX_CONNECTIONS_PER_ADDRESS);
			assertThat(halfOpen.join()).as("TLS half-open: closed with a FIN at the handshake timeout")
				.allSatisfy((ended) -> assertEnded(ended, HANDSHAKE_TIMEOUT, false));
			assertThat(stalled.join()).as("TLS stalled after a ClientHello: closed with a FIN at the handshake timeout")
				.allSatisfy((ended) -> assertEnded(ended, HANDSHAKE_TIMEOUT, false));
			assertThat(oneByte.join()).as("one byte of a TLS record: reset at the idle timeout")
				.allSatisfy((ended) -> assertEnded(ended, IDLE_TIMEOUT, true));
			assertThat(headers.join()).as("PROXY header that never ends: reset at the header timeout")
				.allSatisfy((ended) -> assertEnded(ended, HEADER_TIMEOUT, true));
			assertThat(delta(start, settled, "idle")).as("idle: idle clients and one-byte records")
				.isEqualTo(IDLE + ONE_BYTE.size());
			assertThat(delta(start, settled, "reset")).as("reset").isEqualTo(clientResets);
			assertThat(delta(start, settled, "write-timeout")).as("write-timeout: slow reader and never-reader")
				.isEqualTo(2);
			assertThat(delta(start, settled, "evicted") + delta(start, settled, "error")).as("evicted, error")
				.isZero();
			assertThat(delta(start, settled, "tls-handshake")).as("tls-handshake: half-open and stalled")
				.isEqualTo(HALF_OPEN + STALLED);
			assertThat(settled.sum("echo_tls_handshakes_total", "result", "timeout")
					- start.sum("echo_tls_handshakes_total", "result", "timeout"))
				.as("TLS handshake timeouts")
				.isEqualTo(HALF_OPEN + STALLED);
			assertThat(delta(start, settled, "proxy-header")).as("proxy-header").isEqualTo(HEADERS_NEVER_ENDING.size());
			assertThat(settled.sum("echo_proxy_headers_total", "result", "timeout")
					- start.sum("echo_proxy_headers_total", "result", "timeout"))
				.as("PROXY header timeouts")
				.isEqualTo(HEADERS_NEVER_ENDING.size());
			assertThat(settled.sum("echo_connections_resets_total") - start.sum("echo_connections_resets_total"))
				.as("resets sent: slow reader, never-reader, one-byte records, headers that never end and the refused "
						+ "renegotiation")
				.isEqualTo(2 + heldAndReset);
			assertThat(rejected(settled, "address-limit") - rejected(start, "address-limit")).as("address-limit")
				.isEqualTo(addressFlood.join().rejected());
			assertThat(udpDropped(settled, "own-port") - udpDropped(start, "own-port")).as("UDP own-port")
				.isEqualTo(ownPort.join().intValue());
			assertThat(udpDropped(settled, "low-source-port") - udpDropped(start, "low-source-port"))
				.as("UDP low-source-port")
				.isEqualTo(lowPort.join().intValue());
			double rateLimited = udpDropped(settled, "rate-limit") - udpDropped(start, "rate-limit");
			assertThat(rateLimited).as("UDP rate-limit: every datagram of the flood not answered")
				.isPositive()
				.isEqualTo(flood.sent() - flood.answered());
			// The bucket holds a second's worth, and refills at the rate: in all, the rate for
			// a second more than the sending took, and another second's worth for the last
			// round, which the server may take from its queue later.
			assertThat(flood.answered()).as("rate flood answered")
				.isPositive()
				.isLessThanOrEqualTo((int) (UDP_RATE_LIMIT * (2 + seconds(flood.sending()))));
			expected.idle += IDLE + ONE_BYTE.size();
			expected.reset += clientResets;
			expected.timedOutOrEvicted += 2;
			expected.addressLimit += addressFlood.join().rejected();
			expected.eof += addressFlood.join().admitted() + 1 + UNTRUSTED_HEADERS;
			expected.tlsHandshake += HALF_OPEN + STALLED;
			expected.tlsHandshakeTimeouts += HALF_OPEN + STALLED;
			expected.tlsProtocol += renegotiated.refused() ? 1 : 0;
			expected.proxyHeader += HEADERS_NEVER_ENDING.size();
			expected.heldAndReset += heldAndReset;
			expected.ownPort += ownPort.join();
			expected.lowSourcePort += lowPort.join();
			expected.rateLimit += (int) rateLimited;
		}
	}

	/**
	 * Wait (at most 15 s) until the meters show what a wave has done, and return them even
	 * if they never do, so that the assertions that follow say what is missing.
	 */
	private PrometheusScrape settle(String alias, Callable<PrometheusScrape> scraper,
			Predicate<PrometheusScrape> done) {
		AtomicReference<PrometheusScrape> last = new AtomicReference<>();
		try {
			await(alias).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
				last.set(scraper.call());
				return done.test(last.get());
			});
		}
		catch (ConditionTimeoutException ex) {
			line("  %s: not within 15 s", alias);
		}
		return last.get();
	}

	private static void assertEnded(Ended ended, Duration timeout, boolean reset) {
		assertThat(ended.lasted()).as("%s", ended).isGreaterThanOrEqualTo(timeout.minus(LOOP_TURN));
		assertThat(ended.reset()).as("%s ended with a reset", ended).isEqualTo(reset);
	}

	// While no good client connects, so that none is refused at the limit.
	private void floodPastMaxConnections(int cycle, HostileClients hostile, Expected expected) throws Exception {
		this.connectGate.writeLock().lock();
		try {
			// A good client may have connected just before the gate closed: wait until the
			// server has registered (or rejected) every connection it accepted, so that the
			// active connections are all that count against the limit.
			PrometheusScrape quiet = await("every accepted connection registered").atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(50))
				.until(this::scrape, (scrape) -> unregistered(scrape) == 0);
			int active = (int) quiet.sum("echo_connections_active");
			List<InetAddress> flood = new ArrayList<>();
			for (int i = 0; i < MAX_CONNECTIONS - active + 30; i++) {
				flood.add(address("127.0." + (10 + cycle) + "." + (1 + i / 15)));
			}
			HostileClients.Flood limitFlood = hostile.flood(flood);
			PrometheusScrape flooded = scrape();
			line("  connection flood of %d with %d open: %d served, %d rejected", flood.size(), active,
					limitFlood.admitted(), limitFlood.rejected());
			assertThat(limitFlood.admitted()).as("served until the limit")
				.isGreaterThanOrEqualTo(MAX_CONNECTIONS - active);
			assertThat(limitFlood.rejected()).as("rejected at the limit").isPositive();
			assertThat(rejected(flooded, "limit") - rejected(quiet, "limit")).as("limit")
				.isEqualTo(limitFlood.rejected());
			expected.limit += limitFlood.rejected();
			expected.eof += limitFlood.admitted();
		}
		finally {
			this.connectGate.writeLock().unlock();
		}
	}

	/**
	 * Run a {@link StreamingEchoClient} process, stop it with SIGSTOP once echoes flow,
	 * wait until the server's socket to it holds echoes the stopped client has no room for
	 * (the server feels the stop), keep it stopped for {@link #STOP} in all, continue it
	 * with SIGCONT, and require it to finish with every byte back.
	 */
	private String stopAndContinueAClientMidTransfer(int cycle, InetSocketAddress server) throws Exception {
		Path output = this.directory.resolve("stopped-client-" + cycle + ".log");
		Path classes = Path.of(StreamingEchoClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		Process client = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes.toString(),
				StreamingEchoClient.class.getName(), server.getAddress().getHostAddress(),
				String.valueOf(server.getPort()), STOPPED_SOURCE.getHostAddress(), "4")
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		this.children.add(client);
		await("the stopped client streaming").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> !client.isAlive() || Files.readString(output).contains("streaming"));
		assertThat(client.isAlive()).as(() -> "client streaming; its output:\n" + read(output)).isTrue();
		long queued;
		signal("STOP", client.pid());
		long stoppedAt = System.nanoTime();
		try {
			queued = await("the server's socket to the stopped client filling").atMost(STOP)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> TcpQueues.sendQueue(server.getPort(), STOPPED_SOURCE), (bytes) -> bytes > 0);
			LockSupport.parkNanos(stoppedAt + STOP.toNanos() - System.nanoTime());
		}
		finally {
			signal("CONT", client.pid());
		}
		long stoppedFor = System.nanoTime() - stoppedAt;
		assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("stopped client finished").isTrue();
		String printed = read(output);
		assertThat(client.exitValue()).as(() -> "stopped client's exit status; its output:\n" + printed).isZero();
		Matcher echoed = ECHOED.matcher(printed);
		assertThat(echoed.find()).as(printed).isTrue();
		// The client waited for its echo at least as long as it was stopped: it was mid-transfer.
		assertThat(Long.parseLong(echoed.group(2))).as("longest wait for an echo, ms")
			.isGreaterThanOrEqualTo(STOP.toMillis() - 100);
		return String.format(Locale.ROOT, "stopped %d ms with %,d bytes queued at the server, then %s",
				TimeUnit.NANOSECONDS.toMillis(stoppedFor), queued, echoed.group());
	}

	private void signal(String signal, long pid) throws IOException, InterruptedException {
		Process kill = new ProcessBuilder(this.kill.toString(), "-" + signal, String.valueOf(pid)).inheritIO().start();
		assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(kill.exitValue()).as("kill -%s %d", signal, pid).isZero();
	}

	// Runs on the sampler thread.
	private void sample() {
		try {
			Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
					String.valueOf(this.application.process().pid()), "GC.run")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			assertThat(jcmd.waitFor(30, TimeUnit.SECONDS)).as("jcmd GC.run finished").isTrue();
			assertThat(jcmd.exitValue()).as("jcmd GC.run exit status").isZero();
			int runs = this.gcRuns.incrementAndGet();
			Duration at = elapsed();
			// The meter is updated by the JVM's GC notification, just after the GC.
			PrometheusScrape scrape = await("the GC's notification").atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(20))
				.until(this::scrape,
						(s) -> s.sum("jvm_gc_pause_seconds_count", "cause", "Diagnostic Command") >= runs);
			assertNoReactorDied(scrape);
			this.samples.add(new Sample(at, scrape.value("jvm_gc_live_data_size_bytes"),
					scrape.value("jvm_buffer_memory_used_bytes", "id", "direct"),
					scrape.value("echo_pending_allocated_bytes"), scrape.sum("echo_pending_bytes"),
					scrape.sum("echo_connections_active")));
		}
		catch (Throwable ex) {
			this.samplerFailure.compareAndSet(null, ex);
		}
	}

	private void assertFlat() {
		List<Sample> samples = List.copyOf(this.samples);
		long quarter = samples.get(samples.size() - 1).at().toNanos() / 4;
		List<Sample> second = samples.stream().filter((s) -> s.at().toNanos() / quarter == 1).toList();
		List<Sample> last = samples.stream().filter((s) -> s.at().toNanos() / quarter >= 3).toList();
		double heap2 = median(second, Sample::liveHeap);
		double heap4 = median(last, Sample::liveHeap);
		double direct2 = median(second, Sample::direct);
		double direct4 = median(last, Sample::direct);
		line("heap after GC, median: %.2f MiB in the second quarter (%d samples), %.2f MiB in the last (%d): %+.1f%%",
				heap2 / (1 << 20), second.size(), heap4 / (1 << 20), last.size(), 100 * (heap4 - heap2) / heap2);
		line("direct memory, median: %.2f MiB in the second quarter, %.2f MiB in the last: %+.1f%%",
				direct2 / (1 << 20), direct4 / (1 << 20), 100 * (direct4 - direct2) / direct2);
		line("samples (s, heap after GC MiB, direct MiB, pending allocated MiB, pending KiB, connections):");
		for (Sample sample : samples) {
			line("  %5.1f %7.2f %7.2f %7.2f %8.1f %4.0f", seconds(sample.at()), sample.liveHeap() / (1 << 20),
					sample.direct() / (1 << 20), sample.pendingAllocated() / (1 << 20), sample.pending() / 1024,
					sample.connections());
		}
		assertThat(second).as("samples in the second quarter").hasSizeGreaterThanOrEqualTo(2);
		assertThat(last).as("samples in the last quarter").hasSizeGreaterThanOrEqualTo(2);
		assertThat(Math.abs(heap4 - heap2)).as("heap after GC: last quarter against the second")
			.isLessThanOrEqualTo(0.10 * heap2);
		assertThat(Math.abs(direct4 - direct2)).as("direct memory: last quarter against the second")
			.isLessThanOrEqualTo(0.10 * direct2);
	}

	private static double median(List<Sample> samples, ToDoubleFunction<Sample> value) {
		double[] values = samples.stream().mapToDouble(value).sorted().toArray();
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

	private void assertHealthy(GoodClients good) {
		if (good.failure() != null) {
			throw new AssertionError(good.failure());
		}
		if (this.samplerFailure.get() != null) {
			throw new AssertionError("Sampling failed", this.samplerFailure.get());
		}
	}

	private void assertNoReactorDied(PrometheusScrape scrape) {
		assertThat(scrape.labelValues("echo_reactor_alive", "reactor")).containsExactlyInAnyOrder("0", "1",
				"acceptor");
		assertThat(scrape.sum("echo_reactor_alive")).as("echo_reactor_alive, summed").isEqualTo(3);
		assertThat(this.application.log()).doesNotContain(" died").doesNotContain("OutOfMemoryError");
	}

	/**
	 * Return each "Unexpected failure" the event loop logged (a connection closed because
	 * of a runtime exception on the reactor thread) with the three lines that follow it.
	 */
	private static List<String> unexpectedFailures(String log) {
		List<String> failures = new ArrayList<>();
		String[] lines = log.split("\n");
		for (int i = 0; i < lines.length; i++) {
			if (lines[i].contains("Unexpected failure")) {
				failures.add(String.join("\n", List.of(lines).subList(i, Math.min(lines.length, i + 4))));
			}
		}
		return failures;
	}

	private PrometheusScrape scrape() throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(
				HttpRequest
					.newBuilder(URI.create("http://127.0.0.1:" + this.application.httpPort() + "/actuator/prometheus"))
					.header("Accept", "text/plain;version=0.0.4")
					.timeout(Duration.ofSeconds(30))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return PrometheusScrape.parse(response.body());
	}

	private static double closed(PrometheusScrape scrape, String cause) {
		return scrape.sum("echo_connections_closed_total", "cause", cause);
	}

	private static double rejected(PrometheusScrape scrape, String cause) {
		return scrape.sum("echo_connections_rejected_total", "cause", cause);
	}

	/**
	 * Return the connections the acceptor has accepted but no reactor has registered yet:
	 * every {@code accept()} that returned a connection either rejected it or handed it to
	 * a reactor, which counts it as accepted once registered.
	 */
	private static double unregistered(PrometheusScrape scrape) {
		return scrape.sum("echo_accepts_total") - scrape.sum("echo_accepts_empty_total")
				- scrape.sum("echo_accept_errors_total") - scrape.sum("echo_connections_accepted_total")
				- scrape.sum("echo_connections_rejected_total");
	}

	private static double udpDropped(PrometheusScrape scrape, String cause) {
		return scrape.sum("echo_udp_dropped_total", "cause", cause);
	}

	// Each value of the label, with the sum of its series: "ok=12, timeout=3".
	private static String results(PrometheusScrape scrape, String name, String label) {
		return scrape.labelValues(name, label)
			.stream()
			.sorted()
			.map((value) -> String.format(Locale.ROOT, "%s=%.0f", value, scrape.sum(name, label, value)))
			.collect(Collectors.joining(", "));
	}

	private static double delta(PrometheusScrape before, PrometheusScrape after, String cause) {
		return closed(after, cause) - closed(before, cause);
	}

	private <T> CompletableFuture<T> async(Action<T> action) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				return action.run();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}, this.threads);
	}

	private Duration elapsed() {
		return Duration.ofNanos(System.nanoTime() - this.soakStart);
	}

	private static double seconds(Duration duration) {
		return duration.toNanos() / 1e9;
	}

	// Written as it goes, so that a failed soak leaves what it saw up to the failure.
	private void line(String format, Object... args) {
		synchronized (this.report) {
			try {
				Files.writeString(this.directory.resolve("report.txt"),
						String.format(Locale.ROOT, format, args) + "\n", StandardOpenOption.CREATE,
						StandardOpenOption.APPEND);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
	}

	private static String read(Path path) {
		try {
			return Files.readString(path);
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	private static InetAddress address(String address) {
		try {
			return InetAddress.getByName(address);
		}
		catch (UnknownHostException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

	@FunctionalInterface
	private interface Action<T> {

		T run() throws Exception;

	}

	/**
	 * The closes and rejections the meters must show at the end, added up wave by wave.
	 */
	private static final class Expected {

		int eof;

		int idle;

		int reset;

		int timedOutOrEvicted;

		int limit;

		int addressLimit;

		int tlsHandshake;

		int tlsHandshakeTimeouts;

		int tlsProtocol;

		int proxyHeader;

		// Closes that dropped bytes held in part (a TLS record, a PROXY header) with a reset.
		int heldAndReset;

		int ownPort;

		int lowSourcePort;

		int rateLimit;

	}

	/**
	 * The hostile clients of each protocol.
	 *
	 * @param tcp the plain TCP ones
	 * @param tls the TLS ones
	 * @param proxy the ones sending PROXY headers
	 * @param udp the UDP ones
	 * @param udpServer the UDP echo
	 */
	private record Hostile(HostileClients tcp, TlsClients tls, ProxyClients proxy, UdpClients udp,
			InetSocketAddress udpServer) {

	}

	/**
	 * One reading of the service's memory, just after a full GC.
	 *
	 * @param at when, since the soak started
	 * @param liveHeap {@code jvm_gc_live_data_size_bytes}: the heap after the GC
	 * @param direct {@code jvm_buffer_memory_used_bytes{id="direct"}}
	 * @param pendingAllocated {@code echo_pending_allocated_bytes}
	 * @param pending {@code echo_pending_bytes}, summed
	 * @param connections {@code echo_connections_active}, summed
	 */
	private record Sample(Duration at, double liveHeap, double direct, double pendingAllocated, double pending,
			double connections) {

	}

}

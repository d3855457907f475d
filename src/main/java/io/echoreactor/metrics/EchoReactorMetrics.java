package io.echoreactor.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongBiFunction;
import java.util.stream.Stream;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerView;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.AcceptError;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.counters.IncompleteWrite;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.TlsViolation;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsHandshakeListener;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Binds the {@link EchoReactorMeters echo meters} and {@link EchoUdpMeters UDP meters} of
 * an {@link EchoServer}: function counters and gauges that read the reactors' own
 * {@link ReactorStatistics} when they are scraped, so the hot path pays nothing for them,
 * plus one distribution summary of the ready keys per {@code select()} return, recorded
 * on the reactor thread. A meter counted by kinds of events gets one series per constant
 * of their enum, registered by iterating it.
 *
 * <p>
 * The meters are registered before the server starts, for the reactors it will create
 * ({@code settings().reactors()} of them), and read 0 until they exist; after a stop they
 * keep their last values.
 *
 * <p>
 * <strong>Threading:</strong> the meters may be read from any thread.
 */
public final class EchoReactorMetrics implements MeterBinder {

	/** The {@code reactor} tag of the acceptor thread's meters in {@code acceptor} mode. */
	public static final String ACCEPTOR = "acceptor";

	// What epoll_wait returns per call: 0 for task and timeout returns (counted in the
	// first bucket), then powers of two up to a busy loop's many ready sockets.
	private static final double[] READY_KEYS_BUCKETS = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };

	private static final DistributionSummary[] NONE = {};

	private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory
		.getThreadMXBean();

	// From a session resumed on a fast machine to a full handshake on a loaded one.
	private static final Duration[] HANDSHAKE_BUCKETS = Stream
		.of(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
		.map(Duration::ofMillis)
		.toArray(Duration[]::new);

	// One per registry bound; the server gets one listener that tells them all.
	private final List<TlsHandshakeListener> tlsListeners = new CopyOnWriteArrayList<>();

	private final EchoServer server;

	private final BooleanSupplier ready;

	// Per reactor index, one summary for each registry bound so far; replaced, never
	// mutated, so that the reactor thread reads it without a lock.
	private volatile DistributionSummary[][] readyKeys;

	/**
	 * Create the binder.
	 * @param server the server whose meters to bind; it may not have started yet
	 * @param ready whether the service is ready (readiness {@code ACCEPTING_TRAFFIC})
	 */
	public EchoReactorMetrics(EchoServer server, BooleanSupplier ready) {
		this.server = Objects.requireNonNull(server, "server");
		this.ready = Objects.requireNonNull(ready, "ready");
		DistributionSummary[][] empty = new DistributionSummary[this.server.view().settings().reactors()][];
		Arrays.fill(empty, NONE);
		this.readyKeys = empty;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		int reactors = this.server.view().settings().reactors();
		for (int index = 0; index < reactors; index++) {
			bindReactor(registry, index);
		}
		if (this.server.view().settings().acceptStrategy() == AcceptStrategy.ACCEPTOR) {
			bindAccepting(registry, ACCEPTOR, EchoServerView::acceptorStatistics);
			Tags acceptor = Tags.of(reactorTag(ACCEPTOR));
			register(registry, EchoReactorMeters.REACTOR_ALIVE, acceptor, (server) -> server.isAcceptorAlive() ? 1 : 0);
			register(registry, EchoReactorMeters.REACTOR_LOOP_FAILURES, acceptor,
					(server) -> count(server.acceptorStatistics(), Counter.LOOP_FAILURES));
			events(registry, EchoReactorMeters.SELECTOR_REBUILDS, acceptor, RebuildCause.values(),
					EchoServerView::acceptorStatistics, ReactorStatistics::rebuilds);
			register(registry, EchoReactorMeters.REACTOR_SELECT_AGE, acceptor, (server) -> {
				Duration age = server.acceptorSinceLastSelect();
				return (age != null) ? age.toNanos() / 1e9 : 0;
			});
		}
		else {
			for (int index = 0; index < reactors; index++) {
				bindAccepting(registry, String.valueOf(index), statistics(index));
			}
		}
		register(registry, EchoReactorMeters.CONNECTIONS_MAX, Tags.empty(),
				(server) -> server.settings().maxConnections());
		register(registry, EchoReactorMeters.PENDING_LIMIT, Tags.empty(), EchoServerView::pendingOutputLimit);
		register(registry, EchoReactorMeters.PENDING_ALLOCATED, Tags.empty(), EchoServerView::pendingOutputAllocated);
		register(registry, EchoReactorMeters.SESSION_MEMORY, Tags.empty(), EchoServerView::sessionMemoryUsed);
		register(registry, EchoReactorMeters.SESSION_MEMORY_LIMIT, Tags.empty(), EchoServerView::sessionMemoryLimit);
		if (this.server.view().settings().udp().enabled()) {
			for (int index = 0; index < reactors; index++) {
				bindDatagrams(registry, index);
			}
			register(registry, EchoUdpMeters.UDP_RATE_LIMIT_BUCKETS, Tags.empty(), EchoServerView::udpRateLimitBuckets);
			register(registry, EchoUdpMeters.UDP_RATE_LIMIT_BUCKETS_ACTIVE, Tags.empty(),
					EchoServerView::udpRateLimitActiveBuckets);
			register(registry, EchoUdpMeters.UDP_RATE_LIMIT_SHARED, Tags.empty(), EchoServerView::udpRateLimitShared);
		}
		if (this.server.view().settings().tls().enabled()) {
			bindTls(registry, reactors);
		}
		if (this.server.view().settings().proxyProtocol().mode() != ProxyProtocolSettings.Mode.OFF) {
			for (int index = 0; index < reactors; index++) {
				Tags tags = Tags.of(reactorTag(String.valueOf(index)));
				events(registry, EchoReactorMeters.PROXY_HEADERS, tags, ProxyHeaderResult.values(),
						statistics(index), ReactorStatistics::proxyHeaders);
				// A PROXY header names the client only once read: a refusal for its address is the reactor's.
				if (this.server.view().settings().acceptStrategy() == AcceptStrategy.ACCEPTOR) {
					events(registry, EchoReactorMeters.CONNECTIONS_REJECTED, tags,
							new RejectCause[] { RejectCause.ADDRESS_LIMIT }, statistics(index),
							ReactorStatistics::rejected);
				}
			}
		}
		BooleanSupplier ready = this.ready;
		register(registry, EchoReactorMeters.READY, Tags.empty(), (server) -> ready.getAsBoolean() ? 1 : 0);
		bindReadyKeys(registry, reactors);
	}

	private void bindReactor(MeterRegistry registry, int index) {
		Tags tags = Tags.of(reactorTag(String.valueOf(index)));
		counter(registry, EchoReactorMeters.CONNECTIONS_ACCEPTED, tags, index, Counter.CONNECTIONS_ACCEPTED);
		events(registry, EchoReactorMeters.CONNECTIONS_CLOSED, tags, CloseCause.values(), statistics(index),
				ReactorStatistics::closed);
		gauge(registry, EchoReactorMeters.CONNECTIONS_ACTIVE, tags, index, ReactorStatistics.Gauge.CONNECTIONS_ACTIVE);
		gauge(registry, EchoReactorMeters.CONNECTIONS_PAUSED, tags, index, ReactorStatistics.Gauge.CONNECTIONS_PAUSED);
		gauge(registry, EchoReactorMeters.CONNECTIONS_AWAITING_MEMORY, tags, index,
				ReactorStatistics.Gauge.CONNECTIONS_AWAITING_MEMORY);
		counter(registry, EchoReactorMeters.CONNECTIONS_RESETS, tags, index, Counter.CLOSE_RESETS);
		counter(registry, EchoReactorMeters.MEMORY_WAITS, tags, index, Counter.MEMORY_WAITS);
		gauge(registry, EchoReactorMeters.CONNECTIONS_AWAITING_SESSION_MEMORY, tags, index,
				ReactorStatistics.Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY);
		counter(registry, EchoReactorMeters.SESSION_MEMORY_WAITS, tags, index, Counter.SESSION_MEMORY_WAITS);
		counter(registry, EchoReactorMeters.RECEIVED, tags, index, Counter.BYTES_RECEIVED);
		counter(registry, EchoReactorMeters.SENT, tags, index, Counter.BYTES_SENT);
		gauge(registry, EchoReactorMeters.PENDING, tags, index, ReactorStatistics.Gauge.PENDING_BYTES);
		events(registry, EchoReactorMeters.SELECTOR_WAKEUPS, tags, WakeupCause.values(), statistics(index),
				ReactorStatistics::wakeups);
		counter(registry, EchoReactorMeters.SELECTOR_WAKEUP_CALLS, tags, index, Counter.WAKEUP_CALLS);
		counter(registry, EchoReactorMeters.READS, tags, index, Counter.READS);
		counter(registry, EchoReactorMeters.READS_EMPTY, tags, index, Counter.READS_EMPTY);
		counter(registry, EchoReactorMeters.WRITES, tags, index, Counter.WRITES);
		events(registry, EchoReactorMeters.WRITES_INCOMPLETE, tags, IncompleteWrite.values(), statistics(index),
				ReactorStatistics::incompleteWrites);
		counter(registry, EchoReactorMeters.OP_WRITE_REGISTRATIONS, tags, index, Counter.OP_WRITE_REGISTRATIONS);
		counter(registry, EchoReactorMeters.BACKPRESSURE_PAUSES, tags, index, Counter.BACKPRESSURE_PAUSES);
		register(registry, EchoReactorMeters.REACTOR_BUSY, tags,
				(server) -> count(statistics(server, index), Counter.BUSY_NANOS) / 1e9);
		BusyRatio busyRatio = new BusyRatio(
				() -> (long) count(statistics(this.server.view(), index), Counter.BUSY_NANOS),
				registry.config().clock()::monotonicTime);
		Gauge.builder(EchoReactorMeters.REACTOR_BUSY_RATIO.getName(), busyRatio, BusyRatio::sample)
			.tags(tags)
			.description(EchoReactorMeters.REACTOR_BUSY_RATIO.getDescription())
			// Nothing else holds the sampler, and a gauge holds its object weakly by default.
			.strongReference(true)
			.register(registry);
		register(registry, EchoReactorMeters.REACTOR_TASKS_PENDING, tags, (server) -> {
			EchoReactor reactor = server.reactor(index);
			return (reactor != null) ? reactor.pendingTasks() : 0;
		});
		counter(registry, EchoReactorMeters.REACTOR_TASKS, tags, index, Counter.TASKS_RUN);
		if (THREADS instanceof com.sun.management.ThreadMXBean threads && threads.isThreadAllocatedMemorySupported()) {
			// The JVM forgets a thread's count when it ends; a counter must not go back.
			java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
			register(registry, EchoReactorMeters.REACTOR_ALLOCATED, tags, (server) -> {
				EchoReactor reactor = server.reactor(index);
				long allocated = (reactor != null) ? threads.getThreadAllocatedBytes(reactor.threadId()) : -1;
				return last.accumulateAndGet(allocated, Math::max);
			});
		}
		register(registry, EchoReactorMeters.REACTOR_ALIVE, tags, (server) -> isAlive(server, index) ? 1 : 0);
		counter(registry, EchoReactorMeters.REACTOR_LOOP_FAILURES, tags, index, Counter.LOOP_FAILURES);
		events(registry, EchoReactorMeters.SELECTOR_REBUILDS, tags, RebuildCause.values(), statistics(index),
				ReactorStatistics::rebuilds);
		register(registry, EchoReactorMeters.REACTOR_SELECT_AGE, tags, (server) -> {
			EchoReactor reactor = server.reactor(index);
			return (reactor != null) ? reactor.sinceLastSelect().toNanos() / 1e9 : 0;
		});
	}

	private void bindDatagrams(MeterRegistry registry, int index) {
		Tags tags = Tags.of(reactorTag(String.valueOf(index)));
		counter(registry, EchoUdpMeters.UDP_DATAGRAMS_RECEIVED, tags, index, Counter.UDP_DATAGRAMS_RECEIVED);
		counter(registry, EchoUdpMeters.UDP_RECEIVED, tags, index, Counter.UDP_BYTES_RECEIVED);
		counter(registry, EchoUdpMeters.UDP_DATAGRAMS_SENT, tags, index, Counter.UDP_DATAGRAMS_SENT);
		counter(registry, EchoUdpMeters.UDP_SENT, tags, index, Counter.UDP_BYTES_SENT);
		counter(registry, EchoUdpMeters.UDP_RECEIVES_EMPTY, tags, index, Counter.UDP_RECEIVES_EMPTY);
		counter(registry, EchoUdpMeters.UDP_SENDS_EMPTY, tags, index, Counter.UDP_SENDS_EMPTY);
		events(registry, EchoUdpMeters.UDP_DROPPED, tags, UdpDropCause.values(), statistics(index),
				ReactorStatistics::dropped);
	}

	private void bindTls(MeterRegistry registry, int reactors) {
		for (int index = 0; index < reactors; index++) {
			int i = index;
			Tags tags = Tags.of(reactorTag(String.valueOf(index)));
			counter(registry, EchoReactorMeters.TLS_HANDSHAKES, tags.and(resultTag("ok")), index,
					Counter.TLS_HANDSHAKES);
			events(registry, EchoReactorMeters.TLS_HANDSHAKES, tags, TlsFailure.values(), statistics(index),
					ReactorStatistics::tlsFailures);
			events(registry, EchoReactorMeters.TLS_VIOLATIONS, tags, TlsViolation.values(), statistics(index),
					ReactorStatistics::tlsViolations);
			register(registry, EchoReactorMeters.TLS_TASK_TIME, tags,
					(server) -> count(statistics(server, i), Counter.TLS_TASK_NANOS) / 1e9);
		}
		for (TlsContext.ReloadResult result : TlsContext.ReloadResult.values()) {
			register(registry, EchoReactorMeters.TLS_BUNDLE_RELOADS, Tags.of(resultTag(result.tag())),
					(server) -> reloads(server, result));
		}
		Timer handshakes = Timer.builder(EchoReactorMeters.TLS_HANDSHAKE_TIME.getName())
			.description(EchoReactorMeters.TLS_HANDSHAKE_TIME.getDescription())
			.serviceLevelObjectives(HANDSHAKE_BUCKETS)
			.register(registry);
		Map<String, io.micrometer.core.instrument.Counter> connections = new ConcurrentHashMap<>();
		this.tlsListeners.add((reactor, protocol, cipherSuite, nanos) -> {
			handshakes.record(nanos, TimeUnit.NANOSECONDS);
			connections.computeIfAbsent(protocol + " " + cipherSuite, (key) -> io.micrometer.core.instrument.Counter
				.builder(EchoReactorMeters.TLS_CONNECTIONS.getName())
				.description(EchoReactorMeters.TLS_CONNECTIONS.getDescription())
				.tags(EchoMeter.Tag.PROTOCOL.asString(), protocol, EchoMeter.Tag.CIPHER.asString(),
						cipherSuite)
				.register(registry)).increment();
		});
		List<TlsHandshakeListener> listeners = List.copyOf(this.tlsListeners);
		this.server.setTlsHandshakeListener((reactor, protocol, cipherSuite, nanos) -> {
			for (TlsHandshakeListener listener : listeners) {
				listener.handshakeCompleted(reactor, protocol, cipherSuite, nanos);
			}
		});
	}

	private void bindAccepting(MeterRegistry registry, String reactor,
			Function<EchoServerView, ReactorStatistics> statistics) {
		Tags tags = Tags.of(reactorTag(reactor));
		events(registry, EchoReactorMeters.CONNECTIONS_REJECTED, tags, RejectCause.values(), statistics,
				ReactorStatistics::rejected);
		register(registry, EchoReactorMeters.ACCEPTS, tags,
				(server) -> count(statistics.apply(server), Counter.ACCEPTS));
		register(registry, EchoReactorMeters.ACCEPTS_EMPTY, tags,
				(server) -> count(statistics.apply(server), Counter.ACCEPTS_EMPTY));
		events(registry, EchoReactorMeters.ACCEPT_ERRORS, tags, AcceptError.values(), statistics,
				ReactorStatistics::acceptErrors);
	}

	private synchronized void bindReadyKeys(MeterRegistry registry, int reactors) {
		DistributionSummary[][] summaries = new DistributionSummary[reactors][];
		for (int index = 0; index < reactors; index++) {
			DistributionSummary summary = DistributionSummary
				.builder(EchoReactorMeters.SELECTOR_READY_KEYS.getName())
				.tags(Tags.of(reactorTag(String.valueOf(index))))
				.description(EchoReactorMeters.SELECTOR_READY_KEYS.getDescription())
				.serviceLevelObjectives(READY_KEYS_BUCKETS)
				.register(registry);
			DistributionSummary[] bound = this.readyKeys[index];
			summaries[index] = Arrays.copyOf(bound, bound.length + 1);
			summaries[index][bound.length] = summary;
		}
		this.readyKeys = summaries;
		this.server.setReadyKeysListeners(this::readyKeysListener);
	}

	private IntConsumer readyKeysListener(int index) {
		// Runs on the reactor thread after every select(): a histogram update, no allocation.
		return (readyKeys) -> {
			for (DistributionSummary summary : this.readyKeys[index]) {
				summary.record(readyKeys);
			}
		};
	}

	private void counter(MeterRegistry registry, EchoMeter meter, Tags tags, int index, Counter counter) {
		register(registry, meter, tags, (server) -> count(statistics(server, index), counter));
	}

	private void gauge(MeterRegistry registry, EchoReactorMeters meter, Tags tags, int index,
			ReactorStatistics.Gauge gauge) {
		register(registry, meter, tags, (server) -> {
			ReactorStatistics statistics = statistics(server, index);
			return (statistics != null) ? statistics.get(gauge) : 0;
		});
	}

	// One series per kind of event, tagged with its value under the meter's last tag key.
	private <E extends CountedEvent> void events(MeterRegistry registry, EchoMeter meter, Tags tags, E[] events,
			Function<EchoServerView, ReactorStatistics> statistics, ToLongBiFunction<ReactorStatistics, E> count) {
		if (!meter.events().containsAll(Arrays.asList(events))) {
			throw new IllegalArgumentException(meter + " does not count " + Arrays.toString(events));
		}
		List<String> keys = meter.tagKeys();
		String key = keys.get(keys.size() - 1);
		for (E event : events) {
			register(registry, meter, tags.and(key, event.tag()), (server) -> {
				ReactorStatistics values = statistics.apply(server);
				return (values != null) ? count.applyAsLong(values, event) : 0;
			});
		}
	}

	// The server's view is the meters' state object: the server holds it, and the application
	// the server, as long as the meters live; Micrometer holds state objects only weakly.
	private void register(MeterRegistry registry, EchoMeter meter, Tags tags, ToDoubleFunction<EchoServerView> value) {
		switch (meter.getType()) {
			case COUNTER -> FunctionCounter.builder(meter.getName(), this.server.view(), value)
				.tags(tags)
				.description(meter.getDescription())
				.baseUnit(meter.getBaseUnit())
				.register(registry);
			case GAUGE -> Gauge.builder(meter.getName(), this.server.view(), value)
				.tags(tags)
				.description(meter.getDescription())
				.baseUnit(meter.getBaseUnit())
				.register(registry);
			default -> throw new IllegalArgumentException(meter + " is not a counter or a gauge");
		}
	}

	private static Function<EchoServerView, ReactorStatistics> statistics(int index) {
		return (server) -> statistics(server, index);
	}

	private static @Nullable ReactorStatistics statistics(EchoServerView server, int index) {
		EchoReactor reactor = server.reactor(index);
		return (reactor != null) ? reactor.statistics() : null;
	}

	private static boolean isAlive(EchoServerView server, int index) {
		EchoReactor reactor = server.reactor(index);
		return reactor == null || reactor.isAlive() || server.status() != EchoServer.Status.RUNNING;
	}

	// The meter is registered only when TLS is on; a server without a context counts none.
	private static double reloads(EchoServerView server, TlsContext.ReloadResult result) {
		TlsContext context = server.settings().tls().context();
		return (context != null) ? context.reloads(result) : 0;
	}

	private static double count(@Nullable ReactorStatistics statistics, Counter counter) {
		return (statistics != null) ? statistics.get(counter) : 0;
	}

	private static Tag reactorTag(String reactor) {
		return Tag.of(EchoMeter.Tag.REACTOR.asString(), reactor);
	}

	private static Tag resultTag(String result) {
		return Tag.of(EchoMeter.Tag.RESULT.asString(), result);
	}

}

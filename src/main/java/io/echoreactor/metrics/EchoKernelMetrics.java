package io.echoreactor.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

import io.echoreactor.metrics.ProcNetParser.ListeningSocket;
import io.echoreactor.reactor.EchoServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Binds the kernel's view of the echo service (see {@link EchoKernelMeters}): listen
 * queue overflows and drops from {@code /proc/net/netstat}, the echo port's accept-queue
 * depth from {@code /proc/net/tcp} and {@code tcp6}, and TCP socket memory and counts
 * from {@code /proc/net/sockstat}. These files describe the process's network namespace,
 * so in Kubernetes the pod's.
 *
 * <p>
 * A meter whose source is missing or lacks the field when the meters are bound is not
 * registered at all: absent, not 0, so that a dashboard does not show a healthy 0 where
 * nothing is known. Each file is read at most once per {@link #MAX_AGE_NANOS}, however
 * many meters it feeds.
 *
 * <p>
 * <strong>Threading:</strong> the meters may be read from any thread.
 */
public final class EchoKernelMetrics implements MeterBinder {

	/** The {@code listener} tag of the echo port's listening socket(s). */
	public static final String ECHO_LISTENER = "echo";

	/** The kernel's UDP error counters, by their names in /proc/net/snmp, and the cause tag of each. */
	private static final Map<String, String> UDP_ERRORS = orderedMap("InErrors", "in", "RcvbufErrors", "rcvbuf",
			"SndbufErrors", "sndbuf", "NoPorts", "no-ports");

	private static Map<String, String> orderedMap(String... keysAndValues) {
		Map<String, String> map = new java.util.LinkedHashMap<>();
		for (int i = 0; i < keysAndValues.length; i += 2) {
			map.put(keysAndValues[i], keysAndValues[i + 1]);
		}
		return java.util.Collections.unmodifiableMap(map);
	}

	static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	private static final List<String> TCP_SOCKET_STATES = List.of("inuse", "orphan", "tw", "alloc");

	private final EchoServer server;

	private final Path procRoot;

	/**
	 * Create the binder for the echo server, reading the real {@code /proc}.
	 * @param server the echo server
	 */
	public EchoKernelMetrics(EchoServer server) {
		this(server, Path.of("/proc"));
	}

	/**
	 * Create the binder for the echo server, reading {@code /proc} files under the given
	 * root.
	 * @param server the echo server
	 * @param procRoot where {@code /proc} is mounted
	 */
	public EchoKernelMetrics(EchoServer server, Path procRoot) {
		this.server = Objects.requireNonNull(server, "server");
		this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		LongSupplier clock = registry.config().clock()::monotonicTime;
		bindListenStatistics(registry, clock);
		bindListenQueue(registry, clock);
		bindSocketStatistics(registry, clock);
		if (this.server.view().settings().udp().enabled()) {
			bindUdpErrors(registry, clock);
		}
	}

	private void bindUdpErrors(MeterRegistry registry, LongSupplier clock) {
		Sampled<Map<String, Long>> udp = new Sampled<>(() -> ProcNetParser.netstat(read("net/snmp"), "Udp"), clock);
		Sampled<Map<String, Long>> udp6 = new Sampled<>(() -> ProcNetParser.snmp6(read("net/snmp6")), clock);
		bindUdpErrors(registry, udp, "ipv4", "");
		bindUdpErrors(registry, udp6, "ipv6", "Udp6");
	}

	private void bindUdpErrors(MeterRegistry registry, Sampled<Map<String, Long>> source, String family,
			String prefix) {
		Map<String, Long> now = source.getOrNull();
		if (now == null) {
			return;
		}
		for (Map.Entry<String, String> counter : UDP_ERRORS.entrySet()) {
			String field = prefix + counter.getKey();
			if (now.containsKey(field)) {
				register(registry, EchoKernelMeters.KERNEL_UDP_ERRORS,
						Tags.of(EchoMeter.Tag.FAMILY.asString(), family,
								EchoMeter.Tag.CAUSE.asString(), counter.getValue()),
						source, (fields) -> orNaN(fields.get(field)));
			}
		}
	}

	private void bindListenStatistics(MeterRegistry registry, LongSupplier clock) {
		Sampled<Map<String, Long>> tcpExt = new Sampled<>(
				() -> ProcNetParser.netstat(read("net/netstat"), "TcpExt"), clock);
		Map<String, Long> now = tcpExt.getOrNull();
		if (now == null) {
			return;
		}
		if (now.containsKey("ListenOverflows")) {
			register(registry, EchoKernelMeters.KERNEL_LISTEN_OVERFLOWS, Tags.empty(), tcpExt,
					(fields) -> orNaN(fields.get("ListenOverflows")));
		}
		if (now.containsKey("ListenDrops")) {
			register(registry, EchoKernelMeters.KERNEL_LISTEN_DROPS, Tags.empty(), tcpExt,
					(fields) -> orNaN(fields.get("ListenDrops")));
		}
	}

	private void bindListenQueue(MeterRegistry registry, LongSupplier clock) {
		if (!Files.isReadable(this.procRoot.resolve("net/tcp")) && !Files.isReadable(this.procRoot.resolve("net/tcp6"))) {
			return;
		}
		Sampled<List<ListeningSocket>> listeners = new Sampled<>(this::readListeningSockets, clock);
		Tags tags = Tags.of(Tag.of(EchoMeter.Tag.LISTENER.asString(), ECHO_LISTENER));
		register(registry, EchoKernelMeters.LISTEN_QUEUE_DEPTH, tags, listeners, this::deepestAcceptQueue);
		int backlog = this.server.view().settings().backlog();
		long somaxconn = readSomaxconn();
		long max = (somaxconn > 0) ? Math.min(backlog, somaxconn) : backlog;
		Gauge.builder(EchoKernelMeters.LISTEN_QUEUE_MAX.getName(), () -> max)
			.tags(tags)
			.description(EchoKernelMeters.LISTEN_QUEUE_MAX.getDescription())
			.register(registry);
	}

	private @Nullable List<ListeningSocket> readListeningSockets() {
		List<ListeningSocket> sockets = new ArrayList<>();
		boolean read = false;
		for (String file : List.of("net/tcp", "net/tcp6")) {
			Path path = this.procRoot.resolve(file);
			try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.US_ASCII)) {
				sockets.addAll(ProcNetParser.listeningSockets(reader, ByteOrder.nativeOrder()));
				read = true;
			}
			catch (IOException ex) {
				// Continue: a kernel without IPv6 has no tcp6
			}
		}
		return read ? sockets : null;
	}

	private double deepestAcceptQueue(List<ListeningSocket> sockets) {
		int port = this.server.port();
		if (port <= 0) {
			return 0;
		}
		InetAddress bound = this.server.view().settings().address();
		long deepest = 0;
		for (ListeningSocket socket : sockets) {
			// Bound to every interface, the port is ours alone; bound to one address,
			// another process may hold the same port on another address.
			if (socket.port() == port && (bound == null || bound.isAnyLocalAddress() || bound.equals(socket.address()))) {
				deepest = Math.max(deepest, socket.acceptQueue());
			}
		}
		return deepest;
	}

	private long readSomaxconn() {
		try {
			return Long.parseLong(read("sys/net/core/somaxconn").trim());
		}
		catch (IOException | NumberFormatException ex) {
			return -1;
		}
	}

	private void bindSocketStatistics(MeterRegistry registry, LongSupplier clock) {
		Sampled<Map<String, Long>> tcp = new Sampled<>(() -> ProcNetParser.sockstat(read("net/sockstat"), "TCP"),
				clock);
		Map<String, Long> now = tcp.getOrNull();
		if (now == null) {
			return;
		}
		OptionalLong pageSize = readPageSize();
		if (now.containsKey("mem") && pageSize.isPresent()) {
			long bytesPerPage = pageSize.getAsLong();
			register(registry, EchoKernelMeters.KERNEL_TCP_MEMORY, Tags.empty(), tcp,
					(fields) -> orNaN(fields.get("mem")) * bytesPerPage);
		}
		for (String state : TCP_SOCKET_STATES) {
			if (now.containsKey(state)) {
				register(registry, EchoKernelMeters.KERNEL_TCP_SOCKETS,
						Tags.of(EchoMeter.Tag.STATE.asString(), state), tcp, (fields) -> orNaN(fields.get(state)));
			}
		}
	}

	private static double orNaN(@Nullable Long value) {
		return (value != null) ? value : Double.NaN;
	}

	private OptionalLong readPageSize() {
		// The first mapping's KernelPageSize is the base page size; reading on from there
		// would walk every mapping of the JVM.
		try (BufferedReader reader = Files.newBufferedReader(this.procRoot.resolve("self/smaps"),
				StandardCharsets.US_ASCII)) {
			StringBuilder head = new StringBuilder();
			String line;
			while ((line = reader.readLine()) != null) {
				head.append(line).append('\n');
				if (line.startsWith("KernelPageSize:")) {
					break;
				}
			}
			return ProcNetParser.kernelPageSize(head.toString());
		}
		catch (IOException ex) {
			return OptionalLong.empty();
		}
	}

	private String read(String file) throws IOException {
		// Not Files.readString, which misreads /proc/sys files: on JDK 17 it returned "4"
		// for a somaxconn of "4096\n". A plain stream read to the end gets it right.
		try (InputStream in = Files.newInputStream(this.procRoot.resolve(file))) {
			return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
		}
	}

	// The server is the meters' state object: the application holds it for as long as the
	// meters live, while Micrometer holds state objects only weakly.
	private <T> void register(MeterRegistry registry, EchoKernelMeters meter, Tags tags, Sampled<T> source,
			ToDoubleFunction<T> value) {
		// NaN where the file or field has gone since the meter was bound: unknown, not 0.
		ToDoubleFunction<EchoServer> function = (server) -> {
			T sample = source.getOrNull();
			if (sample == null) {
				return Double.NaN;
			}
			return value.applyAsDouble(sample);
		};
		switch (meter.getType()) {
			case COUNTER -> FunctionCounter.builder(meter.getName(), this.server, function)
				.tags(tags)
				.description(meter.getDescription())
				.baseUnit(meter.getBaseUnit())
				.register(registry);
			case GAUGE -> Gauge.builder(meter.getName(), this.server, function)
				.tags(tags)
				.description(meter.getDescription())
				.baseUnit(meter.getBaseUnit())
				.register(registry);
			default -> throw new IllegalArgumentException(meter + " is not a counter or a gauge");
		}
	}

	/**
	 * Something read from {@code /proc}, kept for {@link #MAX_AGE_NANOS} so that the
	 * meters of one scrape share one read.
	 */
	private static final class Sampled<T> {

		private final IoSupplier<T> reader;

		private final LongSupplier clock;

		private @Nullable T value;

		private long readAt;

		private boolean present;

		Sampled(IoSupplier<T> reader, LongSupplier clock) {
			this.reader = reader;
			this.clock = clock;
		}

		synchronized @Nullable T getOrNull() {
			long now = this.clock.getAsLong();
			if (!this.present || now - this.readAt >= MAX_AGE_NANOS) {
				try {
					this.value = this.reader.get();
				}
				catch (IOException | RuntimeException ex) {
					this.value = null;
				}
				this.readAt = now;
				this.present = true;
			}
			return this.value;
		}

	}

	@FunctionalInterface
	private interface IoSupplier<T> {

		@Nullable T get() throws IOException;

	}

}

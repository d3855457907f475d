package io.echoreactor.metrics;

import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's view of the echo service, bound by {@link EchoKernelMetrics} from
 * {@code /proc}: listen queues, TCP socket memory and counts, and UDP errors. These
 * meters exist only where {@code /proc} has their source, and describe the process's
 * network namespace (the pod's), some of them the whole host.
 */
public enum EchoKernelMeters implements EchoMeter {

	KERNEL_UDP_ERRORS("echo.kernel.udp.errors", Meter.Type.COUNTER, null,
			"The kernel's UDP error counters for this network namespace (/proc/net/snmp, and /proc/net/snmp6 for "
					+ "family=ipv6), by cause: in (InErrors: datagrams received but not delivered), rcvbuf "
					+ "(RcvbufErrors: dropped because a socket's receive buffer was full), sndbuf (SndbufErrors), "
					+ "no-ports (NoPorts: datagrams to a port nobody listens on). Healthy: rcvbuf and in stay 0; a "
					+ "rising rcvbuf means the reactors do not keep up, or echo.server.udp.receive-buffer-size is "
					+ "too small.",
			Tag.FAMILY, Tag.CAUSE),

	KERNEL_LISTEN_OVERFLOWS("echo.kernel.listen.overflows", Meter.Type.COUNTER, null,
			"Times the kernel found a listening socket's accept queue full (TcpExt ListenOverflows in "
					+ "/proc/net/netstat; every socket of this network namespace, so of the pod). Healthy: 0; a "
					+ "rising count means connections wait for accept() longer than the backlog allows."),

	KERNEL_LISTEN_DROPS("echo.kernel.listen.drops", Meter.Type.COUNTER, null,
			"Connection attempts the kernel dropped at a listening socket, overflows included (TcpExt ListenDrops "
					+ "in /proc/net/netstat, for this network namespace). Healthy: 0."),

	LISTEN_QUEUE_DEPTH("echo.listen.queue.depth", Meter.Type.GAUGE, null,
			"Connections the kernel has completed that wait in the echo port's accept queue now (rx_queue of its "
					+ "LISTEN entry in /proc/net/tcp or tcp6; the deepest queue in reuseport mode). Healthy: 0 or a "
					+ "few; at echo_listen_queue_max the kernel drops new connections.",
			Tag.LISTENER),

	LISTEN_QUEUE_MAX("echo.listen.queue.max", Meter.Type.GAUGE, null,
			"The longest accept queue the kernel allows each echo listening socket: echo.server.backlog capped by "
					+ "net.core.somaxconn. Healthy: well above echo_listen_queue_depth.",
			Tag.LISTENER),

	KERNEL_TCP_MEMORY("echo.kernel.tcp.memory", Meter.Type.GAUGE, "bytes",
			"Memory the kernel holds for TCP socket buffers (TCP mem in /proc/net/sockstat, in pages, times the "
					+ "page size; host-wide). Healthy: well below the pressure threshold of net.ipv4.tcp_mem."),

	KERNEL_TCP_SOCKETS("echo.kernel.tcp.sockets", Meter.Type.GAUGE, null,
			"TCP sockets as /proc/net/sockstat counts them: inuse (open, in this network namespace), orphan "
					+ "(closed by their process, not yet by the peer), tw (in TIME_WAIT), alloc (allocated). Healthy: "
					+ "orphan near 0 and tw following the close rate.",
			Tag.STATE);

	private final MeterSpec spec;

	EchoKernelMeters(String name, Meter.Type type, @Nullable String baseUnit, String description, Tag... tags) {
		this.spec = MeterSpec.of(name, type, baseUnit, description, tags);
	}

	@Override
	public MeterSpec spec() {
		return this.spec;
	}

}

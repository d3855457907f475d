package io.echoreactor.metrics;

import io.echoreactor.reactor.counters.AcceptError;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.counters.IncompleteWrite;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.TlsViolation;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.tls.TlsContext;
import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * Every meter of the echo service's reactors: its name, type, base unit, tag keys and
 * description, defined here once (cf. Netty's {@code NettyMeters}); the UDP echo's are in
 * {@link EchoUdpMeters}, the kernel's view in {@link EchoKernelMeters}. The
 * {@link #prometheusName() Prometheus name} each one renders to is part of the service's
 * contract with dashboards and alerts: the tests check them, and {@code docs/metrics.md},
 * the metrics reference, is generated from these enums.
 *
 * <p>
 * A meter whose {@code cause} or {@code result} tells kinds of events apart takes its
 * values from the enum of those kinds ({@link CloseCause}, {@link WakeupCause} and the
 * rest): one series per constant, tagged with its {@link CountedEvent#tag() tag value},
 * and a description that lists each with its {@link CountedEvent#description() meaning}.
 * A new kind of event is one new constant there, and nothing here.
 *
 * <p>
 * Words used in the names and descriptions:
 * <ul>
 * <li>A <em>wakeup</em> is a return from {@code select()}, that is from
 * {@code epoll_wait}, counted with exactly one cause.</li>
 * <li>A <em>wakeup call</em> is a {@code Selector.wakeup()} that another thread actually
 * issued after winning the reactor's compare-and-set (the write to the selector's
 * eventfd). Many {@code execute()} calls coalesce into one.</li>
 * <li>An <em>empty</em> read, write or accept is one that the kernel answered with
 * EAGAIN: {@code read()} returned 0, {@code write()} took nothing, {@code accept()}
 * found no connection.</li>
 * </ul>
 *
 * <p>
 * Per-thread meters carry the tag {@code reactor}: the reactor's index, {@code "0"} to
 * {@code "N-1"}. In {@code acceptor} mode the accept-side meters (accepts, rejected
 * connections, accept errors) belong to the acceptor thread alone, tagged
 * {@code reactor="acceptor"}, and {@code echo.reactor.alive} and
 * {@code echo.reactor.loop.failures} exist for it as well as for each reactor. Every
 * series, each cause included, exists with value 0 from start-up.
 *
 * @see EchoReactorMetrics
 * @see EchoKernelMetrics
 */
public enum EchoReactorMeters implements EchoMeter {

	CONNECTIONS_ACTIVE("echo.connections.active", Meter.Type.GAUGE, null,
			"Connections open on this reactor now. Healthy: about equal across reactors and, summed, well below "
					+ "echo_connections_max.",
			Tag.REACTOR),

	CONNECTIONS_ACCEPTED("echo.connections.accepted", Meter.Type.COUNTER, null,
			"Connections registered with this reactor and served; its rate is the connection rate. Healthy: "
					+ "whatever the clients do, spread about evenly over the reactors.",
			Tag.REACTOR),

	CONNECTIONS_REJECTED("echo.connections.rejected", Meter.Type.COUNTER, null,
			"Connections accepted and closed at once, by cause",
			RejectCause.class,
			"Healthy: 0; a rising count means a limit is too low, or clients leak or flood connections.",
			Tag.REACTOR, Tag.CAUSE),

	CONNECTIONS_CLOSED("echo.connections.closed", Meter.Type.COUNTER, null,
			"Connections closed, by cause",
			CloseCause.class,
			"Healthy: mostly eof; the others near 0.",
			Tag.REACTOR, Tag.CAUSE),

	CONNECTIONS_RESETS("echo.connections.resets", Meter.Type.COUNTER, null,
			"Closes the server sent as a reset (RST, SO_LINGER 0) rather than a FIN, so that the client sees an "
					+ "error instead of a clean end: bytes it sent could not be echoed (they arrived after the "
					+ "server's FIN, or the connection was not quiet by its closing deadline), or echoes it was owed "
					+ "were dropped (write-timeout, evicted). Healthy: near 0.",
			Tag.REACTOR),

	CONNECTIONS_AWAITING_MEMORY("echo.connections.awaiting.memory", Meter.Type.GAUGE, null,
			"Connections that wait to read because max-pending-output is spent, until memory comes back. "
					+ "Healthy: 0; above 0 the budget is too small for the clients that do not read their echoes.",
			Tag.REACTOR),

	MEMORY_WAITS("echo.memory.waits", Meter.Type.COUNTER, null,
			"Times a connection had to wait to read because max-pending-output was spent. Healthy: 0.",
			Tag.REACTOR),

	CONNECTIONS_AWAITING_SESSION_MEMORY("echo.connections.awaiting.session.memory", Meter.Type.GAUGE, null,
			"Connections that wait for echo.server.max-session-memory with reading off: TLS handshakes that wait "
					+ "to start, and TLS or PROXY connections that could hold more of a record or header in part. "
					+ "Healthy: 0; above 0 for long, the budget is too small for the TLS connections it serves, or "
					+ "clients hold records unfinished.",
			Tag.REACTOR),

	SESSION_MEMORY_WAITS("echo.session.memory.waits", Meter.Type.COUNTER, null,
			"Times a connection had to wait for echo.server.max-session-memory. Healthy: 0.", Tag.REACTOR),

	SESSION_MEMORY("echo.session.memory", Meter.Type.GAUGE, "bytes",
			"Heap charged to echo.server.max-session-memory now: each TLS connection's engine (24 KiB during its "
					+ "handshake, 12 KiB after) and the records and PROXY headers held in part. Healthy: below "
					+ "echo_session_memory_limit_bytes by more than a handshake's cost."),

	SESSION_MEMORY_LIMIT("echo.session.memory.limit", Meter.Type.GAUGE, "bytes",
			"The most heap connections may hold for TLS sessions and records and headers in part "
					+ "(echo.server.max-session-memory). New handshakes start only while it has room. Healthy: "
					+ "echo_session_memory_bytes stays below it by more than a handshake's 24 KiB."),

	TLS_VIOLATIONS("echo.tls.violations", Meter.Type.COUNTER, null,
			"Established TLS connections reset because the client broke TLS (closed{cause=\"tls-protocol\"}), by cause",
			TlsViolation.class,
			"Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	CONNECTIONS_MAX("echo.connections.max", Meter.Type.GAUGE, null,
			"The echo.server.max-connections setting: connections served at once before new ones are rejected. "
					+ "Healthy: the sum of echo_connections_active stays well below it."),

	CONNECTIONS_PAUSED("echo.connections.paused", Meter.Type.GAUGE, null,
			"Connections whose reading is paused now because their pending output passed "
					+ "write-buffer-high-water-mark. Healthy: 0 or a few; a steady high value means clients do not "
					+ "read their echoes.",
			Tag.REACTOR),

	RECEIVED("echo.received", Meter.Type.COUNTER, "bytes",
			"Bytes read from clients. Healthy: over time equal to echo_sent_bytes_total; the two differ by "
					+ "echo_pending_bytes at most.",
			Tag.REACTOR),

	SENT("echo.sent", Meter.Type.COUNTER, "bytes",
			"Bytes written back to clients. Healthy: over time equal to echo_received_bytes_total.", Tag.REACTOR),

	PENDING("echo.pending", Meter.Type.GAUGE, "bytes",
			"Bytes read but not yet written back, over this reactor's connections. Healthy: near 0; it is bounded "
					+ "by about write-buffer-high-water-mark plus one read buffer per slow connection.",
			Tag.REACTOR),

	PENDING_LIMIT("echo.pending.limit", Meter.Type.GAUGE, "bytes",
			"The most direct memory all connections' pending output may hold together (echo.server."
					+ "max-pending-output). When it runs short, connections wait to read and the worst holder is "
					+ "evicted. Healthy: the sum of echo_pending_bytes stays well below it."),

	PENDING_ALLOCATED("echo.pending.allocated", Meter.Type.GAUGE, "bytes",
			"Direct memory allocated for pending output so far: chunks are kept and reused, never left to the "
					+ "garbage collector, so this only grows, up to echo_pending_limit_bytes, and is what "
					+ "jvm_buffer_memory_used_bytes{id=\"direct\"} holds for pending output. Healthy: well below "
					+ "echo_pending_limit_bytes; at it, the budget has been spent at least once."),

	SELECTOR_WAKEUPS("echo.selector.wakeups", Meter.Type.COUNTER, null,
			"Returns from select() (epoll_wait), each with exactly one cause, in this precedence",
			WakeupCause.class,
			"The causes sum to all returns. Healthy: io follows the traffic, timeout about once per select timeout "
					+ "when idle, spurious 0; a steady spurious rate is a selector spin.",
			Tag.REACTOR, Tag.CAUSE),

	SELECTOR_WAKEUP_CALLS("echo.selector.wakeup.calls", Meter.Type.COUNTER, null,
			"Selector.wakeup() calls that other threads issued to this reactor after coalescing, each one a "
					+ "write to the selector's eventfd. Healthy: at most one per connection handed over by the "
					+ "acceptor or per queued task, and close to the task wakeups.",
			Tag.REACTOR),

	SELECTOR_READY_KEYS("echo.selector.ready.keys", Meter.Type.DISTRIBUTION_SUMMARY, null,
			"Keys ready per return from select(): what epoll_wait returned each time, 0 for task and timeout "
					+ "returns. Its count equals all wakeups. Healthy: small at light load, growing with load as "
					+ "each wakeup serves more sockets.",
			Tag.REACTOR),

	READS("echo.reads", Meter.Type.COUNTER, null,
			"read() calls on client sockets. Healthy: about one per ready connection per wakeup, more when a "
					+ "client sends more than one read buffer at a time.",
			Tag.REACTOR),

	READS_EMPTY("echo.reads.empty", Meter.Type.COUNTER, null,
			"read() calls that returned 0 bytes (EAGAIN). The loop stops after a short read rather than read "
					+ "again just to meet EAGAIN, so these are rare. Healthy: well under 1% of echo_reads_total.",
			Tag.REACTOR),

	WRITES("echo.writes", Meter.Type.COUNTER, null,
			"write() calls on client sockets; a gathering write counts once. Healthy: about one per read that "
					+ "returned data.",
			Tag.REACTOR),

	WRITES_INCOMPLETE("echo.writes.incomplete", Meter.Type.COUNTER, null,
			"write() calls that did not take all that was offered, by result",
			IncompleteWrite.class,
			"Healthy: near 0; they rise when clients read slower than they send.",
			Tag.REACTOR, Tag.RESULT),

	OP_WRITE_REGISTRATIONS("echo.op.write.registrations", Meter.Type.COUNTER, null,
			"Times OP_WRITE was added to a connection's interest set after an incomplete write (one epoll_ctl "
					+ "each). Healthy: near 0; each one means a client's receive window was full.",
			Tag.REACTOR),

	BACKPRESSURE_PAUSES("echo.backpressure.pauses", Meter.Type.COUNTER, null,
			"Times reading from a connection was paused at write-buffer-high-water-mark. Healthy: 0 or rare; a "
					+ "sustained rate means clients do not read their echoes.",
			Tag.REACTOR),

	ACCEPTS("echo.accepts", Meter.Type.COUNTER, null,
			"accept() calls on a listening socket by the thread that accepts (reactor=\"acceptor\" in acceptor "
					+ "mode). Healthy: the connections accepted plus about one empty accept per burst.",
			Tag.REACTOR),

	ACCEPTS_EMPTY("echo.accepts.empty", Meter.Type.COUNTER, null,
			"accept() calls that found no connection (EAGAIN); one ends each burst. Healthy: at most one per "
					+ "readiness event of the listening socket.",
			Tag.REACTOR),

	ACCEPT_ERRORS("echo.accept.errors", Meter.Type.COUNTER, null,
			"accept() failures, by cause",
			AcceptError.class,
			"Accepting pauses for 100 ms after each. Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	REACTOR_BUSY("echo.reactor.busy", Meter.Type.COUNTER, "seconds",
			"Time the thread spent outside select(): echoing, accepting, running tasks; its rate is the busy "
					+ "ratio. Healthy: well below 1 second per second; near 1 the reactor is saturated.",
			Tag.REACTOR),

	REACTOR_BUSY_RATIO("echo.reactor.busy.ratio", Meter.Type.GAUGE, null,
			"Share of wall time the thread spent outside select() since the previous sample. Samples are taken "
					+ "when the gauge is read and at least 1 s apart, so with one scraper this is the average over "
					+ "the scrape interval; rate(echo_reactor_busy_seconds_total) gives any other window. Healthy: "
					+ "well below 1; near 1 the reactor is saturated and adds latency.",
			Tag.REACTOR),

	REACTOR_TASKS_PENDING("echo.reactor.tasks.pending", Meter.Type.GAUGE, null,
			"Tasks that other threads queued for this reactor (such as connections handed over by the acceptor) "
					+ "and that have not run yet. Healthy: 0 or close to it; a growing queue means the loop is stuck "
					+ "or saturated.",
			Tag.REACTOR),

	REACTOR_ALLOCATED("echo.reactor.allocated", Meter.Type.COUNTER, "bytes",
			"Heap bytes the reactor thread has allocated (the JVM's own per-thread count). Healthy: flat while it "
					+ "echoes: the echo path allocates nothing per message or per wakeup; it grows with new "
					+ "connections, TLS handshakes and UDP sources.",
			Tag.REACTOR),

	REACTOR_TASKS("echo.reactor.tasks", Meter.Type.COUNTER, null,
			"Tasks that other threads queued for this reactor and that it ran, such as connections handed over "
					+ "by the acceptor. Healthy: follows the connection rate.",
			Tag.REACTOR),

	REACTOR_ALIVE("echo.reactor.alive", Meter.Type.GAUGE, null,
			"1 unless this thread (a reactor, or the acceptor) has died while the server runs; then 0, and the "
					+ "echo health indicator, part of liveness, is DOWN. Healthy: 1.",
			Tag.REACTOR),

	REACTOR_LOOP_FAILURES("echo.reactor.loop.failures", Meter.Type.COUNTER, null,
			"Unexpected failures caught by the thread's loop (a reactor's, or the acceptor's), which logs each one "
					+ "and pauses for 100 ms. Healthy: 0.",
			Tag.REACTOR),

	SELECTOR_REBUILDS("echo.selector.rebuilds", Meter.Type.COUNTER, null,
			"Selectors rebuilt with every key, by cause",
			RebuildCause.class,
			"Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	REACTOR_SELECT_AGE("echo.reactor.select.age", Meter.Type.GAUGE, "seconds",
			"Time since the thread (a reactor, or the acceptor) last returned from select(). Healthy: at most "
					+ "about 1 s (the select timeout), busy or idle; past echo.server.stall-timeout the thread is "
					+ "stalled (blocked in a slow log appender, say), health reports it and the acceptor stops "
					+ "handing it connections.",
			Tag.REACTOR),

	TLS_HANDSHAKES("echo.tls.handshakes", Meter.Type.COUNTER, null,
			"TLS handshakes on the TLS port, by result: ok, or why it failed",
			TlsFailure.class,
			"Healthy: ok follows the TLS connection rate; failures near 0, eof aside.",
			Tag.REACTOR, Tag.RESULT),

	TLS_HANDSHAKE_TIME("echo.tls.handshake", Meter.Type.TIMER, "seconds",
			"Time from a TLS connection's registration to the end of its handshake, delegated tasks included. "
					+ "Healthy: about the client's round trips plus a millisecond or two of key exchange."),

	TLS_CONNECTIONS("echo.tls.connections", Meter.Type.COUNTER, null,
			"TLS connections established, by negotiated protocol and cipher suite (a series appears with its "
					+ "first connection). Healthy: the protocols and suites the bundle's options intend.",
			Tag.PROTOCOL, Tag.CIPHER),

	TLS_TASK_TIME("echo.tls.task", Meter.Type.COUNTER, "seconds",
			"Time the reactor spent running the TLS engine's delegated tasks (key exchange, certificate checks) "
					+ "inline on its own thread. Healthy: a small part of echo_reactor_busy_seconds_total; a large "
					+ "part means handshakes dominate the reactor.",
			Tag.REACTOR),

	TLS_BUNDLE_RELOADS("echo.tls.bundle.reloads", Meter.Type.COUNTER, null,
			"Reloads of the TLS port's SSL bundle (reload-on-update: its files changed), by result",
			TlsContext.ReloadResult.class,
			"Healthy: applied follows the certificate rotations, refused 0.",
			Tag.RESULT),

	PROXY_HEADERS("echo.proxy.headers", Meter.Type.COUNTER, null,
			"PROXY protocol headers read from connections of trusted sources, by result",
			ProxyHeaderResult.class,
			"Refused ones close the connection as closed{cause=\"proxy-header\"}. Healthy: v1 or v2 only; untrusted "
					+ "means clients bypass the load balancer.",
			Tag.REACTOR, Tag.RESULT),

	READY("echo.ready", Meter.Type.GAUGE, null,
			"1 while the service takes traffic (readiness ACCEPTING_TRAFFIC), else 0: until the echo port is bound "
					+ "and from the start of the drain. Healthy: 1 except during start-up and shutdown.");

	private final MeterSpec spec;

	EchoReactorMeters(String name, Meter.Type type, @Nullable String baseUnit, String description, Tag... tags) {
		this.spec = MeterSpec.of(name, type, baseUnit, description, tags);
	}

	EchoReactorMeters(String name, Meter.Type type, @Nullable String baseUnit, String what,
			Class<? extends CountedEvent> events, String healthy, Tag... tags) {
		this.spec = MeterSpec.counted(name, type, baseUnit, what, events, healthy, tags);
	}

	@Override
	public MeterSpec spec() {
		return this.spec;
	}

}

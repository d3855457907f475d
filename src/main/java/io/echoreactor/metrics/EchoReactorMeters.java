package io.echoreactor.metrics;

import java.util.Arrays;
import java.util.List;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;

/**
 * Every meter of the echo service: its name, type, base unit, tag keys and description,
 * defined here once (cf. Netty's {@code NettyMeters}). The Prometheus name each one
 * renders to is part of the service's contract with dashboards and alerts; it is given
 * in each constant's Javadoc and checked by the tests.
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
 * series, each cause included, exists with value 0 from start-up; the kernel's meters
 * exist only where {@code /proc} has them.
 *
 * @see EchoReactorMetrics
 * @see EchoKernelMetrics
 */
public enum EchoReactorMeters implements MeterDocumentation {

	/** {@code echo_connections_active{reactor}}. */
	CONNECTIONS_ACTIVE("echo.connections.active", Meter.Type.GAUGE, null,
			"Connections open on this reactor now. Healthy: about equal across reactors and, summed, well below "
					+ "echo_connections_max.",
			Tag.REACTOR),

	/** {@code echo_connections_accepted_total{reactor}}. */
	CONNECTIONS_ACCEPTED("echo.connections.accepted", Meter.Type.COUNTER, null,
			"Connections registered with this reactor and served; its rate is the connection rate. Healthy: "
					+ "whatever the clients do, spread about evenly over the reactors.",
			Tag.REACTOR),

	/** {@code echo_connections_rejected_total{reactor,cause="limit|address-limit"}}. */
	CONNECTIONS_REJECTED("echo.connections.rejected", Meter.Type.COUNTER, null,
			"Connections accepted and closed at once, by cause: limit (echo.server.max-connections was reached), "
					+ "address-limit (the client's address already had echo.server.max-connections-per-address). "
					+ "Healthy: 0; a rising count means a limit is too low, or clients leak or flood connections.",
			Tag.REACTOR, Tag.CAUSE),

	/**
	 * {@code echo_connections_closed_total{reactor,cause="eof|reset|idle|max-age|shutdown|error|write-timeout|evicted"}}.
	 */
	CONNECTIONS_CLOSED("echo.connections.closed", Meter.Type.COUNTER, null,
			"Connections closed, by cause: eof (the client finished), reset (reset by the peer or broken pipe), "
					+ "idle (idle-timeout), max-age (max-connection-age), shutdown (the drain), error (any other "
					+ "I/O failure), write-timeout (echoes waited longer than echo.server.write-timeout: the client "
					+ "does not read them), evicted (max-pending-output ran short and this connection held the most "
					+ "of it, without reading, for the longest). Healthy: mostly eof; the others near 0.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_connections_resets_total{reactor}}. */
	CONNECTIONS_RESETS("echo.connections.resets", Meter.Type.COUNTER, null,
			"Closes the server sent as a reset (RST, SO_LINGER 0) rather than a FIN, so that the client sees an "
					+ "error instead of a clean end: bytes it sent could not be echoed (they arrived after the "
					+ "server's FIN, or the connection was not quiet by its closing deadline), or echoes it was owed "
					+ "were dropped (write-timeout, evicted). Healthy: near 0.",
			Tag.REACTOR),

	/** {@code echo_connections_awaiting_memory{reactor}}. */
	CONNECTIONS_AWAITING_MEMORY("echo.connections.awaiting.memory", Meter.Type.GAUGE, null,
			"Connections that wait to read because max-pending-output is spent, until memory comes back. "
					+ "Healthy: 0; above 0 the budget is too small for the clients that do not read their echoes.",
			Tag.REACTOR),

	/** {@code echo_memory_waits_total{reactor}}. */
	MEMORY_WAITS("echo.memory.waits", Meter.Type.COUNTER, null,
			"Times a connection had to wait to read because max-pending-output was spent. Healthy: 0.",
			Tag.REACTOR),

	/** {@code echo_connections_awaiting_session_memory{reactor}}. */
	CONNECTIONS_AWAITING_SESSION_MEMORY("echo.connections.awaiting.session.memory", Meter.Type.GAUGE, null,
			"Connections that wait for echo.server.max-session-memory with reading off: TLS handshakes that wait "
					+ "to start, and TLS or PROXY connections that could hold more of a record or header in part. "
					+ "Healthy: 0; above 0 for long, the budget is too small for the TLS connections it serves, or "
					+ "clients hold records unfinished.",
			Tag.REACTOR),

	/** {@code echo_session_memory_waits_total{reactor}}. */
	SESSION_MEMORY_WAITS("echo.session.memory.waits", Meter.Type.COUNTER, null,
			"Times a connection had to wait for echo.server.max-session-memory. Healthy: 0.", Tag.REACTOR),

	/** {@code echo_session_memory_bytes}. */
	SESSION_MEMORY("echo.session.memory", Meter.Type.GAUGE, "bytes",
			"Heap charged to echo.server.max-session-memory now: each TLS connection's engine (24 KiB during its "
					+ "handshake, 12 KiB after) and the records and PROXY headers held in part. Healthy: below "
					+ "echo_session_memory_limit_bytes by more than a handshake's cost."),

	/** {@code echo_session_memory_limit_bytes}. */
	SESSION_MEMORY_LIMIT("echo.session.memory.limit", Meter.Type.GAUGE, "bytes",
			"The most heap connections may hold for TLS sessions and records and headers in part "
					+ "(echo.server.max-session-memory). New handshakes start only while it has room. Healthy: "
					+ "echo_session_memory_bytes stays below it by more than a handshake's 24 KiB."),

	/** {@code echo_tls_violations_total{reactor,cause}}. */
	TLS_VIOLATIONS("echo.tls.violations", Meter.Type.COUNTER, null,
			"Established TLS connections reset because the client broke TLS (closed{cause=\"tls-protocol\"}), by "
					+ "cause: renegotiation (a TLS 1.2 client began a new handshake: refused), key-updates (a TLS 1.3 "
					+ "client sent more key updates in a minute than allowed), record (a record that did not "
					+ "decrypt or was malformed). Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_connections_max}. */
	CONNECTIONS_MAX("echo.connections.max", Meter.Type.GAUGE, null,
			"The echo.server.max-connections setting: connections served at once before new ones are rejected. "
					+ "Healthy: the sum of echo_connections_active stays well below it."),

	/** {@code echo_connections_paused{reactor}}. */
	CONNECTIONS_PAUSED("echo.connections.paused", Meter.Type.GAUGE, null,
			"Connections whose reading is paused now because their pending output passed "
					+ "write-buffer-high-water-mark. Healthy: 0 or a few; a steady high value means clients do not "
					+ "read their echoes.",
			Tag.REACTOR),

	/** {@code echo_received_bytes_total{reactor}}. */
	RECEIVED("echo.received", Meter.Type.COUNTER, "bytes",
			"Bytes read from clients. Healthy: over time equal to echo_sent_bytes_total; the two differ by "
					+ "echo_pending_bytes at most.",
			Tag.REACTOR),

	/** {@code echo_sent_bytes_total{reactor}}. */
	SENT("echo.sent", Meter.Type.COUNTER, "bytes",
			"Bytes written back to clients. Healthy: over time equal to echo_received_bytes_total.", Tag.REACTOR),

	/** {@code echo_pending_bytes{reactor}}. */
	PENDING("echo.pending", Meter.Type.GAUGE, "bytes",
			"Bytes read but not yet written back, over this reactor's connections. Healthy: near 0; it is bounded "
					+ "by about write-buffer-high-water-mark plus one read buffer per slow connection.",
			Tag.REACTOR),

	/** {@code echo_pending_limit_bytes}. */
	PENDING_LIMIT("echo.pending.limit", Meter.Type.GAUGE, "bytes",
			"The most direct memory all connections' pending output may hold together (echo.server."
					+ "max-pending-output). When it runs short, connections wait to read and the worst holder is "
					+ "evicted. Healthy: the sum of echo_pending_bytes stays well below it."),

	/** {@code echo_pending_allocated_bytes}. */
	PENDING_ALLOCATED("echo.pending.allocated", Meter.Type.GAUGE, "bytes",
			"Direct memory allocated for pending output so far: chunks are kept and reused, never left to the "
					+ "garbage collector, so this only grows, up to echo_pending_limit_bytes, and is what "
					+ "jvm_buffer_memory_used_bytes{id=\"direct\"} holds for pending output. Healthy: well below "
					+ "echo_pending_limit_bytes; at it, the budget has been spent at least once."),

	/** {@code echo_selector_wakeups_total{reactor,cause="io|task|timeout|spurious"}}. */
	SELECTOR_WAKEUPS("echo.selector.wakeups", Meter.Type.COUNTER, null,
			"Returns from select() (epoll_wait), each with exactly one cause, in this precedence: io (keys were "
					+ "selected), task (another thread called Selector.wakeup() or had queued work), timeout (the "
					+ "select timeout elapsed), spurious (an early return for no reason). The causes sum to all "
					+ "returns. Healthy: io follows the traffic, timeout about once per select timeout when idle, "
					+ "spurious 0; a steady spurious rate is a selector spin.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_selector_wakeup_calls_total{reactor}}. */
	SELECTOR_WAKEUP_CALLS("echo.selector.wakeup.calls", Meter.Type.COUNTER, null,
			"Selector.wakeup() calls that other threads issued to this reactor after coalescing, each one a "
					+ "write to the selector's eventfd. Healthy: at most one per connection handed over by the "
					+ "acceptor or per queued task, and close to the task wakeups.",
			Tag.REACTOR),

	/**
	 * {@code echo_selector_ready_keys_bucket/_count/_sum{reactor}} and
	 * {@code echo_selector_ready_keys_max{reactor}}.
	 */
	SELECTOR_READY_KEYS("echo.selector.ready.keys", Meter.Type.DISTRIBUTION_SUMMARY, null,
			"Keys ready per return from select(): what epoll_wait returned each time, 0 for task and timeout "
					+ "returns. Its count equals all wakeups. Healthy: small at light load, growing with load as "
					+ "each wakeup serves more sockets.",
			Tag.REACTOR),

	/** {@code echo_reads_total{reactor}}. */
	READS("echo.reads", Meter.Type.COUNTER, null,
			"read() calls on client sockets. Healthy: about one per ready connection per wakeup, more when a "
					+ "client sends more than one read buffer at a time.",
			Tag.REACTOR),

	/** {@code echo_reads_empty_total{reactor}}. */
	READS_EMPTY("echo.reads.empty", Meter.Type.COUNTER, null,
			"read() calls that returned 0 bytes (EAGAIN). The loop stops after a short read rather than read "
					+ "again just to meet EAGAIN, so these are rare. Healthy: well under 1% of echo_reads_total.",
			Tag.REACTOR),

	/** {@code echo_writes_total{reactor}}. */
	WRITES("echo.writes", Meter.Type.COUNTER, null,
			"write() calls on client sockets; a gathering write counts once. Healthy: about one per read that "
					+ "returned data.",
			Tag.REACTOR),

	/** {@code echo_writes_incomplete_total{reactor,result="partial|empty"}}. */
	WRITES_INCOMPLETE("echo.writes.incomplete", Meter.Type.COUNTER, null,
			"write() calls that did not take all that was offered: partial (some bytes written) or empty "
					+ "(nothing written: EAGAIN). Healthy: near 0; they rise when clients read slower than they "
					+ "send.",
			Tag.REACTOR, Tag.RESULT),

	/** {@code echo_op_write_registrations_total{reactor}}. */
	OP_WRITE_REGISTRATIONS("echo.op.write.registrations", Meter.Type.COUNTER, null,
			"Times OP_WRITE was added to a connection's interest set after an incomplete write (one epoll_ctl "
					+ "each). Healthy: near 0; each one means a client's receive window was full.",
			Tag.REACTOR),

	/** {@code echo_backpressure_pauses_total{reactor}}. */
	BACKPRESSURE_PAUSES("echo.backpressure.pauses", Meter.Type.COUNTER, null,
			"Times reading from a connection was paused at write-buffer-high-water-mark. Healthy: 0 or rare; a "
					+ "sustained rate means clients do not read their echoes.",
			Tag.REACTOR),

	/** {@code echo_accepts_total{reactor}}. */
	ACCEPTS("echo.accepts", Meter.Type.COUNTER, null,
			"accept() calls on a listening socket by the thread that accepts (reactor=\"acceptor\" in acceptor "
					+ "mode). Healthy: the connections accepted plus about one empty accept per burst.",
			Tag.REACTOR),

	/** {@code echo_accepts_empty_total{reactor}}. */
	ACCEPTS_EMPTY("echo.accepts.empty", Meter.Type.COUNTER, null,
			"accept() calls that found no connection (EAGAIN); one ends each burst. Healthy: at most one per "
					+ "readiness event of the listening socket.",
			Tag.REACTOR),

	/** {@code echo_accept_errors_total{reactor,cause="too-many-open-files|other"}}. */
	ACCEPT_ERRORS("echo.accept.errors", Meter.Type.COUNTER, null,
			"accept() failures, by cause: too-many-open-files (EMFILE or ENFILE: out of descriptors) or other. "
					+ "Accepting pauses for 100 ms after each. Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_reactor_busy_seconds_total{reactor}}. */
	REACTOR_BUSY("echo.reactor.busy", Meter.Type.COUNTER, "seconds",
			"Time the thread spent outside select(): echoing, accepting, running tasks; its rate is the busy "
					+ "ratio. Healthy: well below 1 second per second; near 1 the reactor is saturated.",
			Tag.REACTOR),

	/** {@code echo_reactor_busy_ratio{reactor}}. */
	REACTOR_BUSY_RATIO("echo.reactor.busy.ratio", Meter.Type.GAUGE, null,
			"Share of wall time the thread spent outside select() since the previous sample. Samples are taken "
					+ "when the gauge is read and at least 1 s apart, so with one scraper this is the average over "
					+ "the scrape interval; rate(echo_reactor_busy_seconds_total) gives any other window. Healthy: "
					+ "well below 1; near 1 the reactor is saturated and adds latency.",
			Tag.REACTOR),

	/** {@code echo_reactor_tasks_pending{reactor}}. */
	REACTOR_TASKS_PENDING("echo.reactor.tasks.pending", Meter.Type.GAUGE, null,
			"Tasks that other threads queued for this reactor (such as connections handed over by the acceptor) "
					+ "and that have not run yet. Healthy: 0 or close to it; a growing queue means the loop is stuck "
					+ "or saturated.",
			Tag.REACTOR),

	/** {@code echo_reactor_allocated_bytes_total{reactor}}. */
	REACTOR_ALLOCATED("echo.reactor.allocated", Meter.Type.COUNTER, "bytes",
			"Heap bytes the reactor thread has allocated (the JVM's own per-thread count). Healthy: flat while it "
					+ "echoes: the echo path allocates nothing per message or per wakeup; it grows with new "
					+ "connections, TLS handshakes and UDP sources.",
			Tag.REACTOR),

	/** {@code echo_reactor_tasks_total{reactor}}. */
	REACTOR_TASKS("echo.reactor.tasks", Meter.Type.COUNTER, null,
			"Tasks that other threads queued for this reactor and that it ran, such as connections handed over "
					+ "by the acceptor. Healthy: follows the connection rate.",
			Tag.REACTOR),

	/** {@code echo_reactor_alive{reactor}}. */
	REACTOR_ALIVE("echo.reactor.alive", Meter.Type.GAUGE, null,
			"1 unless this thread (a reactor, or the acceptor) has died while the server runs; then 0, and the "
					+ "echo health indicator, part of liveness, is DOWN. Healthy: 1.",
			Tag.REACTOR),

	/** {@code echo_reactor_loop_failures_total{reactor}}. */
	REACTOR_LOOP_FAILURES("echo.reactor.loop.failures", Meter.Type.COUNTER, null,
			"Unexpected failures caught by the thread's loop (a reactor's, or the acceptor's), which logs each one "
					+ "and pauses for 100 ms. Healthy: 0.",
			Tag.REACTOR),

	/** {@code echo_selector_rebuilds_total{reactor,cause="failure|spin"}}. */
	SELECTOR_REBUILDS("echo.selector.rebuilds", Meter.Type.COUNTER, null,
			"Selectors rebuilt with every key, by cause: failure (select() threw an I/O error), spin (select() "
					+ "returned 512 times in a row with nothing selected, no wakeup and no timeout). Healthy: 0.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_reactor_select_age_seconds{reactor}}. */
	REACTOR_SELECT_AGE("echo.reactor.select.age", Meter.Type.GAUGE, "seconds",
			"Time since the thread (a reactor, or the acceptor) last returned from select(). Healthy: at most "
					+ "about 1 s (the select timeout), busy or idle; past echo.server.stall-timeout the thread is "
					+ "stalled (blocked in a slow log appender, say), health reports it and the acceptor stops "
					+ "handing it connections.",
			Tag.REACTOR),

	/** {@code echo_udp_datagrams_received_total{reactor}}. */
	UDP_DATAGRAMS_RECEIVED("echo.udp.datagrams.received", Meter.Type.COUNTER, null,
			"UDP datagrams received by this reactor (recvfrom calls that returned one). Healthy: whatever the "
					+ "clients send; dropped ones are counted in echo_udp_dropped_total.",
			Tag.REACTOR),

	/** {@code echo_udp_received_bytes_total{reactor}}. */
	UDP_RECEIVED("echo.udp.received", Meter.Type.COUNTER, "bytes",
			"Payload bytes of the UDP datagrams received. Healthy: over time equal to echo_udp_sent_bytes_total "
					+ "plus the bytes of dropped datagrams.",
			Tag.REACTOR),

	/** {@code echo_udp_datagrams_sent_total{reactor}}. */
	UDP_DATAGRAMS_SENT("echo.udp.datagrams.sent", Meter.Type.COUNTER, null,
			"UDP datagrams sent back, one per datagram answered, with the same bytes. Healthy: equal to the "
					+ "datagrams received less the dropped ones.",
			Tag.REACTOR),

	/** {@code echo_udp_sent_bytes_total{reactor}}. */
	UDP_SENT("echo.udp.sent", Meter.Type.COUNTER, "bytes",
			"Payload bytes of the UDP datagrams sent back. Healthy: follows echo_udp_received_bytes_total.",
			Tag.REACTOR),

	/** {@code echo_udp_receives_empty_total{reactor}}. */
	UDP_RECEIVES_EMPTY("echo.udp.receives.empty", Meter.Type.COUNTER, null,
			"UDP receive() calls that found no datagram (recvfrom returning EAGAIN): each wakeup receives until "
					+ "one does, or its receive budget is spent. Healthy: about one per io wakeup of the reactor; "
					+ "fewer under load, when the budget ends the turn.",
			Tag.REACTOR),

	/** {@code echo_udp_sends_empty_total{reactor}}. */
	UDP_SENDS_EMPTY("echo.udp.sends.empty", Meter.Type.COUNTER, null,
			"UDP send() calls that sent nothing because the socket's send buffer was full (sendto returning "
					+ "EAGAIN); the datagram is dropped. Healthy: 0.",
			Tag.REACTOR),

	/** {@code echo_udp_dropped_total{reactor,cause}}. */
	UDP_DROPPED("echo.udp.dropped", Meter.Type.COUNTER, null,
			"UDP datagrams dropped without an answer, by cause: low-source-port (from a port below 1024, a service "
					+ "that would answer back), own-address (from the service's own socket), own-port (from the "
					+ "service's port on another address: another instance of it), rate-limit (the source sent more "
					+ "than echo.server.udp.rate-limit-per-source), send-buffer-full, send-error. Healthy: 0; "
					+ "rate-limit and the loop guards rising mean someone aims datagrams at the service.",
			Tag.REACTOR, Tag.CAUSE),

	/** {@code echo_udp_rate_limit_buckets}. */
	UDP_RATE_LIMIT_BUCKETS("echo.udp.rate.limit.buckets", Meter.Type.GAUGE, null,
			"The size of the UDP rate limit's table, echo.server.udp.max-tracked-sources (0 with the limit off): "
					+ "a keyed hash of a source's address picks its token bucket, and sources that pick the same "
					+ "bucket share its rate. The table is fixed, so no number of sources resets another's debt. "
					+ "Healthy: well above the number of UDP clients that send at once."),

	/** {@code echo_udp_rate_limit_buckets_active}. */
	UDP_RATE_LIMIT_BUCKETS_ACTIVE("echo.udp.rate.limit.buckets.active", Meter.Type.GAUGE, null,
			"Buckets of the UDP rate limit in debt now: drawn on and not yet refilled (a second at most). Healthy: "
					+ "about the number of UDP clients sending at once, well below echo_udp_rate_limit_buckets; near "
					+ "it, most sources share a bucket (many sources, perhaps spoofed)."),

	/** {@code echo_udp_rate_limit_shared_total}. */
	UDP_RATE_LIMIT_SHARED("echo.udp.rate.limit.shared", Meter.Type.COUNTER, null,
			"Times a UDP rate-limit bucket in debt changed hands: a source drew on it while another source whose "
					+ "address hashes to the same bucket was still paying it off. They share its rate, which answers "
					+ "less, never more. Healthy: 0 or near; a steady rate means more sources send at once than the "
					+ "table has buckets: raise echo.server.udp.max-tracked-sources."),

	/** {@code echo_kernel_udp_errors_total{family,cause}}. */
	KERNEL_UDP_ERRORS("echo.kernel.udp.errors", Meter.Type.COUNTER, null,
			"The kernel's UDP error counters for this network namespace (/proc/net/snmp, and /proc/net/snmp6 for "
					+ "family=ipv6), by cause: in (InErrors: datagrams received but not delivered), rcvbuf "
					+ "(RcvbufErrors: dropped because a socket's receive buffer was full), sndbuf (SndbufErrors), "
					+ "no-ports (NoPorts: datagrams to a port nobody listens on). Healthy: rcvbuf and in stay 0; a "
					+ "rising rcvbuf means the reactors do not keep up, or echo.server.udp.receive-buffer-size is "
					+ "too small.",
			Tag.FAMILY, Tag.CAUSE),

	/** {@code echo_tls_handshakes_total{reactor,result}}. */
	TLS_HANDSHAKES("echo.tls.handshakes", Meter.Type.COUNTER, null,
			"TLS handshakes on the TLS port, by result: ok, or why it failed: timeout (not finished within "
					+ "echo.server.ssl.handshake-timeout), eof (the client closed first, such as a TCP health check), "
					+ "not-tls (a plain-text client, or an SSLv2-format hello), protocol-version, no-shared-cipher, "
					+ "bad-certificate, unknown-ca, protocol (broken record framing), memory (waited for "
					+ "echo.server.max-session-memory until the timeout), internal (no engine could be made), other. Healthy: ok follows the TLS connection rate; failures near 0, eof aside.",
			Tag.REACTOR, Tag.RESULT),

	/** {@code echo_tls_handshake_seconds{...}} (histogram). */
	TLS_HANDSHAKE_TIME("echo.tls.handshake", Meter.Type.TIMER, "seconds",
			"Time from a TLS connection's registration to the end of its handshake, delegated tasks included. "
					+ "Healthy: about the client's round trips plus a millisecond or two of key exchange."),

	/** {@code echo_tls_connections_total{protocol,cipher}}. */
	TLS_CONNECTIONS("echo.tls.connections", Meter.Type.COUNTER, null,
			"TLS connections established, by negotiated protocol and cipher suite (a series appears with its "
					+ "first connection). Healthy: the protocols and suites the bundle's options intend.",
			Tag.PROTOCOL, Tag.CIPHER),

	/** {@code echo_tls_task_seconds_total{reactor}}. */
	TLS_TASK_TIME("echo.tls.task", Meter.Type.COUNTER, "seconds",
			"Time the reactor spent running the TLS engine's delegated tasks (key exchange, certificate checks) "
					+ "inline on its own thread. Healthy: a small part of echo_reactor_busy_seconds_total; a large "
					+ "part means handshakes dominate the reactor.",
			Tag.REACTOR),

	/** {@code echo_tls_bundle_reloads_total{result="applied|refused"}}. */
	TLS_BUNDLE_RELOADS("echo.tls.bundle.reloads", Meter.Type.COUNTER, null,
			"Reloads of the TLS port's SSL bundle (reload-on-update: its files changed), by result: applied (new "
					+ "handshakes use it), refused (it could not serve: its protocols, cipher suites or key failed a "
					+ "handshake in memory, or it could not be read; the previous bundle keeps serving and one line "
					+ "is logged). Healthy: applied follows the certificate rotations, refused 0.",
			Tag.RESULT),

	/** {@code echo_proxy_headers_total{reactor,result}}. */
	PROXY_HEADERS("echo.proxy.headers", Meter.Type.COUNTER, null,
			"PROXY protocol headers read from connections of trusted sources, by result: v1, v2, local (the LOCAL "
					+ "command or v1 UNKNOWN: the proxy's own connection, such as a health check), absent (no header: "
					+ "data in optional mode, refused in required mode), malformed, oversized, untrusted (required "
					+ "of a source outside echo.server.proxy-protocol.trusted-sources), timeout. Refused ones close "
					+ "the connection as closed{cause=\"proxy-header\"}. Healthy: v1 or v2 only; untrusted means "
					+ "clients bypass the load balancer.",
			Tag.REACTOR, Tag.RESULT),

	/** {@code echo_ready}. */
	READY("echo.ready", Meter.Type.GAUGE, null,
			"1 while the service takes traffic (readiness ACCEPTING_TRAFFIC), else 0: until the echo port is bound "
					+ "and from the start of the drain. Healthy: 1 except during start-up and shutdown."),

	/** {@code echo_kernel_listen_overflows_total}. */
	KERNEL_LISTEN_OVERFLOWS("echo.kernel.listen.overflows", Meter.Type.COUNTER, null,
			"Times the kernel found a listening socket's accept queue full (TcpExt ListenOverflows in "
					+ "/proc/net/netstat; every socket of this network namespace, so of the pod). Healthy: 0; a "
					+ "rising count means connections wait for accept() longer than the backlog allows."),

	/** {@code echo_kernel_listen_drops_total}. */
	KERNEL_LISTEN_DROPS("echo.kernel.listen.drops", Meter.Type.COUNTER, null,
			"Connection attempts the kernel dropped at a listening socket, overflows included (TcpExt ListenDrops "
					+ "in /proc/net/netstat, for this network namespace). Healthy: 0."),

	/** {@code echo_listen_queue_depth{listener="echo"}}. */
	LISTEN_QUEUE_DEPTH("echo.listen.queue.depth", Meter.Type.GAUGE, null,
			"Connections the kernel has completed that wait in the echo port's accept queue now (rx_queue of its "
					+ "LISTEN entry in /proc/net/tcp or tcp6; the deepest queue in reuseport mode). Healthy: 0 or a "
					+ "few; at echo_listen_queue_max the kernel drops new connections.",
			Tag.LISTENER),

	/** {@code echo_listen_queue_max{listener="echo"}}. */
	LISTEN_QUEUE_MAX("echo.listen.queue.max", Meter.Type.GAUGE, null,
			"The longest accept queue the kernel allows each echo listening socket: echo.server.backlog capped by "
					+ "net.core.somaxconn. Healthy: well above echo_listen_queue_depth.",
			Tag.LISTENER),

	/** {@code echo_kernel_tcp_memory_bytes}. */
	KERNEL_TCP_MEMORY("echo.kernel.tcp.memory", Meter.Type.GAUGE, "bytes",
			"Memory the kernel holds for TCP socket buffers (TCP mem in /proc/net/sockstat, in pages, times the "
					+ "page size; host-wide). Healthy: well below the pressure threshold of net.ipv4.tcp_mem."),

	/** {@code echo_kernel_tcp_sockets{state="inuse|orphan|tw|alloc"}}. */
	KERNEL_TCP_SOCKETS("echo.kernel.tcp.sockets", Meter.Type.GAUGE, null,
			"TCP sockets as /proc/net/sockstat counts them: inuse (open, in this network namespace), orphan "
					+ "(closed by their process, not yet by the peer), tw (in TIME_WAIT), alloc (allocated). Healthy: "
					+ "orphan near 0 and tw following the close rate.",
			Tag.STATE);

	private final String name;

	private final Meter.Type type;

	private final String baseUnit;

	private final String description;

	private final Tag[] tags;

	EchoReactorMeters(String name, Meter.Type type, String baseUnit, String description, Tag... tags) {
		this.name = name;
		this.type = type;
		this.baseUnit = baseUnit;
		this.description = description;
		this.tags = tags;
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public Meter.Type getType() {
		return this.type;
	}

	@Override
	public String getBaseUnit() {
		return this.baseUnit;
	}

	/**
	 * Return the description, which says what a healthy value looks like.
	 * @return the description
	 */
	public String getDescription() {
		return this.description;
	}

	@Override
	public KeyName[] getKeyNames() {
		return this.tags.clone();
	}

	/**
	 * Return the keys of this meter's tags, in order.
	 * @return the tag keys
	 */
	public List<String> tagKeys() {
		return Arrays.stream(this.tags).map(Tag::asString).toList();
	}

	/**
	 * The tag keys of the echo meters.
	 */
	public enum Tag implements KeyName {

		/** The thread: a reactor's index ({@code "0"} to {@code "N-1"}) or {@code "acceptor"}. */
		REACTOR("reactor"),

		/** Why it happened; the values are listed in each meter's description. */
		CAUSE("cause"),

		/** How it ended; the values are listed in each meter's description. */
		RESULT("result"),

		/** Which listening port: {@code echo}. */
		LISTENER("listener"),

		/** A socket state as /proc/net/sockstat names it. */
		STATE("state"),

		/** An address family: {@code ipv4} or {@code ipv6}. */
		FAMILY("family"),

		/** A negotiated TLS protocol, such as {@code TLSv1.3}. */
		PROTOCOL("protocol"),

		/** A negotiated TLS cipher suite. */
		CIPHER("cipher");

		private final String key;

		Tag(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}

package io.echoreactor.metrics;

import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * The meters of the UDP echo, bound by {@link EchoReactorMetrics} when UDP is on: per
 * reactor that owns a UDP socket (tag {@code reactor}), and for the rate limit's table as
 * a whole. The words and conventions are those of {@link EchoReactorMeters}.
 */
public enum EchoUdpMeters implements EchoMeter {

	UDP_DATAGRAMS_RECEIVED("echo.udp.datagrams.received", Meter.Type.COUNTER, null,
			"UDP datagrams received by this reactor (recvfrom calls that returned one). Healthy: whatever the "
					+ "clients send; dropped ones are counted in echo_udp_dropped_total.",
			Tag.REACTOR),

	UDP_RECEIVED("echo.udp.received", Meter.Type.COUNTER, "bytes",
			"Payload bytes of the UDP datagrams received. Healthy: over time equal to echo_udp_sent_bytes_total "
					+ "plus the bytes of dropped datagrams.",
			Tag.REACTOR),

	UDP_DATAGRAMS_SENT("echo.udp.datagrams.sent", Meter.Type.COUNTER, null,
			"UDP datagrams sent back, one per datagram answered, with the same bytes. Healthy: equal to the "
					+ "datagrams received less the dropped ones.",
			Tag.REACTOR),

	UDP_SENT("echo.udp.sent", Meter.Type.COUNTER, "bytes",
			"Payload bytes of the UDP datagrams sent back. Healthy: follows echo_udp_received_bytes_total.",
			Tag.REACTOR),

	UDP_RECEIVES_EMPTY("echo.udp.receives.empty", Meter.Type.COUNTER, null,
			"UDP receive() calls that found no datagram (recvfrom returning EAGAIN): each wakeup receives until "
					+ "one does, or its receive budget is spent. Healthy: about one per io wakeup of the reactor; "
					+ "fewer under load, when the budget ends the turn.",
			Tag.REACTOR),

	UDP_SENDS_EMPTY("echo.udp.sends.empty", Meter.Type.COUNTER, null,
			"UDP send() calls that sent nothing because the socket's send buffer was full (sendto returning "
					+ "EAGAIN); the datagram is dropped. Healthy: 0.",
			Tag.REACTOR),

	UDP_DROPPED("echo.udp.dropped", Meter.Type.COUNTER, null,
			"UDP datagrams dropped without an answer, by cause",
			UdpDropCause.class,
			"Healthy: 0; rate-limit and the loop guards rising mean someone aims datagrams at the service.",
			Tag.REACTOR, Tag.CAUSE),

	UDP_RATE_LIMIT_BUCKETS("echo.udp.rate.limit.buckets", Meter.Type.GAUGE, null,
			"The size of the UDP rate limit's table, echo.server.udp.max-tracked-sources (0 with the limit off): "
					+ "a keyed hash of a source's address picks its token bucket, and sources that pick the same "
					+ "bucket share its rate. The table is fixed, so no number of sources resets another's debt. "
					+ "Healthy: well above the number of UDP clients that send at once."),

	UDP_RATE_LIMIT_BUCKETS_ACTIVE("echo.udp.rate.limit.buckets.active", Meter.Type.GAUGE, null,
			"Buckets of the UDP rate limit in debt now: drawn on and not yet refilled (a second at most). Healthy: "
					+ "about the number of UDP clients sending at once, well below echo_udp_rate_limit_buckets; near "
					+ "it, most sources share a bucket (many sources, perhaps spoofed)."),

	UDP_RATE_LIMIT_SHARED("echo.udp.rate.limit.shared", Meter.Type.COUNTER, null,
			"Times a UDP rate-limit bucket in debt changed hands: a source drew on it while another source whose "
					+ "address hashes to the same bucket was still paying it off. They share its rate, which answers "
					+ "less, never more. Healthy: 0 or near; a steady rate means more sources send at once than the "
					+ "table has buckets: raise echo.server.udp.max-tracked-sources.");

	private final MeterSpec spec;

	EchoUdpMeters(String name, Meter.Type type, @Nullable String baseUnit, String description, Tag... tags) {
		this.spec = MeterSpec.of(name, type, baseUnit, description, tags);
	}

	EchoUdpMeters(String name, Meter.Type type, @Nullable String baseUnit, String what,
			Class<? extends CountedEvent> events, String healthy, Tag... tags) {
		this.spec = MeterSpec.counted(name, type, baseUnit, what, events, healthy, tags);
	}

	@Override
	public MeterSpec spec() {
		return this.spec;
	}

}

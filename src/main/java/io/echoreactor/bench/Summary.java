package io.echoreactor.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.Interval;
import io.echoreactor.bench.loop.LoadLoop;
import io.echoreactor.bench.loop.LoopFigures;
import io.echoreactor.bench.loop.Tally;
import io.echoreactor.bench.options.BenchOptions;
import org.HdrHistogram.Histogram;

/**
 * The figures of a finished run, gathered from the loops, and their two forms: text, one
 * line per figure, and one JSON object on one line with the same figures.
 */
final class Summary {


	private final BenchOptions options;

	private final Histogram latency;

	private final Histogram connectLatency = Interval.histogram();

	private final Histogram handshakeLatency = Interval.histogram();

	private final Tally greetings = new Tally();

	private final Tally sessions = new Tally();

	private final long[] errors = new long[ErrorKind.values().length];

	private final String[] firstErrors = new String[ErrorKind.values().length];

	private final List<String> failures = new ArrayList<>();

	private final double seconds;

	// Echoes completed in the measured window: the rate achieved.
	private long messages;

	private long allMessages;

	private long unsent;

	private long lost;

	private long late;

	private long handshakes;

	private int established;

	// CPU time of the loops in the measured window, or -1 when unknown.
	private long cpuNanos;

	Summary(BenchOptions options, List<LoadLoop> loops, Histogram latency, long startNanos) {
		this.options = options;
		this.latency = latency;
		long lastMeasuredAt = startNanos;
		this.cpuNanos = 0;
		for (LoadLoop loop : loops) {
			LoopFigures figures = loop.figures();
			this.cpuNanos = (this.cpuNanos < 0 || figures.cpuInWindow() < 0) ? -1
					: this.cpuNanos + figures.cpuInWindow();
			this.connectLatency.add(figures.connectLatency());
			this.handshakeLatency.add(figures.handshakeLatency());
			this.greetings.addAll(figures.greetings());
			this.sessions.addAll(figures.sessions());
			for (ErrorKind kind : ErrorKind.values()) {
				int i = kind.ordinal();
				this.errors[i] += figures.errors(kind);
				if (this.firstErrors[i] == null) {
					this.firstErrors[i] = figures.firstError(kind);
				}
			}
			this.messages += figures.echoedInWindow();
			this.unsent += figures.unsent();
			this.allMessages += figures.allMessages();
			this.lost += figures.lost();
			this.late += figures.late();
			this.handshakes += figures.handshakes();
			this.established += figures.established();
			lastMeasuredAt = Math.max(lastMeasuredAt, figures.lastMeasuredAt());
			if (loop.failure() != null) {
				this.failures.add("client loop " + loop.index() + " failed: " + loop.failure());
			}
		}
		// With --messages the run lasts until the last echo; otherwise the window is exact.
		this.seconds = options.byMessages() ? (lastMeasuredAt - startNanos) / 1e9 : options.durationNanos() / 1e9;
	}

	/** @return the errors of every kind */
	long totalErrors() {
		long total = 0;
		for (long count : this.errors) {
			total += count;
		}
		return total;
	}

	/** @return the connections (flows) that became ready to echo */
	int established() {
		return this.established;
	}

	/**
	 * Return the exit status: 1 when a byte was wrong, missing or extra, or a connection
	 * failed; else 3 when the open loop achieved less than {@value Verdict#ACHIEVED_SHARE} of the
	 * rate asked for; else 0. Errors come first: their figures are not to be trusted.
	 * @return 0, 1 or 3
	 */
	int status() {
		boolean unanswered = udp() && this.options.durationNanos() != 0 && this.allMessages == 0;
		if (totalErrors() > 0 || this.established < this.options.connections() || !this.failures.isEmpty()
				|| unanswered) {
			return 1;
		}
		return rateAchieved() ? 0 : Verdict.RATE_NOT_ACHIEVED;
	}

	/** @return whether the open loop achieved the rate asked for; always in the closed loop */
	boolean rateAchieved() {
		return Verdict.rateAchieved(this.options, messagesPerSecond());
	}

	/** @return one line per warning, for standard error ({@link Verdict#warnings}) */
	List<String> warnings() {
		return Verdict.warnings(this.options, messagesPerSecond(), this.unsent, this.lost, this.messages,
				(this.cpuNanos >= 0) ? cpuPercent() : -1);
	}

	private long suspectedRateLimit() {
		return Verdict.suspectedRateLimit(this.options, messagesPerSecond(), this.lost, this.messages);
	}

	/**
	 * Return one line per problem, for standard error: each kind of error with its first
	 * occurrence, a loop that failed, a UDP server that answered nothing.
	 * @return the lines
	 */
	List<String> problems() {
		List<String> lines = new ArrayList<>();
		for (ErrorKind kind : ErrorKind.values()) {
			long count = this.errors[kind.ordinal()];
			if (count > 0) {
				String first = this.firstErrors[kind.ordinal()];
				lines.add("bench: " + kind.label() + " (" + count + " " + kind.unit(udp()) + ")"
						+ ((first != null) ? ": " + first : ""));
			}
		}
		for (String failure : this.failures) {
			lines.add("bench: " + failure);
		}
		if (udp() && this.options.durationNanos() != 0 && this.allMessages == 0 && this.established > 0) {
			lines.add("bench: no datagram was answered by " + this.options.target());
		}
		return lines;
	}

	private boolean udp() {
		return this.options.protocol() == BenchOptions.Protocol.UDP;
	}

	private double messagesPerSecond() {
		return (this.seconds > 0) ? this.messages / this.seconds : 0;
	}

	private boolean tls() {
		return this.options.protocol() == BenchOptions.Protocol.TLS;
	}

	private double handshakesPerSecond() {
		return (this.seconds > 0) ? this.handshakes / this.seconds : 0;
	}

	private double megabytesPerSecond() {
		return messagesPerSecond() * this.options.size() / 1e6;
	}

	// The loops' share of their threads' time in the window: near 100% the client may be what limits the rate.
	private double cpuPercent() {
		return (this.seconds > 0) ? 100 * this.cpuNanos / 1e9 / this.seconds / this.options.threads() : 0;
	}

	private String load() {
		StringBuilder load = new StringBuilder();
		if (this.options.openLoop()) {
			load.append("open loop, ").append(this.options.rate()).append(" messages/s, ");
		}
		else {
			load.append("closed loop, depth ").append(this.options.depth()).append(", ");
		}
		load.append(this.options.connections()).append(udp() ? " flows x " : " connections x ")
			.append(this.options.size())
			.append(" B, ")
			.append(this.options.threads())
			.append((this.options.threads() != 1) ? " threads, " : " thread, ");
		if (this.options.byMessages()) {
			load.append(this.options.messages()).append(" messages");
		}
		else {
			load.append(seconds(this.options.durationNanos())).append(" after ")
				.append(seconds(this.options.warmupNanos()))
				.append(" warm-up");
		}
		if (this.options.connectRate() > 0) {
			load.append(", connecting at ").append(this.options.connectRate()).append("/s");
		}
		if (this.options.reconnect()) {
			load.append(", a new connection per message");
		}
		if (this.options.keepGoing()) {
			load.append(", failed connections replaced");
		}
		return load.toString();
	}

	/** @return the summary as text, one line per figure */
	String text() {
		List<String[]> rows = new ArrayList<>();
		String protocol = this.options.protocol().label()
				+ ((this.options.proxyProtocol() != null) ? " with PROXY " + this.options.proxyProtocol().name().toLowerCase(Locale.ROOT) : "");
		rows.add(new String[] { "target", this.options.target() + " " + protocol });
		rows.add(new String[] { "load", load() });
		rows.add(new String[] { udp() ? "flows" : "connections",
				this.established + " of " + this.options.connections() });
		if (this.connectLatency.getTotalCount() > 0) {
			rows.add(new String[] { "connect", percentiles(this.connectLatency) });
		}
		if (this.handshakeLatency.getTotalCount() > 0) {
			rows.add(new String[] { "tls handshake", percentiles(this.handshakeLatency) });
		}
		this.sessions.sorted().forEach((session, count) -> rows.add(new String[] { "tls", session + " (" + count + ")" }));
		this.greetings.sorted()
			.forEach((greeting, count) -> rows.add(new String[] { "greeting", greeting + " (" + count + ")" }));
		if (this.options.durationNanos() != 0) {
			rows.add(new String[] { "messages", String.format(Locale.ROOT, "%,d", this.messages) });
			rows.add(new String[] { "messages/s", String.format(Locale.ROOT, "%,.0f", messagesPerSecond()) });
			if (this.options.openLoop()) {
				rows.add(new String[] { "requested/s", String.format(Locale.ROOT, "%,d (%.0f%% achieved)",
						this.options.rate(), 100 * messagesPerSecond() / this.options.rate()) });
				rows.add(new String[] { "unsent", String.format(Locale.ROOT, "%,d", this.unsent) });
			}
			rows.add(new String[] { "MB/s", String.format(Locale.ROOT, "%.3f", megabytesPerSecond()) });
			if (this.options.reconnect() && tls()) {
				rows.add(new String[] { "handshakes/s", String.format(Locale.ROOT, "%,.0f", handshakesPerSecond()) });
			}
			rows.add(new String[] { "latency p50", micros(this.latency.getValueAtPercentile(50)) });
			rows.add(new String[] { "latency p90", micros(this.latency.getValueAtPercentile(90)) });
			rows.add(new String[] { "latency p99", micros(this.latency.getValueAtPercentile(99)) });
			rows.add(new String[] { "latency p99.9", micros(this.latency.getValueAtPercentile(99.9)) });
			rows.add(new String[] { "latency max", micros(this.latency.getMaxValue()) });
			if (this.cpuNanos >= 0 && this.messages > 0) {
				rows.add(new String[] { "client cpu", String.format(Locale.ROOT, "%.0f%% of %d thread%s, %.2f us per message",
						cpuPercent(), this.options.threads(), (this.options.threads() != 1) ? "s" : "",
						this.cpuNanos / 1e3 / this.messages) });
			}
		}
		if (udp()) {
			rows.add(new String[] { "lost", String.format(Locale.ROOT, "%,d", this.lost) });
			rows.add(new String[] { "late", String.format(Locale.ROOT, "%,d", this.late) });
		}
		rows.add(new String[] { "errors", String.format(Locale.ROOT, "%,d", totalErrors()) });
		for (ErrorKind kind : ErrorKind.values()) {
			long count = this.errors[kind.ordinal()];
			if (count > 0) {
				rows.add(new String[] { "errors " + kind.label(), count + " " + kind.unit(udp()) });
			}
		}
		StringBuilder text = new StringBuilder();
		for (String[] row : rows) {
			text.append(String.format(Locale.ROOT, "%-16s %s%n", row[0], row[1]));
		}
		return text.toString();
	}

	/** @return the summary as one JSON object on one line */
	String json() {
		Json json = new Json().field("target", this.options.target())
			.field("protocol", this.options.protocol().label())
			.field("proxy_protocol",
					(this.options.proxyProtocol() != null) ? this.options.proxyProtocol().name().toLowerCase(Locale.ROOT)
							: null)
			.field("loop", this.options.openLoop() ? "open" : "closed")
			.field("connections", this.established)
			.field("connections_requested", this.options.connections())
			.field("threads", this.options.threads())
			.field("size", this.options.size())
			.field("depth", this.options.openLoop() ? 0 : this.options.depth())
			.field("rate", this.options.rate())
			.field("connect_rate", this.options.connectRate())
			.field("reconnect", this.options.reconnect())
			.field("keep_going", this.options.keepGoing())
			.field("duration_s", this.seconds)
			.field("warmup_s", this.options.warmupNanos() / 1e9)
			.field("messages", this.messages)
			.field("messages_per_sec", messagesPerSecond())
			.field("requested_per_sec", this.options.rate())
			.field("unsent", this.unsent)
			.field("mb_per_sec", megabytesPerSecond())
			.field("latency_count", this.latency.getTotalCount())
			.field("p50_us", this.latency.getValueAtPercentile(50) / 1e3)
			.field("p90_us", this.latency.getValueAtPercentile(90) / 1e3)
			.field("p99_us", this.latency.getValueAtPercentile(99) / 1e3)
			.field("p999_us", this.latency.getValueAtPercentile(99.9) / 1e3)
			.field("max_us", this.latency.getMaxValue() / 1e3);
		if (this.cpuNanos >= 0) {
			json.field("client_cpu_s", this.cpuNanos / 1e9)
				.field("client_cpu_pct", cpuPercent())
				.field("client_cpu_us_per_msg", (this.messages > 0) ? this.cpuNanos / 1e3 / this.messages : 0);
		}
		if (this.connectLatency.getTotalCount() > 0) {
			json.field("connect_p50_us", this.connectLatency.getValueAtPercentile(50) / 1e3)
				.field("connect_p99_us", this.connectLatency.getValueAtPercentile(99) / 1e3)
				.field("connect_max_us", this.connectLatency.getMaxValue() / 1e3);
		}
		if (tls()) {
			// Without --reconnect every connection shakes hands once, before the window: no rate to tell.
			json.field("handshakes", this.handshakeLatency.getTotalCount())
				.field("handshakes_in_window", this.handshakes)
				.field("handshakes_per_sec", this.options.reconnect() ? handshakesPerSecond() : Double.NaN);
		}
		if (this.handshakeLatency.getTotalCount() > 0) {
			json.field("tls_handshake_p50_us", this.handshakeLatency.getValueAtPercentile(50) / 1e3)
				.field("tls_handshake_p99_us", this.handshakeLatency.getValueAtPercentile(99) / 1e3)
				.field("tls_handshake_max_us", this.handshakeLatency.getMaxValue() / 1e3)
				.field("tls", this.sessions.sorted());
		}
		if (this.options.greeting()) {
			json.field("greetings", this.greetings.sorted());
		}
		if (udp()) {
			long limit = suspectedRateLimit();
			json.field("lost", this.lost).field("late", this.late)
				.field("suspected_rate_limit_per_sec", (limit > 0) ? Long.valueOf(limit) : null);
		}
		Map<String, Long> byKind = new LinkedHashMap<>();
		for (ErrorKind kind : ErrorKind.values()) {
			byKind.put(kind.label(), this.errors[kind.ordinal()]);
		}
		json.field("errors", totalErrors())
			.field("errors_by_kind", byKind)
			.field("rate_achieved", rateAchieved())
			.field("warnings", warnings())
			.field("status", status());
		return json.toString();
	}

	private static String percentiles(Histogram histogram) {
		return "p50 " + micros(histogram.getValueAtPercentile(50)) + ", p99 "
				+ micros(histogram.getValueAtPercentile(99)) + ", max " + micros(histogram.getMaxValue()) + " ("
				+ histogram.getTotalCount() + ")";
	}

	static String micros(long nanos) {
		return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
	}

	static String seconds(long nanos) {
		return String.format(Locale.ROOT, "%.3f", nanos / 1e9).replaceAll("\\.?0+$", "") + " s";
	}

}

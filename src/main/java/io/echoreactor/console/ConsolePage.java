package io.echoreactor.console;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.web.util.HtmlUtils;

/**
 * The console's HTML: every figure of a {@link ConsoleSnapshot} in plain tables, each
 * number with its unit, so that the page is whole without JavaScript (it then reloads
 * itself every {@value #REFRESH_SECONDS} seconds). With JavaScript, {@code console.js}
 * adds the charts and updates the cells in place from the live stream: each value cell
 * names its place in the snapshot ({@code data-k}) and its unit ({@code data-u}), and the
 * script formats a value as {@link #format} does.
 */
final class ConsolePage {

	/** How often the page without JavaScript reloads itself, in seconds. */
	static final int REFRESH_SECONDS = 5;

	private final StringBuilder html = new StringBuilder(16 * 1024);

	private ConsolePage() {
	}

	/**
	 * Render the page.
	 * @param snapshot the figures
	 * @param base the console's path, such as {@code /console}, for its scripts and styles
	 * @param uplotVersion the version of uPlot served, for the cache
	 * @return the HTML
	 */
	static String render(ConsoleSnapshot snapshot, String base, String uplotVersion) {
		return new ConsolePage().page(snapshot, base, uplotVersion);
	}

	private String page(ConsoleSnapshot snapshot, String base, String uplotVersion) {
		String b = escape(base);
		append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
		append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
		append("<title>echo-reactor console</title>\n");
		// No icon to fetch: the browser would ask for /favicon.ico, which Actuator does not serve.
		append("<link rel=\"icon\" href=\"data:,\">\n");
		append("<noscript><meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\"></noscript>\n");
		append("<link rel=\"stylesheet\" href=\"" + b + "/uPlot.min.css?v=" + escape(uplotVersion) + "\">\n");
		append("<link rel=\"stylesheet\" href=\"" + b + "/console.css\">\n");
		append("<script defer src=\"" + b + "/uPlot.iife.min.js?v=" + escape(uplotVersion) + "\"></script>\n");
		append("<script defer src=\"" + b + "/console.js\"></script>\n</head>\n");
		append("<body data-base=\"" + b + "\">\n<header>\n<h1>echo-reactor console</h1>\n<p>");
		append("Server <b data-k=\"state\">" + escape(snapshot.state()) + "</b>, TCP port " + snapshot.port() + ", ");
		append(cell("span", "connections", "connections", snapshot.connections()));
		append(" open. Figures as of ");
		append(cell("time", "takenAtMillis", "time", snapshot.takenAtMillis()));
		append(".</p>\n<p id=\"status\">Read-only. Without JavaScript this page reloads every " + REFRESH_SECONDS
				+ " s; counters are totals since the start.</p>\n</header>\n");
		append("<section id=\"charts\" hidden><h2>Last 5 minutes</h2><div id=\"chart-grid\"></div></section>\n");
		reactors(snapshot.reactors());
		udp(snapshot.udp());
		tls(snapshot.tls());
		faults(snapshot.faults());
		connections(snapshot.connectionsTable(), snapshot.connectionsTableAvailable());
		settings(snapshot.settings());
		append("</body>\n</html>\n");
		return this.html.toString();
	}

	private void reactors(List<ConsoleSnapshot.Reactor> reactors) {
		section("reactors", "Reactors", "Reactor", "State", "Connections", "Pending", "Reads", "Empty reads (EAGAIN)",
				"Writes", "Received", "Sent", "Busy", "Wakeups: io", "task", "timeout", "spurious");
		for (ConsoleSnapshot.Reactor reactor : reactors) {
			String k = "reactors." + reactor.index() + ".";
			append("<tr><th scope=\"row\">" + escape(reactor.thread()) + "</th>");
			append("<td data-k=\"" + k + "state\">" + escape(reactor.state()) + "</td>");
			td(k + "connections", "connections", reactor.connections());
			td(k + "pendingBytes", "B", reactor.pendingBytes());
			td(k + "reads", "calls", reactor.reads());
			td(k + "emptyReads", "calls", reactor.emptyReads());
			td(k + "writes", "calls", reactor.writes());
			td(k + "bytesReceived", "B", reactor.bytesReceived());
			td(k + "bytesSent", "B", reactor.bytesSent());
			td(k + "busyNanos", "ns", reactor.busyNanos());
			reactor.wakeups().forEach((cause, count) -> td(k + "wakeups." + cause, "wakeups", count));
			append("</tr>\n");
		}
		endSection();
	}

	private void udp(ConsoleSnapshot.@Nullable Udp udp) {
		if (udp == null) {
			append("<section id=\"udp\"><h2>UDP</h2><p>UDP is off.</p></section>\n");
			return;
		}
		section("udp", "UDP on port " + udp.port(), "Figure", "Total");
		row("udp.datagramsReceived", "Datagrams received", "datagrams", udp.datagramsReceived());
		row("udp.datagramsSent", "Datagrams sent", "datagrams", udp.datagramsSent());
		row("udp.bytesReceived", "Bytes received", "B", udp.bytesReceived());
		row("udp.bytesSent", "Bytes sent", "B", udp.bytesSent());
		udp.dropped().forEach((cause, count) -> row("udp.dropped." + cause, "Dropped: " + cause, "datagrams", count));
		endSection();
	}

	private void tls(ConsoleSnapshot.@Nullable Tls tls) {
		if (tls == null) {
			append("<section id=\"tls\"><h2>TLS handshakes</h2><p>TLS is off.</p></section>\n");
			return;
		}
		section("tls", "TLS handshakes on port " + tls.port(), "Result", "Total");
		row("tls.completed", "Completed", "handshakes", tls.completed());
		tls.failed().forEach((cause, count) -> row("tls.failed." + cause, "Failed: " + cause, "handshakes", count));
		endSection();
	}

	private void faults(List<ConsoleSnapshot.Fault> faults) {
		if (faults.isEmpty()) {
			append("<section id=\"faults\"><h2>Fault profiles</h2><p>No fault profile is set.</p></section>\n");
			return;
		}
		section("faults", "Fault profiles", "Profile", "Port", "Connections", "Faults injected, by kind");
		for (int i = 0; i < faults.size(); i++) {
			ConsoleSnapshot.Fault fault = faults.get(i);
			String k = "faults." + i + ".";
			append("<tr><th scope=\"row\">" + escape(fault.name()) + "</th><td>" + fault.port() + "</td>");
			td(k + "connections", "connections", fault.connections());
			append("<td>");
			fault.injected().forEach((kind, count) -> append(escape(kind) + " "
					+ cell("span", k + "injected." + kind, "faults", count) + "<br>"));
			append("</td></tr>\n");
		}
		endSection();
	}

	private void connections(List<ConsoleSnapshot.Connection> connections, boolean available) {
		section("connections", "Busiest connections, by bytes each way", "Reactor", "Local", "Peer", "PROXY source",
				"TLS", "Stage", "Received", "Sent", "Pending", "Age");
		String empty = available ? "No open TCP connection." : "Not available: a reactor did not answer in time.";
		append("<tr class=\"empty\"" + (connections.isEmpty() ? "" : " hidden") + "><td colspan=\"10\">"
				+ escape(empty) + "</td></tr>\n");
		for (ConsoleSnapshot.Connection connection : connections) {
			append("<tr><td>" + escape(connection.reactor()) + "</td><td>" + escape(connection.local()) + "</td><td>"
					+ escape(connection.peer()) + "</td><td>" + escape(orDash(connection.proxySource())) + "</td><td>"
					+ escape(orDash(connection.tlsProtocol())) + "</td><td>" + escape(connection.stage())
					+ "</td><td>" + format(connection.bytesReceived(), "B") + "</td><td>"
					+ format(connection.bytesSent(), "B") + "</td><td>" + format(connection.pendingBytes(), "B")
					+ "</td><td>" + format(connection.ageMillis(), "ms") + "</td></tr>\n");
		}
		endSection();
	}

	private void settings(Map<String, Object> settings) {
		section("settings", "Settings in force", "Setting", "Value");
		flatten("", settings).forEach((name, value) -> append(
				"<tr><th scope=\"row\">" + escape(name) + "</th><td>" + escape(value) + "</td></tr>\n"));
		endSection();
	}

	private static Map<String, String> flatten(String prefix, Map<?, ?> values) {
		Map<String, String> flat = new LinkedHashMap<>();
		values.forEach((key, value) -> {
			String name = prefix + key;
			if (value instanceof Map<?, ?> nested) {
				flat.putAll(flatten(name + ".", nested));
			}
			else {
				flat.put(name, String.valueOf(value));
			}
		});
		return flat;
	}

	private void section(String id, String title, String... headings) {
		append("<section id=\"" + id + "\"><h2>" + escape(title) + "</h2>\n<div class=\"scroll\"><table>\n<thead><tr>");
		for (String heading : headings) {
			append("<th scope=\"col\">" + escape(heading) + "</th>");
		}
		append("</tr></thead>\n<tbody>\n");
	}

	private void endSection() {
		append("</tbody>\n</table></div></section>\n");
	}

	private void row(String key, String name, String unit, long value) {
		append("<tr><th scope=\"row\">" + escape(name) + "</th>");
		td(key, unit, value);
		append("</tr>\n");
	}

	private void td(String key, String unit, long value) {
		append(cell("td", key, unit, value));
	}

	private static String cell(String element, String key, String unit, long value) {
		return "<" + element + " data-k=\"" + escape(key) + "\" data-u=\"" + unit + "\">" + escape(format(value, unit))
				+ "</" + element + ">";
	}

	/**
	 * Format a value with its unit, as {@code console.js} does: bytes in B, KiB, MiB or
	 * GiB, nanoseconds and milliseconds in seconds, a time as ISO-8601 UTC, any other
	 * count followed by its unit.
	 * @param value the value
	 * @param unit its unit: {@code B}, {@code ns}, {@code ms}, {@code time} or a noun
	 * @return the text
	 */
	static String format(long value, String unit) {
		return switch (unit) {
			case "B" -> bytes(value);
			case "ns" -> String.format(Locale.ROOT, "%.3f s", value / 1e9);
			case "ms" -> String.format(Locale.ROOT, "%.1f s", value / 1e3);
			case "time" -> Instant.ofEpochMilli(value).toString();
			default -> String.format(Locale.ROOT, "%,d %s", value, unit);
		};
	}

	private static String bytes(long value) {
		String[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
		double scaled = value;
		int unit = 0;
		while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
			scaled /= 1024;
			unit++;
		}
		return (unit == 0) ? value + " B" : String.format(Locale.ROOT, "%.1f %s", scaled, units[unit]);
	}

	private static String orDash(@Nullable String value) {
		return (value != null) ? value : "-";
	}

	private static String escape(String text) {
		return HtmlUtils.htmlEscape(text, "UTF-8");
	}

	private void append(String text) {
		this.html.append(text);
	}

}

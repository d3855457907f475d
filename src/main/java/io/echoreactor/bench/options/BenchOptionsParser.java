package io.echoreactor.bench.options;

import java.nio.file.Path;
import java.util.Locale;

import io.echoreactor.bench.options.BenchOptions.Protocol;
import io.echoreactor.bench.options.BenchOptions.ProxyVersion;
import io.echoreactor.bench.options.BenchOptions.UsageException;
import org.jspecify.annotations.Nullable;

import static io.echoreactor.bench.options.BenchOptions.MAX_DATAGRAM;
import static io.echoreactor.bench.options.BenchOptions.UDP_HEADER;

/**
 * Turns the arguments of {@code echo-reactor bench} into {@link BenchOptions}: reads each
 * option and its value, applies the defaults, and rejects what is unknown, missing, out
 * of range or contradicts another option with a {@link UsageException} that says which.
 * One parser reads one argument list, once.
 */
final class BenchOptionsParser {

	private final String[] args;

	private int next;

	private @Nullable String target;

	private Protocol protocol = Protocol.TCP;

	private int connections = 16;

	private int size = 64;

	private @Nullable Integer depth;

	private long rate;

	private @Nullable Long durationNanos;

	private long messages = -1;

	private @Nullable Long warmupNanos;

	private @Nullable Integer threads;

	private long connectRate;

	private boolean reconnect;

	private boolean keepGoing;

	private long connectTimeoutNanos = 10_000_000_000L;

	private long timeoutNanos = 10_000_000_000L;

	private long udpTimeoutNanos = 1_000_000_000L;

	private @Nullable ProxyVersion proxyProtocol;

	private boolean greeting;

	private boolean insecure;

	private @Nullable Path ca;

	private @Nullable Path truststore;

	private @Nullable String truststorePassword;

	private @Nullable String serverName;

	private boolean json;

	private @Nullable Path histogram;

	private boolean help;

	BenchOptionsParser(String[] args) {
		this.args = args;
	}

	BenchOptions parse() {
		while (this.next < this.args.length) {
			String arg = this.args[this.next++];
			if (!arg.startsWith("--")) {
				if (this.target != null) {
					throw new UsageException("only one HOST[:PORT], not '" + this.target + "' and '" + arg + "'");
				}
				this.target = arg;
				continue;
			}
			String name = arg;
			String inline = null;
			int equals = arg.indexOf('=');
			if (equals > 0) {
				name = arg.substring(0, equals);
				inline = arg.substring(equals + 1);
			}
			option(name, inline);
		}
		if (this.help) {
			// Only the usage is printed: no server is named.
			return build("", 0);
		}
		String target = this.target;
		if (target == null) {
			throw new UsageException("HOST[:PORT] is missing");
		}
		return resolveTarget(target);
	}

	private void option(String name, @Nullable String inline) {
		switch (name) {
			case "--help" -> this.help = flag(name, inline);
			case "--json" -> this.json = flag(name, inline);
			case "--greeting" -> this.greeting = flag(name, inline);
			case "--insecure" -> this.insecure = flag(name, inline);
			case "--reconnect" -> this.reconnect = flag(name, inline);
			case "--keep-going" -> this.keepGoing = flag(name, inline);
			case "--connections" -> this.connections = (int) integer(name, value(name, inline), 1, 1_000_000);
			case "--size" -> this.size = (int) bytes(name, value(name, inline));
			case "--depth" -> this.depth = (int) integer(name, value(name, inline), 1, 65536);
			case "--rate" -> this.rate = integer(name, value(name, inline), 1, 1_000_000_000L);
			case "--duration" -> this.durationNanos = duration(name, value(name, inline), 0);
			case "--messages" -> this.messages = integer(name, value(name, inline), 1, Long.MAX_VALUE / 2);
			case "--warmup" -> this.warmupNanos = duration(name, value(name, inline), 0);
			case "--threads" -> this.threads = (int) integer(name, value(name, inline), 1, 1024);
			case "--connect-rate" -> this.connectRate = integer(name, value(name, inline), 1, 10_000_000);
			case "--connect-timeout" -> this.connectTimeoutNanos = duration(name, value(name, inline), 1_000_000);
			case "--timeout" -> this.timeoutNanos = duration(name, value(name, inline), 1_000_000);
			case "--udp-timeout" -> this.udpTimeoutNanos = duration(name, value(name, inline), 1_000_000);
			case "--protocol" -> this.protocol = protocol(value(name, inline));
			case "--proxy-protocol" -> this.proxyProtocol = proxyVersion(value(name, inline));
			case "--ca" -> this.ca = Path.of(value(name, inline));
			case "--truststore" -> this.truststore = Path.of(value(name, inline));
			case "--truststore-password" -> this.truststorePassword = value(name, inline);
			case "--server-name" -> this.serverName = value(name, inline);
			case "--histogram" -> this.histogram = Path.of(value(name, inline));
			default -> throw new UsageException("unknown option '" + name + "'");
		}
	}

	private BenchOptions resolveTarget(String target) {
		String host = target;
		int port = (this.protocol == Protocol.TLS) ? 7443 : 7007;
		String portText = null;
		if (host.startsWith("[")) {
			int close = host.indexOf(']');
			if (close < 0) {
				throw new UsageException("'" + target + "' has no closing ']'");
			}
			String rest = host.substring(close + 1);
			host = host.substring(1, close);
			if (!rest.isEmpty()) {
				if (!rest.startsWith(":")) {
					throw new UsageException("'" + target + "' is not HOST[:PORT]");
				}
				portText = rest.substring(1);
			}
		}
		else {
			int colon = host.indexOf(':');
			if (colon >= 0 && host.indexOf(':', colon + 1) < 0) {
				portText = host.substring(colon + 1);
				host = host.substring(0, colon);
			}
			// Two or more colons: a bare IPv6 literal, without a port.
		}
		if (host.isEmpty()) {
			throw new UsageException("'" + target + "' names no host");
		}
		if (portText != null) {
			port = (int) integer("PORT", portText, 1, 65535);
		}
		return build(host, port);
	}

	private BenchOptions build(String host, int port) {
		if (this.help) {
			return new BenchOptions(host, port, this.protocol, this.connections, this.size, 1, 0, 0, -1, 0, 1, 0,
					false, false, 0, 0, 0, null, false, false, null, null, null, null, false, null, true);
		}
		if (this.durationNanos != null && this.messages >= 0) {
			throw new UsageException("--duration and --messages exclude each other");
		}
		if (this.messages >= 0 && this.warmupNanos != null && this.warmupNanos > 0) {
			throw new UsageException("--warmup applies to --duration; with --messages every message is measured");
		}
		if (this.rate > 0 && this.depth != null) {
			throw new UsageException("--depth is for the closed loop; --rate sends on a schedule instead");
		}
		if (this.messages >= 0 && this.messages < this.connections) {
			throw new UsageException("--messages must be at least --connections (" + this.connections + ")");
		}
		if (this.protocol == Protocol.UDP) {
			if (this.size < UDP_HEADER || this.size > MAX_DATAGRAM) {
				throw new UsageException("--size must be between " + UDP_HEADER + " and " + MAX_DATAGRAM
						+ " for udp (a datagram carries its sequence number and flow in 12 bytes)");
			}
			if (this.proxyProtocol != null || this.greeting) {
				throw new UsageException("--proxy-protocol and --greeting are for tcp and tls, not udp");
			}
			if (this.connectRate > 0) {
				throw new UsageException("--connect-rate is for tcp and tls: udp has no connections to open");
			}
			if (this.reconnect) {
				throw new UsageException("--reconnect is for tcp and tls: udp has no connections to open");
			}
			if (this.keepGoing) {
				throw new UsageException(
						"--keep-going is for tcp and tls: udp has no connections to lose, and counts lost datagrams");
			}
		}
		if (this.reconnect && (this.rate > 0 || (this.depth != null && this.depth != 1))) {
			throw new UsageException("--reconnect sends one message per connection: closed loop, depth 1");
		}
		// The open loop's schedule numbers a flow's messages from its first connection on, which a
		// replaced connection would start again.
		if (this.keepGoing && this.rate > 0) {
			throw new UsageException("--keep-going is for the closed loop: it cannot keep --rate's schedule");
		}
		if (this.protocol != Protocol.TLS && (this.insecure || this.ca != null || this.truststore != null
				|| this.serverName != null || this.truststorePassword != null)) {
			throw new UsageException("--insecure, --ca, --truststore and --server-name are for --protocol tls");
		}
		if ((this.insecure ? 1 : 0) + (this.ca != null ? 1 : 0) + (this.truststore != null ? 1 : 0) > 1) {
			throw new UsageException("choose one of --insecure, --ca and --truststore");
		}
		if (this.truststorePassword != null && this.truststore == null) {
			throw new UsageException("--truststore-password needs --truststore");
		}
		long duration = (this.messages >= 0) ? -1 : (this.durationNanos != null) ? this.durationNanos
				: 10_000_000_000L;
		long warmup = (this.messages >= 0 || duration == 0) ? 0
				: (this.warmupNanos != null) ? this.warmupNanos : 2_000_000_000L;
		if (this.rate > 0 && this.rate < this.connections && duration > 0
				&& (double) this.rate / this.connections * (duration / 1e9) < 1) {
			throw new UsageException("--rate " + this.rate + " over " + this.connections
					+ " connections sends no message on some of them within --duration");
		}
		int processors = Runtime.getRuntime().availableProcessors();
		int threads = Math.min((this.threads != null) ? this.threads : processors, this.connections);
		int depth = (this.depth != null) ? this.depth : 1;
		return new BenchOptions(host, port, this.protocol, this.connections, this.size, depth, this.rate,
				duration, this.messages, warmup, threads, this.connectRate, this.reconnect, this.keepGoing,
				this.connectTimeoutNanos, this.timeoutNanos, this.udpTimeoutNanos, this.proxyProtocol, this.greeting,
				this.insecure, this.ca, this.truststore, this.truststorePassword, this.serverName, this.json,
				this.histogram, false);
	}

	private boolean flag(String name, @Nullable String inline) {
		if (inline != null) {
			throw new UsageException(name + " takes no value");
		}
		return true;
	}

	private String value(String name, @Nullable String inline) {
		if (inline != null) {
			return inline;
		}
		if (this.next >= this.args.length) {
			throw new UsageException(name + " needs a value");
		}
		return this.args[this.next++];
	}

	private static Protocol protocol(String text) {
		return switch (text.toLowerCase(Locale.ROOT)) {
			case "tcp" -> Protocol.TCP;
			case "udp" -> Protocol.UDP;
			case "tls" -> Protocol.TLS;
			default -> throw new UsageException("--protocol is tcp, udp or tls, not '" + text + "'");
		};
	}

	private static ProxyVersion proxyVersion(String text) {
		return switch (text.toLowerCase(Locale.ROOT)) {
			case "v1", "1" -> ProxyVersion.V1;
			case "v2", "2" -> ProxyVersion.V2;
			default -> throw new UsageException("--proxy-protocol is v1 or v2, not '" + text + "'");
		};
	}

	private static long integer(String name, String text, long min, long max) {
		long value;
		try {
			value = Long.parseLong(text.replace("_", ""));
		}
		catch (NumberFormatException ex) {
			throw new UsageException(name + " must be a whole number, not '" + text + "'");
		}
		if (value < min || value > max) {
			throw new UsageException(name + " must be between " + min + " and " + max + ", not " + value);
		}
		return value;
	}

	private static long bytes(String name, String text) {
		String lower = text.toLowerCase(Locale.ROOT);
		long unit = 1;
		String number = lower;
		for (String[] suffix : new String[][] { { "kib", "1024" }, { "kb", "1024" }, { "k", "1024" },
				{ "mib", "1048576" }, { "mb", "1048576" }, { "m", "1048576" }, { "b", "1" } }) {
			if (lower.endsWith(suffix[0])) {
				number = lower.substring(0, lower.length() - suffix[0].length());
				unit = Long.parseLong(suffix[1]);
				break;
			}
		}
		long value = integer(name, number, 1, Integer.MAX_VALUE) * unit;
		if (value > 64 * 1024 * 1024) {
			throw new UsageException(name + " must be at most 64M, not " + text);
		}
		return value;
	}

	private static long duration(String name, String text, long minNanos) {
		String lower = text.toLowerCase(Locale.ROOT);
		double unit = 1e9;
		String number = lower;
		if (lower.endsWith("ms")) {
			unit = 1e6;
			number = lower.substring(0, lower.length() - 2);
		}
		else if (lower.endsWith("s")) {
			number = lower.substring(0, lower.length() - 1);
		}
		else if (lower.endsWith("m")) {
			unit = 60e9;
			number = lower.substring(0, lower.length() - 1);
		}
		if (!number.matches("\\d+(\\.\\d*)?|\\.\\d+")) {
			throw new UsageException(name + " must be a time such as 10s, 500ms or 2m, not '" + text + "'");
		}
		double nanos = Double.parseDouble(number) * unit;
		if (nanos < minNanos || nanos > 86_400e9) {
			throw new UsageException(name + " must be between " + (minNanos / 1e9) + "s and 1 day, not " + text);
		}
		return (long) nanos;
	}

}

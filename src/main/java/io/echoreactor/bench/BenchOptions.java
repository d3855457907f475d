package io.echoreactor.bench;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The options of {@code echo-reactor bench}, parsed from its arguments by
 * {@link #parse(String...)}; {@link #USAGE} says what each one means.
 *
 * @param host the server's host name or address literal
 * @param port the server's port
 * @param protocol how to talk to it
 * @param connections connections (UDP: flows)
 * @param size bytes per message (UDP: per datagram)
 * @param depth messages in flight per connection in the closed loop
 * @param rate messages per second in total in the open loop, or 0 for the closed loop
 * @param durationNanos the measured window, or -1 when {@code messages} ends the run
 * @param messages messages in total when they end the run, or -1
 * @param warmupNanos unmeasured time before the window
 * @param threads client event loops
 * @param connectRate connections opened per second, or 0 to open them all at once
 * @param reconnect whether each connection closes after one echo and a new one takes its place
 * @param connectTimeoutNanos how long a connection may take to be ready to echo
 * @param timeoutNanos how long a connection may wait for an echo that is due
 * @param udpTimeoutNanos how long an unanswered datagram is waited for before it is lost
 * @param proxyProtocol the PROXY header to send first, or {@code null}
 * @param greeting whether to read the server's greeting line before echoing
 * @param insecure whether to trust any certificate (TLS)
 * @param ca PEM certificates to trust (TLS), or {@code null}
 * @param truststore a key store of certificates to trust (TLS), or {@code null}
 * @param truststorePassword its password, or {@code null}
 * @param serverName the TLS server name (SNI and the name checked), or {@code null} for the host
 * @param json whether to print the summary as one JSON object
 * @param histogram where to write the HdrHistogram log, or {@code null}
 * @param help whether only the usage was asked for
 */
record BenchOptions(String host, int port, Protocol protocol, int connections, int size, int depth, long rate,
		long durationNanos, long messages, long warmupNanos, int threads, long connectRate, boolean reconnect,
		long connectTimeoutNanos, long timeoutNanos, long udpTimeoutNanos, ProxyVersion proxyProtocol,
		boolean greeting, boolean insecure, Path ca, Path truststore, String truststorePassword, String serverName,
		boolean json, Path histogram, boolean help) {

	/** The largest UDP payload over IPv4. */
	static final int MAX_DATAGRAM = 65507;

	/** A datagram's sequence number (8 bytes) and flow (4 bytes). */
	static final int UDP_HEADER = 12;

	static final String USAGE = """
			usage: echo-reactor bench [options] HOST[:PORT]
			       java -jar echo-reactor.jar bench [options] HOST[:PORT]

			Loads an RFC 862 echo server and checks every byte it echoes. PORT defaults to 7007
			(7443 with --protocol tls); an IPv6 address goes in brackets: [::1]:7007.

			Load (closed loop unless --rate is given):
			  --connections N       connections, or UDP flows (default 16)
			  --size BYTES          message size, suffixes K and M (default 64; UDP 12 to 65507)
			  --depth N             closed loop: messages in flight per connection (default 1)
			  --rate N              open loop: messages per second in total, spread evenly over the
			                        connections; each latency runs from the message's intended send time
			  --duration TIME       measured time: 10s, 500ms, 2m; a plain number is seconds (default 10s);
			                        0 opens (and greets) the connections and closes them, without echo
			  --messages N          instead of --duration: messages in total, all measured, no warm-up
			  --warmup TIME         unmeasured load before the measured time (default 2s)
			  --threads N           client event loops (default: available processors, at most N connections)
			  --connect-rate N      open the connections at N per second instead of all at once; the echo
			                        load starts once all are open (a connection storm, then the echo)
			  --reconnect           a new connection for every message: connect (TLS: a full handshake,
			                        never a resumed session), one message, its echo, the close, and the
			                        next connection at once; closed loop, depth 1; tcp and tls
			  --connect-timeout T   for connect, PROXY header, TLS handshake and greeting (default 10s)
			  --timeout TIME        a connection whose echo is this overdue fails (default 10s)

			Protocol:
			  --protocol P          tcp, udp or tls (default tcp)
			  --proxy-protocol V    send a PROXY protocol header first, v1 or v2, naming this socket's own
			                        addresses (tcp and tls)
			  --greeting            read the server's greeting line before echoing; report the greetings
			                        seen, counted by pod (or host) (tcp and tls)
			  --udp-timeout TIME    a datagram not answered within TIME is lost, not an error (default 1s)
			  --insecure            tls: trust any certificate and any name
			  --ca FILE             tls: trust the PEM certificates in FILE
			  --truststore FILE     tls: trust the certificates in a PKCS12 or JKS key store
			  --truststore-password PASSWORD
			  --server-name NAME    tls: the name sent (SNI) and checked in the certificate (default HOST)
			                        tls trusts the JDK's certificate authorities unless told otherwise

			Output:
			  --json                also print the summary as one JSON object, the last line of output
			  --histogram FILE      write the latency HdrHistogram log (one interval per second, nanoseconds)
			  --help                print this and exit

			Progress (one line per second) is printed only on a terminal. Exit status: 0 when every
			byte came back right and every connection was served; 1 when a byte was wrong, missing or
			extra, or a connection failed (lost datagrams are reported, not failures); 2 on bad arguments.
			""";

	/**
	 * How the client talks to the server.
	 */
	enum Protocol {

		/** TCP, the echo in plain bytes. */
		TCP,

		/** UDP: one datagram, one echo. */
		UDP,

		/** TLS over TCP. */
		TLS;

		String label() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * The PROXY protocol header sent first.
	 */
	enum ProxyVersion {

		/** The text line {@code PROXY TCP4 ...\r\n}. */
		V1,

		/** The binary header. */
		V2

	}

	/** @return whether messages are sent on a schedule rather than on echoes */
	boolean openLoop() {
		return this.rate > 0;
	}

	/** @return whether a number of messages, not a duration, ends the run */
	boolean byMessages() {
		return this.messages >= 0;
	}

	/** @return the host and port, as given to the user */
	String target() {
		return (this.host.indexOf(':') >= 0 ? "[" + this.host + "]" : this.host) + ":" + this.port;
	}

	/**
	 * Parse the arguments that follow {@code bench}.
	 * @param args the arguments
	 * @return the options
	 * @throws UsageException if an argument is unknown, missing or out of range
	 */
	static BenchOptions parse(String... args) {
		return new Parser(args).parse();
	}

	/**
	 * An argument that is unknown, missing or out of range; its message says which.
	 */
	static final class UsageException extends RuntimeException {

		UsageException(String message) {
			super(message);
		}

	}

	private static final class Parser {

		private final String[] args;

		private int next;

		private String target;

		private Protocol protocol = Protocol.TCP;

		private int connections = 16;

		private int size = 64;

		private Integer depth;

		private long rate;

		private Long durationNanos;

		private long messages = -1;

		private Long warmupNanos;

		private Integer threads;

		private long connectRate;

		private boolean reconnect;

		private long connectTimeoutNanos = 10_000_000_000L;

		private long timeoutNanos = 10_000_000_000L;

		private long udpTimeoutNanos = 1_000_000_000L;

		private ProxyVersion proxyProtocol;

		private boolean greeting;

		private boolean insecure;

		private Path ca;

		private Path truststore;

		private String truststorePassword;

		private String serverName;

		private boolean json;

		private Path histogram;

		private boolean help;

		Parser(String[] args) {
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
				return build(null, 0);
			}
			if (this.target == null) {
				throw new UsageException("HOST[:PORT] is missing");
			}
			return resolveTarget();
		}

		private void option(String name, String inline) {
			switch (name) {
				case "--help" -> this.help = flag(name, inline);
				case "--json" -> this.json = flag(name, inline);
				case "--greeting" -> this.greeting = flag(name, inline);
				case "--insecure" -> this.insecure = flag(name, inline);
				case "--reconnect" -> this.reconnect = flag(name, inline);
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

		private BenchOptions resolveTarget() {
			String host = this.target;
			int port = (this.protocol == Protocol.TLS) ? 7443 : 7007;
			String portText = null;
			if (host.startsWith("[")) {
				int close = host.indexOf(']');
				if (close < 0) {
					throw new UsageException("'" + this.target + "' has no closing ']'");
				}
				String rest = host.substring(close + 1);
				host = host.substring(1, close);
				if (!rest.isEmpty()) {
					if (!rest.startsWith(":")) {
						throw new UsageException("'" + this.target + "' is not HOST[:PORT]");
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
				throw new UsageException("'" + this.target + "' names no host");
			}
			if (portText != null) {
				port = (int) integer("PORT", portText, 1, 65535);
			}
			return build(host, port);
		}

		private BenchOptions build(String host, int port) {
			if (this.help) {
				return new BenchOptions(host, port, this.protocol, this.connections, this.size, 1, 0, 0, -1, 0, 1, 0,
						false, 0, 0, 0, null, false, false, null, null, null, null, false, null, true);
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
			}
			if (this.reconnect && (this.rate > 0 || (this.depth != null && this.depth != 1))) {
				throw new UsageException("--reconnect sends one message per connection: closed loop, depth 1");
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
					duration, this.messages, warmup, threads, this.connectRate, this.reconnect,
					this.connectTimeoutNanos, this.timeoutNanos, this.udpTimeoutNanos, this.proxyProtocol, this.greeting,
					this.insecure, this.ca, this.truststore, this.truststorePassword, this.serverName, this.json,
					this.histogram, false);
		}

		private boolean flag(String name, String inline) {
			if (inline != null) {
				throw new UsageException(name + " takes no value");
			}
			return true;
		}

		private String value(String name, String inline) {
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

		static long integer(String name, String text, long min, long max) {
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

		static long duration(String name, String text, long minNanos) {
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

}

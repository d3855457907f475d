package io.echoreactor.bench.options;

import java.nio.file.Path;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The options of {@code echo-reactor bench}, parsed from its arguments by
 * {@link #parse(String...)} with a {@link BenchOptionsParser}; {@link #USAGE} says what
 * each one means.
 *
 * @param host the server's host name or address literal; empty when only the usage is asked for
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
 * @param keepGoing whether a connection that fails while it echoes is counted and replaced,
 * rather than ending its flow
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
public record BenchOptions(String host, int port, Protocol protocol, int connections, int size, int depth, long rate,
		long durationNanos, long messages, long warmupNanos, int threads, long connectRate, boolean reconnect,
		boolean keepGoing, long connectTimeoutNanos, long timeoutNanos, long udpTimeoutNanos,
		@Nullable ProxyVersion proxyProtocol, boolean greeting, boolean insecure, @Nullable Path ca,
		@Nullable Path truststore, @Nullable String truststorePassword, @Nullable String serverName, boolean json,
		@Nullable Path histogram, boolean help) {

	/** The largest UDP payload over IPv4. */
	static final int MAX_DATAGRAM = 65507;

	/** A datagram's sequence number (8 bytes) and flow (4 bytes). */
	public static final int UDP_HEADER = 12;

	public static final String USAGE = """
			usage: echo-reactor bench [options] HOST[:PORT]
			       java -jar echo-reactor.jar bench [options] HOST[:PORT]

			Loads an RFC 862 echo server and checks every byte it echoes. PORT defaults to 7007
			(7443 with --protocol tls); an IPv6 address goes in brackets: [::1]:7007.

			Load (closed loop unless --rate is given):
			  --connections N       connections, or UDP flows (default 16)
			  --size BYTES          message size, suffixes K and M (default 64; UDP 12 to 65507)
			  --depth N             closed loop: messages in flight per connection (default 1)
			  --rate N              open loop: messages per second in total, spread evenly over the
			                        connections; each latency runs from the message's intended send time;
			                        messages/s is the rate achieved, beside the rate requested
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
			  --keep-going          a connection that fails while it echoes (reset, closed early, an echo
			                        overdue, a wrong byte) is counted by kind and replaced at once, its
			                        lost messages sent again on the new one, and the load goes on: for
			                        servers that fail connections on purpose (a fault port); closed loop;
			                        tcp and tls; the errors still fail the run
			  --connect-timeout T   for connect, PROXY header, TLS handshake and greeting (default 10s)
			  --timeout TIME        a connection whose echo is this overdue fails; after the measured time,
			                        what is still in flight is waited for this long at most, then counted
			                        as unanswered (default 10s)

			Protocol:
			  --protocol P          tcp, udp or tls (default tcp)
			  --proxy-protocol V    send a PROXY protocol header first, v1 or v2, naming this socket's own
			                        addresses (tcp and tls)
			  --greeting            read the server's greeting line before echoing; report the greetings
			                        seen, counted by pod (or host) (tcp and tls)
			  --udp-timeout TIME    a datagram not answered within TIME is lost, not an error (default 1s)
			  --insecure            tls: trust any certificate and any name, for testing only
			  --ca FILE             tls: trust the PEM certificates in FILE
			  --truststore FILE     tls: trust the certificates in a PKCS12 or JKS key store
			  --truststore-password PASSWORD
			  --server-name NAME    tls: the name sent (SNI) and checked in the certificate (default HOST)
			                        tls trusts the JDK's certificate authorities unless told otherwise

			Output:
			  --json                also print the summary as one JSON object, the last line of output
			  --histogram FILE      write the latency HdrHistogram log (one interval per second, nanoseconds)
			  --help                print this and exit

			Progress (one line per second) is printed only on a terminal. Before the clock starts the
			client warms itself with one connection of its own (tls: one handshake with the server),
			not counted.

			Exit status:
			  0  every byte came back right, every connection was served, the rate was achieved
			  1  errors: a byte wrong, missing or extra, a connection failed, a message unanswered
			     (lost datagrams are reported, not errors); 1 wins over 3
			  2  bad arguments
			  3  open loop: less than 95% of the --rate requested was achieved, because the server or
			     this client could not keep up
			""";

	/**
	 * How the client talks to the server.
	 */
	public enum Protocol {

		/** TCP, the echo in plain bytes. */
		TCP,

		/** UDP: one datagram, one echo. */
		UDP,

		/** TLS over TCP. */
		TLS;

		public String label() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * The PROXY protocol header sent first.
	 */
	public enum ProxyVersion {

		/** The text line {@code PROXY TCP4 ...\r\n}. */
		V1,

		/** The binary header. */
		V2

	}

	/** @return whether messages are sent on a schedule rather than on echoes */
	public boolean openLoop() {
		return this.rate > 0;
	}

	/** @return whether a number of messages, not a duration, ends the run */
	public boolean byMessages() {
		return this.messages >= 0;
	}

	/**
	 * Return the options of the client's own warm-up before the run: one connection, set up
	 * and closed without echo, on one loop. It counts as reconnecting, so that its TLS
	 * session is never offered again and the run's handshakes stay full ones.
	 * @param toServer whether it goes to the server, set up as the run's connections are
	 * (PROXY header, greeting), rather than to a listener that only accepts
	 * @return the options
	 */
	public BenchOptions forWarmUp(boolean toServer) {
		return new BenchOptions(this.host, this.port, this.protocol, 1, this.size, 1, 0, 0, -1, 0, 1, 0, true,
				false, this.connectTimeoutNanos, this.timeoutNanos, this.udpTimeoutNanos,
				toServer ? this.proxyProtocol : null, toServer && this.greeting, this.insecure, this.ca,
				this.truststore, this.truststorePassword, this.serverName, false, null, false);
	}

	/** @return the host and port, as given to the user */
	public String target() {
		return (this.host.indexOf(':') >= 0 ? "[" + this.host + "]" : this.host) + ":" + this.port;
	}

	/**
	 * Parse the arguments that follow {@code bench}.
	 * @param args the arguments
	 * @return the options
	 * @throws UsageException if an argument is unknown, missing or out of range
	 */
	public static BenchOptions parse(String... args) {
		return new BenchOptionsParser(args).parse();
	}

	/**
	 * An argument that is unknown, missing or out of range; its message says which.
	 */
	public static final class UsageException extends RuntimeException {

		UsageException(String message) {
			super(message);
		}

	}

}

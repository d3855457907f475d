package io.echoreactor.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import jakarta.validation.Valid;
import org.hibernate.validator.constraints.Range;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import static io.echoreactor.config.Applied.Reach.DATAGRAMS;
import static io.echoreactor.config.Applied.Reach.NEW_CONNECTIONS;
import static io.echoreactor.config.Applied.When.LIVE;
import static io.echoreactor.config.Applied.When.RESTART;

/**
 * Echo server settings, bound from {@code echo.server.*} and validated at start-up: the
 * one place where each setting, its default ({@code @DefaultValue}), its range (the
 * constraint annotations), when a change takes effect ({@link Applied}) and its
 * description (below) are declared. The configuration processor's metadata, the
 * configuration reference and the chart's schema follow from here. A key under
 * {@code echo.server} that is none of these settings (a misspelling, or a variable that
 * Kubernetes injects for a Service of a similar name) fails start-up rather than being
 * ignored, as a value out of range does.
 *
 * @param enabled whether to run the echo server; when false no reactor starts and no echo
 * port is bound, while Actuator still runs.
 * @param address address to bind; unset binds every interface, IPv4 and IPv6.
 * @param port TCP port to listen on; 0 picks a free port, which is logged.
 * @param reactors number of reactor threads (echo-reactor-0..N-1); unset uses the number of
 * available processors.
 * @param acceptStrategy how connections reach the reactors: 'acceptor' (one listener and
 * an echo-acceptor thread handing connections round-robin) or 'reuseport' (one
 * SO_REUSEPORT listener per reactor, balanced by the kernel; Linux only).
 * @param backlog listen backlog, the kernel's queue of completed connections not yet
 * accepted.
 * @param readBufferSize size of each reactor's read buffer (one per reactor, not per
 * connection).
 * @param readBudget bytes read from one connection per wakeup before the other ready
 * connections get their turn.
 * @param writeBufferHighWaterMark pending bytes (read but not yet written back) at which
 * reading from a connection pauses.
 * @param writeBufferLowWaterMark pending bytes at or below which a paused connection
 * reads again; must be less than the high-water mark.
 * @param idleTimeout close a connection with no traffic either way for this long; unset
 * never closes idle connections.
 * @param maxConnections most connections served at once; beyond it a new connection is
 * accepted and closed at once, counted as rejected.
 * @param maxConnectionsPerAddress most connections served at once from one client
 * address, 0 for no limit; beyond it a new connection from that address is accepted and
 * closed at once, counted as rejected with cause address-limit.
 * @param maxPendingOutput direct memory that all connections' pending output (echoes
 * their clients have not read yet) may hold together. When it is spent, connections wait
 * to read, and the connection that holds the most of it above its fair share for the
 * longest without reading is reset (cause evicted); a connection whose client reads is
 * never evicted. Unset: half of the JVM's direct memory limit (-XX:MaxDirectMemorySize, by
 * default the maximum heap size). Checked at start-up, and at a live change, to fit the JVM's
 * direct memory beside the reactors' read buffers. Lowered live, it holds from each
 * connection's next chunk on: connections holding more keep it until their clients read it,
 * and direct memory already allocated is kept for reuse until a restart.
 * @param maxSessionMemory heap that connections may hold together for their protocols: each
 * TLS connection's engine (charged 24 KiB during its handshake, 12 KiB after), TLS records
 * that have arrived in part and PROXY headers in progress (at what arrived); at most 70% of
 * the maximum heap (checked at start-up). When it is spent, new TLS handshakes wait to
 * start (and fail as memory at the handshake timeout), connections that could hold more
 * wait to read, and the connection holding the most of an unfinished record for the
 * longest is reset (cause evicted); an established session is never evicted. Unset: 25% of
 * the maximum heap. Lowered live, it holds from the next handshake on: new handshakes wait
 * until enough sessions have closed, while established ones go on echoing.
 * @param writeTimeout reset a connection whose oldest pending echo has waited this long to
 * be written (its client stopped reading, or reads too slowly), counted as closed with
 * cause write-timeout; 0 turns it off.
 * @param stallTimeout how long a reactor (or the acceptor) may go without returning from
 * select() before it counts as stalled: the echo health indicator (liveness) goes DOWN,
 * readiness refuses traffic in reuseport mode (where the kernel would go on routing
 * connections and datagrams to it) and in acceptor mode when it is echo-reactor-0 with the
 * UDP socket, and the acceptor stops handing it connections.
 * @param maxConnectionAge close a connection gracefully (pending bytes flushed, then FIN)
 * once it is this old, so clients reconnect and spread over new instances; unset never.
 * @param maxConnectionAgeJitter fraction by which each connection's maximum age is randomly
 * shortened, so that connections opened together do not close together.
 * @param shutdownTimeout how long the drain waits for clients to close before the server
 * closes them; at most spring.lifecycle.timeout-per-shutdown-phase less 1s (checked at
 * start-up), so that the whole drain fits in its shutdown phase.
 * @param socket socket options.
 * @param udp the UDP echo.
 * @param ssl the TLS listener.
 * @param plain the plain (unencrypted) TCP listener.
 * @param proxyProtocol the PROXY protocol header that load balancers send before the
 * client's bytes.
 * @param greeting a line sent on connect, before echoing, naming the pod that answered and
 * whom it saw: off (the default, so that the echo stays byte-exact RFC 862), text (key=value
 * pairs) or json (one object on one line).
 * @param faults fault profiles, by name (lower-case letters, digits and '-'), each on a port of
 * its own whose connections and datagrams misbehave on purpose; none by default, and the
 * plain ports are never affected.
 * @param faultsMaxConnections most connections open on all fault ports together, apart from
 * max-connections; beyond it a fault port accepts and closes at once.
 * @param faultsMaxPendingOutput heap that connections of fault ports may hold together for
 * echoes held back (delayed, paced, or not read by their client), apart from
 * max-pending-output; when spent, fault connections wait to read, and none is evicted.
 */
@ConfigurationProperties(prefix = "echo.server", ignoreUnknownFields = false)
@Validated
@WriteBufferWaterMarks
@FaultProfiles
public record EchoServerProperties(@Applied(RESTART) @DefaultValue("true") boolean enabled,
		@Applied(RESTART) @Nullable InetAddress address,
		@Applied(RESTART) @DefaultValue("7007") @Range(min = 0, max = 65535) int port,
		@Applied(RESTART) @Range(min = 1, max = 1024) @Nullable Integer reactors,
		@Applied(RESTART) @DefaultValue("acceptor") AcceptStrategy acceptStrategy,
		@Applied(RESTART) @DefaultValue("1024") @Range(min = 1, max = 65535) int backlog,
		@Applied(RESTART) @DefaultValue("64KB") @DataSizeRange(min = "1KB", max = "16MB") DataSize readBufferSize,
		@Applied(LIVE) @DefaultValue("256KB") @DataSizeRange(min = "1KB", max = "64MB") DataSize readBudget,
		@Applied(LIVE) @DefaultValue("64KB") @DataSizeRange(min = "1KB",
				max = "64MB") DataSize writeBufferHighWaterMark,
		@Applied(LIVE) @DefaultValue("32KB") @DataSizeRange(min = "0B", max = "64MB") DataSize writeBufferLowWaterMark,
		@Applied(LIVE) @DurationRange(min = "1ms", max = "365d") @Nullable Duration idleTimeout,
		@Applied(value = LIVE, reach = NEW_CONNECTIONS)
			@DefaultValue("10000") @Range(min = 1, max = 1_000_000) int maxConnections,
		@Applied(value = LIVE, reach = NEW_CONNECTIONS)
			@DefaultValue("0") @Range(min = 0, max = 1_000_000) int maxConnectionsPerAddress,
		@Applied(LIVE) @DataSizeRange(min = "1MB", max = "1TB") @Nullable DataSize maxPendingOutput,
		@Applied(LIVE) @DataSizeRange(min = "1MB", max = "1TB") @Nullable DataSize maxSessionMemory,
		@Applied(LIVE) @DefaultValue("60s") @DurationRange(min = "0s", max = "365d") Duration writeTimeout,
		@Applied(RESTART) @DefaultValue("10s") @DurationRange(min = "2s", max = "1h") Duration stallTimeout,
		@Applied(value = LIVE, reach = NEW_CONNECTIONS)
			@DurationRange(min = "1s", max = "365d") @Nullable Duration maxConnectionAge,
		@Applied(value = LIVE, reach = NEW_CONNECTIONS)
			@DefaultValue("0.1") @Range(min = 0, max = 1) double maxConnectionAgeJitter,
		@Applied(RESTART) @DefaultValue("10s") @DurationRange(min = "1ms", max = "1h") Duration shutdownTimeout,
		@DefaultValue @Valid Socket socket, @DefaultValue @Valid Udp udp, @DefaultValue @Valid Ssl ssl,
		@DefaultValue @Valid Plain plain, @DefaultValue @Valid ProxyProtocol proxyProtocol,
		@Applied(value = LIVE, reach = NEW_CONNECTIONS) @DefaultValue("off") Greeting.Mode greeting,
		@Applied(RESTART) @DefaultValue Map<String, @Valid Fault> faults,
		@Applied(RESTART) @DefaultValue("1000") @Range(min = 1, max = 1_000_000) int faultsMaxConnections,
		@Applied(RESTART) @DefaultValue("16MB") @DataSizeRange(min = "64KB", max = "1TB") DataSize faultsMaxPendingOutput) {

	/**
	 * Return these properties as the reactor's settings.
	 * @return the settings
	 */
	public EchoServerSettings toSettings() {
		return toSettings(null);
	}

	/**
	 * Return these properties as the reactor's settings, with the TLS listener made from
	 * the given context.
	 * @param tls the context of {@code ssl.bundle}, or {@code null} for no TLS listener
	 * @return the settings
	 */
	public EchoServerSettings toSettings(@Nullable TlsContext tls) {
		return toSettings(tls, Greeting.OFF);
	}

	/**
	 * Return these properties as the reactor's settings.
	 * @param tls the context of {@code ssl.bundle}, or {@code null} for no TLS listener
	 * @param greeting the greeting, made with this process's identity
	 * @return the settings
	 */
	public EchoServerSettings toSettings(@Nullable TlsContext tls, Greeting greeting) {
		return new EchoServerSettings(this.address, this.port,
				(this.reactors != null) ? this.reactors : Runtime.getRuntime().availableProcessors(),
				this.acceptStrategy, this.backlog, toIntBytes(this.readBufferSize), toIntBytes(this.readBudget),
				toIntBytes(this.writeBufferHighWaterMark), toIntBytes(this.writeBufferLowWaterMark), this.idleTimeout,
				this.maxConnectionAge, this.maxConnectionAgeJitter, this.maxConnections, this.maxConnectionsPerAddress,
				(this.maxPendingOutput != null) ? this.maxPendingOutput.toBytes() : 0,
				(this.maxSessionMemory != null) ? this.maxSessionMemory.toBytes() : 0,
				(this.writeTimeout == null || this.writeTimeout.isZero()) ? null : this.writeTimeout,
				this.stallTimeout, this.shutdownTimeout, EchoServerSettings.SELECT_TIMEOUT, this.socket.toSettings(),
				this.udp.toSettings(), new TlsSettings(tls, this.ssl.port, this.ssl.handshakeTimeout),
				this.plain.enabled, this.proxyProtocol.toSettings(), greeting, FaultProfiles.Validator.toSettings(this));
	}

	private static int toIntBytes(DataSize size) {
		return Math.toIntExact(size.toBytes());
	}

	private static @Nullable Integer toIntBytesOrNull(@Nullable DataSize size) {
		return (size != null) ? toIntBytes(size) : null;
	}

	/**
	 * Socket options of the TCP listeners and connections; unset ones keep the kernel's
	 * defaults. Options that can be set on an open socket apply live; the buffer sizes are
	 * fixed when a connection is set up (the receive buffer decides its window scale).
	 *
	 * @param tcpNoDelay whether to disable Nagle's algorithm (TCP_NODELAY), so small
	 * echoes leave at once.
	 * @param keepAlive whether to enable TCP keepalive (SO_KEEPALIVE), for load balancers
	 * and NATs that drop idle flows.
	 * @param keepAliveIdle idle time before the first keepalive probe (TCP_KEEPIDLE).
	 * @param keepAliveInterval time between keepalive probes (TCP_KEEPINTVL).
	 * @param keepAliveCount unanswered probes before the connection is dropped
	 * (TCP_KEEPCNT).
	 * @param receiveBufferSize kernel receive buffer per socket (SO_RCVBUF).
	 * @param sendBufferSize kernel send buffer per socket (SO_SNDBUF).
	 */
	public record Socket(@Applied(value = LIVE, reach = NEW_CONNECTIONS) @DefaultValue("true") boolean tcpNoDelay,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS) @DefaultValue("false") boolean keepAlive,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS)
				@DurationRange(min = "1s", max = "32767s") @Nullable Duration keepAliveIdle,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS)
				@DurationRange(min = "1s", max = "32767s") @Nullable Duration keepAliveInterval,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS) @Range(min = 1, max = 127) @Nullable Integer keepAliveCount,
			@Applied(RESTART) @DataSizeRange(min = "1KB", max = "64MB") @Nullable DataSize receiveBufferSize,
			@Applied(RESTART) @DataSizeRange(min = "1KB", max = "64MB") @Nullable DataSize sendBufferSize) {

		SocketSettings toSettings() {
			return new SocketSettings(this.tcpNoDelay, this.keepAlive, this.keepAliveIdle,
					this.keepAliveInterval, this.keepAliveCount, toIntBytesOrNull(this.receiveBufferSize),
					toIntBytesOrNull(this.sendBufferSize));
		}

	}

	/**
	 * The UDP echo (RFC 862's second half), on the same reactors as TCP.
	 *
	 * @param enabled whether to serve UDP echo.
	 * @param port UDP port; unset uses the TCP port's configured number (so 7007/udp beside
	 * 7007/tcp); 0 picks a free port, chosen apart from TCP's, which is logged.
	 * @param rateLimitPerSource datagrams per second answered for one source address (a token
	 * bucket holding one second's worth), 0 for no limit; beyond it datagrams are dropped
	 * unanswered, counted as rate-limit.
	 * @param maxTrackedSources size of the rate limit's table of token buckets, allocated at
	 * start at 20 bytes a bucket (10000: about 200 KB) and refused at start if it would take
	 * more than a quarter of the heap. A keyed hash of a source's address (random per start)
	 * picks its bucket; nothing is ever forgotten, so no number of other sources resets a
	 * source's debt. Sources that pick the same bucket share its rate: stricter, never looser.
	 * Make it larger than the number of sources that send at once.
	 * @param receiveBudget datagrams received per wakeup before the reactor's other work gets
	 * a turn.
	 * @param receiveBufferSize kernel receive buffer of each UDP socket (SO_RCVBUF); unset
	 * keeps the kernel's default.
	 * @param sendBufferSize kernel send buffer of each UDP socket (SO_SNDBUF); unset keeps the
	 * kernel's default.
	 */
	public record Udp(@Applied(RESTART) @DefaultValue("true") boolean enabled,
			@Applied(RESTART) @Range(min = 0, max = 65535) @Nullable Integer port,
			@Applied(value = LIVE, reach = DATAGRAMS)
				@DefaultValue("1000") @Range(min = 0, max = 10_000_000) int rateLimitPerSource,
			@Applied(value = LIVE, reach = DATAGRAMS)
				@DefaultValue("10000") @Range(min = 1, max = 4_194_304) int maxTrackedSources,
			@Applied(value = LIVE, reach = DATAGRAMS)
				@DefaultValue("64") @Range(min = 1, max = 65536) int receiveBudget,
			@Applied(RESTART) @DataSizeRange(min = "1KB", max = "64MB") @Nullable DataSize receiveBufferSize,
			@Applied(RESTART) @DataSizeRange(min = "1KB", max = "64MB") @Nullable DataSize sendBufferSize) {

		UdpSettings toSettings() {
			return new UdpSettings(this.enabled, this.port, this.rateLimitPerSource,
					this.maxTrackedSources, this.receiveBudget, toIntBytesOrNull(this.receiveBufferSize),
					toIntBytesOrNull(this.sendBufferSize));
		}

	}

	/**
	 * The TLS listener: the echo through TLS, beside the plain port, with its key material
	 * from a Spring Boot SSL bundle.
	 *
	 * @param bundle name of the SSL bundle (spring.ssl.bundle.pem.NAME or
	 * spring.ssl.bundle.jks.NAME) to serve TLS with; unset serves no TLS. The bundle's
	 * options narrow the protocols (TLS 1.3 and 1.2 by default) and cipher suites; with
	 * reload-on-update, a rotated certificate is used for new handshakes while open
	 * connections keep echoing. The bundle is tried with a handshake in memory first: one
	 * whose protocols, cipher suites or key cannot complete it fails start-up, naming the
	 * property; a reload that cannot is refused and the previous bundle keeps serving.
	 * @param port TLS port; 0 picks a free port, which is logged.
	 * @param handshakeTimeout close a connection whose TLS handshake has not finished within
	 * this long.
	 * @param clientAuth client certificates: none, want (asked for; a client without one is
	 * served) or need (a client without a certificate trusted by the bundle's trust store is
	 * refused). want and need require the bundle to have a trust store (checked at start-up
	 * and at a live change), or the JDK's default authorities would judge the certificates.
	 */
	public record Ssl(@Applied(RESTART) @Nullable String bundle,
			@Applied(RESTART) @DefaultValue("7443") @Range(min = 0, max = 65535) int port,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS)
				@DefaultValue("10s") @DurationRange(min = "1ms", max = "1h") Duration handshakeTimeout,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS) @DefaultValue("none") TlsContext.ClientAuth clientAuth) {

	}

	/**
	 * The plain TCP listener.
	 *
	 * @param enabled whether to serve the plain (unencrypted) echo on echo.server.port; set
	 * false to serve TLS only (echo.server.ssl.bundle must then be set).
	 */
	public record Plain(@Applied(RESTART) @DefaultValue("true") boolean enabled) {

	}

	/**
	 * The PROXY protocol (v1 and v2), as HAProxy, AWS NLB and Kubernetes ingresses send it.
	 *
	 * @param mode off (the default: no header is read), optional (trusted sources may send a
	 * header; without one their bytes are data: a migration aid) or required (every
	 * connection must start with a header from a trusted source; others are closed).
	 * @param trustedSources the sources (CIDR ranges or addresses) whose headers are read:
	 * only your load balancers. A PROXY header accepted from anyone is how a client forges
	 * its address, so a range of every IPv4 or every IPv6 address (0.0.0.0/0, ::/0,
	 * ::ffff:0:0/96, however written) is refused, whatever the mode. Numbers are written
	 * without leading zeros (not 010.0.0.1 or /08).
	 * @param headerTimeout close a connection that has not sent a complete header within
	 * this long.
	 */
	public record ProxyProtocol(@Applied(value = LIVE, reach = NEW_CONNECTIONS)
		@DefaultValue("off") ProxyProtocolSettings.Mode mode,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS) @DefaultValue({ "127.0.0.0/8",
					"::1/128" }) List<@CidrNotation @NotEveryAddress String> trustedSources,
			@Applied(value = LIVE, reach = NEW_CONNECTIONS)
				@DefaultValue("5s") @DurationRange(min = "1ms", max = "1h") Duration headerTimeout) {

		ProxyProtocolSettings toSettings() {
			return new ProxyProtocolSettings(this.mode, this.trustedSources.stream().map(CidrRange::parse).toList(),
					this.headerTimeout);
		}

	}

	/**
	 * A fault profile: a port of its own whose connections and datagrams misbehave as set
	 * here (at least one fault). Its clients are promised exactly these faults instead of
	 * the plain ports' every byte back or an error.
	 *
	 * @param port TCP port (and UDP port, with a UDP fault) of the profile, apart from every
	 * other listener; 0 picks a free port, which is logged. Required.
	 * @param delay each echo is held this long after it is read.
	 * @param delayJitter up to this much, uniformly at random, is added to each echo's delay.
	 * @param bandwidth bytes per second written back on each connection (a token bucket
	 * holding 200 ms worth); reading pauses while 64KB wait.
	 * @param closeAfter after echoing exactly this many bytes, close with FIN (what the client
	 * sends after that is read and dropped until it closes, for at most 2s).
	 * @param resetAfter after echoing exactly this many bytes, reset the connection (RST).
	 * @param resetProbability chance, from 0 to 1, that a read resets the connection (RST)
	 * instead of being echoed.
	 * @param noRead accept connections and never read them: the client's send window fills
	 * and stays full; they close only at idle-timeout (set it) or at shutdown.
	 * @param acceptDelay an accepted connection is served only after this long.
	 * @param udpDropProbability chance, from 0 to 1, that a datagram to the port's UDP socket
	 * is dropped unanswered.
	 * @param udpDelay each datagram's answer is held this long (at most 1024 answers held at
	 * once; beyond that, datagrams are dropped).
	 */
	public record Fault(@Applied(RESTART) @Range(min = 0, max = 65535) @Nullable Integer port,
			@Applied(RESTART) @DurationRange(min = "0ms", max = "1h") @Nullable Duration delay,
			@Applied(RESTART) @DurationRange(min = "0ms", max = "1h") @Nullable Duration delayJitter,
			@Applied(RESTART) @DataSizeRange(min = "1B", max = "1GB") @Nullable DataSize bandwidth,
			@Applied(RESTART) @DataSizeRange(min = "0B", max = "1TB") @Nullable DataSize closeAfter,
			@Applied(RESTART) @DataSizeRange(min = "0B", max = "1TB") @Nullable DataSize resetAfter,
			@Applied(RESTART) @Range(min = 0, max = 1) @Nullable Double resetProbability,
			@Applied(RESTART) @DefaultValue("false") boolean noRead,
			@Applied(RESTART) @DurationRange(min = "0ms", max = "1h") @Nullable Duration acceptDelay,
			@Applied(RESTART) @Range(min = 0, max = 1) @Nullable Double udpDropProbability,
			@Applied(RESTART) @DurationRange(min = "0ms", max = "1h") @Nullable Duration udpDelay) {

	}

}

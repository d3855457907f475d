package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RejectCause;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.ThrottledWarning;
import io.echoreactor.reactor.tls.TlsBuffers;
import io.echoreactor.reactor.tls.TlsHandshakeListener;
import io.echoreactor.reactor.tls.TlsSettings;
import jdk.net.ExtendedSocketOptions;
import org.jspecify.annotations.Nullable;

/**
 * How a new connection begins on its reactor, and what its first stages report: its
 * socket options and maximum age, the PROXY header from a trusted source (or a refusal in
 * {@code required} mode), the TLS handshake on the TLS port, and the greeting before the
 * echo. The stages themselves ({@link ProxyHeaderStage}, {@link TlsHandshake}) decide
 * what bytes mean; this is where they are counted and where they lead.
 *
 * <p>
 * <strong>Threading:</strong> confined to its reactor's thread, except
 * {@link #setTlsHandshakeListener(TlsHandshakeListener)}.
 */
public final class StageOrder {

	private static final ReactorLog logger = ReactorLog.of(StageOrder.class);

	private final ConnectionContext context;

	private final int reactorIndex;

	private final ConnectionLimit limit;

	// Reactor-thread state: live settings, replaced by apply().

	private long maxAgeNanos;

	private double maxAgeJitter;

	private SocketSettings socket;

	private ProxyProtocolSettings proxyProtocol;

	private TlsSettings tls;

	private Greeting greeting;

	private final ThrottledWarning proxyRefusals = new ThrottledWarning(logger);

	private final ThrottledWarning engineFailures = new ThrottledWarning(logger);

	private volatile @Nullable TlsHandshakeListener tlsHandshakeListener;

	// The engines' shared buffers, made with the first TLS connection.
	private @Nullable TlsBuffers tlsBuffers;

	/**
	 * @param context the reactor, as its connections see it
	 * @param reactorIndex the reactor's index, for the handshake listener
	 * @param limit the connection limits, for the clients PROXY headers name
	 * @param maxConnectionAge the maximum age of a connection, or {@code null} for none
	 * @param maxConnectionAgeJitter the share of the maximum age taken off at random
	 * @param socket the socket options of accepted connections
	 * @param proxyProtocol whose connections begin with a PROXY header
	 * @param tls the TLS listener's settings
	 * @param greeting the greeting before the echo
	 */
	public StageOrder(ConnectionContext context, int reactorIndex, ConnectionLimit limit, @Nullable Duration maxConnectionAge,
			double maxConnectionAgeJitter, SocketSettings socket, ProxyProtocolSettings proxyProtocol,
			TlsSettings tls, Greeting greeting) {
		this.context = context;
		this.reactorIndex = reactorIndex;
		this.limit = limit;
		this.maxAgeNanos = (maxConnectionAge != null) ? maxConnectionAge.toNanos() : 0;
		this.maxAgeJitter = maxConnectionAgeJitter;
		this.socket = socket;
		this.proxyProtocol = proxyProtocol;
		this.tls = tls;
		this.greeting = greeting;
	}

	/**
	 * Take new settings for the connections that begin from now on: their maximum age,
	 * socket options, PROXY header, TLS handshake timeout and greeting. Connections already
	 * past a stage are not taken back to it. Reactor thread only.
	 * @param maxConnectionAge the maximum age of a connection, or {@code null} for none
	 * @param maxConnectionAgeJitter the share of the maximum age taken off at random
	 * @param socket the socket options of accepted connections
	 * @param proxyProtocol whose connections begin with a PROXY header
	 * @param tls the TLS listener's settings
	 * @param greeting the greeting before the echo
	 */
	public void apply(@Nullable Duration maxConnectionAge, double maxConnectionAgeJitter, SocketSettings socket,
			ProxyProtocolSettings proxyProtocol, TlsSettings tls, Greeting greeting) {
		assert this.context.loop().inLoop();
		this.maxAgeNanos = (maxConnectionAge != null) ? maxConnectionAge.toNanos() : 0;
		this.maxAgeJitter = maxConnectionAgeJitter;
		this.socket = socket;
		this.proxyProtocol = proxyProtocol;
		this.tls = tls;
		this.greeting = greeting;
	}

	public void setTlsHandshakeListener(@Nullable TlsHandshakeListener listener) {
		this.tlsHandshakeListener = listener;
	}

	/** @return when a connection accepted now reaches its (jittered) maximum age */
	public long expiry() {
		if (this.maxAgeNanos == 0) {
			return Long.MAX_VALUE;
		}
		double jitter = this.maxAgeJitter * ThreadLocalRandom.current().nextDouble();
		return this.context.loop().now() + (long) (this.maxAgeNanos * (1 - jitter));
	}

	/**
	 * Apply the configured socket options to an accepted channel.
	 * @param channel the channel
	 * @throws IOException if an option cannot be set
	 */
	public void configure(SocketChannel channel) throws IOException {
		SocketSettings socket = this.socket;
		channel.setOption(StandardSocketOptions.TCP_NODELAY, socket.tcpNoDelay());
		if (socket.keepAlive()) {
			channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPIDLE, seconds(socket.keepAliveIdle()));
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds(socket.keepAliveInterval()));
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPCOUNT, socket.keepAliveCount());
		}
		if (socket.sendBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_SNDBUF, socket.sendBufferSize());
		}
		if (socket.receiveBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_RCVBUF, socket.receiveBufferSize());
		}
	}

	private static @Nullable Integer seconds(@Nullable Duration duration) {
		return (duration != null) ? (int) Math.max(1, duration.toSeconds()) : null;
	}

	private static <T> void setIfSupported(SocketChannel channel, SocketOption<T> option, @Nullable T value)
			throws IOException {
		if (value != null && channel.supportedOptions().contains(option)) {
			channel.setOption(option, value);
		}
	}

	/**
	 * Put a registered connection on its first stage.
	 * @param connection the connection
	 * @param tls whether it came in on the TLS port
	 * @throws IOException if the connection fails
	 */
	public void begin(TcpConnection connection, boolean tls) throws IOException {
		ProxyProtocolSettings proxy = this.proxyProtocol;
		if (proxy.mode() != ProxyProtocolSettings.Mode.OFF) {
			InetAddress peer = connection.peerAddress();
			if (peer != null && proxy.trusts(peer)) {
				connection.advance(new ProxyHeaderStage(this.context.loop().now() + proxy.headerTimeout().toNanos(),
						proxy.mode() == ProxyProtocolSettings.Mode.REQUIRED, tls));
				return;
			}
			if (proxy.mode() == ProxyProtocolSettings.Mode.REQUIRED) {
				proxyHeaderRefused(connection, ProxyHeaderResult.UNTRUSTED, "the PROXY protocol is required and "
						+ ((peer != null) ? peer.getHostAddress() : "the peer") + " is not a trusted source");
				return;
			}
		}
		afterProxyHeader(connection, tls);
	}

	/**
	 * Go on to the TLS handshake on the TLS port, else straight to the echo.
	 * @param connection the connection
	 * @param tls whether it came in on the TLS port
	 * @throws IOException if the connection fails
	 */
	void afterProxyHeader(TcpConnection connection, boolean tls) throws IOException {
		if (tls) {
			connection.startTls(newTlsSession(), new TlsHandshake(
					this.context.loop().now() + this.tls.handshakeTimeout().toNanos(), Echoing.INSTANCE));
		}
		else {
			connection.advance(Echoing.INSTANCE);
			echoing(connection);
		}
	}

	/**
	 * Count a PROXY header read (or, in optional mode, found absent) and count the client
	 * it names against that client's {@code max-connections-per-address}.
	 * @param connection the connection
	 * @param result what was read
	 * @param client the client, or {@code null}
	 * @return whether the connection may go on; if not it is closed, counted as rejected
	 */
	boolean proxyHeaderRead(TcpConnection connection, ProxyHeaderResult result, @Nullable InetAddress client) {
		this.context.loop().statistics().increment(result);
		if (!this.limit.limitsAddresses() || client == null) {
			return true;
		}
		if (!this.limit.tryAcquire(client)) {
			this.context.loop().statistics().increment(RejectCause.ADDRESS_LIMIT);
			connection.reject();
			return false;
		}
		connection.countedAs(client);
		return true;
	}

	/**
	 * Refuse a connection's PROXY header: count why, log a throttled line, and close it.
	 * @param connection the connection
	 * @param result why
	 * @param reason what was wrong, for the log
	 */
	void proxyHeaderRefused(TcpConnection connection, ProxyHeaderResult result, String reason) {
		this.context.loop().statistics().increment(result);
		if (this.proxyRefusals.due()) {
			InetAddress peer = connection.peerAddress();
			this.proxyRefusals.log("Refused the PROXY header of a connection from "
					+ ((peer != null) ? peer.getHostAddress() : "a peer that is gone") + " on "
					+ this.context.loop().name() + ": " + result.tag() + " (" + reason + ")",
					facts(connection).cause(result), null);
		}
		connection.close(CloseCause.PROXY_HEADER);
	}

	private TlsSession newTlsSession() {
		return new TlsSession(Objects.requireNonNull(this.tls.context(), "TLS is off"), this, this.context.loop().statistics(),
				this.context.loop().now());
	}

	/** @return the reactor's shared TLS buffers, sized from the first engine */
	TlsBuffers tlsBuffers(SSLEngine engine) {
		if (this.tlsBuffers == null) {
			this.tlsBuffers = new TlsBuffers(engine);
		}
		return this.tlsBuffers;
	}

	/**
	 * No engine could be made for a connection: a bundle that cannot serve, which the checks
	 * at start and at reload keep out. Logged once in a while, without a stack trace; the
	 * connection is closed as a failed handshake ({@code internal}), never echoed in plain.
	 */
	void engineFailed(TcpConnection connection, Exception ex) {
		if (this.engineFailures.due()) {
			this.engineFailures.log("Unable to make a TLS engine for a connection on " + this.context.loop().name()
					+ "; closing it: " + ex.getMessage(),
					facts(connection).cause(TlsFailure.INTERNAL), null);
		}
	}

	/** The handshake of {@code session} is done: count it, and tell the listener what it negotiated. */
	void handshakeCompleted(TlsSession session) {
		this.context.loop().statistics().increment(Counter.TLS_HANDSHAKES);
		TlsHandshakeListener listener = this.tlsHandshakeListener;
		if (listener != null) {
			SSLSession established = Objects.requireNonNull(session.engine(), "handshake done").getSession();
			listener.handshakeCompleted(this.reactorIndex, established.getProtocol(),
					established.getCipherSuite(), System.nanoTime() - session.startNanos());
		}
	}

	void handshakeFailed(TcpConnection connection, TlsFailure failure, @Nullable Exception ex) {
		this.context.loop().statistics().increment(failure);
		if (ex != null && logger.isDebugEnabled()) {
			logger.debug("TLS handshake failed (" + failure.tag() + ") on " + connection.channel(),
					facts(connection).cause(failure), ex);
		}
	}

	/**
	 * @param connection a connection of this reactor
	 * @return the facts of a log line about it: the reactor, its addresses, its client
	 */
	LogFacts facts(TcpConnection connection) {
		return LogFacts.connection(this.context.loop().name(), connection.channel(), connection.client());
	}

	/**
	 * A connection is ready to echo: greet it first, if the greeting is on.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	void echoing(TcpConnection connection) throws IOException {
		Greeting greeting = this.greeting;
		if (greeting.enabled()) {
			connection.send(greeting.render(connection.channel().getLocalAddress(),
					connection.channel().getRemoteAddress(), connection.proxy(),
					tlsSession(connection)));
		}
	}


	private static @Nullable SSLSession tlsSession(TcpConnection connection) {
		TlsSession tls = connection.tls();
		SSLEngine engine = (tls != null) ? tls.engine() : null;
		return (engine != null) ? engine.getSession() : null;
	}

}

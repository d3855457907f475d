package io.echoreactor.reactor;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.EchoAcceptor;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.fault.FaultPorts;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import io.echoreactor.reactor.udp.UdpSettings;
import org.jspecify.annotations.Nullable;

/**
 * The sockets an {@link EchoServer} binds, each given to the loop that serves it: the
 * plain and TLS listeners (on the acceptor, or one {@code SO_REUSEPORT} listener per
 * reactor) and the UDP sockets (on the first reactor, or one per reactor).
 *
 * <p>
 * In {@code reuseport} mode a port is first bound once without {@code SO_REUSEPORT}:
 * otherwise the group could join another process's group on the same port without a word.
 * That first bind fails as it should if the port is held, and picks the port when 0 was
 * asked for.
 *
 * <p>
 * <strong>Threading:</strong> made while the server starts, under its monitor; read from
 * any thread afterwards.
 */
final class ServerSockets {

	private final EchoServerSettings settings;

	private final List<Closeable> opened = new ArrayList<>();

	private @Nullable InetSocketAddress plain;

	private @Nullable InetSocketAddress tls;

	private @Nullable InetSocketAddress udp;

	private volatile @Nullable SourceRateLimiter rateLimiter;

	private @Nullable FaultPorts faults;

	private ServerSockets(EchoServerSettings settings) {
		this.settings = settings;
	}

	/**
	 * Bind every socket the settings ask for and give each to its loop; on failure close
	 * what was bound.
	 * @param settings the settings
	 * @param reactors the reactors, not started
	 * @param acceptor the acceptor in {@code acceptor} mode, else {@code null}
	 * @param rateLimitClock the clock of the UDP rate limit, or {@code null} for the loops'
	 * @param acceptOperation the accept call of the fault ports' listeners
	 * @return the bound sockets
	 * @throws IOException if binding fails ({@link EchoBindException} says which and why)
	 */
	static ServerSockets bind(EchoServerSettings settings, List<EchoReactor> reactors, @Nullable EchoAcceptor acceptor,
			@Nullable LongSupplier rateLimitClock, Listener.AcceptOperation acceptOperation) throws IOException {
		ServerSockets sockets = new ServerSockets(settings);
		try {
			if (settings.plainEnabled()) {
				sockets.plain = sockets.bindListeners(reactors, acceptor, settings.port(), false,
						EchoBindException.Protocol.TCP);
			}
			if (settings.tls().enabled()) {
				sockets.tls = sockets.bindListeners(reactors, acceptor, settings.tls().port(), true,
						EchoBindException.Protocol.TLS);
			}
			if (settings.udp().enabled()) {
				sockets.bindDatagrams(reactors, rateLimitClock);
			}
			// Last, so that a fault port that collides with another listener is the one reported.
			if (settings.faults().enabled()) {
				sockets.faults = bindFaults(settings, reactors, acceptOperation);
			}
			return sockets;
		}
		catch (IOException | RuntimeException ex) {
			sockets.opened.forEach(Closeables::closeQuietly);
			throw ex;
		}
	}

	// A fault port's sockets are closed by FaultPorts itself, or with the reactors' loops.
	private static FaultPorts bindFaults(EchoServerSettings settings, List<EchoReactor> reactors,
			Listener.AcceptOperation acceptOperation) throws IOException {
		try {
			return FaultPorts.bind(settings.faults(), settings.address(), settings.backlog(), settings.idleTimeout(),
					reactors.stream().map(EchoReactor::loop).toList(), acceptOperation);
		}
		catch (FaultPorts.BindFailure ex) {
			throw new EchoServerException("Unable to bind the " + (ex.udp() ? "UDP" : "TCP") + " port of fault profile '"
					+ ex.profile() + "' (echo.server.faults." + ex.profile() + ".port) to " + ex.address() + ": "
					+ ex.getMessage(), ex);
		}
	}

	/** @return the fault ports, or {@code null} with none */
	@Nullable FaultPorts faults() {
		return this.faults;
	}

	/**
	 * Stop the fault ports, if any: a fault port promises its clients nothing, so a drain
	 * does not wait for them, and their connections close with the reactors. Called from
	 * any thread.
	 * @param sockets the bound sockets, or {@code null} before start
	 */
	static void closeFaultPorts(@Nullable ServerSockets sockets) {
		FaultPorts faults = (sockets != null) ? sockets.faults : null;
		if (faults != null) {
			faults.close();
		}
	}

	/** @return the plain listener's address, or {@code null} when it is off */
	@Nullable InetSocketAddress plain() {
		return this.plain;
	}

	/** @return the TLS listener's address, or {@code null} when it is off */
	@Nullable InetSocketAddress tls() {
		return this.tls;
	}

	/** @return the UDP sockets' address, or {@code null} when UDP is off */
	@Nullable InetSocketAddress udp() {
		return this.udp;
	}

	void setRateLimiter(@Nullable SourceRateLimiter rateLimiter) {
		this.rateLimiter = rateLimiter;
	}

	/** @return the UDP rate limit, or {@code null} when it is off */
	@Nullable SourceRateLimiter rateLimiter() {
		return this.rateLimiter;
	}

	/**
	 * Describe what was bound, for the start-up log line.
	 * @param reactors the reactors
	 * @return such as {@code *:7007 (accept strategy acceptor, 2 reactors); TLS on *:7443; UDP on ...}
	 */
	String describe(List<EchoReactor> reactors) {
		StringBuilder text = new StringBuilder(describe(Objects.requireNonNull((this.plain != null) ? this.plain : this.tls)));
		text.append(" (").append((this.plain != null) ? "" : "TLS only, ").append("accept strategy ")
			.append(this.settings.acceptStrategy().name().toLowerCase())
			.append(", ").append(reactors.size()).append(" reactor").append((reactors.size() != 1) ? "s" : "")
			.append(')');
		if (this.tls != null && this.plain != null) {
			text.append("; TLS on ").append(describe(this.tls));
		}
		if (this.udp == null) {
			text.append("; UDP off");
		}
		else {
			text.append("; UDP on ").append(describe(this.udp))
				.append((this.settings.acceptStrategy() == AcceptStrategy.REUSEPORT) ? " (a socket per reactor)"
						: " (" + reactors.get(0).threadName() + ")");
		}
		return (this.faults != null) ? text.append("; ").append(this.faults.describe()).toString() : text.toString();
	}

	static String describe(InetSocketAddress address) {
		String host = address.getAddress().isAnyLocalAddress() ? "*" : address.getAddress().getHostAddress();
		return host + ":" + address.getPort();
	}

	private InetSocketAddress bindListeners(List<EchoReactor> reactors, @Nullable EchoAcceptor acceptor, int port, boolean tls,
			EchoBindException.Protocol protocol) throws IOException {
		InetSocketAddress requested = new InetSocketAddress(this.settings.address(), port);
		if (acceptor != null) {
			ServerSocketChannel listener = bind(requested, false, protocol);
			acceptor.listen(listener, tls);
			return (InetSocketAddress) Objects.requireNonNull(listener, "no reactor").getLocalAddress();
		}
		int bound;
		try (ServerSocketChannel probe = bind(requested, false, protocol)) {
			bound = ((InetSocketAddress) probe.getLocalAddress()).getPort();
		}
		InetSocketAddress address = new InetSocketAddress(this.settings.address(), bound);
		ServerSocketChannel listener = null;
		for (EchoReactor reactor : reactors) {
			listener = bind(address, true, protocol);
			reactor.listen(listener, tls);
		}
		return (InetSocketAddress) Objects.requireNonNull(listener, "no reactor").getLocalAddress();
	}

	private ServerSocketChannel bind(InetSocketAddress address, boolean reusePort, EchoBindException.Protocol protocol)
			throws IOException {
		ServerSocketChannel listener = ServerSocketChannel.open();
		this.opened.add(listener);
		listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
		if (reusePort) {
			if (!listener.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
				throw new EchoServerException("The reuseport accept strategy needs SO_REUSEPORT, which this "
						+ "platform does not support; use the acceptor strategy", null);
			}
			listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
		}
		Integer receiveBufferSize = this.settings.socket().receiveBufferSize();
		if (receiveBufferSize != null) {
			// Set before listen() so that accepted sockets inherit it with a matching window scale.
			listener.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
		}
		try {
			listener.bind(address, this.settings.backlog());
		}
		catch (IOException ex) {
			throw new EchoBindException(address, ex, protocol);
		}
		listener.configureBlocking(false);
		return listener;
	}

	// In acceptor mode the first reactor owns the one socket; in reuseport mode each
	// reactor owns one, and the kernel spreads sources over them.
	private void bindDatagrams(List<EchoReactor> reactors, @Nullable LongSupplier rateLimitClock) throws IOException {
		UdpSettings udp = this.settings.udp();
		int port = (udp.port() != null) ? udp.port() : this.settings.port();
		InetSocketAddress requested = new InetSocketAddress(this.settings.address(), port);
		this.rateLimiter = (udp.rateLimitPerSource() > 0)
				? new SourceRateLimiter(udp.rateLimitPerSource(), udp.maxTrackedSources()) : null;
		if (this.settings.acceptStrategy() == AcceptStrategy.REUSEPORT) {
			int bound;
			try (DatagramChannel probe = bindDatagram(requested, false)) {
				bound = ((InetSocketAddress) probe.getLocalAddress()).getPort();
			}
			InetSocketAddress address = new InetSocketAddress(this.settings.address(), bound);
			DatagramChannel channel = null;
			for (EchoReactor reactor : reactors) {
				channel = bindDatagram(address, true);
				reactor.serveDatagrams(channel, this.rateLimiter, rateLimitClock);
			}
			this.udp = (InetSocketAddress) Objects.requireNonNull(channel, "no reactor").getLocalAddress();
		}
		else {
			DatagramChannel channel = bindDatagram(requested, false);
			reactors.get(0).serveDatagrams(channel, this.rateLimiter, rateLimitClock);
			this.udp = (InetSocketAddress) Objects.requireNonNull(channel, "no reactor").getLocalAddress();
		}
	}

	private DatagramChannel bindDatagram(InetSocketAddress address, boolean reusePort) throws IOException {
		DatagramChannel channel = DatagramChannel.open();
		this.opened.add(channel);
		UdpSettings udp = this.settings.udp();
		if (reusePort) {
			channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
		}
		if (udp.receiveBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_RCVBUF, udp.receiveBufferSize());
		}
		if (udp.sendBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_SNDBUF, udp.sendBufferSize());
		}
		try {
			channel.bind(address);
		}
		catch (IOException ex) {
			throw new EchoBindException(address, ex, EchoBindException.Protocol.UDP);
		}
		channel.configureBlocking(false);
		return channel;
	}

}

package io.echoreactor.reactor.accept;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.SelectOperation;
import org.jspecify.annotations.Nullable;

/**
 * The {@code acceptor} strategy: one listening socket on an {@link EventLoop} of its own,
 * named {@code echo-acceptor}, whose {@link Listener} hands each accepted connection to
 * the next reactor in turn, skipping any whose thread has died or has stalled.
 *
 * <p>
 * <strong>Threading:</strong> the listener and the turn are confined to the acceptor
 * thread; {@link #stop()} and the accessors may be called from any thread.
 */
public final class EchoAcceptor implements EventLoop.Owner {

	public static final String THREAD_NAME = "echo-acceptor";

	private final EventLoop loop;

	private final List<Listener> listeners = new java.util.ArrayList<>();

	private final List<? extends AcceptTarget> reactors;

	private final ConnectionLimit limit;

	private final int backlog;

	private volatile boolean stopped;

	private int next;

	private final Listener.AcceptOperation acceptOperation;

	private volatile ProxyProtocolSettings proxyProtocol;

	/**
	 * @param reactors where accepted connections go, in turn
	 * @param limit the connection limits
	 * @param backlog the listening sockets' backlog, which closing drains
	 * @param proxyProtocol which peers' connections begin with a PROXY header
	 * @param selectTimeoutNanos how long a select may block
	 * @param selectOperation how the loop selects
	 * @param acceptOperation how the listeners accept
	 * @throws IOException if the selector cannot be opened
	 */
	public EchoAcceptor(List<? extends AcceptTarget> reactors, ConnectionLimit limit, int backlog,
			ProxyProtocolSettings proxyProtocol, long selectTimeoutNanos, SelectOperation selectOperation,
			Listener.AcceptOperation acceptOperation) throws IOException {
		this.reactors = reactors;
		this.limit = limit;
		this.backlog = backlog;
		this.acceptOperation = acceptOperation;
		this.proxyProtocol = proxyProtocol;
		this.loop = new EventLoop(THREAD_NAME, selectTimeoutNanos, selectOperation, this);
	}

	/**
	 * Accept on the given listening socket as well. Called before {@link #start()}.
	 * @param channel the bound listening socket
	 * @param tls whether its connections begin with a TLS handshake
	 */
	public void listen(ServerSocketChannel channel, boolean tls) throws IOException {
		Listener listener = new Listener(this.loop, channel, this.limit, this::handOff, this.acceptOperation, tls,
				(address) -> this.proxyProtocol.readsHeaderFrom(address));
		listener.open();
		this.listeners.add(listener);
	}

	/**
	 * Change which peers' connections begin with a PROXY header, for the connections
	 * accepted from now on. Called from any thread.
	 * @param proxyProtocol the PROXY protocol settings
	 */
	public void setProxyProtocol(ProxyProtocolSettings proxyProtocol) {
		this.proxyProtocol = proxyProtocol;
	}

	public ReactorStatistics statistics() {
		return this.loop.statistics();
	}

	public boolean isAlive() {
		return this.loop.isAlive();
	}

	public long sinceLastSelectNanos() {
		return this.loop.sinceLastSelectNanos();
	}

	public void start() {
		this.loop.start();
	}

	public void abandon() {
		this.loop.abandon();
	}

	/**
	 * Stop accepting once the connections the kernel has already queued are handed over,
	 * close the listener and end the thread. Called from any thread.
	 * @return completes when the thread has ended
	 */
	public CompletableFuture<Void> stop() {
		this.loop.execute(() -> {
			for (Listener listener : this.listeners) {
				listener.close(this.backlog);
			}
			this.stopped = true;
		});
		return this.loop.terminated();
	}

	private void handOff(SocketChannel channel, @Nullable InetAddress address, boolean tls) {
		for (int attempt = 0; attempt < this.reactors.size(); attempt++) {
			AcceptTarget reactor = this.reactors.get(this.next);
			this.next = (this.next + 1) % this.reactors.size();
			// A dead reactor would never serve or close the connection; a stalled one would
			// hold it unanswered.
			if (reactor.takesConnections()) {
				reactor.register(channel, address, tls);
				return;
			}
		}
		Closeables.closeQuietly(channel);
		this.limit.release();
		if (address != null) {
			this.limit.release(address);
		}
	}

	@Override
	public boolean finished() {
		return this.stopped;
	}

	@Override
	public void ended(boolean died) {
		for (Listener listener : this.listeners) {
			listener.abort(died ? CloseCause.ERROR : CloseCause.SHUTDOWN);
		}
	}

}

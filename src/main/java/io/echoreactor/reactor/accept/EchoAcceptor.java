package io.echoreactor.reactor.accept;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.SelectOperation;

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

	private final List<EchoReactor> reactors;

	private final ConnectionLimit limit;

	private final int backlog;

	private volatile boolean stopped;

	private int next;

	private final Listener.AcceptOperation acceptOperation;

	private final ProxyProtocolSettings proxyProtocol;

	public EchoAcceptor(List<EchoReactor> reactors, ConnectionLimit limit, EchoServerSettings settings,
			SelectOperation selectOperation, Listener.AcceptOperation acceptOperation) throws IOException {
		this.reactors = reactors;
		this.limit = limit;
		this.backlog = settings.backlog();
		this.acceptOperation = acceptOperation;
		this.proxyProtocol = settings.proxyProtocol();
		this.loop = new EventLoop(THREAD_NAME, settings.selectTimeout().toNanos(), selectOperation, this);
	}

	/**
	 * Accept on the given listening socket as well. Called before {@link #start()}.
	 * @param channel the bound listening socket
	 * @param tls whether its connections begin with a TLS handshake
	 */
	public void listen(ServerSocketChannel channel, boolean tls) throws IOException {
		Listener listener = new Listener(this.loop, channel, this.limit, this::handOff, this.acceptOperation, tls,
				this.proxyProtocol::readsHeaderFrom);
		listener.open();
		this.listeners.add(listener);
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

	private void handOff(SocketChannel channel, InetAddress address, boolean tls) {
		for (int attempt = 0; attempt < this.reactors.size(); attempt++) {
			EchoReactor reactor = this.reactors.get(this.next);
			this.next = (this.next + 1) % this.reactors.size();
			// A dead reactor would never serve or close the connection; a stalled one would
			// hold it unanswered.
			if (reactor.state() != EchoReactor.State.TERMINATED && !reactor.isStalled()) {
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

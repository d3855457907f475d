package io.echoreactor.reactor.fault;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * The fault ports of a server: for each {@link FaultProfile}, a listener of its own (on
 * one reactor's loop, the profiles spread over the reactors) whose connections are handed
 * to the reactors in turn, each carrying its profile; and a UDP socket on the same port
 * number when the profile has a UDP fault. They share a {@link ConnectionLimit} and a
 * {@link FaultMemory} apart from the plain ports', so that a fault connection never takes
 * a plain client's place or memory.
 *
 * <p>
 * <strong>Threading:</strong> bound by the thread that starts the server, before the
 * loops run; {@link #close()} and the accessors may be called from any thread.
 */
public final class FaultPorts {

	private final List<EventLoop> loops;

	private final List<FaultPort> ports = new ArrayList<>();

	private final List<Listener> listeners = new ArrayList<>();

	private final List<FaultDatagrams> datagrams = new ArrayList<>();

	private final List<EventLoop> owners = new ArrayList<>();

	private final List<Closeable> opened = new ArrayList<>();

	private final ConnectionLimit limit;

	private final FaultMemory memory;

	private final AtomicInteger next = new AtomicInteger();

	private FaultPorts(FaultSettings settings, List<EventLoop> loops) {
		this.loops = List.copyOf(loops);
		this.limit = new ConnectionLimit(settings.maxConnections(), 0);
		this.memory = new FaultMemory(settings.maxPendingOutput());
	}

	/**
	 * Bind every profile's port and register it with a loop; on failure close what was
	 * bound.
	 * @param settings the profiles
	 * @param address the address to bind, or {@code null} for every interface
	 * @param backlog the listen backlog
	 * @param idleTimeout the idle timeout of fault connections, or {@code null} for none
	 * @param loops the reactors' loops, in index order, not started
	 * @param acceptOperation the accept call
	 * @return the fault ports
	 * @throws BindFailure if a port cannot be bound
	 * @throws IOException if a socket cannot be opened
	 */
	public static FaultPorts bind(FaultSettings settings, @Nullable InetAddress address, int backlog,
			@Nullable Duration idleTimeout, List<EventLoop> loops, Listener.AcceptOperation acceptOperation)
			throws IOException {
		FaultPorts faults = new FaultPorts(settings, loops);
		long idleTimeoutNanos = (idleTimeout != null) ? idleTimeout.toNanos() : 0;
		try {
			for (FaultProfile profile : settings.profiles()) {
				FaultPort port = new FaultPort(profile, loops.size(), faults.limit, faults.memory, idleTimeoutNanos);
				int index = faults.ports.size() % loops.size();
				faults.bind(port, address, backlog, loops.get(index), index, acceptOperation);
				faults.ports.add(port);
			}
			return faults;
		}
		catch (IOException | RuntimeException ex) {
			faults.opened.forEach(Closeables::closeQuietly);
			throw ex;
		}
	}

	private void bind(FaultPort port, @Nullable InetAddress address, int backlog, EventLoop loop, int index,
			Listener.AcceptOperation acceptOperation) throws IOException {
		InetSocketAddress requested = new InetSocketAddress(address, port.profile().port());
		ServerSocketChannel channel = ServerSocketChannel.open();
		this.opened.add(channel);
		channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
		try {
			channel.bind(requested, backlog);
		}
		catch (IOException ex) {
			throw new BindFailure(port.name(), requested, false, ex);
		}
		channel.configureBlocking(false);
		InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
		port.bound(bound);
		Listener listener = new Listener(loop, channel, this.limit,
				(accepted, peer, tls) -> handOff(port, accepted), acceptOperation, false, (peer) -> false);
		listener.open();
		this.listeners.add(listener);
		this.owners.add(loop);
		if (port.profile().servesDatagrams()) {
			InetSocketAddress udpAddress = new InetSocketAddress(address, bound.getPort());
			DatagramChannel datagram = DatagramChannel.open();
			this.opened.add(datagram);
			try {
				datagram.bind(udpAddress);
			}
			catch (IOException ex) {
				throw new BindFailure(port.name(), udpAddress, true, ex);
			}
			datagram.configureBlocking(false);
			FaultDatagrams echo = new FaultDatagrams(loop, datagram, port.profile(), port.counts(index));
			echo.open();
			this.datagrams.add(echo);
			port.boundDatagrams((InetSocketAddress) datagram.getLocalAddress());
		}
	}

	// Runs on the listener's loop; the connection goes to the next reactor in turn.
	private void handOff(FaultPort port, SocketChannel channel) {
		int index = Math.floorMod(this.next.getAndIncrement(), this.loops.size());
		EventLoop loop = this.loops.get(index);
		loop.execute(new EventLoop.Rejectable() {

			@Override
			public void run() {
				FaultConnection connection = new FaultConnection(loop, channel, port, port.counts(index));
				try {
					connection.open();
				}
				catch (IOException | RuntimeException ex) {
					// Reset or gone before it was served: nothing to answer.
					connection.close();
				}
			}

			@Override
			public void rejected() {
				Closeables.closeQuietly(channel);
				FaultPorts.this.limit.release();
			}

		});
	}

	/** @return the fault ports, in the order of the settings */
	public List<FaultPort> ports() {
		return List.copyOf(this.ports);
	}

	/** @return the bytes held now by fault connections, read and not yet written back */
	public long pendingOutput() {
		return this.memory.used();
	}

	/**
	 * Stop accepting and receiving on every fault port; the connections open are closed
	 * with their reactors. Called from any thread.
	 */
	public void close() {
		for (int i = 0; i < this.listeners.size(); i++) {
			Listener listener = this.listeners.get(i);
			this.owners.get(i).execute(() -> listener.close(0));
		}
		for (FaultDatagrams echo : this.datagrams) {
			echo.loopExecute(echo::close);
		}
	}

	/**
	 * Describe the bound ports for the start-up log line.
	 * @return such as {@code fault profiles slow on 7100, cut on 7101 (+UDP)}
	 */
	public String describe() {
		StringBuilder text = new StringBuilder("fault profiles");
		String separator = " ";
		for (FaultPort port : this.ports) {
			text.append(separator).append(port.name()).append(" on ").append(port.port());
			if (port.udpPort() >= 0) {
				text.append(" (TCP and UDP)");
			}
			separator = ", ";
		}
		return text.toString();
	}

	/**
	 * A fault port could not be bound.
	 */
	public static final class BindFailure extends IOException {

		private final String profile;

		private final InetSocketAddress address;

		private final boolean udp;

		BindFailure(String profile, InetSocketAddress address, boolean udp, IOException cause) {
			super(cause.getMessage(), cause);
			this.profile = profile;
			this.address = address;
			this.udp = udp;
		}

		/** @return the profile's name */
		public String profile() {
			return this.profile;
		}

		/** @return the address asked for */
		public InetSocketAddress address() {
			return this.address;
		}

		/** @return whether it was the UDP socket */
		public boolean udp() {
			return this.udp;
		}

	}

}

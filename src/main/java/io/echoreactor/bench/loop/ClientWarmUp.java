package io.echoreactor.bench.loop;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tls.ClientTls;
import org.jspecify.annotations.Nullable;

/**
 * The client's own warm-up, before any clock of the run starts: one connection made and
 * closed by the code of the run's connections, its figures thrown away.
 *
 * <p>
 * The first connection a JVM makes loads the classes of sockets and selectors, and under
 * TLS initialises the context and its providers and loads the handshake's code:
 * milliseconds on loopback, a hundred and more under TLS, which would otherwise be counted
 * in the connect and handshake latencies of the run's first connections. Over TCP the
 * connection goes to a listener of the client's own on the loopback interface, so the
 * server sees nothing of it. Under TLS it can only be the server, which must complete a
 * handshake: the server sees one connection more, set up as the run's are (PROXY header,
 * handshake, greeting) and closed. Its session is never offered again
 * ({@link BenchOptions#forWarmUp(boolean)}), so the run's handshakes are full ones as
 * before.
 */
public final class ClientWarmUp {

	private ClientWarmUp() {
	}

	/**
	 * Make one connection, set it up and close it, waiting for it a while at most. A failure
	 * is not reported: under TLS the run's own connections meet it again and report it.
	 * @param options the run's options
	 * @param address the server
	 * @param tls the client's TLS, or {@code null}
	 * @param flows makes the flows of the run's protocol
	 * @param millis how long to wait at most
	 * @throws InterruptedException if the thread is interrupted
	 */
	public static void connect(BenchOptions options, InetSocketAddress address, @Nullable ClientTls tls,
			Flow.Factory flows, long millis) throws InterruptedException {
		try {
			if (tls != null) {
				setUpOne(options.forWarmUp(true), address, tls, flows, millis);
				return;
			}
			InetAddress loopback = InetAddress.getByName((address.getAddress() instanceof Inet6Address) ? "::1"
					: "127.0.0.1");
			try (ServerSocketChannel listener = ServerSocketChannel.open()) {
				// The kernel completes the connection from the backlog: nothing needs to accept it.
				listener.bind(new InetSocketAddress(loopback, 0));
				setUpOne(options.forWarmUp(false), (InetSocketAddress) listener.getLocalAddress(), null, flows, millis);
			}
		}
		catch (IOException ex) {
			// No warm-up, then: the run goes on, as it did before there was one.
		}
	}

	private static void setUpOne(BenchOptions warmUp, InetSocketAddress address, @Nullable ClientTls tls,
			Flow.Factory flows, long millis) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + millis * 1_000_000;
		LoadRun run = new LoadRun(warmUp, address, tls, flows, 1);
		LoadLoop loop = new LoadLoop(0, run);
		run.onStart(loop::wakeup);
		Thread thread = new Thread(loop, "bench-warm-up");
		// A connection still trying when the wait is over ends on its own, at --connect-timeout.
		thread.setDaemon(true);
		thread.start();
		run.awaitConnected(millis);
		run.start(System.nanoTime());
		thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
	}

}

package io.echoreactor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A deliberately broken echo server for tests: blocking sockets, a thread per connection,
 * and a behaviour that decides what comes back.
 */
public final class FaultyEcho implements AutoCloseable {

	private final ServerSocket listener;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	// Released on close, for a server that holds its connections open until then.
	private final CountDownLatch closing = new CountDownLatch(1);

	private FaultyEcho(Behaviour behaviour) throws IOException {
		this(behaviour, Integer.MAX_VALUE);
	}

	private FaultyEcho(Behaviour behaviour, int connections) throws IOException {
		this((socket) -> behaviour.serve(socket.getInputStream(), socket.getOutputStream()), connections);
	}

	private FaultyEcho(SocketBehaviour behaviour, int connections) throws IOException {
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(() -> {
			int accepted = 0;
			while (!this.listener.isClosed()) {
				try {
					Socket socket = this.listener.accept();
					this.sockets.add(socket);
					if (++accepted == connections) {
						// Later connects are refused: nothing listens any more.
						this.listener.close();
					}
					Thread connection = new Thread(() -> {
						try (socket) {
							behaviour.serve(socket);
						}
						catch (IOException ex) {
							// The client went away
						}
					}, "faulty-echo-connection");
					connection.setDaemon(true);
					connection.start();
				}
				catch (IOException ex) {
					// Closed
				}
			}
		}, "faulty-echo");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/** An echo that flips the bits of one byte of each connection's stream. */
	public static FaultyEcho flippingByte(long offset) throws IOException {
		return new FaultyEcho((in, out) -> {
			long position = 0;
			byte[] buffer = new byte[8192];
			for (int read; (read = in.read(buffer)) >= 0;) {
				if (offset >= position && offset < position + read) {
					buffer[(int) (offset - position)] ^= (byte) 0xFF;
				}
				position += read;
				out.write(buffer, 0, read);
			}
		});
	}

	/** An echo that sends every byte twice. */
	public static FaultyEcho doubling() throws IOException {
		return new FaultyEcho((in, out) -> {
			byte[] buffer = new byte[8192];
			for (int read; (read = in.read(buffer)) >= 0;) {
				out.write(buffer, 0, read);
				out.write(buffer, 0, read);
			}
		});
	}

	/** An echo that closes once it has echoed this many bytes. */
	public static FaultyEcho closingAfter(int bytes) throws IOException {
		return new FaultyEcho((in, out) -> {
			byte[] buffer = new byte[bytes];
			int read = in.readNBytes(buffer, 0, bytes);
			out.write(buffer, 0, read);
		});
	}

	/**
	 * An echo that resets each connection (an RST, not a FIN) once it has echoed this many
	 * bytes, and serves this many connections.
	 */
	public static FaultyEcho resettingAfter(int bytes, int connections) throws IOException {
		return new FaultyEcho((socket) -> {
			byte[] buffer = new byte[8192];
			int echoed = 0;
			for (int read; echoed < bytes
					&& (read = socket.getInputStream().read(buffer, 0, Math.min(buffer.length, bytes - echoed))) >= 0;) {
				socket.getOutputStream().write(buffer, 0, read);
				echoed += read;
			}
			// A linger of zero makes close() send an RST.
			socket.setSoLinger(true, 0);
		}, connections);
	}

	/** An echo that resets each connection once it has echoed this many bytes. */
	public static FaultyEcho resettingAfter(int bytes) throws IOException {
		return resettingAfter(bytes, Integer.MAX_VALUE);
	}

	/**
	 * An echo that resets every second connection it accepts as soon as bytes arrive, and
	 * echoes on the others.
	 */
	public static FaultyEcho resettingEverySecondConnection() throws IOException {
		AtomicInteger accepted = new AtomicInteger();
		return new FaultyEcho((socket) -> {
			if (accepted.getAndIncrement() % 2 == 1) {
				socket.getInputStream().read();
				socket.setSoLinger(true, 0);
				return;
			}
			socket.getInputStream().transferTo(socket.getOutputStream());
		}, Integer.MAX_VALUE);
	}

	/**
	 * An echo that holds each read this long before echoing it: the server's own pace, as a
	 * delay fault's.
	 */
	public static FaultyEcho delaying(Duration delay) throws IOException {
		return new FaultyEcho((in, out) -> {
			byte[] buffer = new byte[8192];
			for (int read; (read = in.read(buffer)) >= 0;) {
				long due = System.nanoTime() + delay.toNanos();
				for (long wait = delay.toNanos(); wait > 0; wait = due - System.nanoTime()) {
					LockSupport.parkNanos(wait);
				}
				out.write(buffer, 0, read);
			}
		});
	}

	/**
	 * A server that accepts and never reads, and keeps each connection open until it is
	 * closed: the client's bytes fill the socket buffers and stay there.
	 */
	public static FaultyEcho neverReading() throws IOException {
		CountDownLatch[] closing = new CountDownLatch[1];
		FaultyEcho echo = new FaultyEcho((socket) -> {
			try {
				closing[0].await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, Integer.MAX_VALUE);
		closing[0] = echo.closing;
		return echo;
	}

	/** An echo that sends nothing back until its first {@code bytes} have arrived, then echoes. */
	public static FaultyEcho holdingFirst(int bytes) throws IOException {
		return new FaultyEcho((in, out) -> {
			out.write(in.readNBytes(bytes));
			in.transferTo(out);
		});
	}

	/** An echo that serves this many connections, then closes its listener. */
	public static FaultyEcho acceptingOnly(int connections) throws IOException {
		return new FaultyEcho((in, out) -> in.transferTo(out), connections);
	}

	/**
	 * An echo that keeps to a rate: it echoes what comes, but no more than this many bytes
	 * a second, so that a client asking for more falls behind.
	 */
	public static FaultyEcho throttled(int bytesPerSecond) throws IOException {
		return new FaultyEcho((in, out) -> {
			byte[] buffer = new byte[64];
			long start = System.nanoTime();
			long echoed = 0;
			for (int read; (read = in.read(buffer)) >= 0;) {
				out.write(buffer, 0, read);
				echoed += read;
				// The server's own pace, not a test waiting: it is what makes this server slow.
				long due = start + echoed * 1_000_000_000L / bytesPerSecond;
				for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
					LockSupport.parkNanos(wait);
				}
			}
		});
	}

	/** A server that reads and never answers. */
	public static FaultyEcho silent() throws IOException {
		return new FaultyEcho((in, out) -> in.transferTo(OutputStream.nullOutputStream()));
	}

	/**
	 * A server that reads and never answers, and keeps its side of each connection open,
	 * even once the client has ended its own, until the server is closed.
	 */
	public static FaultyEcho stalled() throws IOException {
		CountDownLatch[] closing = new CountDownLatch[1];
		FaultyEcho echo = new FaultyEcho((in, out) -> {
			in.transferTo(OutputStream.nullOutputStream());
			try {
				closing[0].await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		closing[0] = echo.closing;
		return echo;
	}

	/** A server that sends a line first, then echoes. */
	public static FaultyEcho greeting(String line) throws IOException {
		return new FaultyEcho((in, out) -> {
			out.write(line.getBytes(StandardCharsets.UTF_8));
			out.flush();
			in.transferTo(out);
		});
	}

	public int port() {
		return this.listener.getLocalPort();
	}

	@Override
	public void close() throws IOException {
		this.closing.countDown();
		this.listener.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	/**
	 * What the server does with one connection's streams.
	 */
	@FunctionalInterface
	interface Behaviour {

		void serve(InputStream in, OutputStream out) throws IOException;

	}

	/**
	 * What the server does with one connection, for faults that need the socket itself.
	 */
	@FunctionalInterface
	interface SocketBehaviour {

		void serve(Socket socket) throws IOException;

	}

}

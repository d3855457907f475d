package io.echoreactor.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;

/**
 * The clients that behave: each one reads its echoes, verifies every byte, and ends its
 * connections itself by shutting down its output and reading to the server's FIN, so the
 * server closes every one of their connections with cause {@code eof} and no other. Any
 * other end (an error, a reset, an early or a late EOF, a wrong byte) fails the client.
 *
 * <p>
 * The kinds: ping-pong (one small message at a time), pipelined (many small messages in
 * flight), bulk (1 MiB messages, read concurrently), half-close (a fresh connection per
 * message: send, shut down output, read to EOF) and one that echoes a gibibyte. All but
 * the gibibyte are paced, so that the machine's two cores are left for the server, the
 * hostile clients and the gibibyte. Ping-pong and pipelined clients also run on
 * connections that a {@link Connector} opens another way: through TLS, or behind a PROXY
 * header. And one client sends datagrams, each of which must come back.
 *
 * <p>
 * <strong>Threading:</strong> each client runs on threads of the given executor: one
 * reading, and one writing where the kind writes ahead of its reads. Connecting takes the
 * given lock, which the connection flood holds while it fills {@code max-connections}, so
 * that no good client is rejected at the limit.
 */
final class GoodClients {

	private static final int READ_TIMEOUT_MILLIS = 30_000;

	private static final int UDP_TIMEOUT_MILLIS = 10_000;

	private final InetAddress source;

	private final InetSocketAddress server;

	private final Lock connectLock;

	private final ExecutorService threads;

	private final AtomicLong keys = new AtomicLong(1000);

	private final AtomicInteger connections = new AtomicInteger();

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private final Map<String, CompletableFuture<Report>> clients = new LinkedHashMap<>();

	private volatile boolean stopping;

	/**
	 * @param source the loopback address every good client connects from
	 * @param server the echo server
	 * @param connectLock held while connecting
	 * @param threads runs the clients
	 */
	GoodClients(InetAddress source, InetSocketAddress server, Lock connectLock, ExecutorService threads) {
		this.source = source;
		this.server = server;
		this.connectLock = connectLock;
		this.threads = threads;
	}

	/** One small message (1 to 512 bytes) at a time, about 200 round trips a second. */
	CompletableFuture<Report> pingPong(String name) {
		return pingPong(name, this::plain);
	}

	/**
	 * One small message at a time, as {@link #pingPong(String)}, on a connection that
	 * {@code connector} opens.
	 */
	CompletableFuture<Report> pingPong(String name, Connector connector) {
		return start(name, () -> {
			SplittableRandom random = new SplittableRandom(this.keys.get());
			long start = System.nanoTime();
			try (StreamSocket socket = connect(connector)) {
				while (!this.stopping) {
					int size = 1 + random.nextInt(512);
					socket.write(size);
					socket.readAndVerify(size);
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
				}
				finish(socket);
				return new Report(name, 1, socket.read(), Duration.ofNanos(System.nanoTime() - start));
			}
		});
	}

	/** Small messages (64 to 1024 bytes), up to 64 KiB of them in flight, about 2 MiB/s. */
	CompletableFuture<Report> pipelined(String name) {
		return pipelined(name, this::plain);
	}

	/**
	 * Small messages in flight, as {@link #pipelined(String)}, on a connection that
	 * {@code connector} opens.
	 */
	CompletableFuture<Report> pipelined(String name, Connector connector) {
		return start(name, () -> stream(name, connector, 64, 1024, 64 * 1024, 2 * 1024 * 1024, Long.MAX_VALUE));
	}

	/** 1 MiB messages, up to 4 MiB in flight, read concurrently, about 8 MiB/s. */
	CompletableFuture<Report> bulk(String name) {
		return start(name,
				() -> stream(name, this::plain, 1024 * 1024, 1024 * 1024, 4 * 1024 * 1024, 8 * 1024 * 1024, Long.MAX_VALUE));
	}

	/** {@code bytes} as fast as the echo goes, 64 KiB writes, up to 8 MiB in flight. */
	CompletableFuture<Report> stream(String name, long bytes) {
		return start(name, () -> stream(name, this::plain, 64 * 1024, 64 * 1024, 8 * 1024 * 1024, 0, bytes));
	}

	/**
	 * A connection per message: send 1 B to 1 MiB, shut down output, read to the FIN; about
	 * five connections a second.
	 */
	CompletableFuture<Report> halfClose(String name) {
		return start(name, () -> {
			SplittableRandom random = new SplittableRandom(this.keys.get());
			long start = System.nanoTime();
			int connections = 0;
			long bytes = 0;
			while (!this.stopping) {
				int size = 1 + random.nextInt(1024 * 1024);
				try (StreamSocket socket = connect(this::plain)) {
					CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
						try {
							socket.write(size);
							socket.shutdownOutput();
						}
						catch (IOException ex) {
							throw new UncheckedIOException(ex);
						}
					}, this.threads);
					socket.readToEndAndVerifyAll();
					join(writing);
					if (socket.read() != size) {
						throw new IOException("Half-closed after " + size + " bytes, got " + socket.read() + " back");
					}
					bytes += size;
				}
				connections++;
				this.connections.incrementAndGet();
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
			}
			return new Report(name, connections, bytes, Duration.ofNanos(System.nanoTime() - start));
		});
	}

	/**
	 * A datagram (1 to 1024 bytes) at a time, about 20 a second, from its own address:
	 * each must come back, the same bytes, within the read timeout. Far below the server's
	 * rate limit per source, so none may be dropped; on loopback, with the floods paced
	 * so that no receive queue fills, none may be lost either.
	 * @param name the client's name
	 * @param server the UDP echo
	 * @param source the address to send from, which no other client uses
	 * @return the running client; its report counts datagrams as connections
	 */
	CompletableFuture<Report> datagrams(String name, InetSocketAddress server, InetAddress source) {
		return start(name, () -> {
			SplittableRandom random = new SplittableRandom(this.keys.get());
			SoakStream stream = new SoakStream(this.keys.incrementAndGet());
			long start = System.nanoTime();
			int datagrams = 0;
			long position = 0;
			byte[] sent = new byte[1024];
			byte[] received = new byte[2048];
			try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(source, 0))) {
				socket.connect(server);
				socket.setSoTimeout(UDP_TIMEOUT_MILLIS);
				while (!this.stopping) {
					int size = 1 + random.nextInt(sent.length);
					stream.fill(position, sent, 0, size);
					socket.send(new DatagramPacket(sent, size));
					DatagramPacket answer = new DatagramPacket(received, received.length);
					try {
						socket.receive(answer);
					}
					catch (SocketTimeoutException ex) {
						throw new IOException("Datagram " + datagrams + " (" + size + " bytes) not answered within "
								+ UDP_TIMEOUT_MILLIS + " ms", ex);
					}
					if (answer.getLength() != size || stream.mismatch(position, received, 0, size) >= 0) {
						throw new IOException("The answer to datagram " + datagrams + " (" + size + " bytes) was "
								+ answer.getLength() + " bytes, not the same");
					}
					position += size;
					datagrams++;
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
				}
			}
			return new Report(name, datagrams, position, Duration.ofNanos(System.nanoTime() - start));
		});
	}

	private Report stream(String name, Connector connector, int minMessage, int maxMessage, int window,
			long bytesPerSecond, long total) throws IOException {
		SplittableRandom random = new SplittableRandom(this.keys.get());
		Semaphore inFlight = new Semaphore(window);
		long start = System.nanoTime();
		try (StreamSocket socket = connect(connector)) {
			CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
				try {
					// A fixed amount (total < MAX_VALUE) is sent in full; the others stop when asked.
					while (socket.written() < total && (total < Long.MAX_VALUE || !this.stopping)) {
						int size = (int) Math.min(total - socket.written(),
								minMessage + random.nextInt(maxMessage - minMessage + 1));
						while (!inFlight.tryAcquire(size, 100, TimeUnit.MILLISECONDS)) {
							if (socket.socket().isClosed()) {
								return;
							}
						}
						pace(start, socket.written() + size, bytesPerSecond);
						socket.write(size);
					}
					socket.shutdownOutput();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, this.threads);
			int n;
			while ((n = socket.readSome(64 * 1024)) >= 0) {
				inFlight.release(n);
			}
			join(writing);
			if (socket.read() != socket.written()) {
				throw new IOException("The server ended the echo after " + socket.read() + " of " + socket.written()
						+ " bytes");
			}
			this.connections.incrementAndGet();
			return new Report(name, 1, socket.read(), Duration.ofNanos(System.nanoTime() - start));
		}
	}

	private static void pace(long startNanos, long bytes, long bytesPerSecond) {
		if (bytesPerSecond > 0) {
			long due = startNanos + (long) (bytes * 1e9 / bytesPerSecond);
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
		}
	}

	private StreamSocket connect(Connector connector) throws IOException {
		this.connectLock.lock();
		try {
			return connector.connect(this.keys.incrementAndGet(), READ_TIMEOUT_MILLIS);
		}
		finally {
			this.connectLock.unlock();
		}
	}

	private StreamSocket plain(long key, int readTimeoutMillis) throws IOException {
		return StreamSocket.connect(this.source, this.server, key, 0, readTimeoutMillis);
	}

	private void finish(StreamSocket socket) throws IOException {
		socket.shutdownOutput();
		socket.readToEndAndVerifyAll();
		this.connections.incrementAndGet();
	}

	private static void join(CompletableFuture<Void> writing) throws IOException {
		try {
			writing.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof UncheckedIOException io) {
				throw io.getCause();
			}
			throw ex;
		}
	}

	private CompletableFuture<Report> start(String name, Client client) {
		CompletableFuture<Report> running = CompletableFuture.supplyAsync(() -> {
			try {
				return client.run();
			}
			catch (Exception ex) {
				IllegalStateException failure = new IllegalStateException("Good client " + name + " failed", ex);
				this.failure.compareAndSet(null, failure);
				throw failure;
			}
		}, this.threads);
		synchronized (this.clients) {
			this.clients.put(name, running);
		}
		return running;
	}

	/** @return the first failure of any good client so far, or {@code null} */
	Throwable failure() {
		return this.failure.get();
	}

	/** @return the connections the good clients have ended so far, each with the server's {@code eof} */
	int connections() {
		return this.connections.get();
	}

	/**
	 * Ask the clients to end: each finishes its message, shuts down its output and reads
	 * to the FIN. Clients sending a fixed amount (the gibibyte) finish it first.
	 * @param atMost how long to wait for them
	 * @return what each client did
	 */
	List<Report> stop(Duration atMost) {
		this.stopping = true;
		Map<String, CompletableFuture<Report>> clients;
		synchronized (this.clients) {
			clients = new LinkedHashMap<>(this.clients);
		}
		CompletableFuture.allOf(clients.values().toArray(CompletableFuture[]::new))
			.orTimeout(atMost.toMillis(), TimeUnit.MILLISECONDS)
			.exceptionally((ex) -> null)
			.join();
		List<Report> reports = new ArrayList<>();
		clients.forEach((name, client) -> {
			if (!client.isDone()) {
				throw new IllegalStateException("Good client " + name + " did not finish within " + atMost);
			}
			reports.add(client.join());
		});
		return reports;
	}

	/**
	 * Opens a good client's connection: plain from the good clients' address, or another
	 * way (TLS, a PROXY header first) for the clients of the other protocols.
	 */
	@FunctionalInterface
	interface Connector {

		/**
		 * Open a connection, ready for the stream.
		 * @param key the stream's key
		 * @param readTimeoutMillis how long a read may block before it fails
		 * @return the connection
		 * @throws IOException if it cannot be opened
		 */
		StreamSocket connect(long key, int readTimeoutMillis) throws IOException;

	}

	@FunctionalInterface
	private interface Client {

		Report run() throws Exception;

	}

	/**
	 * What one good client did.
	 *
	 * @param name the client
	 * @param connections the connections it ended, each with all its bytes echoed (for the
	 * UDP client: the datagrams answered)
	 * @param bytes the bytes echoed to it and verified
	 * @param duration how long it ran
	 */
	record Report(String name, int connections, long bytes, Duration duration) {

	}

}

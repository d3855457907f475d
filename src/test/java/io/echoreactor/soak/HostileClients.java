package io.echoreactor.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The clients that misbehave, each in one way, and what each of them sees of the server's
 * answer. Which close cause the server owes each behaviour (and why) is documented on
 * the method; the soak checks it against the server's meters. Every method returns only
 * once the server has answered, so that a wave of them is over when its methods return.
 *
 * <p>
 * <strong>Threading:</strong> each method runs on the calling thread, and uses a thread of
 * the given executor where the behaviour needs a second one.
 */
final class HostileClients {

	private final InetSocketAddress server;

	private final ExecutorService threads;

	private final Duration atMost;

	private final AtomicLong keys = new AtomicLong(1_000_000);

	/**
	 * @param server the echo server
	 * @param threads runs second threads
	 * @param atMost the longest any one behaviour may wait for the server's answer
	 */
	HostileClients(InetSocketAddress server, ExecutorService threads, Duration atMost) {
		this.server = server;
		this.threads = threads;
		this.atMost = atMost;
	}

	/**
	 * Connect and send nothing. The server owes it {@code idle}: no traffic either way for
	 * {@code idle-timeout}, closed with a FIN.
	 * @param source the address to connect from
	 * @param count how many connections
	 * @return how long each connection lasted until the server's FIN
	 * @throws IOException if a connection ends any other way than with a FIN
	 */
	List<Duration> connectAndSendNothing(InetAddress source, int count) throws IOException {
		List<StreamSocket> sockets = new ArrayList<>();
		List<Long> opened = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				opened.add(System.nanoTime());
				sockets.add(connect(source, 0));
			}
			List<Duration> lasted = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				int n = sockets.get(i).readSome(1);
				if (n != -1) {
					throw new IOException("An idle connection received " + n + " bytes");
				}
				lasted.add(Duration.ofNanos(System.nanoTime() - opened.get(i)));
			}
			return lasted;
		}
		finally {
			closeAll(sockets);
		}
	}

	/**
	 * Connect, echo a message once (so the server has surely registered the connection),
	 * then close with {@code SO_LINGER} 0 so that the kernel sends a reset. The server
	 * owes it {@code reset}: its next read fails with ECONNRESET.
	 * @param source the address to connect from
	 * @param count how many connections, one after the other
	 * @throws IOException if the echo fails
	 */
	void openAndReset(InetAddress source, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			StreamSocket socket = connect(source, 0);
			try {
				socket.write(100);
				socket.readAndVerify(100);
			}
			finally {
				socket.reset();
			}
		}
	}

	/**
	 * Send as fast as the connection takes it and never read. The echoes fill the
	 * client's receive buffer and the server's send buffer; the rest becomes pending
	 * output, reading pauses at the high-water mark, and the oldest pending byte ages. As
	 * long as {@code max-pending-output} is not short (the soak runs this where it is not),
	 * the server owes it {@code write-timeout}: reset once that byte waited for
	 * {@code write-timeout}. Not {@code idle}: the soak's write timeout is shorter than its
	 * idle timeout, and the idle clock started no earlier than the pending output.
	 * @param source the address to connect from
	 * @return how long until a write failed
	 * @throws IOException if the server did not reset it within the time allowed
	 */
	Duration sendAndNeverRead(InetAddress source) throws IOException {
		long start = System.nanoTime();
		StreamSocket socket = connect(source, 0);
		CompletableFuture<Void> watchdog = closeAfter(socket, this.atMost);
		try {
			while (true) {
				socket.write(64 * 1024);
			}
		}
		catch (IOException ex) {
			if (watchdog.isDone()) {
				throw new IOException("The server did not reset a client that never reads within " + this.atMost,
						ex);
			}
			return Duration.ofNanos(System.nanoTime() - start);
		}
		finally {
			watchdog.cancel(false);
			socket.close();
		}
	}

	/**
	 * Send as fast as the connection takes it, and read 1 KiB a second with a 4 KiB
	 * receive buffer. Sending outpaces reading by far, so pending output builds up at the
	 * server and its oldest byte can only drain at 1 KiB/s: a 16 KiB chunk takes 16 s,
	 * longer than {@code write-timeout}. The server owes it {@code write-timeout} (not
	 * {@code idle}, as for {@link #sendAndNeverRead}), a reset.
	 * <p>
	 * The kernel reports a reset to one caller only: here usually the writing thread,
	 * blocked in {@code write()}, gets ECONNRESET or EPIPE and the reading thread then
	 * reads the end of the stream. So the slow reader reports how each thread ended.
	 * @param source the address to connect from
	 * @return what the slow reader saw
	 * @throws IOException if the server did not close it within the time allowed, or the
	 * echo was wrong
	 */
	SlowReader readSlowly(InetAddress source) throws IOException {
		long start = System.nanoTime();
		StreamSocket socket = connect(source, 4096);
		CompletableFuture<Void> watchdog = closeAfter(socket, this.atMost);
		CompletableFuture<String> writing = CompletableFuture.supplyAsync(() -> {
			try {
				while (true) {
					socket.write(64 * 1024);
				}
			}
			catch (IOException ex) {
				return ex.getMessage();
			}
		}, this.threads);
		String readEnd;
		try {
			long second = start;
			while (true) {
				if (socket.readSome(1024) < 0) {
					readEnd = "end of stream";
					break;
				}
				second += TimeUnit.SECONDS.toNanos(1);
				LockSupport.parkNanos(second - System.nanoTime());
			}
		}
		catch (SocketException ex) {
			readEnd = ex.getMessage();
		}
		Duration lasted = Duration.ofNanos(System.nanoTime() - start);
		try {
			String writeEnd = writing.completeOnTimeout("still writing", 5, TimeUnit.SECONDS).join();
			if (watchdog.isDone()) {
				throw new IOException("The server did not close a slow reader within " + this.atMost);
			}
			return new SlowReader(lasted, socket.read(), readEnd, writeEnd);
		}
		finally {
			watchdog.cancel(false);
			socket.close();
		}
	}

	/**
	 * Open a connection from each of the given addresses at once, then send one byte on
	 * each: a connection the server admitted echoes it, one it rejected (accepted and
	 * closed at once) ends with a FIN or a reset. The admitted ones are then closed with a
	 * FIN after reading their echo, so the server owes each of them {@code eof}; the
	 * rejected ones are counted under {@code rejected}, with cause {@code limit} or
	 * {@code address-limit} as the addresses make it.
	 * @param sources the address of each connection, repeated for connections from the
	 * same address
	 * @return how many the server admitted and rejected
	 * @throws IOException if a connection cannot be opened, or an admitted one does not
	 * echo
	 */
	Flood flood(List<InetAddress> sources) throws IOException {
		List<StreamSocket> sockets = new ArrayList<>();
		try {
			for (InetAddress source : sources) {
				sockets.add(connect(source, 0));
			}
			int admitted = 0;
			int rejected = 0;
			for (StreamSocket socket : sockets) {
				if (echoesOneByte(socket)) {
					admitted++;
				}
				else {
					rejected++;
				}
			}
			return new Flood(admitted, rejected);
		}
		finally {
			closeAll(sockets);
		}
	}

	private static boolean echoesOneByte(StreamSocket socket) throws IOException {
		try {
			socket.write(1);
			return socket.readSome(1) == 1;
		}
		catch (SocketException ex) {
			if (String.valueOf(ex.getMessage()).contains("reset") || String.valueOf(ex.getMessage()).contains("pipe")) {
				return false;
			}
			throw ex;
		}
	}

	/**
	 * Open a connection from each of the given addresses, each with a 4 KiB receive
	 * buffer, and send 64 KiB on each every 50 ms without ever reading, until the server
	 * has reset all of them. Each one makes the server hold between the high-water mark
	 * and the high-water mark plus one read buffer of pending output, so enough of them
	 * spend {@code max-pending-output}: the server then evicts the stalled connections
	 * that hold the most above their fair share ({@code evicted}) until the others fit, and
	 * those reach {@code write-timeout}. Which connection gets which is the budget's
	 * business; the soak checks that at least one is evicted and that the two causes
	 * account for all of them.
	 * @param sources the address of each connection
	 * @return how long each connection lasted until its reset, in order
	 * @throws IOException if a connection cannot be opened or the server did not reset all
	 * of them within the time allowed
	 */
	List<Duration> crowdThatNeverReads(List<InetAddress> sources) throws IOException {
		List<SocketChannel> channels = new ArrayList<>();
		List<Duration> lasted = new ArrayList<>();
		long start = System.nanoTime();
		try {
			for (InetAddress source : sources) {
				SocketChannel channel = SocketChannel.open();
				channels.add(channel);
				channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
				channel.bind(new InetSocketAddress(source, 0));
				channel.connect(this.server);
				channel.configureBlocking(false);
			}
			ByteBuffer data = ByteBuffer.allocate(64 * 1024);
			List<SocketChannel> open = new ArrayList<>(channels);
			while (!open.isEmpty()) {
				if (System.nanoTime() - start > this.atMost.toNanos()) {
					throw new IOException("The server did not reset " + open.size() + " of " + sources.size()
							+ " clients that never read within " + this.atMost);
				}
				for (int i = open.size() - 1; i >= 0; i--) {
					try {
						open.get(i).write(data.clear());
					}
					catch (IOException ex) {
						lasted.add(Duration.ofNanos(System.nanoTime() - start));
						open.remove(i).close();
					}
				}
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
			}
			return lasted;
		}
		finally {
			for (SocketChannel channel : channels) {
				channel.close();
			}
		}
	}

	private StreamSocket connect(InetAddress source, int receiveBufferSize) throws IOException {
		return StreamSocket.connect(source, this.server, this.keys.incrementAndGet(), receiveBufferSize,
				(int) this.atMost.toMillis());
	}

	private CompletableFuture<Void> closeAfter(StreamSocket socket, Duration delay) {
		return CompletableFuture.runAsync(() -> {
			try {
				socket.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, this.threads));
	}

	private static void closeAll(List<StreamSocket> sockets) throws IOException {
		for (StreamSocket socket : sockets) {
			socket.close();
		}
	}

	/**
	 * What a slow reader saw.
	 *
	 * @param lasted how long its connection lasted
	 * @param read the echoed bytes it read (and verified) in that time
	 * @param readEnd how reading ended: an error, or "end of stream"
	 * @param writeEnd how writing ended: an error, or "still writing"
	 */
	record SlowReader(Duration lasted, long read, String readEnd, String writeEnd) {

		/** @return whether either thread saw the connection reset (or its pipe broken) */
		boolean sawReset() {
			return isReset(this.readEnd) || isReset(this.writeEnd);
		}

		private static boolean isReset(String message) {
			return message != null && (message.contains("reset") || message.contains("Broken pipe"));
		}

	}

	/**
	 * What a flood of connections got.
	 *
	 * @param admitted connections the server served
	 * @param rejected connections it accepted and closed at once
	 */
	record Flood(int admitted, int rejected) {

	}

}

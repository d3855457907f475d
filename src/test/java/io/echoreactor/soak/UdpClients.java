package io.echoreactor.soak;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak's hostile UDP clients: datagrams from sources the server must not answer
 * (spoofed, as a reflection attack would send them, from the service's own port or from
 * the port of a service that answers back), and one source far above its rate limit.
 * The good UDP client is one of the {@link GoodClients}.
 *
 * <p>
 * <strong>Pacing.</strong> The floods are sent in rounds, each once the server's socket
 * has taken the round before from its receive queue ({@code /proc/net/udp}), so that the
 * kernel drops none of them, nor any of the good client's, for a full queue: every
 * datagram sent reaches the server, which must count each one.
 *
 * <p>
 * <strong>Threading:</strong> each method runs on the calling thread.
 */
final class UdpClients {

	// Well below the kernel's default receive buffer (208 KiB), in the kernel's own
	// accounting, in which a small datagram takes about 1 KiB: room for a round of each
	// flood at once.
	private static final long QUEUE_LOW = 96 * 1024;

	private static final int SIZE = 64;

	private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

	private final InetSocketAddress server;

	private final Duration atMost;

	/**
	 * @param server the UDP echo, on 127.0.0.1
	 * @param atMost the longest any one flood may wait for the server
	 */
	UdpClients(InetSocketAddress server, Duration atMost) {
		this.server = server;
		this.atMost = atMost;
	}

	/**
	 * Send {@code perSource} datagrams from each of {@code sources}, a round of one from
	 * each at a time. From the server's own port (on another address: another instance of
	 * the service) the server owes each datagram a drop with cause {@code own-port}; from a
	 * port below 1024, {@code low-source-port}; neither is answered, or two echo services
	 * would bounce it between them forever.
	 * @param sources the address and port of each source
	 * @param perSource how many datagrams from each
	 * @return how many were sent
	 * @throws IOException if a source cannot be bound or a send fails
	 */
	int spoof(List<InetSocketAddress> sources, int perSource) throws IOException {
		List<DatagramChannel> channels = new ArrayList<>();
		try {
			for (InetSocketAddress source : sources) {
				DatagramChannel channel = DatagramChannel.open();
				channels.add(channel);
				channel.bind(source);
			}
			ByteBuffer datagram = ByteBuffer.allocate(SIZE);
			int sent = 0;
			for (int round = 0; round < perSource; round++) {
				awaitQueueLow();
				for (DatagramChannel channel : channels) {
					channel.send(datagram.clear(), this.server);
					sent++;
				}
			}
			return sent;
		}
		finally {
			for (DatagramChannel channel : channels) {
				channel.close();
			}
		}
	}

	/**
	 * Send {@code count} numbered datagrams from one source, in rounds of 40, as fast as
	 * the server takes them: far above the rate limit, which answers about a second's worth
	 * and then the limit's rate, and drops the rest ({@code rate-limit}). The answers are
	 * read as they come and checked; the flood stays open so that the soak can read the
	 * last ones while it waits for the server's count.
	 * @param source the source address
	 * @param count how many datagrams
	 * @return the flood, still open
	 * @throws IOException if the source cannot be bound or a send fails
	 */
	RateFlood overRate(InetAddress source, int count) throws IOException {
		DatagramChannel channel = DatagramChannel.open();
		try {
			channel.bind(new InetSocketAddress(source, 0));
			channel.connect(this.server);
			channel.configureBlocking(false);
			RateFlood flood = new RateFlood(channel, count);
			ByteBuffer datagram = ByteBuffer.allocate(SIZE);
			for (int i = 0; i < count; i++) {
				if (i % 40 == 0) {
					awaitQueueLow();
					flood.drain();
				}
				datagram.clear().putInt(i);
				while (datagram.hasRemaining()) {
					datagram.put((byte) (i * 31 + datagram.position()));
				}
				channel.write(datagram.flip());
			}
			flood.sendingNanos = System.nanoTime() - flood.startNanos;
			flood.drain();
			return flood;
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	private void awaitQueueLow() throws IOException {
		long deadline = System.nanoTime() + this.atMost.toNanos();
		while (receiveQueue(this.server) > QUEUE_LOW) {
			if (System.nanoTime() - deadline > 0) {
				throw new IOException("The server's UDP receive queue did not drain within " + this.atMost);
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
	}

	/**
	 * Return the bytes (in the kernel's accounting, with its overhead) waiting in the
	 * receive queue of the UDP socket bound to {@code address}, an IPv4 socket or an IPv6
	 * one bound to the IPv4-mapped address (as the JDK's channels are by default).
	 * @param address an IPv4 address and port
	 * @return the bytes
	 * @throws IOException if no socket is bound there, or the tables cannot be read
	 */
	static long receiveQueue(InetSocketAddress address) throws IOException {
		byte[] b = ((Inet4Address) address.getAddress()).getAddress();
		// The kernel prints the address as one 32-bit word in host (little-endian) order;
		// an IPv4-mapped IPv6 address ends with the same word.
		String local = String.format(Locale.ROOT, "%02X%02X%02X%02X:%04X", b[3], b[2], b[1], b[0],
				address.getPort());
		// The kernel prints these tables a page at a time, walking its hash of sockets as it
		// is then: while other sockets come and go (the floods' own), a reading can skip a
		// socket that is there all along. Read again before calling it gone.
		for (int attempt = 0; attempt < TABLE_READINGS; attempt++) {
			boolean found = false;
			long queued = 0;
			for (Path table : TABLES) {
				for (String line : Files.readAllLines(table)) {
					String[] fields = line.trim().split("\\s+");
					if (fields.length > 4 && fields[1].endsWith(local)) {
						found = true;
						queued += Long.parseLong(fields[4].split(":")[1], 16);
					}
				}
			}
			if (found) {
				return queued;
			}
		}
		throw new IOException("No UDP socket bound to " + address + " in " + TABLES + " in " + TABLE_READINGS
				+ " readings");
	}

	private static final int TABLE_READINGS = 50;

	/**
	 * A flood from one source above its rate, and the answers it has read so far.
	 */
	static final class RateFlood implements AutoCloseable {

		private final DatagramChannel channel;

		private final int sent;

		private final BitSet answered = new BitSet();

		private final ByteBuffer buffer = ByteBuffer.allocate(2048);

		private final long startNanos = System.nanoTime();

		private long sendingNanos;

		private RateFlood(DatagramChannel channel, int sent) {
			this.channel = channel;
			this.sent = sent;
		}

		/** @return how long sending the flood took */
		Duration sending() {
			return Duration.ofNanos(this.sendingNanos);
		}

		/**
		 * Read the answers that have come, and check each: the bytes of a datagram sent,
		 * each answered once at most.
		 * @throws IOException if reading fails or an answer is wrong
		 */
		void drain() throws IOException {
			while (this.channel.receive(this.buffer.clear()) != null) {
				this.buffer.flip();
				int number = (this.buffer.remaining() == SIZE) ? this.buffer.getInt() : -1;
				if (number < 0 || number >= this.sent || this.answered.get(number)) {
					throw new IOException("An answer to the rate flood is not one of its datagrams, or a repeat: "
							+ number);
				}
				while (this.buffer.hasRemaining()) {
					int position = this.buffer.position();
					if (this.buffer.get() != (byte) (number * 31 + position)) {
						throw new IOException("The answer to datagram " + number + " differs at byte " + position);
					}
				}
				this.answered.set(number);
			}
		}

		/** @return how many datagrams it sent */
		int sent() {
			return this.sent;
		}

		/** @return how many the server answered, so far as read */
		int answered() {
			return this.answered.cardinality();
		}

		@Override
		public void close() throws IOException {
			this.channel.close();
		}

	}

}

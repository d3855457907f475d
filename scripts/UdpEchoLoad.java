import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed UDP echo workload for checks and demonstrations: SOCKETS sockets, each sending
 * DATAGRAMS datagrams of SIZE bytes one at a time and verifying that each comes back as
 * one datagram with the same bytes. A datagram whose answer has not come within a second
 * is sent again (UDP may lose it; the service counts the resend like any datagram), at
 * most 10 times. Loopback only.
 *
 * <pre>java scripts/UdpEchoLoad.java PORT [SOCKETS] [DATAGRAMS] [SIZE]</pre>
 */
public class UdpEchoLoad {

	private static final int ATTEMPTS = 10;

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int sockets = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		int datagrams = (args.length > 2) ? Integer.parseInt(args[2]) : 1000;
		int size = (args.length > 3) ? Integer.parseInt(args[3]) : 100;
		if (size < 8 || size > 65_507) {
			throw new IllegalArgumentException("SIZE must be between 8 and 65507 bytes");
		}
		AtomicLong resent = new AtomicLong();
		ExecutorService executor = Executors.newFixedThreadPool(Math.min(sockets, 64));
		List<Future<Long>> results = new ArrayList<>();
		for (int s = 0; s < sockets; s++) {
			int socket = s;
			results.add(executor.submit(() -> run(port, socket, datagrams, size, resent)));
		}
		long echoed = 0;
		for (Future<Long> result : results) {
			echoed += result.get(120, TimeUnit.SECONDS);
		}
		executor.shutdown();
		System.out.println("echoed " + echoed + " datagrams of " + size + " bytes over " + sockets + " sockets ("
				+ resent.get() + " sent again)");
	}

	private static long run(int port, int socketIndex, int datagrams, int size, AtomicLong resent)
			throws IOException {
		byte[] datagram = new byte[size];
		byte[] answer = new byte[65_536];
		DatagramPacket received = new DatagramPacket(answer, answer.length);
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
			socket.setSoTimeout(1000);
			// Connected: answers come from the service's socket and nowhere else.
			socket.connect(new InetSocketAddress("127.0.0.1", port));
			for (int d = 0; d < datagrams; d++) {
				ByteBuffer.wrap(datagram).putInt(d);
				for (int i = 4; i < size; i++) {
					datagram[i] = (byte) (socketIndex + d + i);
				}
				int attempt = 0;
				socket.send(new DatagramPacket(datagram, size));
				while (true) {
					try {
						received.setLength(answer.length);
						socket.receive(received);
					}
					catch (SocketTimeoutException ex) {
						if (++attempt == ATTEMPTS) {
							throw new IOException("socket " + socketIndex + " datagram " + d + ": no answer after "
									+ ATTEMPTS + " attempts");
						}
						resent.incrementAndGet();
						socket.send(new DatagramPacket(datagram, size));
						continue;
					}
					int sequence = (received.getLength() >= 4) ? ByteBuffer.wrap(answer).getInt() : -1;
					if (sequence < d) {
						// A late answer to an earlier attempt of a datagram already answered.
						continue;
					}
					if (received.getLength() != size
							|| !Arrays.equals(datagram, 0, size, answer, 0, received.getLength())) {
						throw new IOException("socket " + socketIndex + " datagram " + d + " came back altered ("
								+ received.getLength() + " of " + size + " bytes)");
					}
					break;
				}
			}
		}
		return datagrams;
	}

}

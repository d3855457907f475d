import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The short workload that trains the image's JDK AOT cache: what a pod does in its first
 * minutes, so that the classes and method profiles of the echo path, the probes and the
 * scrape are in the cache, not only those of start-up. It waits until the application
 * reports ready, then for a few seconds echoes over TCP (small and large messages, the
 * large ones beyond the socket buffers so that pending output and backpressure run, and
 * half-closes), opens and closes short connections, echoes UDP datagrams, and probes and
 * scrapes Actuator in between. Every echoed byte is checked, so a training run doubles as
 * a smoke test of the image: any error exits with status 1.
 *
 * <p>
 * Plain JDK, compiled on its own in the image's build stage and run on the runtime
 * image's JRE. Usage: {@code java TrainingWorkload HTTP_PORT ECHO_PORT [UDP_PORT]
 * [SECONDS]}.
 */
public final class TrainingWorkload {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private static final int[] MESSAGE_SIZES = { 1, 64, 1500, 16 * 1024, 256 * 1024 };

	private static final String[] ACTUATOR_PATHS = { "/actuator/health/liveness", "/actuator/health/readiness",
			"/actuator/health", "/actuator/prometheus", "/actuator/info", "/actuator/echo" };

	public static void main(String[] args) throws Exception {
		int httpPort = Integer.parseInt(args[0]);
		int echoPort = Integer.parseInt(args[1]);
		int udpPort = (args.length > 2) ? Integer.parseInt(args[2]) : echoPort;
		long seconds = (args.length > 3) ? Long.parseLong(args[3]) : 4;
		awaitReady(httpPort, TimeUnit.SECONDS.toNanos(180));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		AtomicLong echoed = new AtomicLong();
		ExecutorService clients = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int client = 0; client < 4; client++) {
				int id = client;
				running.add(clients.submit(() -> {
					while (System.nanoTime() < deadline) {
						echoed.addAndGet(echoOneConnection(echoPort, id));
					}
					return null;
				}));
			}
			int scrapes = 0;
			int datagrams = 0;
			while (System.nanoTime() < deadline) {
				for (String path : ACTUATOR_PATHS) {
					String response = get(httpPort, path, path.endsWith("prometheus") && (scrapes % 2 == 1)
							? "application/openmetrics-text;version=1.0.0" : "*/*");
					require(response.startsWith("HTTP/1.1 200"), path + " answered " + firstLine(response));
				}
				// Well below the default per-source UDP rate limit (1,000 datagrams a second).
				if (scrapes % 5 == 0) {
					datagrams += echoDatagrams(udpPort, 10);
				}
				scrapes++;
				for (int i = 0; i < 10; i++) {
					shortConnection(echoPort, i);
				}
			}
			for (Future<?> client : running) {
				client.get(60, TimeUnit.SECONDS);
			}
			System.out.printf("training workload: %d bytes echoed over TCP, %d datagrams, %d rounds of probes"
					+ " and scrapes%n", echoed.get(), datagrams, scrapes);
		}
		finally {
			clients.shutdownNow();
		}
	}

	private static void awaitReady(int httpPort, long timeoutNanos) throws InterruptedException {
		long deadline = System.nanoTime() + timeoutNanos;
		while (true) {
			try {
				if (get(httpPort, "/actuator/health/readiness", "*/*").contains("\"status\":\"UP\"")) {
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			require(System.nanoTime() < deadline, "the application did not become ready");
			Thread.sleep(50);
		}
	}

	/** Messages of every size, each written whole before its echo is read back, then a half-close. */
	private static long echoOneConnection(int port, int client) throws IOException {
		long bytes = 0;
		try (Socket socket = connect(port)) {
			OutputStream out = socket.getOutputStream();
			DataInputStream in = new DataInputStream(socket.getInputStream());
			for (int round = 0; round < 4; round++) {
				for (int size : MESSAGE_SIZES) {
					byte[] message = pattern(size, client + round);
					byte[] echo = new byte[size];
					// A large message is written from another thread: it does not fit in the socket buffers, so
					// the server's pending output and backpressure work while this one reads.
					if (size > 64 * 1024) {
						Thread writer = new Thread(() -> {
							try {
								out.write(message);
							}
							catch (IOException ex) {
								// The read below fails and reports it.
							}
						});
						writer.start();
						in.readFully(echo);
						join(writer);
					}
					else {
						out.write(message);
						in.readFully(echo);
					}
					require(Arrays.equals(message, echo), "a TCP echo of " + size + " bytes came back altered");
					bytes += size;
				}
			}
			byte[] last = pattern(4096, client);
			out.write(last);
			socket.shutdownOutput();
			byte[] echo = in.readAllBytes();
			require(Arrays.equals(last, echo), "the echo before the half-close came back altered");
			return bytes + last.length;
		}
	}

	private static void shortConnection(int port, int i) throws IOException {
		try (Socket socket = connect(port)) {
			byte[] line = ("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII);
			socket.getOutputStream().write(line);
			socket.shutdownOutput();
			require(Arrays.equals(line, socket.getInputStream().readAllBytes()), "a short echo came back altered");
		}
	}

	private static int echoDatagrams(int port, int count) throws IOException {
		int answered = 0;
		try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
			socket.connect(LOOPBACK, port);
			socket.setSoTimeout(1000);
			byte[] buffer = new byte[2048];
			for (int i = 0; i < count; i++) {
				byte[] datagram = pattern((i % 2 == 0) ? 64 : 1400, i);
				socket.send(new DatagramPacket(datagram, datagram.length));
				DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
				try {
					socket.receive(reply);
					require(Arrays.equals(datagram, Arrays.copyOf(buffer, reply.getLength())),
							"a UDP echo came back altered");
					answered++;
				}
				catch (SocketTimeoutException ex) {
					// UDP may lose a datagram; the next one goes on.
				}
			}
		}
		require(answered > 0, "no UDP datagram was echoed");
		return answered;
	}

	/** One GET on a fresh connection, as a kubelet probe or a scrape makes it. */
	private static String get(int port, String path, String accept) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(LOOPBACK, port), 2000);
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: " + accept
					+ "\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			ByteArrayOutputStream response = new ByteArrayOutputStream();
			in.transferTo(response);
			return response.toString(StandardCharsets.UTF_8);
		}
	}

	private static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.setTcpNoDelay(true);
		socket.setSoTimeout(30_000);
		socket.connect(new InetSocketAddress(LOOPBACK, port), 10_000);
		return socket;
	}

	private static byte[] pattern(int size, int seed) {
		byte[] bytes = new byte[size];
		for (int i = 0; i < size; i++) {
			bytes[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
		}
		return bytes;
	}

	private static void join(Thread thread) throws IOException {
		try {
			thread.join(30_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted", ex);
		}
	}

	private static String firstLine(String response) {
		int end = response.indexOf('\r');
		return (end < 0) ? response : response.substring(0, end);
	}

	private static void require(boolean condition, String failure) {
		if (!condition) {
			System.err.println("training workload: " + failure);
			System.exit(1);
		}
	}

}

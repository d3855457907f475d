import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A fixed echo workload for checks and demonstrations: CONNECTIONS clients, each sending
 * MESSAGES messages of SIZE bytes one at a time, verifying every echoed byte, then closing
 * cleanly (shutdown output, read EOF, close). Loopback only.
 *
 * <pre>java scripts/EchoLoad.java PORT [CONNECTIONS] [MESSAGES] [SIZE]</pre>
 */
public class EchoLoad {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int connections = (args.length > 1) ? Integer.parseInt(args[1]) : 50;
		int messages = (args.length > 2) ? Integer.parseInt(args[2]) : 1000;
		int size = (args.length > 3) ? Integer.parseInt(args[3]) : 100;
		ExecutorService executor = Executors.newFixedThreadPool(Math.min(connections, 64));
		List<Future<Long>> results = new ArrayList<>();
		for (int c = 0; c < connections; c++) {
			int client = c;
			results.add(executor.submit(() -> run(port, client, messages, size)));
		}
		long echoed = 0;
		for (Future<Long> result : results) {
			echoed += result.get(120, TimeUnit.SECONDS);
		}
		executor.shutdown();
		System.out.println("echoed " + echoed + " bytes over " + connections + " connections");
	}

	private static long run(int port, int client, int messages, int size) throws IOException {
		byte[] message = new byte[size];
		byte[] reply = new byte[size];
		try (Socket socket = new Socket()) {
			socket.setTcpNoDelay(true);
			socket.setSoTimeout(30_000);
			socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
			OutputStream out = socket.getOutputStream();
			DataInputStream in = new DataInputStream(socket.getInputStream());
			for (int m = 0; m < messages; m++) {
				for (int i = 0; i < size; i++) {
					message[i] = (byte) (client + m + i);
				}
				out.write(message);
				in.readFully(reply);
				if (!java.util.Arrays.equals(message, reply)) {
					throw new IOException("client " + client + " message " + m + " came back altered");
				}
			}
			socket.shutdownOutput();
			InputStream raw = socket.getInputStream();
			if (raw.read() != -1) {
				throw new IOException("client " + client + " got bytes it did not send");
			}
		}
		return (long) messages * size;
	}

}

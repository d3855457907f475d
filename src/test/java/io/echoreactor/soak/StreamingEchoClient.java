package io.echoreactor.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An echo client run as a process of its own, so that the soak can stop it with SIGSTOP
 * mid-transfer and let it go on with SIGCONT, as a paused container or a debugger would.
 * It streams its {@link SoakStream} as fast as the connection takes it for a given time,
 * while a second thread reads and verifies the echo; then it shuts down its output and
 * reads to the server's FIN. Its receive buffer is fixed (64 KiB, no autotuning), so that
 * while it is stopped its window closes quickly and the server's writes to it block.
 *
 * <p>
 * Arguments: {@code <server address> <server port> <source address> <seconds>}. It prints
 * {@code streaming} once echoes flow, and at the end {@code echoed <n> bytes exact;
 * longest wait for an echo <ms> ms}, then exits 0; on any failure it prints the error and
 * exits 1.
 */
final class StreamingEchoClient {

	private StreamingEchoClient() {
	}

	public static void main(String[] args) throws Exception {
		InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
		InetAddress source = InetAddress.getByName(args[2]);
		long streamNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
		try (StreamSocket socket = StreamSocket.connect(source, server, ProcessHandle.current().pid(), 64 * 1024,
				30_000)) {
			long start = System.nanoTime();
			CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
				try {
					while (System.nanoTime() - start < streamNanos) {
						socket.write(64 * 1024);
					}
					socket.shutdownOutput();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
			long longestWaitNanos = 0;
			long last = System.nanoTime();
			boolean announced = false;
			int n;
			while ((n = socket.readSome(64 * 1024)) >= 0) {
				long now = System.nanoTime();
				if (n > 0) {
					longestWaitNanos = Math.max(longestWaitNanos, now - last);
					last = now;
				}
				if (!announced && socket.read() >= 1024 * 1024) {
					announced = true;
					System.out.println("streaming");
					System.out.flush();
				}
			}
			writing.join();
			if (socket.read() != socket.written()) {
				throw new IOException(
						"The server ended the echo after " + socket.read() + " of " + socket.written() + " bytes");
			}
			System.out.println("echoed " + socket.read() + " bytes exact; longest wait for an echo "
					+ TimeUnit.NANOSECONDS.toMillis(longestWaitNanos) + " ms");
			System.out.flush();
		}
		catch (Exception ex) {
			ex.printStackTrace(System.out);
			System.out.flush();
			System.exit(1);
		}
	}

}

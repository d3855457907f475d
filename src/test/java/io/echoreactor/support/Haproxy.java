package io.echoreactor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Debian's {@code haproxy} as a child process ({@code haproxy -f cfg -db}: foreground, no
 * daemon), in TCP mode on the loopback address, for tests that put a real load balancer in
 * front of the echo server. The test gives the frontend and backend sections, with
 * {@code ${port}} for the frontend's port; this class picks free ports, adds the global and
 * default sections and a {@code ready} frontend that rejects every connection, and waits
 * until that one accepts connects: HAProxy binds all its listeners before it serves any,
 * and polling the real frontend would send the echo server a connection of its own.
 */
public final class Haproxy implements AutoCloseable {

	private static final String GLOBAL = """
			global
			  nbthread 1
			defaults
			  mode tcp
			  timeout connect 5s
			  timeout client 30s
			  timeout server 30s
			""";

	private static final int ATTEMPTS = 3;

	private final Process process;

	private final Path log;

	private final int port;

	private final String config;

	private Haproxy(Process process, Path log, int port, String config) {
		this.process = process;
		this.log = log;
		this.port = port;
		this.config = config;
	}

	/**
	 * Start HAProxy and wait (at most 30 s) until it listens.
	 * @param executable the {@code haproxy} command
	 * @param directory where to write its configuration and output
	 * @param sections the frontend and backend sections, {@code ${port}} standing for the
	 * frontend's port
	 * @return the running HAProxy
	 */
	public static Haproxy start(Path executable, Path directory, String sections) throws IOException {
		for (int attempt = 1;; attempt++) {
			int port = freePort();
			int ready = freePort();
			String config = GLOBAL + sections.replace("${port}", String.valueOf(port)) + """
					frontend ready
					  bind 127.0.0.1:%d
					  tcp-request connection reject
					""".formatted(ready);
			Path file = directory.resolve("haproxy-" + attempt + ".cfg");
			Files.writeString(file, config);
			Path log = directory.resolve("haproxy-" + attempt + ".log");
			Process process = new ProcessBuilder(executable.toString(), "-f", file.toString(), "-db")
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			Haproxy haproxy = new Haproxy(process, log, port, config);
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !process.isAlive() || accepts(ready));
			if (process.isAlive()) {
				return haproxy;
			}
			// Another process may have taken a port between our check and HAProxy's bind.
			if (attempt == ATTEMPTS || !haproxy.log().contains("cannot bind")) {
				assertThat(process.isAlive()).as(() -> "HAProxy running; its configuration:\n" + config
						+ "\nand output:\n" + haproxy.log())
					.isTrue();
			}
		}
	}

	/** @return the frontend's address */
	public InetSocketAddress address() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port);
	}

	/** @return the configuration it runs with */
	public String config() {
		return this.config;
	}

	/** @return everything it has printed so far */
	public String log() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return a port that nothing listens on now.
	 * @return the port
	 */
	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Stop it (SIGTERM, then SIGKILL after 10 s). */
	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
	}

}

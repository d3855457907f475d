package io.echoreactor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.GreetingLines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.support.ActuatorProbes.status;
import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoApplication} as an operating-system process, the way it is run:
 * the ports it listens on, the echo and probes it serves, and how it ends on SIGTERM.
 */
@Timeout(180)
class EchoApplicationProcessTests {

	/** A JVM ended by a signal exits with 128 plus the signal's number: 143 for SIGTERM. */
	private static final int SIGTERM_EXIT_CODE = 128 + 15;

	private static final int STREAM_BYTES = 1024 * 1024;

	private final ExecutorService executor = Executors.newSingleThreadExecutor();

	@TempDir
	Path tempDir;

	private ApplicationProcess application;

	private Process process;

	@AfterEach
	void killProcess() throws InterruptedException {
		this.executor.shutdownNow();
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void servesEchoAndProbesOnExactlyTwoPortsAndDrainsGracefullyOnSigterm() throws Exception {
		// One setting from the environment, as a container would pass it.
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"), Map.of("ECHO_SERVER_REACTORS", "3"),
				"--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0", "--echo.server.address=127.0.0.1",
				"--echo.server.shutdown-timeout=15s");
		this.process = this.application.process();
		assertThat(this.application.log()).contains("(accept strategy acceptor, 3 reactors)");
		int echoPort = this.application.echoPort();
		int httpPort = this.application.httpPort();

		try (Socket client = connect(echoPort)) {
			assertEchoes(client, "hello\n");
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> status(httpPort, "/actuator/health/readiness").equals("200 UP"));
		assertThat(status(httpPort, "/actuator/health/liveness")).isEqualTo("200 UP");
		assertThat(listeningPorts(this.process.pid())).containsExactlyInAnyOrder(echoPort, httpPort);
		// Tools find the reactors by this prefix (the kernel keeps 15 characters of a name).
		assertThat(threadNames(this.process.pid())).filteredOn((name) -> name.startsWith("echo-"))
			.containsExactlyInAnyOrder("echo-reactor-0", "echo-reactor-1", "echo-reactor-2", "echo-acceptor");

		try (Socket client = connect(echoPort)) {
			// A stream in full flow when the signal arrives: the writer runs ahead of the
			// reader, so part of it sits in socket buffers and the server's pending output.
			CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> writePattern(client), this.executor);
			InputStream in = client.getInputStream();
			int received = readPattern(in, 0, 64 * 1024);
			this.process.destroy();
			received = readPattern(in, received, STREAM_BYTES - received);
			assertThat(received).isEqualTo(STREAM_BYTES);
			writing.get(30, TimeUnit.SECONDS);

			await().atMost(Duration.ofSeconds(10))
				.until(() -> status(httpPort, "/actuator/health/readiness").equals("503 OUT_OF_SERVICE"));
			assertThat(status(httpPort, "/actuator/health/liveness")).isEqualTo("200 UP");
			assertThat(this.application.log()).contains("Commencing graceful shutdown of the echo server");
			assertEchoes(client, "still echoing during the drain\n");
			assertThat(this.process.isAlive()).as("process waits for the connected client").isTrue();
		}

		assertThat(this.process.waitFor(20, TimeUnit.SECONDS)).as("process exited after the client closed").isTrue();
		assertThat(this.process.exitValue()).isEqualTo(SIGTERM_EXIT_CODE);
		assertThat(this.application.log()).contains("Commencing graceful shutdown of the echo server")
			.contains("Graceful shutdown of the echo server complete")
			.doesNotContain("ended by shutdown-timeout")
			.doesNotContain("Exception");
	}

	@Test
	void jsonGreetingNamesThePodFromItsEnvironmentAndTheClientFromAProxyHeader() throws Exception {
		// The chart passes these through the downward API.
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"),
				Map.of("POD_NAME", "echo-reactor-5c8d-7xk2p", "POD_NAMESPACE", "echo-test", "NODE_NAME", "node-7"),
				"--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1", "--echo.server.greeting=json",
				"--echo.server.proxy-protocol.mode=optional");
		int echoPort = this.application.echoPort();
		try (Socket client = connect(echoPort)) {
			// Sent before the greeting is read: the greeting still comes first.
			client.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
			Map<String, Object> greeting = GreetingLines.json(readLine(client));
			assertThat(greeting).containsExactly(entry("service", "echo-reactor"),
					entry("pod", "echo-reactor-5c8d-7xk2p"), entry("namespace", "echo-test"), entry("node", "node-7"),
					entry("host", InetAddress.getLocalHost().getHostName()), entry("local", "127.0.0.1:" + echoPort),
					entry("peer", "127.0.0.1:" + client.getLocalPort()));
			assertThat(readLine(client)).isEqualTo("hello");
		}
		try (Socket proxy = connect(echoPort)) {
			proxy.getOutputStream()
				.write(("PROXY TCP4 203.0.113.9 127.0.0.1 40000 " + echoPort + "\r\nhello\n")
					.getBytes(StandardCharsets.US_ASCII));
			Map<String, Object> greeting = GreetingLines.json(readLine(proxy));
			assertThat(greeting).containsEntry("pod", "echo-reactor-5c8d-7xk2p")
				.containsEntry("peer", "127.0.0.1:" + proxy.getLocalPort())
				.containsEntry("client", "203.0.113.9:40000")
				.containsEntry("proxy", Map.of("version", 1, "command", "proxy"));
			assertThat(readLine(proxy)).isEqualTo("hello");
		}
	}

	private static String readLine(Socket client) throws IOException {
		InputStream in = client.getInputStream();
		StringBuilder line = new StringBuilder();
		int b;
		while ((b = in.read()) != '\n') {
			assertThat(b).as("byte of a line (-1 is the end of stream)").isNotNegative();
			line.append((char) b);
		}
		return line.toString();
	}

	/**
	 * The TCP ports a process listens on: its socket inodes (from /proc/PID/fd) matched
	 * against the LISTEN entries (state 0A) of its network namespace's tables.
	 */
	private static Set<Integer> listeningPorts(long pid) throws IOException {
		Set<String> inodes = new HashSet<>();
		try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
			for (Path fd : fds.toList()) {
				try {
					String target = Files.readSymbolicLink(fd).toString();
					if (target.startsWith("socket:[")) {
						inodes.add(target.substring("socket:[".length(), target.length() - 1));
					}
				}
				catch (IOException ex) {
					// Ignore: the descriptor was closed while listing
				}
			}
		}
		Set<Integer> ports = new TreeSet<>();
		for (String table : List.of("tcp", "tcp6")) {
			List<String> lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table));
			for (String line : lines.subList(1, lines.size())) {
				String[] fields = line.trim().split("\\s+");
				if (fields[3].equals("0A") && inodes.contains(fields[9])) {
					String localAddress = fields[1];
					ports.add(Integer.parseInt(localAddress.substring(localAddress.indexOf(':') + 1), 16));
				}
			}
		}
		return ports;
	}

	private static List<String> threadNames(long pid) throws IOException {
		List<String> names = new ArrayList<>();
		try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
			for (Path task : tasks.toList()) {
				try {
					names.add(Files.readString(task.resolve("comm")).trim());
				}
				catch (IOException ex) {
					// Ignore: the thread ended while listing
				}
			}
		}
		return names;
	}

	private static void writePattern(Socket client) {
		try {
			OutputStream out = client.getOutputStream();
			byte[] chunk = new byte[8192];
			for (int offset = 0; offset < STREAM_BYTES; offset += chunk.length) {
				for (int i = 0; i < chunk.length; i++) {
					chunk[i] = patternByte(offset + i);
				}
				out.write(chunk);
			}
			out.flush();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Read {@code length} bytes, checking each against the pattern as it arrives. */
	private static int readPattern(InputStream in, int position, int length) throws IOException {
		byte[] buffer = new byte[8192];
		int end = position + length;
		while (position < end) {
			int read = in.read(buffer, 0, Math.min(buffer.length, end - position));
			assertThat(read).as("bytes echoed before EOF at %d", position).isPositive();
			for (int i = 0; i < read; i++) {
				if (buffer[i] != patternByte(position + i)) {
					assertThat(buffer[i]).as("byte %d", position + i).isEqualTo(patternByte(position + i));
				}
			}
			position += read;
		}
		return position;
	}

	private static byte patternByte(int position) {
		// Not a multiple of any buffer size, so a misplaced chunk cannot line up by chance.
		return (byte) (position % 251);
	}

}

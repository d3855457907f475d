package io.echoreactor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.LocalhostCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The TLS port against as many hostile connections as {@code max-connections} allows,
 * in a process sized as the chart sizes a pod (a 127 MiB heap, 96 MiB of direct memory,
 * Serial GC, and exit on the first {@code OutOfMemoryError}): 9,990 connections that each
 * send one byte of a record and hold, then 9,990 that each send a ClientHello and hold
 * mid-handshake, then 9,990 that each try a whole handshake and hold one byte of an
 * application record. Beside them a TLS client and a plain client echo byte-exact
 * throughout. The process must stay alive and ready; the heap it holds per connection is
 * printed for BENCHMARKS.md ("Heap per TLS connection").
 */
@Timeout(900)
class EchoApplicationSessionMemoryTests {

	private static final int HOSTILE = 9_990;

	private static final List<String> CHART_SIZING = List.of("-Xmx127m", "-XX:MaxDirectMemorySize=96m",
			"-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

	private static final Pattern TLS_STARTED = Pattern.compile("; TLS on \\S+:(\\d+)");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	private final List<Socket> hostile = Collections.synchronizedList(new ArrayList<>());

	private final ExecutorService threads = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "hostile-client");
		thread.setDaemon(true);
		return thread;
	});

	@TempDir
	Path tempDir;

	private ApplicationProcess application;

	@AfterEach
	void stop() throws Exception {
		closeHostile();
		this.threads.shutdownNow();
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void hostileTlsConnectionsUpToTheConnectionLimitNeitherKillThePodNorStopTheGoodClients() throws Exception {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		this.application = ApplicationProcess.start(this.tempDir, CHART_SIZING, Map.of(), "--server.port=0",
				"--server.address=127.0.0.1", "--echo.server.port=0", "--echo.server.address=127.0.0.1",
				"--echo.server.ssl.port=0", "--echo.server.ssl.bundle=echo", "--echo.server.udp.enabled=false",
				// Held for as long as the test weighs them: the worst case for memory.
				"--echo.server.ssl.handshake-timeout=120s",
				"--spring.ssl.bundle.pem.echo.keystore.certificate=file:" + certificates.serverPem(),
				"--spring.ssl.bundle.pem.echo.keystore.private-key=file:" + certificates.serverPem());
		int httpPort = this.application.httpPort();
		InetSocketAddress plain = new InetSocketAddress("127.0.0.1", this.application.echoPort());
		InetSocketAddress tls = new InetSocketAddress("127.0.0.1", tlsPort());
		SSLContext clientContext = certificates.clientContext(false);
		GoodClient goodPlain = new GoodClient(new Socket(plain.getAddress(), plain.getPort()));
		GoodClient goodTls = new GoodClient(handshake(clientContext, tls, 10_000));
		this.threads.execute(goodPlain);
		this.threads.execute(goodTls);

		byte[] oneByte = { 22 };
		openAndHold(tls, (socket) -> socket.getOutputStream().write(oneByte));
		assertServing(httpPort, goodPlain, goodTls);
		weighAndClose("one byte of a record", httpPort);

		byte[] hello = clientHello(clientContext);
		openAndHold(tls, (socket) -> socket.getOutputStream().write(hello));
		assertServing(httpPort, goodPlain, goodTls);
		weighAndClose("a ClientHello, mid-handshake", httpPort);

		byte[] oneByteOfARecord = { 23 };
		// A client gives the server as long as it could take for the sessions its memory
		// fits; past them, handshakes wait for memory, and a second is patience enough.
		double limit = scrape(httpPort).sum("echo_session_memory_limit_bytes");
		int fitting = (int) (limit * 7 / 8 / (12 * 1024));
		List<Future<?>> attempts = new ArrayList<>();
		ExecutorService handshakes = Executors.newFixedThreadPool(200);
		try {
			for (int i = 0; i < HOSTILE; i++) {
				int patience = (i < fitting) ? 20_000 : 1_000;
				attempts.add(handshakes.submit(() -> {
					Socket socket = new Socket();
					this.hostile.add(socket);
					socket.connect(tls, 10_000);
					try {
						// A handshake the server makes wait for memory is left waiting, held open.
						// Held too: a TLS socket left to the garbage collector may be closed, and its
						// close_notify would follow the byte below and break the stream.
						this.hostile.add(handshake(clientContext, socket, tls, patience));
						socket.getOutputStream().write(oneByteOfARecord);
					}
					catch (IOException ex) {
						// Waiting for session memory, or refused for it: held either way
					}
					return null;
				}));
			}
			for (Future<?> attempt : attempts) {
				attempt.get(5, TimeUnit.MINUTES);
			}
		}
		finally {
			handshakes.shutdownNow();
		}
		assertServing(httpPort, goodPlain, goodTls);
		weighAndClose("a handshake, then one byte of an application record", httpPort);

		assertServing(httpPort, goodPlain, goodTls);
		goodPlain.stop();
		goodTls.stop();
		assertThat(goodPlain.failure()).isNull();
		assertThat(goodTls.failure()).isNull();
		assertThat(goodPlain.echoed()).isPositive();
		assertThat(goodTls.echoed()).isPositive();
		assertThat(this.application.log()).doesNotContain("OutOfMemoryError");
	}

	private void openAndHold(InetSocketAddress address, SocketAction first) throws IOException {
		for (int i = 0; i < HOSTILE; i++) {
			Socket socket = new Socket();
			this.hostile.add(socket);
			socket.connect(address, 10_000);
			first.run(socket);
		}
	}

	private void closeHostile() {
		synchronized (this.hostile) {
			for (Socket socket : this.hostile) {
				try {
					socket.close();
				}
				catch (IOException ex) {
					// Closed either way
				}
			}
			this.hostile.clear();
		}
	}

	private void assertServing(int httpPort, GoodClient... clients) throws Exception {
		assertThat(this.application.process().isAlive()).as(() -> "alive; log:\n" + tail(this.application.log()))
			.isTrue();
		assertThat(get(httpPort, "/actuator/health/readiness").statusCode()).isEqualTo(200);
		for (GoodClient client : clients) {
			long before = client.echoed();
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(client.echoed()).as(client::describe).isGreaterThan(before));
			assertThat(client.failure()).isNull();
		}
	}

	// Weighs the heap after GC with the hostile connections held and again once they are
	// closed; the difference, per connection, is what BENCHMARKS.md records.
	private void weighAndClose(String what, int httpPort) throws Exception {
		awaitSettled(httpPort);
		PrometheusScrape held = scrape(httpPort);
		double connections = held.sum("echo_connections_active") - 2;
		double heapHeld = heapAfterGc(httpPort);
		if (System.getProperty("echo.histogram") != null) {
			Process histogram = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
					Long.toString(this.application.process().pid()), "GC.class_histogram").redirectErrorStream(true).start();
			String text = new String(histogram.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			System.out.println(what + " histogram:\n" + text.lines().limit(30).collect(java.util.stream.Collectors.joining("\n")));
		}
		closeHostile();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> scrape(httpPort).sum("echo_connections_active") == 2);
		awaitSettled(httpPort);
		double heapClosed = heapAfterGc(httpPort);
		System.out.println(what + ": closed by cause " + causes(held, "echo_connections_closed_total", "cause")
				+ "; handshakes by result " + causes(held, "echo_tls_handshakes_total", "result"));
		System.out.printf("%s: %.0f hostile connections held, %.0f B of session memory charged, heap after GC "
				+ "%.1f MiB held and %.1f MiB closed, %.0f B per connection%n", what, connections,
				held.sum("echo_session_memory_bytes"), heapHeld / 1024 / 1024, heapClosed / 1024 / 1024,
				(heapHeld - heapClosed) / Math.max(1, connections));
	}

	private static String causes(PrometheusScrape scrape, String name, String label) {
		StringBuilder text = new StringBuilder();
		for (String value : scrape.labelValues(name, label)) {
			double count = scrape.sum(name, label, value);
			if (count > 0) {
				text.append(value).append('=').append((long) count).append(' ');
			}
		}
		return text.toString().trim();
	}

	// The good clients keep reading and writing; the hostile ones' state settles.
	private void awaitSettled(int httpPort) {
		AtomicReference<String> last = new AtomicReference<>("");
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
			PrometheusScrape scrape = scrape(httpPort);
			String state = scrape.sum("echo_connections_active") + " " + scrape.sum("echo_session_memory_bytes");
			return state.equals(last.getAndSet(state));
		});
	}

	private double heapAfterGc(int httpPort) throws Exception {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(this.application.process().pid()), "GC.run")
			.redirectErrorStream(true)
			.start();
		gc.getInputStream().readAllBytes();
		assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return scrape(httpPort).sum("jvm_memory_used_bytes", "area", "heap");
	}

	private PrometheusScrape scrape(int httpPort) throws Exception {
		HttpResponse<String> response = get(httpPort, "/actuator/prometheus");
		assertThat(response.statusCode()).isEqualTo(200);
		return PrometheusScrape.parse(response.body());
	}

	private HttpResponse<String> get(int httpPort, String path) throws Exception {
		try {
			return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
				.timeout(Duration.ofSeconds(30))
				.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new AssertionError("GET " + path + " failed; the service is "
					+ (this.application.process().isAlive() ? "alive" : "gone") + "; its log ends:\n"
					+ tail(this.application.log()), ex);
		}
	}

	private int tlsPort() {
		Matcher matcher = TLS_STARTED.matcher(this.application.log());
		assertThat(matcher.find()).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	private static String tail(String log) {
		return log.substring(Math.max(0, log.length() - 4000));
	}

	private static Socket handshake(SSLContext context, InetSocketAddress address, int timeoutMillis)
			throws IOException {
		Socket socket = new Socket();
		socket.connect(address, 10_000);
		return handshake(context, socket, address, timeoutMillis);
	}

	private static SSLSocket handshake(SSLContext context, Socket socket, InetSocketAddress address,
			int timeoutMillis) throws IOException {
		socket.setSoTimeout(timeoutMillis);
		SSLSocket tls = (SSLSocket) context.getSocketFactory()
			.createSocket(socket, address.getHostString(), address.getPort(), false);
		tls.startHandshake();
		tls.setSoTimeout(30_000);
		return tls;
	}

	// A client's first flight: its ClientHello record, as a client engine writes it.
	private static byte[] clientHello(SSLContext context) throws IOException {
		SSLEngine engine = context.createSSLEngine("localhost", 443);
		engine.setUseClientMode(true);
		engine.beginHandshake();
		ByteBuffer records = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
		engine.wrap(ByteBuffer.allocate(0), records);
		return Arrays.copyOf(records.array(), records.position());
	}

	@FunctionalInterface
	private interface SocketAction {

		void run(Socket socket) throws IOException;

	}

	/**
	 * Echoes a kibibyte at a time, checks every byte, until stopped; remembers its first
	 * failure.
	 */
	private static final class GoodClient implements Runnable {

		private final Socket socket;

		private final AtomicLong echoed = new AtomicLong();

		private final AtomicReference<Throwable> failure = new AtomicReference<>();

		private volatile boolean stopped;

		GoodClient(Socket socket) throws IOException {
			this.socket = socket;
			socket.setSoTimeout(60_000);
		}

		@Override
		public void run() {
			byte[] message = new byte[1024];
			byte[] echo = new byte[message.length];
			try (Socket socket = this.socket) {
				OutputStream output = socket.getOutputStream();
				InputStream input = socket.getInputStream();
				for (long round = 0; !this.stopped; round++) {
					Arrays.fill(message, (byte) round);
					message[0] = (byte) (round >> 8);
					output.write(message);
					output.flush();
					int read = input.readNBytes(echo, 0, echo.length);
					if (read != echo.length || !Arrays.equals(message, echo)) {
						throw new IOException("echo " + round + " came back as " + read + " bytes, "
								+ (Arrays.equals(message, echo) ? "equal" : "different"));
					}
					this.echoed.addAndGet(read);
				}
			}
			catch (IOException | RuntimeException ex) {
				if (!this.stopped) {
					this.failure.set(ex);
				}
			}
		}

		long echoed() {
			return this.echoed.get();
		}

		Throwable failure() {
			return this.failure.get();
		}

		String describe() {
			return this.socket + " echoed " + this.echoed.get() + " bytes; failure " + this.failure.get();
		}

		void stop() {
			this.stopped = true;
		}

	}

}

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
		double baseline = heapAfterGc(httpPort);

		byte[] oneByte = { 22 };
		openAndHold(tls, (socket) -> socket.getOutputStream().write(oneByte));
		report("one byte of a record", httpPort, baseline);
		assertServing(httpPort, goodPlain, goodTls);
		closeHostile();

		byte[] hello = clientHello(clientContext);
		openAndHold(tls, (socket) -> socket.getOutputStream().write(hello));
		report("a ClientHello, mid-handshake", httpPort, baseline);
		assertServing(httpPort, goodPlain, goodTls);
		closeHostile();

		byte[] oneByteOfARecord = { 23 };
		List<Future<?>> attempts = new ArrayList<>();
		ExecutorService handshakes = Executors.newFixedThreadPool(200);
		try {
			for (int i = 0; i < HOSTILE; i++) {
				attempts.add(handshakes.submit(() -> {
					Socket socket = new Socket();
					this.hostile.add(socket);
					socket.connect(tls, 10_000);
					try {
						// A handshake the server makes wait for memory is left waiting, held open.
						handshake(clientContext, socket, tls, 1_000);
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
		report("a handshake, then one byte of an application record", httpPort, baseline);
		assertServing(httpPort, goodPlain, goodTls);
		closeHostile();

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

	private void report(String what, int httpPort, double baseline) throws Exception {
		// Let the server take in what the clients sent before it is weighed.
		AtomicReference<Double> lastReads = new AtomicReference<>(-1.0);
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
			double reads = scrape(httpPort).sum("echo_reads_total");
			return reads == lastReads.getAndSet(reads);
		});
		PrometheusScrape scrape = scrape(httpPort);
		double connections = scrape.sum("echo_connections_active");
		double heap = heapAfterGc(httpPort);
		System.out.printf("%s: %.0f connections held, %.0f B of session memory charged, heap after GC %.1f MiB "
				+ "(%.1f MiB at the start), %.0f B per connection%n", what, connections,
				scrape.sum("echo_session_memory_bytes"), heap / 1024 / 1024, baseline / 1024 / 1024,
				(heap - baseline) / Math.max(1, connections - 2));
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
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
			.timeout(Duration.ofSeconds(30))
			.build(), HttpResponse.BodyHandlers.ofString());
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

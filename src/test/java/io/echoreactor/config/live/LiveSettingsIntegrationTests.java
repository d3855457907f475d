package io.echoreactor.config.live;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLSocket;

import io.echoreactor.support.ApplicationProcess;
import io.echoreactor.support.LocalhostCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The settings' live reload end to end: the application as a process, its
 * {@code application.yml} in a directory laid out as the kubelet lays out a ConfigMap
 * volume and swapped as the kubelet swaps it (a new timestamped directory, then the
 * {@code ..data} symlink renamed onto it), while clients echo over TCP, TLS and UDP. Each
 * change is seen in what the server does, no connection of the clients is dropped and no
 * byte is lost.
 */
@Timeout(240)
class LiveSettingsIntegrationTests {

	private static final Pattern COUNTER = Pattern
		.compile("echo_settings_reloads_total\\{[^}]*result=\"([a-z-]+)\"[^}]*} ([0-9.E]+)");

	@TempDir
	Path tempDir;

	private final HttpClient http = HttpClient.newHttpClient();

	private final List<Load> loads = new ArrayList<>();

	private ApplicationProcess application;

	private KubeletVolume volume;

	@AfterEach
	void stop() throws Exception {
		for (Load load : this.loads) {
			load.close();
		}
		if (this.application != null) {
			this.application.close();
		}
	}

	@Test
	void liveChangesUnderLoadAreSeenInBehaviourAndDropNothingWhileInvalidAndRestartOnlyOnesAreReported()
			throws Exception {
		LocalhostCertificates certificates = LocalhostCertificates.get();
		this.volume = new KubeletVolume(this.tempDir.resolve("config"));
		this.volume.write(yaml("1h", "off", 0, "INFO"));
		String pem = "file:" + certificates.serverPem().toAbsolutePath();
		this.application = ApplicationProcess.start(this.tempDir, List.of("-Xmx256m"), Map.of(), "--server.port=0",
				"--server.address=127.0.0.1", "--echo.server.port=0", "--echo.server.address=127.0.0.1",
				"--echo.server.reactors=2", "--echo.server.udp.port=0", "--echo.server.ssl.port=0",
				"--echo.server.ssl.bundle=echo", "--spring.ssl.bundle.pem.echo.keystore.certificate=" + pem,
				"--spring.ssl.bundle.pem.echo.keystore.private-key=" + pem,
				"--management.endpoints.web.exposure.include=health,echo,prometheus,loggers",
				"--spring.config.additional-location=optional:file:" + this.volume.directory() + "/");
		assertThat(this.application.log()).contains("Live reload of settings: watching");
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		Load tcp = load(new StreamLoad("tcp", () -> new Socket(loopback, this.application.echoPort())));
		Load tls = load(new StreamLoad("tls", () -> {
			SSLSocket socket = (SSLSocket) certificates.clientContext(false)
				.getSocketFactory()
				.createSocket(loopback, this.application.tlsPort());
			socket.startHandshake();
			return socket;
		}));
		Load udp = load(new DatagramLoad(new InetSocketAddress(loopback, this.application.udpPort())));
		Socket idle = new Socket(loopback, this.application.echoPort());
		assertEchoes(idle, "idle from now on\n");
		awaitProgress();

		// A first live change: a shorter idle timeout, a greeting, a UDP rate limit.
		this.volume.write(yaml("3s", "text", 20, "INFO"));
		await().atMost(Duration.ofSeconds(20)).until(() -> reloads("applied") == 1);
		idle.setSoTimeout(10_000);
		assertThat(idle.getInputStream().read()).as("the idle connection, closed by the new timeout").isEqualTo(-1);
		try (Socket next = new Socket(loopback, this.application.echoPort())) {
			next.setSoTimeout(10_000);
			assertThat(firstLine(next.getInputStream())).as("the greeting to the next connection")
				.startsWith("service=echo-reactor");
		}
		assertThat(udpBurst(loopback, 200)).as("answers to a burst of 200 at 20/s").isBetween(1, 40);
		awaitProgress();

		// A second one, in a row: the greeting becomes JSON, and a log level changes with it.
		this.volume.write(yaml("3s", "json", 20, "WARN"));
		await().atMost(Duration.ofSeconds(20)).until(() -> reloads("applied") == 2);
		assertThat(get("/actuator/loggers/io.echoreactor")).contains("\"configuredLevel\":\"WARN\"");
		try (Socket next = new Socket(loopback, this.application.echoPort())) {
			next.setSoTimeout(10_000);
			assertThat(firstLine(next.getInputStream())).startsWith("{");
		}
		String since = echo();
		awaitProgress();

		// An invalid change, with a log level: refused whole.
		this.volume.write(yaml("0ms", "off", 0, "DEBUG"));
		await().atMost(Duration.ofSeconds(20)).until(() -> reloads("refused") == 1);
		assertThat(this.application.log()).containsPattern(
				"WARN .*Settings change refused, the settings in force stay: echo.server.idle-timeout: [^\\n]+");
		assertThat(this.application.log()).doesNotContain("\tat org.springframework");
		try (Socket next = new Socket(loopback, this.application.echoPort())) {
			next.setSoTimeout(10_000);
			assertThat(firstLine(next.getInputStream())).as("the greeting in force still").startsWith("{");
		}
		assertThat(get("/actuator/loggers/io.echoreactor")).contains("\"configuredLevel\":\"WARN\"")
			.doesNotContain("DEBUG");
		String refused = echo();
		assertThat(refused).contains("\"property\":\"echo.server.idle-timeout\"")
			.contains("\"idleTimeout\":\"PT3S\"");
		assertThat(inForceSince(refused)).isEqualTo(inForceSince(since));
		awaitProgress();

		// A file that is no YAML: refused whole as well.
		this.volume.write(yaml("3s", "json", 20, "WARN") + "    greeting: [json\n");
		await().atMost(Duration.ofSeconds(20)).until(() -> reloads("refused") == 2);
		assertThat(echo()).contains("\"reason\":\"the configuration files could not be read: ");
		awaitProgress();

		// A restart-only change: reported, not applied.
		this.volume.write(yaml("3s", "json", 20, "WARN") + "    backlog: 77\n");
		await().atMost(Duration.ofSeconds(20)).until(() -> reloads("restart-pending") == 1);
		assertThat(this.application.log()).contains("take effect at the next start, not now: echo.server.backlog");
		assertThat(echo()).contains("\"pendingRestart\":[\"echo.server.backlog\"]").contains("\"backlog\":1024");
		awaitProgress();

		for (Load load : List.of(tcp, tls, udp)) {
			load.close();
			assertThat(load.failure()).as(load.name()).isNull();
			assertThat(load.rounds()).as(load.name()).isPositive();
		}
	}

	private static String yaml(String idleTimeout, String greeting, int rateLimit, String level) {
		return """
				logging:
				  level:
				    io.echoreactor: %s
				echo:
				  server:
				    idle-timeout: %s
				    greeting: %s
				    udp:
				      rate-limit-per-source: %d
				""".formatted(level, idleTimeout, greeting, rateLimit);
	}

	private Load load(Load load) {
		this.loads.add(load);
		load.start();
		return load;
	}

	// Every client makes a few more round trips: none is stuck or gone.
	private void awaitProgress() {
		for (Load load : this.loads) {
			long before = load.rounds();
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(load.failure()).as(load.name()).isNull());
			await().atMost(Duration.ofSeconds(20)).until(() -> load.rounds() >= before + 3 || load.failure() != null);
			assertThat(load.failure()).as(load.name()).isNull();
		}
	}

	private int udpBurst(InetAddress loopback, int count) throws Exception {
		double droppedBefore = metric("echo_udp_dropped_total", "rate-limit");
		try (DatagramChannel source = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.3", 0))) {
			source.configureBlocking(false);
			InetSocketAddress target = new InetSocketAddress(loopback, this.application.udpPort());
			for (int i = 0; i < count; i++) {
				source.send(ByteBuffer.wrap(new byte[] { 1 }), target);
			}
			// Every datagram of the burst answered or dropped (the load's own stay under the limit).
			AtomicInteger answers = new AtomicInteger();
			ByteBuffer answer = ByteBuffer.allocate(16);
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				while (source.receive(answer.clear()) != null) {
					answers.incrementAndGet();
				}
				return answers.get() + metric("echo_udp_dropped_total", "rate-limit") - droppedBefore >= count;
			});
			return answers.get();
		}
	}

	private double metric(String name, String cause) throws Exception {
		Matcher matcher = Pattern.compile(name + "\\{[^}]*cause=\"" + cause + "\"[^}]*} ([0-9.E]+)")
			.matcher(get("/actuator/prometheus"));
		double total = 0;
		while (matcher.find()) {
			total += Double.parseDouble(matcher.group(1));
		}
		return total;
	}

	private long reloads(String result) throws Exception {
		Matcher matcher = COUNTER.matcher(get("/actuator/prometheus"));
		while (matcher.find()) {
			if (matcher.group(1).equals(result)) {
				return (long) Double.parseDouble(matcher.group(2));
			}
		}
		return 0;
	}

	private String echo() throws Exception {
		return get("/actuator/echo");
	}

	private static String inForceSince(String echo) {
		Matcher matcher = Pattern.compile("\"inForceSince\":\"([^\"]+)\"").matcher(echo);
		assertThat(matcher.find()).as(echo).isTrue();
		return matcher.group(1);
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.application.httpPort() + path))
					.timeout(Duration.ofSeconds(10))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	private static String firstLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int b;
		while ((b = in.read()) != -1 && b != '\n') {
			line.append((char) b);
		}
		return line.toString();
	}

	/**
	 * A directory laid out as the kubelet lays out a ConfigMap volume: the file is a
	 * symlink through {@code ..data}, itself a symlink to a timestamped directory; an update
	 * writes a new timestamped directory and renames a new symlink onto {@code ..data}.
	 */
	static final class KubeletVolume {

		private final Path directory;

		private int version;

		KubeletVolume(Path directory) throws IOException {
			this.directory = Files.createDirectories(directory);
		}

		Path directory() {
			return this.directory;
		}

		void write(String content) throws IOException {
			Path previous = Files.isSymbolicLink(this.directory.resolve("..data"))
					? this.directory.resolve(Files.readSymbolicLink(this.directory.resolve("..data"))) : null;
			Path timestamped = this.directory.resolve("..2026_12_06_14_00_00." + String.format("%09d", ++this.version));
			Files.createDirectory(timestamped);
			Files.writeString(timestamped.resolve("application.yml"), content);
			Path temporary = this.directory.resolve("..data_tmp");
			Files.createSymbolicLink(temporary, timestamped.getFileName());
			Files.move(temporary, this.directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
					StandardCopyOption.REPLACE_EXISTING);
			Path file = this.directory.resolve("application.yml");
			if (!Files.isSymbolicLink(file)) {
				Files.createSymbolicLink(file, Path.of("..data", "application.yml"));
			}
			if (previous != null) {
				Files.delete(previous.resolve("application.yml"));
				Files.delete(previous);
			}
		}

	}

	/**
	 * A client echoing on its own thread until closed, checking every byte.
	 */
	abstract static class Load implements AutoCloseable {

		private final String name;

		private final AtomicLong rounds = new AtomicLong();

		private final AtomicReference<Throwable> failure = new AtomicReference<>();

		private volatile boolean stopped;

		private final Thread thread;

		Load(String name) {
			this.name = name;
			this.thread = new Thread(this::run, "load-" + name);
			this.thread.setDaemon(true);
		}

		void start() {
			this.thread.start();
		}

		private void run() {
			try {
				open();
				while (!this.stopped) {
					round();
					this.rounds.incrementAndGet();
				}
			}
			catch (Throwable ex) {
				if (!this.stopped) {
					this.failure.set(ex);
				}
			}
		}

		abstract void open() throws IOException;

		abstract void round() throws IOException;

		abstract void closeClient() throws IOException;

		String name() {
			return this.name;
		}

		long rounds() {
			return this.rounds.get();
		}

		Throwable failure() {
			return this.failure.get();
		}

		@Override
		public void close() throws Exception {
			this.stopped = true;
			this.thread.join(10_000);
			closeClient();
		}

	}

	/**
	 * TCP or TLS: one connection for the whole test, a random-sized pattern each round.
	 */
	static final class StreamLoad extends Load {

		interface Connector {

			Socket connect() throws IOException;

		}

		private final Connector connector;

		private Socket socket;

		private byte round;

		StreamLoad(String name, Connector connector) {
			super(name);
			this.connector = connector;
		}

		@Override
		void open() throws IOException {
			this.socket = this.connector.connect();
			this.socket.setSoTimeout(10_000);
		}

		@Override
		void round() throws IOException {
			byte[] sent = new byte[ThreadLocalRandom.current().nextInt(1, 8192)];
			Arrays.fill(sent, this.round++);
			OutputStream out = this.socket.getOutputStream();
			out.write(sent);
			out.flush();
			byte[] received = this.socket.getInputStream().readNBytes(sent.length);
			if (!Arrays.equals(sent, received)) {
				throw new IllegalStateException(name() + ": " + received.length + " bytes back of " + sent.length
						+ ", or different ones");
			}
		}

		@Override
		void closeClient() throws IOException {
			if (this.socket != null) {
				this.socket.close();
			}
		}

	}

	/**
	 * UDP: one datagram at a time from its own source, well under any rate limit set, each
	 * answer checked.
	 */
	static final class DatagramLoad extends Load {

		private final InetSocketAddress target;

		private DatagramChannel channel;

		private int sequence;

		DatagramLoad(InetSocketAddress target) {
			super("udp");
			this.target = target;
		}

		@Override
		void open() throws IOException {
			this.channel = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.2", 0));
			this.channel.socket().setSoTimeout(5000);
		}

		@Override
		void round() throws IOException {
			// Paced by the answer and a tenth of a second: 10/s from this source.
			long due = System.nanoTime() + 100_000_000;
			ByteBuffer sent = ByteBuffer.allocate(4).putInt(0, this.sequence++);
			this.channel.send(sent.duplicate(), this.target);
			byte[] answer = new byte[16];
			DatagramPacket packet = new DatagramPacket(answer, answer.length);
			try {
				this.channel.socket().receive(packet);
			}
			catch (SocketTimeoutException ex) {
				throw new IllegalStateException("udp: datagram " + (this.sequence - 1) + " got no answer", ex);
			}
			if (packet.getLength() != 4 || ByteBuffer.wrap(answer).getInt() != this.sequence - 1) {
				throw new IllegalStateException("udp: a wrong answer to datagram " + (this.sequence - 1));
			}
			LockSupport.parkNanos(due - System.nanoTime());
		}

		@Override
		void closeClient() throws IOException {
			if (this.channel != null) {
				this.channel.close();
			}
		}

	}

}

package io.echoreactor.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;

import org.springframework.boot.json.JsonParserFactory;

/**
 * Runs {@code bench} in this JVM with its output captured, and starts in-process echo
 * servers on the loopback interface for it to load.
 */
public final class BenchRuns implements AutoCloseable {

	private final List<EchoServer> servers = new ArrayList<>();

	/**
	 * Start an echo server on 127.0.0.1, a free port, two reactors.
	 * @param customizer changes to the settings
	 * @return the running server
	 */
	public EchoServer server(UnaryOperator<EchoServerSettings.Builder> customizer) {
		EchoServerSettings.Builder settings = DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.udp(DefaultSettings.udpDisabled());
		EchoServer server = new EchoServer(customizer.apply(settings).build());
		this.servers.add(server);
		server.start();
		return server;
	}

	/** @return a running server with the default settings */
	public EchoServer server() {
		return server(UnaryOperator.identity());
	}

	@Override
	public void close() {
		this.servers.forEach(EchoServer::stop);
	}

	/**
	 * Run the command, as not on a terminal.
	 * @param args its arguments
	 * @return the exit status and output
	 */
	public static Result bench(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int status = new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8), false)
			.execute(args);
		return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	/**
	 * What a run printed and returned.
	 *
	 * @param status the exit status
	 * @param out standard output
	 * @param err standard error
	 */
	public record Result(int status, String out, String err) {

		/** @return the last line of standard output */
		public String lastLine() {
			String[] lines = this.out.split("\n");
			return lines[lines.length - 1];
		}

		/** @return the last line of standard output, parsed as JSON */
		public Map<String, Object> json() {
			return JsonParserFactory.getJsonParser().parseMap(lastLine());
		}

		/** @return a number from the JSON summary */
		public double number(String key) {
			return ((Number) json().get(key)).doubleValue();
		}

		/** @return counts by name from the JSON summary, such as the greetings */
		public Map<String, Long> counts(String key) {
			Map<String, Long> counts = new java.util.TreeMap<>();
			((Map<?, ?>) json().get(key))
				.forEach((name, count) -> counts.put((String) name, ((Number) count).longValue()));
			return counts;
		}

		/** @return the count of one kind of error in the JSON summary */
		public long errors(String kind) {
			@SuppressWarnings("unchecked")
			Map<String, Object> byKind = (Map<String, Object>) json().get("errors_by_kind");
			return ((Number) byKind.get(kind)).longValue();
		}

		@Override
		public String toString() {
			return "status " + this.status + "\n--- out\n" + this.out + "--- err\n" + this.err;
		}

	}

}

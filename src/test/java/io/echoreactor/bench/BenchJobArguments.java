package io.echoreactor.bench;

import java.time.Duration;
import java.util.List;

import io.echoreactor.bench.options.BenchOptions;

/**
 * The load client's own argument parser and command, opened to tests outside this
 * package: the Helm chart renders a Job that runs {@code bench} with arguments made from
 * its values, and those must be arguments the client accepts and means as intended.
 */
public final class BenchJobArguments {

	private BenchJobArguments() {
	}

	/**
	 * Parse a Job's arguments as the jar would.
	 * @param args the container's arguments, {@code bench} first
	 * @return the options they set
	 * @throws IllegalArgumentException with the client's message when it would refuse them
	 */
	public static Options parse(List<String> args) {
		if (args.isEmpty() || !args.get(0).equals(BenchCommand.NAME)) {
			throw new IllegalArgumentException("The first argument is not '" + BenchCommand.NAME + "': " + args);
		}
		BenchOptions options;
		try {
			options = BenchOptions.parse(args.subList(1, args.size()).toArray(String[]::new));
		}
		catch (BenchOptions.UsageException ex) {
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
		return new Options(options.host(), options.port(), options.protocol().label(), options.connections(),
				options.size(), options.depth(), options.rate(), Duration.ofNanos(options.durationNanos()),
				Duration.ofNanos(options.warmupNanos()), options.threads(),
				(options.proxyProtocol() != null) ? options.proxyProtocol().name().toLowerCase() : null,
				options.greeting(), options.insecure(), (options.ca() != null) ? options.ca().toString() : null,
				options.json());
	}

	/**
	 * Run {@code bench} in this JVM, as not on a terminal, with its output captured.
	 * @param args the arguments after {@code bench}
	 * @return the exit status and output
	 */
	public static Run run(List<String> args) {
		BenchRuns.Result result = BenchRuns.bench(args.toArray(String[]::new));
		return new Run(result.status(), result.out(), result.err());
	}

	/**
	 * What the client would do.
	 *
	 * @param host the host it connects to
	 * @param port the port
	 * @param protocol tcp, udp or tls
	 * @param connections connections or flows
	 * @param size bytes per message
	 * @param depth messages in flight per connection in the closed loop
	 * @param rate messages per second in the open loop, 0 for the closed loop
	 * @param duration the measured time
	 * @param warmup the time before it
	 * @param threads client event loops
	 * @param proxyProtocol v1 or v2, or null
	 * @param greeting whether it reads a greeting line first
	 * @param insecure whether it trusts any certificate
	 * @param ca the PEM file of trusted certificates, or null
	 * @param json whether the summary is one JSON object
	 */
	public record Options(String host, int port, String protocol, int connections, int size, int depth, long rate,
			Duration duration, Duration warmup, int threads, String proxyProtocol, boolean greeting, boolean insecure,
			String ca, boolean json) {

	}

	/**
	 * A finished run.
	 *
	 * @param status the exit status
	 * @param out standard output
	 * @param err standard error
	 */
	public record Run(int status, String out, String err) {

		/** @return the last line of standard output */
		public String lastLine() {
			String[] lines = this.out.strip().split("\n");
			return lines[lines.length - 1];
		}

	}

}

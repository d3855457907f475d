package io.echoreactor.bench;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import io.echoreactor.bench.loop.ClientWarmUp;
import io.echoreactor.bench.loop.Flow;
import io.echoreactor.bench.loop.Interval;
import io.echoreactor.bench.loop.LoadLoop;
import io.echoreactor.bench.loop.LoadRun;
import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tcp.TcpFlow;
import io.echoreactor.bench.tls.ClientTls;
import io.echoreactor.bench.udp.UdpFlow;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.jspecify.annotations.Nullable;

/**
 * {@code echo-reactor bench}: a load client for any RFC 862 echo server, in the service's
 * jar. It parses the {@link BenchOptions}, starts one {@link LoadLoop} per thread, waits
 * until every connection is ready, starts the echo, prints a progress line per second on a
 * terminal, and ends with a {@link Summary}. It uses plain JDK classes and HdrHistogram:
 * no Spring, and nothing of the service's reactor.
 *
 * <p>
 * Exit status: 0 when every byte came back right, every connection was served and the
 * open loop achieved its rate; 1 on an error (a byte wrong, missing or extra, a connection
 * failed, a message unanswered), which wins over 3; 2 on bad arguments; 3 when the open
 * loop achieved less than 95% of the rate asked for.
 */
public final class BenchCommand {

	/** The command's name, the first argument to the jar. */
	public static final String NAME = "bench";

	// The longest the client's own warm-up connection is waited for before the run goes on.
	private static final long WARM_UP_MILLIS = 2000;

	private final PrintStream out;

	private final PrintStream err;

	// Asked only when a load runs: on newer JDKs finding out can load the console's classes.
	private final BooleanSupplier terminal;

	private boolean progress;

	BenchCommand(PrintStream out, PrintStream err, boolean terminal) {
		this(out, err, () -> terminal);
	}

	private BenchCommand(PrintStream out, PrintStream err, BooleanSupplier terminal) {
		this.out = out;
		this.err = err;
		this.terminal = terminal;
	}

	/**
	 * Run the command with the standard streams.
	 * @param args the arguments after {@code bench}
	 * @return the exit status
	 */
	public static int run(String... args) {
		return new BenchCommand(System.out, System.err, Terminal::isTerminal).execute(args);
	}

	int execute(String... args) {
		BenchOptions options;
		try {
			options = BenchOptions.parse(args);
		}
		catch (BenchOptions.UsageException ex) {
			this.err.println("bench: " + ex.getMessage());
			this.err.print(BenchOptions.USAGE);
			return 2;
		}
		if (options.help()) {
			this.out.print(BenchOptions.USAGE);
			return 0;
		}
		ClientTls tls = null;
		if (options.protocol() == BenchOptions.Protocol.TLS) {
			try {
				tls = ClientTls.of(options);
			}
			catch (IOException | GeneralSecurityException ex) {
				this.err.println("bench: cannot use the trusted certificates: " + ex.getMessage());
				return 2;
			}
		}
		HistogramLogWriter log = null;
		if (options.histogram() != null) {
			try {
				log = new HistogramLogWriter(options.histogram().toFile());
			}
			catch (FileNotFoundException ex) {
				this.err.println("bench: cannot write " + options.histogram() + ": " + ex.getMessage());
				return 2;
			}
		}
		try {
			InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(options.host()), options.port());
			return load(options, address, tls, log);
		}
		catch (UnknownHostException ex) {
			this.err.println("bench: unknown host " + options.host());
			return 1;
		}
		catch (IOException ex) {
			this.err.println("bench: " + ex.getMessage());
			return 1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.err.println("bench: interrupted");
			return 1;
		}
		finally {
			if (log != null) {
				log.close();
			}
		}
	}

	private int load(BenchOptions options, InetSocketAddress address, @Nullable ClientTls tls,
			@Nullable HistogramLogWriter log)
			throws IOException, InterruptedException {
		this.progress = this.terminal.getAsBoolean();
		Flow.Factory flows = (options.protocol() == BenchOptions.Protocol.UDP) ? UdpFlow::new : TcpFlow::new;
		if (options.protocol() != BenchOptions.Protocol.UDP) {
			ClientWarmUp.connect(options, address, tls, flows, WARM_UP_MILLIS);
		}
		LoadRun run = new LoadRun(options, address, tls, flows, options.threads());
		List<LoadLoop> loops = new ArrayList<>();
		for (int i = 0; i < options.threads(); i++) {
			loops.add(new LoadLoop(i, run));
		}
		run.onStart(() -> loops.forEach(LoadLoop::wakeup));
		List<Thread> threads = new ArrayList<>();
		for (LoadLoop loop : loops) {
			Thread thread = new Thread(loop, "bench-loop-" + loop.index());
			threads.add(thread);
			thread.start();
		}
		while (!run.awaitConnected(1000)) {
			if (this.progress) {
				this.out.printf(Locale.ROOT, "connecting: %,d of %,d ready, %,d failed%n", run.established(),
						options.connections(), run.failed());
			}
		}
		long start = System.nanoTime();
		run.start(start);
		Reporter reporter = new Reporter(options, run, loops.size(), start, log);
		reporter.collect();
		for (Thread thread : threads) {
			thread.join();
		}
		Summary summary = new Summary(options, loops, reporter.total, start);
		for (String problem : summary.problems()) {
			this.err.println(problem);
		}
		for (String warning : summary.warnings()) {
			this.err.println(warning);
		}
		boolean nothingConnected = summary.established() == 0 && options.protocol() != BenchOptions.Protocol.UDP;
		if (!nothingConnected) {
			this.out.print(summary.text());
		}
		if (options.json()) {
			// Last, so that a script or a Job's log reader takes the last line.
			this.out.println(summary.json());
		}
		this.out.flush();
		return summary.status();
	}

	/**
	 * Collects the loops' {@link Interval}s on the starting thread: the measured latencies
	 * into one histogram, a progress line per second on a terminal, and the HdrHistogram
	 * log, one interval per second of the measured window.
	 */
	private final class Reporter {

		private final BenchOptions options;

		private final LoadRun run;

		private final @Nullable HistogramLogWriter log;

		private final Histogram total = Interval.histogram();

		private final boolean[] ended;

		private final long[] ticks;

		private final long[] allMessages;

		private final long[] errors;

		private final int[] open;

		private final TreeMap<Long, Histogram> logIntervals = new TreeMap<>();

		private final Histogram empty = Interval.histogram();

		private long nextLogTick = 1;

		private long reportedTick = Long.MIN_VALUE;

		private long reportedAt;

		private long reportedMessages;

		Reporter(BenchOptions options, LoadRun run, int loops, long start, @Nullable HistogramLogWriter log) {
			this.options = options;
			this.run = run;
			this.log = log;
			this.ended = new boolean[loops];
			this.ticks = new long[loops];
			this.allMessages = new long[loops];
			this.errors = new long[loops];
			this.open = new int[loops];
			Arrays.fill(this.ticks, Long.MIN_VALUE);
			this.reportedAt = start;
			if (log != null) {
				long windowStartMillis = System.currentTimeMillis() + (run.windowStart() - System.nanoTime()) / 1_000_000;
				log.outputComment("echo-reactor bench " + options.target() + " " + options.protocol().label()
						+ ": latencies in nanoseconds, one interval per second of the measured window");
				log.outputLogFormatVersion();
				log.outputStartTime(windowStartMillis);
				log.setBaseTime(windowStartMillis);
				log.outputLegend();
			}
		}

		void collect() throws InterruptedException {
			int remaining = this.ended.length;
			while (remaining > 0) {
				Interval interval = this.run.nextHandoff(1000);
				if (interval == null) {
					continue;
				}
				int loop = interval.loop();
				if (interval.latency().getTotalCount() > 0) {
					this.total.add(interval.latency());
					if (this.log != null) {
						this.logIntervals.computeIfAbsent(logTick(interval.tick()), (tick) -> Interval.histogram())
							.add(interval.latency());
					}
				}
				this.ticks[loop] = interval.tick();
				this.allMessages[loop] = interval.allMessages();
				this.errors[loop] = interval.errors();
				this.open[loop] = interval.open();
				if (interval.isLast()) {
					this.ended[loop] = true;
					remaining--;
				}
				interval.recycle();
				report(remaining == 0);
			}
		}

		// Reports every second that every loop still running has handed over.
		private void report(boolean all) {
			long complete = Long.MAX_VALUE;
			for (int i = 0; i < this.ended.length; i++) {
				if (!this.ended[i]) {
					complete = Math.min(complete, this.ticks[i]);
				}
			}
			if (all) {
				writeLog(Long.MAX_VALUE);
				return;
			}
			if (complete <= this.reportedTick) {
				return;
			}
			writeLog(complete);
			if (BenchCommand.this.progress) {
				printProgress(complete);
			}
			this.reportedTick = complete;
		}

		private void printProgress(long tick) {
			long at = this.run.windowStart() + tick * LoadLoop.SECOND;
			long messages = 0;
			long errors = 0;
			int open = 0;
			for (int i = 0; i < this.ended.length; i++) {
				messages += this.allMessages[i];
				errors += this.errors[i];
				open += this.open[i];
			}
			double seconds = Math.max(1e-3, (at - this.reportedAt) / 1e9);
			double rate = (messages - this.reportedMessages) / seconds;
			String when = (tick <= 0) ? "warm-up" : (at > this.run.windowEnd()) ? "ending" : tick + " s";
			String p99 = (tick > 0 && this.total.getTotalCount() > 0)
					? Summary.micros(this.total.getValueAtPercentile(99)) : "-";
			BenchCommand.this.out.printf(Locale.ROOT, "%8s  %,12.0f msg/s  %10.3f MB/s  p99 %12s  %,d open  %,d errors%n",
					when, rate, rate * this.options.size() / 1e6, p99, open, errors);
			this.reportedAt = at;
			this.reportedMessages = messages;
		}

		// The second of the log an interval belongs to. A loop notices a second's end when it
		// next looks at the clock, so the echoes of its last wakeup in a second can be handed
		// over with the next: those at the window's edges go to its first and last second. In
		// the open loop, echoes of messages due in the window may come after it, in later seconds.
		private long logTick(long tick) {
			long last = this.options.openLoop() ? Long.MAX_VALUE : measuredTicks();
			return Math.max(1, Math.min(tick, last));
		}

		private long measuredTicks() {
			return this.options.byMessages() ? Long.MAX_VALUE
					: (this.options.durationNanos() + LoadLoop.SECOND - 1) / LoadLoop.SECOND;
		}

		// Writes every second up to tick, each the merge of every loop's; a second without
		// echoes is written empty.
		private void writeLog(long upTo) {
			if (this.log == null) {
				return;
			}
			long last = upTo;
			if (upTo == Long.MAX_VALUE) {
				last = this.logIntervals.isEmpty() ? 0 : this.logIntervals.lastKey();
				if (!this.options.byMessages()) {
					last = Math.max(last, measuredTicks());
				}
			}
			double duration = this.options.byMessages() ? Double.MAX_VALUE : this.options.durationNanos() / 1e9;
			for (; this.nextLogTick <= last; this.nextLogTick++) {
				long tick = this.nextLogTick;
				Histogram histogram = this.logIntervals.remove(tick);
				if (histogram == null) {
					histogram = this.empty;
				}
				double end = (tick <= measuredTicks()) ? Math.min(tick, duration) : tick;
				this.log.outputIntervalHistogram(tick - 1, end, histogram, 1e6);
			}
		}

	}

}

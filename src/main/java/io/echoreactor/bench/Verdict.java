package io.echoreactor.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.echoreactor.bench.options.BenchOptions;

/**
 * What the {@link Summary}'s figures say beyond themselves: whether the open loop achieved
 * the rate asked for (else exit status {@value #RATE_NOT_ACHIEVED}), and whether UDP losses
 * look like the server's per-source rate limit. Each finding is one line for standard
 * error, and the same line in the JSON's {@code warnings}.
 */
final class Verdict {

	/** The share of the rate asked for that the open loop must achieve for a run to pass. */
	static final double ACHIEVED_SHARE = 0.95;

	// A client this busy may be what limited the rate.
	private static final double BUSY_CLIENT_PERCENT = 90;

	/** The exit status of a run that achieved less, without errors. */
	static final int RATE_NOT_ACHIEVED = 3;

	private Verdict() {
	}

	/**
	 * Return whether the open loop achieved the rate asked for; always in the closed loop.
	 * @param options the run's options
	 * @param achieved the echoes completed in the measured window, per second of it
	 * @return whether it did
	 */
	static boolean rateAchieved(BenchOptions options, double achieved) {
		return !options.openLoop() || options.durationNanos() == 0 || achieved >= ACHIEVED_SHARE * options.rate();
	}

	/**
	 * Return one line per warning, for standard error: a rate not achieved, losses that
	 * look like the server's per-source rate limit.
	 * @param options the run's options
	 * @param achieved the echoes completed in the measured window, per second of it
	 * @param unsent the messages released and never sent
	 * @param lost the datagrams lost in the window
	 * @param messages the echoes completed in the window
	 * @param clientCpu the client loops' share of their threads' time in the window, in
	 * percent, or a negative number when unknown
	 * @return the lines
	 */
	static List<String> warnings(BenchOptions options, double achieved, long unsent, long lost, long messages,
			double clientCpu) {
		List<String> lines = new ArrayList<>();
		if (!rateAchieved(options, achieved)) {
			lines.add(String.format(Locale.ROOT,
					"bench: rate not achieved: %,d messages/s requested, %,.0f achieved (%.0f%%), %,d never sent: "
							+ "the server or this client could not keep up, and the latencies include the time "
							+ "messages waited%s",
					options.rate(), achieved, 100 * achieved / options.rate(), unsent,
					(clientCpu >= BUSY_CLIENT_PERCENT) ? String.format(Locale.ROOT,
							" (this client was busy %.0f%% of the time: more --threads, or a second client, may "
									+ "achieve more)", clientCpu) : ""));
		}
		long limit = suspectedRateLimit(options, achieved, lost, messages);
		if (limit > 0) {
			lines.add(String.format(Locale.ROOT,
					"bench: %,d datagrams lost while the answers held at %,.0f/s, about %,d/s: this looks like the "
							+ "server's per-source rate limit (echo.server.udp.rate-limit-per-source); to measure "
							+ "capacity, start it with --echo.server.udp.rate-limit-per-source=0",
					lost, achieved, limit));
		}
		return lines;
	}

	/**
	 * A simple reading of UDP losses: a server's per-source limit (a token bucket) answers a
	 * steady round number of datagrams a second, a little more with its first burst, and
	 * drops the rest; every flow of this client comes from one source address. In the closed
	 * loop a flow whose datagram is dropped waits {@code --udp-timeout} before the next, and
	 * the bucket fills no further than one second's worth meanwhile: the answers come out a
	 * little below the limit. So: datagrams lost, and the answers at 90% to 110% of 1, 2 or
	 * 5 times a power of ten a second.
	 * @param options the run's options
	 * @param rate the echoes completed in the measured window, per second of it
	 * @param lost the datagrams lost in the window
	 * @param messages the echoes completed in the window
	 * @return that round rate, when the losses look like such a limit; else 0
	 */
	static long suspectedRateLimit(BenchOptions options, double rate, long lost, long messages) {
		if (options.protocol() != BenchOptions.Protocol.UDP || lost == 0 || lost * 1000 < messages) {
			return 0;
		}
		for (long power = 1; power <= 2 * rate; power *= 10) {
			for (long limit : new long[] { power, 2 * power, 5 * power }) {
				if (rate >= 0.9 * limit && rate < 1.1 * limit) {
					return limit;
				}
			}
		}
		return 0;
	}

}

package io.echoreactor.reactor.fault;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One fault profile, in the reactor's terms: the port it owns and what goes wrong there.
 * Every fault is optional; a profile has at least one. Validation with messages for users
 * happens where the settings are bound; the checks here only guard the reactor's own
 * invariants.
 *
 * @param name the profile's name: lower-case letters, digits and '-'
 * @param port the TCP port (and UDP port, with a UDP fault); 0 picks a free one
 * @param delay how long each echo is held, or {@code null}
 * @param delayJitter the most that is added to {@code delay}, uniformly at random, or
 * {@code null}
 * @param bandwidth the bytes per second written back on each connection, 0 for no limit
 * @param closeAfter bytes echoed before the connection is closed with FIN, -1 for never
 * @param resetAfter bytes echoed before the connection is reset, -1 for never
 * @param resetProbability the chance of a reset on each read, or {@code null}
 * @param noRead whether connections are accepted and never read
 * @param acceptDelay how long an accepted connection waits before it is served, or
 * {@code null}
 * @param udpDropProbability the chance that a datagram is dropped, or {@code null}
 * @param udpDelay how long each datagram's answer is held, or {@code null}
 */
public record FaultProfile(String name, int port, @Nullable Duration delay, @Nullable Duration delayJitter,
		long bandwidth, long closeAfter, long resetAfter, @Nullable Double resetProbability, boolean noRead,
		@Nullable Duration acceptDelay, @Nullable Double udpDropProbability, @Nullable Duration udpDelay) {

	public FaultProfile {
		Objects.requireNonNull(name, "name");
		check(port >= 0 && port <= 65535, "port must be between 0 and 65535");
		check(bandwidth >= 0, "bandwidth must be at least 0");
		check(closeAfter < 0 || resetAfter < 0, "closeAfter and resetAfter exclude each other");
		check(isProbability(resetProbability), "resetProbability must be between 0 and 1");
		check(isProbability(udpDropProbability), "udpDropProbability must be between 0 and 1");
	}

	private static boolean isProbability(@Nullable Double probability) {
		return probability == null || (probability >= 0 && probability <= 1);
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	/** @return whether the profile has a UDP socket: it does when a UDP fault is set */
	public boolean servesDatagrams() {
		return this.udpDropProbability != null || this.udpDelay != null;
	}

	long delayNanos() {
		return nanos(this.delay);
	}

	long delayJitterNanos() {
		return nanos(this.delayJitter);
	}

	long acceptDelayNanos() {
		return nanos(this.acceptDelay);
	}

	long udpDelayNanos() {
		return nanos(this.udpDelay);
	}

	/** @return the bytes echoed before the connection ends on purpose, or -1 for never */
	long endAfter() {
		return (this.closeAfter >= 0) ? this.closeAfter : this.resetAfter;
	}

	private static long nanos(@Nullable Duration duration) {
		return (duration != null) ? duration.toNanos() : 0;
	}

}

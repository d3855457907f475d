package io.echoreactor.reactor.fault;

import java.util.List;
import java.util.Objects;

/**
 * The fault profiles of a server and what they share apart from the plain ports: their
 * own connection limit and their own memory for echoes held back.
 *
 * @param profiles the profiles, each on a port of its own; empty for none (the default)
 * @param maxConnections the most connections open on all fault ports together
 * @param maxPendingOutput the most bytes that connections of fault ports may hold
 * together, read and not yet written back
 */
public record FaultSettings(List<FaultProfile> profiles, int maxConnections, long maxPendingOutput) {

	/** No fault profile. */
	public static final FaultSettings NONE = new FaultSettings(List.of(), 1000, 16L * 1024 * 1024);

	public FaultSettings {
		profiles = List.copyOf(Objects.requireNonNull(profiles, "profiles"));
		if (maxConnections < 1) {
			throw new IllegalArgumentException("maxConnections must be at least 1");
		}
		if (maxPendingOutput < 1) {
			throw new IllegalArgumentException("maxPendingOutput must be at least 1");
		}
	}

	/** @return whether any profile is set */
	public boolean enabled() {
		return !this.profiles.isEmpty();
	}

}

package io.echoreactor.reactor.fault;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.echoreactor.reactor.counters.FaultKind;

/**
 * The counts of one fault profile on one reactor: the faults injected, by
 * {@link FaultKind}, and the profile's connections open there.
 *
 * <p>
 * <strong>Threading:</strong> as {@code ReactorStatistics}: only the reactor's thread
 * writes, with opaque stores; any thread reads.
 */
final class FaultCounts {

	private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

	private static final int CONNECTIONS = FaultKind.values().length;

	private final long[] values = new long[CONNECTIONS + 1];

	// Owner thread only.
	void increment(FaultKind kind) {
		add(kind.ordinal(), 1);
	}

	// Owner thread only.
	void connections(int delta) {
		add(CONNECTIONS, delta);
	}

	private void add(int index, long delta) {
		VALUES.setOpaque(this.values, index, this.values[index] + delta);
	}

	long injected(FaultKind kind) {
		return (long) VALUES.getOpaque(this.values, kind.ordinal());
	}

	long connections() {
		return (long) VALUES.getOpaque(this.values, CONNECTIONS);
	}

}

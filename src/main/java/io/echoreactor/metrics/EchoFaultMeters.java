package io.echoreactor.metrics;

import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.counters.FaultKind;
import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * The meters of the fault profiles ({@code echo.server.faults}), bound by
 * {@link EchoFaultMetrics} for each profile (tag {@code profile}). They are apart from the
 * plain ports' meters on purpose: a fault asked for must not fire the alerts on write
 * timeouts, backpressure or UDP drops, and shows on a dashboard panel of its own. The
 * words and conventions are those of {@link EchoReactorMeters}.
 */
public enum EchoFaultMeters implements EchoMeter {

	FAULTS_INJECTED("echo.faults.injected", Meter.Type.COUNTER, null,
			"Faults a fault profile injected on purpose, by profile and kind", FaultKind.class,
			"Healthy: whatever the clients under test ask for; a fault port serves only those who connect to it, "
					+ "and these never count in the plain ports' meters.",
			Tag.PROFILE, Tag.KIND),

	FAULT_CONNECTIONS_ACTIVE("echo.faults.connections.active", Meter.Type.GAUGE, null,
			"Connections open now on a fault profile's port, apart from echo_connections_active and under their own "
					+ "limit, echo.server.faults-max-connections. Healthy: the clients under test; a no-read profile "
					+ "holds each connection until idle-timeout.",
			Tag.PROFILE);

	private final MeterSpec spec;

	EchoFaultMeters(String name, Meter.Type type, @Nullable String baseUnit, String description, Tag... tags) {
		this.spec = MeterSpec.of(name, type, baseUnit, description, tags);
	}

	EchoFaultMeters(String name, Meter.Type type, @Nullable String baseUnit, String what,
			Class<? extends CountedEvent> events, String healthy, Tag... tags) {
		this.spec = MeterSpec.counted(name, type, baseUnit, what, events, healthy, tags);
	}

	@Override
	public MeterSpec spec() {
		return this.spec;
	}

}

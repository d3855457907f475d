package io.echoreactor.metrics;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerView;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.fault.FaultPort;
import io.echoreactor.reactor.fault.FaultProfile;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Binds the {@link EchoFaultMeters fault meters}: for each profile of the settings, one
 * {@code echo_faults_injected_total} series per {@link FaultKind} and its active
 * connections. The meters exist from the start, at 0, and read the profile's counts once
 * the server has bound its port, so that a scrape never misses a series.
 */
public final class EchoFaultMetrics implements MeterBinder {

	private final EchoServer server;

	/**
	 * Create the binder.
	 * @param server the echo server
	 */
	public EchoFaultMetrics(EchoServer server) {
		this.server = server;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (FaultProfile profile : this.server.view().settings().faults().profiles()) {
			String name = profile.name();
			for (FaultKind kind : FaultKind.values()) {
				FunctionCounter.builder(EchoFaultMeters.FAULTS_INJECTED.getName(), this.server.view(),
						(view) -> injected(view, name, kind))
					.description(EchoFaultMeters.FAULTS_INJECTED.getDescription())
					.tags(Tags.of(EchoMeter.Tag.PROFILE.asString(), name, EchoMeter.Tag.KIND.asString(), kind.tag()))
					.register(registry);
			}
			Gauge.builder(EchoFaultMeters.FAULT_CONNECTIONS_ACTIVE.getName(), this.server.view(),
					(view) -> connections(view, name))
				.description(EchoFaultMeters.FAULT_CONNECTIONS_ACTIVE.getDescription())
				.tags(EchoMeter.Tag.PROFILE.asString(), name)
				.register(registry);
		}
	}

	private static double injected(EchoServerView view, String name, FaultKind kind) {
		FaultPort port = port(view, name);
		return (port != null) ? port.injected(kind) : 0;
	}

	private static double connections(EchoServerView view, String name) {
		FaultPort port = port(view, name);
		return (port != null) ? port.connections() : 0;
	}

	private static @Nullable FaultPort port(EchoServerView view, String name) {
		for (FaultPort port : view.faults()) {
			if (port.name().equals(name)) {
				return port;
			}
		}
		return null;
	}

}

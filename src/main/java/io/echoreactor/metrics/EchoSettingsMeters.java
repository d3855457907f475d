package io.echoreactor.metrics;

import io.echoreactor.reactor.counters.CountedEvent;
import io.micrometer.core.instrument.Meter;
import org.jspecify.annotations.Nullable;

/**
 * The meters of the settings' live reload: how each change to the configuration files
 * ended. Counted where the change is bound and checked; the words and conventions are
 * those of {@link EchoReactorMeters}.
 */
public enum EchoSettingsMeters implements EchoMeter {

	SETTINGS_RELOADS("echo.settings.reloads", Meter.Type.COUNTER, null,
			"Changes to the configuration files that were read again (a file watch saw them, or a refresh was "
					+ "asked for), by how they ended",
			Result.class, "Healthy: applied and unchanged only; refused means the files hold a change that is not "
					+ "in force (the log line and the echo endpoint name the property), restart-pending one that "
					+ "waits for the next start.",
			Tag.RESULT);

	private final MeterSpec spec;

	EchoSettingsMeters(String name, Meter.Type type, @Nullable String baseUnit, String what,
			Class<? extends CountedEvent> events, String healthy, Tag... tags) {
		this.spec = MeterSpec.counted(name, type, baseUnit, what, events, healthy, tags);
	}

	@Override
	public MeterSpec spec() {
		return this.spec;
	}

	/**
	 * How a reload of the settings ended.
	 */
	public enum Result implements CountedEvent {

		/** The change is in force. */
		APPLIED("every change is in force: live echo settings on the running reactors, log levels"),

		/** A restart-only setting changed; the live part of the change is in force. */
		RESTART_PENDING("a restart-only setting differs from the one the server started with; it "
				+ "takes effect at the next start, and the live part of the change is in force"),

		/** The change was refused whole. */
		REFUSED("the files could not be read, or a value or a combination is invalid: nothing of the "
				+ "change is applied, the settings in force stay, and one line names the property and the reason"),

		/** Nothing changed. */
		UNCHANGED("the files were read again and nothing in them changed");

		private final String description;

		Result(String description) {
			this.description = description;
		}

		@Override
		public String description() {
			return this.description;
		}

	}

}

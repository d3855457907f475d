package io.echoreactor.config.live;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.echoreactor.actuator.SettingsStatus;
import io.echoreactor.config.Applied;
import io.echoreactor.config.EchoConfiguration;
import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.config.EchoTlsContexts;
import io.echoreactor.config.live.SettingsCandidate.Refused;
import io.echoreactor.metrics.EchoMeter;
import io.echoreactor.metrics.EchoSettingsMeters;
import io.echoreactor.metrics.EchoSettingsMeters.Result;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.tls.TlsContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.validation.Validator;

/**
 * Puts a changed configuration in force on the running server, or refuses it whole.
 *
 * <p>
 * A change seen by the file watch is read into a copy of the Environment and checked
 * there first ({@link SettingsCandidate}): the {@code echo.server} settings with every
 * check of start-up, and the log levels. Only a candidate that passes goes on to Spring
 * Cloud's {@link ContextRefresher#refreshEnvironment()}, which updates the Environment and
 * publishes the {@link EnvironmentChangeEvent} on which the {@code echo.server} settings
 * and the log levels are bound again and checked, then the log levels applied and the
 * settings, a new record, handed to the reactors. A refused change leaves the
 * Environment, the log levels and the settings in force as they were, and says why in
 * one line. A refresh asked for another way (the {@code refresh} endpoint, when an
 * operator exposes it) takes the same path from the event on: the settings and the log
 * levels are still refused whole, though the Environment then holds the change.
 *
 * <p>
 * A restart-only setting that differs from the one the server started with is reported,
 * in one line and in the {@code echo} endpoint, as waiting for the next start.
 *
 * <p>
 * <strong>Threading:</strong> changes are taken one at a time, on the watch thread or the
 * thread that asks for a refresh; the status is read from any thread.
 */
final class LiveSettings implements ApplicationListener<EnvironmentChangeEvent>, SettingsStatus {

	private static final Log logger = LogFactory.getLog(LiveSettings.class);

	private final ConfigurableEnvironment environment;

	private final ResourceLoader resourceLoader;

	private final Validator validator;

	private final @Nullable EchoServer server;

	private final @Nullable ContextRefresher refresher;

	private final @Nullable SslBundles sslBundles;

	private final EchoServerProperties started;

	private final LiveSettingsConfiguration.CheckedLoggingRebinder loggingRebinder;

	private final Map<Result, Counter> reloads = new EnumMap<>(Result.class);

	private volatile String liveReload = "off";

	// Guarded by this.

	private EchoServerProperties inForce;

	private EchoServerProperties lastRead;

	private Instant inForceSince = Instant.now();

	private List<String> pendingRestart = List.of();

	private SettingsStatus.@Nullable Refusal lastRefusal;

	LiveSettings(ConfigurableEnvironment environment, ResourceLoader resourceLoader, Validator validator,
			@Nullable EchoServer server, @Nullable ContextRefresher refresher, @Nullable SslBundles sslBundles,
			EchoServerProperties started, LiveSettingsConfiguration.CheckedLoggingRebinder loggingRebinder,
			@Nullable MeterRegistry registry) {
		this.environment = environment;
		this.resourceLoader = resourceLoader;
		this.validator = validator;
		this.server = server;
		this.refresher = refresher;
		this.sslBundles = sslBundles;
		this.started = started;
		this.loggingRebinder = loggingRebinder;
		this.inForce = started;
		this.lastRead = started;
		// With echo.server.enabled=false there is no server to reload, and no echo meter at all.
		if (registry != null && server != null) {
			EchoSettingsMeters meter = EchoSettingsMeters.SETTINGS_RELOADS;
			for (Result result : Result.values()) {
				this.reloads.put(result, Counter.builder(meter.getName())
					.description(meter.getDescription())
					.tag(EchoMeter.Tag.RESULT.asString(), result.tag())
					.register(registry));
			}
		}
	}

	/** @return whether there is a refresher to reload with */
	boolean canReload() {
		return this.refresher != null;
	}

	void liveReload(String description) {
		this.liveReload = description;
	}

	/**
	 * Read the configuration again, check it, and refresh the Environment with it if it
	 * passes; the {@link EnvironmentChangeEvent} of the refresh applies it. Called on the
	 * watch thread.
	 */
	void reload() {
		ContextRefresher refresher = this.refresher;
		if (refresher == null) {
			return;
		}
		try {
			SettingsCandidate.read(this.environment, this.resourceLoader, this.validator);
		}
		catch (Refused ex) {
			refuse(ex);
			return;
		}
		// Not under this object's lock: the refresher holds its own while it publishes the event.
		refresher.refreshEnvironment();
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		EchoServerProperties next;
		EchoServerSettings settings;
		try {
			next = SettingsCandidate.bind(this.environment, this.validator);
			settings = settingsFor(next);
		}
		catch (Refused ex) {
			refuse(ex);
			return;
		}
		this.loggingRebinder.applyChecked(event);
		apply(next, settings, event.getKeys());
	}

	// The reactor's own checks, made before anything is applied.
	private @Nullable EchoServerSettings settingsFor(EchoServerProperties next) {
		EchoServer server = this.server;
		if (server == null) {
			return null;
		}
		try {
			EchoServerSettings settings = next.toSettings(server.view().settings().tls().context(),
					EchoConfiguration.greeting(next.greeting()));
			server.checkLive(settings);
			EchoTlsContexts.checkClientAuth(this.started.ssl().bundle(), next.ssl().clientAuth(), this.sslBundles);
			return settings;
		}
		catch (InvalidConfigurationPropertyValueException ex) {
			throw new Refused(ex.getName(), String.valueOf(ex.getReason()));
		}
		catch (RuntimeException ex) {
			throw refusal(ex);
		}
	}

	private synchronized void apply(EchoServerProperties next, @Nullable EchoServerSettings settings,
			Set<String> keys) {
		List<String> live = SettingChanges.changed(this.inForce, next, Applied.When.LIVE);
		List<String> restart = SettingChanges.changed(this.lastRead, next, Applied.When.RESTART);
		EchoServer server = this.server;
		if (server != null && settings != null && !live.isEmpty()) {
			server.applyLive(settings);
			TlsContext tls = settings.tls().context();
			if (tls != null) {
				tls.setClientAuth(next.ssl().clientAuth());
			}
		}
		this.lastRead = next;
		this.inForce = next;
		this.pendingRestart = SettingChanges.changed(this.started, next, Applied.When.RESTART);
		if (!live.isEmpty() || !keys.isEmpty()) {
			this.inForceSince = Instant.now();
		}
		if (!live.isEmpty()) {
			logger.info("Settings changed live: " + String.join(", ", live));
		}
		if (!restart.isEmpty()) {
			logger.warn("Settings changed that take effect at the next start, not now: "
					+ String.join(", ", this.pendingRestart.isEmpty() ? restart : this.pendingRestart));
			count(Result.RESTART_PENDING);
		}
		else {
			count((live.isEmpty() && keys.isEmpty()) ? Result.UNCHANGED : Result.APPLIED);
		}
	}

	private static Refused refusal(RuntimeException ex) {
		String message = SettingsCandidate.oneLine(ex);
		// The reactor's own checks start with the property they concern.
		if (message.startsWith("echo.server.")) {
			int end = message.indexOf(' ');
			if (end > 0) {
				return new Refused(message.substring(0, end), message.substring(end + 1).strip());
			}
		}
		return new Refused(null, message);
	}

	private synchronized void refuse(Refused refused) {
		this.lastRefusal = new SettingsStatus.Refusal(Instant.now().toString(), refused.property(),
				refused.reason());
		logger.warn("Settings change refused, the settings in force stay: " + refused.getMessage());
		count(Result.REFUSED);
	}

	private void count(Result result) {
		Counter counter = this.reloads.get(result);
		if (counter != null) {
			counter.increment();
		}
	}

	@Override
	public synchronized Descriptor describe() {
		return new Descriptor(this.liveReload, this.inForceSince.toString(), this.pendingRestart, this.lastRefusal);
	}

}

package io.echoreactor.config.live;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.reactor.EchoServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.cloud.logging.LoggingRebinder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

/**
 * The settings' live reload: {@link LiveSettings}, and the watch on the configuration
 * files that sets it going. Live reload is off, with one line at start saying why, when
 * the application runs from Spring AOT's generated context (which cannot be refreshed),
 * when Spring Cloud's refresh is turned off ({@code spring.cloud.refresh.enabled=false}),
 * or when {@code spring.config.additional-location} names no directory to watch.
 */
@Configuration(proxyBeanMethods = false)
class LiveSettingsConfiguration {

	/** How long a directory must be quiet before its change is read. */
	static final Duration QUIET_PERIOD = Duration.ofMillis(300);

	// Spring Cloud's own backs off: log levels are applied only once the change is checked.
	@Bean
	static CheckedLoggingRebinder loggingRebinder() {
		return new CheckedLoggingRebinder();
	}

	@Bean
	LiveSettings liveSettings(ConfigurableEnvironment environment, ApplicationContext context,
			jakarta.validation.Validator validator, ObjectProvider<EchoServer> server,
			ObjectProvider<ContextRefresher> refresher, ObjectProvider<SslBundles> sslBundles,
			EchoServerProperties properties, CheckedLoggingRebinder loggingRebinder,
			ObjectProvider<MeterRegistry> registry) {
		return new LiveSettings(environment, context, new SpringValidatorAdapter(validator), server.getIfAvailable(),
				refresher.getIfAvailable(), sslBundles.getIfAvailable(), properties, loggingRebinder,
				registry.getIfAvailable());
	}

	/**
	 * Spring Cloud's {@link LoggingRebinder}, which applies the log levels of a refreshed
	 * Environment as soon as the {@link EnvironmentChangeEvent} is published, made to wait
	 * until {@link LiveSettings} has checked the whole change: a refused change leaves the
	 * log levels as they were, whichever way the refresh came.
	 */
	static final class CheckedLoggingRebinder extends LoggingRebinder {

		@Override
		public void onApplicationEvent(EnvironmentChangeEvent event) {
			// Applied by applyChecked(), once the change has passed.
		}

		void applyChecked(EnvironmentChangeEvent event) {
			super.onApplicationEvent(event);
		}

	}

	@Bean
	Watch liveSettingsWatch(LiveSettings liveSettings, ConfigurableEnvironment environment) {
		return new Watch(liveSettings, environment.getProperty("spring.config.additional-location"));
	}

	/**
	 * Starts the watch with the application, after the echo server, and ends it before.
	 */
	static final class Watch implements SmartLifecycle {

		private static final Log logger = LogFactory.getLog(LiveSettings.class);

		private final LiveSettings liveSettings;

		private final @Nullable String locations;

		private volatile @Nullable ConfigLocationWatch watch;

		Watch(LiveSettings liveSettings, @Nullable String locations) {
			this.liveSettings = liveSettings;
			this.locations = locations;
		}

		@Override
		public void start() {
			String off = offBecause();
			if (off != null) {
				this.liveSettings.liveReload("off: " + off);
				logger.info("Live reload of settings is off: " + off + "; a changed setting takes effect at the "
						+ "next start");
				return;
			}
			List<Path> directories = ConfigLocationWatch.directoriesOf(this.locations);
			ConfigLocationWatch watch = new ConfigLocationWatch(directories, QUIET_PERIOD, this.liveSettings::reload);
			try {
				watch.start();
			}
			catch (IOException ex) {
				this.liveSettings.liveReload("off: the configuration files cannot be watched");
				logger.warn("Live reload of settings is off: " + directories + " cannot be watched: "
						+ SettingsCandidate.oneLine(ex));
				return;
			}
			this.watch = watch;
			this.liveSettings.liveReload("watching " + directories);
			logger.info("Live reload of settings: watching " + directories + " for changes");
		}

		private @Nullable String offBecause() {
			if (AotDetector.useGeneratedArtifacts()) {
				return "the application runs from Spring AOT's generated context, which cannot be refreshed";
			}
			if (!this.liveSettings.canReload()) {
				return "spring.cloud.refresh.enabled is false";
			}
			if (ConfigLocationWatch.directoriesOf(this.locations).isEmpty()) {
				return "spring.config.additional-location names no directory to watch";
			}
			return null;
		}

		@Override
		public void stop() {
			ConfigLocationWatch watch = this.watch;
			if (watch != null) {
				this.watch = null;
				watch.close();
			}
		}

		@Override
		public boolean isRunning() {
			return this.watch != null;
		}

		@Override
		public int getPhase() {
			// Started after the echo server, stopped before it drains.
			return EchoServerLifecycle.PHASE + 1;
		}

	}

}

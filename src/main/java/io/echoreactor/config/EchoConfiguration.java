package io.echoreactor.config;

import java.time.Duration;

import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.reactor.EchoServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one place the echo server's beans are wired. With {@code echo.server.enabled=false}
 * none of them exist: no reactor, no echo port.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "echo.server", name = "enabled", havingValue = "true", matchIfMissing = true)
class EchoConfiguration {

	/**
	 * What the drain may take beyond {@code shutdown-timeout}: the final flush plus the
	 * reactors' last pass (the callback is promised within {@code shutdown-timeout} plus
	 * one second).
	 */
	static final Duration DRAIN_OVERRUN = Duration.ofSeconds(1);

	@Bean
	EchoServer echoServer(EchoServerProperties properties, ObjectProvider<LifecycleProperties> lifecycleProperties) {
		LifecycleProperties lifecycle = lifecycleProperties.getIfAvailable();
		if (lifecycle != null) {
			checkDrainFitsInShutdownPhase(properties.shutdownTimeout(), lifecycle.getTimeoutPerShutdownPhase());
		}
		return new EchoServer(properties.toSettings());
	}

	@Bean
	EchoServerLifecycle echoServerLifecycle(EchoServer echoServer, ApplicationEventPublisher eventPublisher) {
		return new EchoServerLifecycle(echoServer, eventPublisher);
	}

	// Spring stops waiting for a shutdown phase after its timeout and moves on to close
	// everything; a drain still running then would be cut off mid-flush when the JVM exits.
	static void checkDrainFitsInShutdownPhase(Duration shutdownTimeout, Duration phaseTimeout) {
		if (shutdownTimeout.plus(DRAIN_OVERRUN).compareTo(phaseTimeout) > 0) {
			throw new InvalidConfigurationPropertyValueException("echo.server.shutdown-timeout", shutdownTimeout,
					"must be at most " + format(phaseTimeout.minus(DRAIN_OVERRUN))
							+ " (spring.lifecycle.timeout-per-shutdown-phase, " + format(phaseTimeout) + ", less "
							+ format(DRAIN_OVERRUN) + " for the final flush), so that the drain finishes within "
							+ "its shutdown phase; lower echo.server.shutdown-timeout or raise "
							+ "spring.lifecycle.timeout-per-shutdown-phase");
		}
	}

	private static String format(Duration duration) {
		return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
	}

}

package io.echoreactor.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import io.echoreactor.actuator.EchoReactorHealthIndicator;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.autoconfigure.ssl.SslProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The one place the echo server's beans are wired. {@link EchoServerBeans} registers the
 * server and what observes it when {@code echo.server.enabled} is true (the default); with
 * {@code echo.server.enabled=false} none of them exist (no reactor, no echo port, no echo
 * meters or endpoint) except the {@code echo} health indicator, which the liveness group
 * names and which then reports the server as disabled.
 */
@Configuration(proxyBeanMethods = false)
@Import(EchoServerBeans.class)
public class EchoConfiguration {

	/**
	 * What the drain may take beyond {@code shutdown-timeout}: the final flush plus the
	 * reactors' last pass (the callback is promised within {@code shutdown-timeout} plus
	 * one second).
	 */
	static final Duration DRAIN_OVERRUN = Duration.ofSeconds(1);

	// The bean name gives the health contributor its name, "echo".
	@Bean
	EchoReactorHealthIndicator echoHealthIndicator(ObjectProvider<EchoServer> echoServer) {
		return new EchoReactorHealthIndicator(echoServer.getIfAvailable());
	}

	// Tomcat serves only Actuator: probes and scrapes, a few requests at a time.
	@Bean
	TomcatConnectorCustomizer tomcatUtilityThreads() {
		return ActuatorTomcatThreads.oneUtilityThread();
	}

	// The echo server's factory, for EchoServerBeans: the checks that fail start-up with a
	// property's name come before anything binds.
	static EchoServer echoServer(EchoServerProperties properties, ObjectProvider<LifecycleProperties> lifecycleProperties,
			ObjectProvider<SslBundles> sslBundles, ObjectProvider<SslProperties> sslProperties) {
		LifecycleProperties lifecycle = lifecycleProperties.getIfAvailable();
		if (lifecycle != null) {
			checkDrainFitsInShutdownPhase(properties.shutdownTimeout(), lifecycle.getTimeoutPerShutdownPhase());
		}
		TlsContext tls = EchoTlsContexts.of(properties.ssl(), sslBundles, sslProperties);
		if (!properties.plain().enabled() && tls == null) {
			throw new InvalidConfigurationPropertyValueException("echo.server.plain.enabled", false,
					"the server would serve no TCP port: set echo.server.ssl.bundle to serve TLS only, or "
							+ "leave echo.server.plain.enabled true");
		}
		return new EchoServer(properties.toSettings(tls, greeting(properties.greeting())));
	}

	/**
	 * Return the greeting of the given mode, naming this process.
	 * @param mode the mode
	 * @return the greeting
	 */
	public static Greeting greeting(Greeting.Mode mode) {
		if (mode == Greeting.Mode.OFF) {
			return Greeting.OFF;
		}
		String hostName;
		try {
			hostName = InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			hostName = System.getenv("HOSTNAME");
		}
		return new Greeting(mode, Greeting.identity(System.getenv(), hostName));
	}

	/**
	 * Check that the drain fits in its shutdown phase, as start-up does. Spring stops
	 * waiting for a shutdown phase after its timeout and moves on to close everything; a
	 * drain still running then would be cut off mid-flush when the JVM exits. The Helm
	 * chart applies the same rule when it renders, and its tests hold the two together.
	 * @param shutdownTimeout {@code echo.server.shutdown-timeout}
	 * @param phaseTimeout {@code spring.lifecycle.timeout-per-shutdown-phase}
	 * @throws InvalidConfigurationPropertyValueException if the drain does not fit
	 */
	public static void checkDrainFitsInShutdownPhase(Duration shutdownTimeout, Duration phaseTimeout) {
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

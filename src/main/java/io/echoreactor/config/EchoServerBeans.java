package io.echoreactor.config;

import io.echoreactor.actuator.EchoEndpoint;
import io.echoreactor.actuator.EchoReadinessStateHealthIndicator;
import io.echoreactor.actuator.SettingsStatus;
import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.metrics.EchoFaultMetrics;
import io.echoreactor.metrics.EchoKernelMetrics;
import io.echoreactor.metrics.EchoReactorMetrics;
import io.echoreactor.reactor.EchoServer;

import org.springframework.beans.factory.BeanRegistrar;
import org.springframework.beans.factory.BeanRegistry;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.autoconfigure.ssl.SslProperties;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.Environment;

/**
 * Registers the echo server's beans when {@code echo.server.enabled} is true (the
 * default): the {@link EchoServer}, its {@link EchoServerLifecycle}, the readiness
 * indicator that follows it, its meters, the {@code echo} endpoint, and the listener that
 * ends Tomcat's await thread while the reactors keep the JVM running. With
 * {@code echo.server.enabled=false} it registers only Boot's own readiness indicator, under
 * the same name, and no reactor starts and no echo port is bound.
 *
 * <p>
 * A {@link BeanRegistrar} rather than {@code @ConditionalOnProperty}, so that the setting
 * is read where the application starts: Spring AOT (which the image runs with, see
 * BENCHMARKS.md) evaluates conditions once, at build time, and keeps their outcome in the
 * generated code, whereas it calls a registrar again at every start.
 */
public final class EchoServerBeans implements BeanRegistrar {

	/**
	 * The name of Boot's readiness indicator, which the echo server's replaces; Boot backs
	 * off when a bean of this name exists.
	 */
	static final String READINESS_INDICATOR = "readinessStateHealthIndicator";

	@Override
	public void register(BeanRegistry registry, Environment environment) {
		if (!environment.getProperty("echo.server.enabled", Boolean.class, true)) {
			// Boot's own condition for this bean saw the echo server's at build time and, with
			// AOT, would not bring it back now.
			registry.registerBean(READINESS_INDICATOR, ReadinessStateHealthIndicator.class);
			return;
		}
		registry.registerBean("echoServer", EchoServer.class,
				(bean) -> bean.supplier((context) -> EchoConfiguration.echoServer(
						context.bean(EchoServerProperties.class), context.beanProvider(LifecycleProperties.class),
						context.beanProvider(SslBundles.class), context.beanProvider(SslProperties.class))));
		// Constructor injection: the event publisher is no bean a supplier could look up.
		registry.registerBean("echoServerLifecycle", EchoServerLifecycle.class);
		registry.registerBean(READINESS_INDICATOR, EchoReadinessStateHealthIndicator.class,
				(bean) -> bean.supplier((context) -> new EchoReadinessStateHealthIndicator(
						context.bean(ApplicationAvailability.class), context.bean(EchoServer.class))));
		registry.registerBean("echoReactorMetrics", EchoReactorMetrics.class,
				(bean) -> bean.supplier((context) -> new EchoReactorMetrics(context.bean(EchoServer.class),
						context.bean(READINESS_INDICATOR, EchoReadinessStateHealthIndicator.class)::isAcceptingTraffic)));
		registry.registerBean("echoKernelMetrics", EchoKernelMetrics.class,
				(bean) -> bean.supplier((context) -> new EchoKernelMetrics(context.bean(EchoServer.class))));
		registry.registerBean("echoFaultMetrics", EchoFaultMetrics.class,
				(bean) -> bean.supplier((context) -> new EchoFaultMetrics(context.bean(EchoServer.class))));
		// Client addresses: listed only where the console, which shows them too, is on.
		boolean connectionsShown = environment.getProperty("echo.console.enabled", Boolean.class, true);
		registry.registerBean("echoEndpoint", EchoEndpoint.class,
				(bean) -> bean.supplier((context) -> new EchoEndpoint(context.bean(EchoServer.class),
						context.beanProvider(SettingsStatus.class).getIfAvailable(), connectionsShown)));
		// The reactors are non-daemon threads and keep the JVM running; Boot's await thread
		// for Tomcat, which is there for the same purpose, is then one thread too many.
		registry.registerBean("tomcatNoAwaitThread", ActuatorTomcatThreads.NoAwaitThread.class);
	}

}

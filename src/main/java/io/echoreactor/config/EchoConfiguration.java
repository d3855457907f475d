package io.echoreactor.config;

import io.echoreactor.actuator.EchoEndpoint;
import io.echoreactor.actuator.EchoReactorHealthIndicator;
import io.echoreactor.actuator.EchoReadinessStateHealthIndicator;
import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.metrics.EchoKernelMetrics;
import io.echoreactor.metrics.EchoReactorMetrics;
import io.echoreactor.reactor.EchoServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one place the echo server's beans are wired. With {@code echo.server.enabled=false}
 * none of them exist (no reactor, no echo port, no echo meters or endpoint) except the
 * {@code echo} health indicator, which the liveness group names and which then reports
 * the server as disabled.
 */
@Configuration(proxyBeanMethods = false)
class EchoConfiguration {

	// The bean name gives the health contributor its name, "echo".
	@Bean
	EchoReactorHealthIndicator echoHealthIndicator(ObjectProvider<EchoServer> echoServer) {
		return new EchoReactorHealthIndicator(echoServer.getIfAvailable());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = "echo.server", name = "enabled", havingValue = "true", matchIfMissing = true)
	static class EchoServerConfiguration {

		@Bean
		EchoServer echoServer(EchoServerProperties properties) {
			return new EchoServer(properties.toSettings());
		}

		@Bean
		EchoServerLifecycle echoServerLifecycle(EchoServer echoServer, ApplicationEventPublisher eventPublisher) {
			return new EchoServerLifecycle(echoServer, eventPublisher);
		}

		// Named so that it replaces Boot's readiness indicator.
		@Bean
		EchoReadinessStateHealthIndicator readinessStateHealthIndicator(ApplicationAvailability availability,
				EchoServer echoServer) {
			return new EchoReadinessStateHealthIndicator(availability, echoServer);
		}

		@Bean
		EchoReactorMetrics echoReactorMetrics(EchoServer echoServer,
				EchoReadinessStateHealthIndicator readinessStateHealthIndicator) {
			return new EchoReactorMetrics(echoServer, readinessStateHealthIndicator::isAcceptingTraffic);
		}

		@Bean
		EchoKernelMetrics echoKernelMetrics(EchoServer echoServer) {
			return new EchoKernelMetrics(echoServer);
		}

		@Bean
		EchoEndpoint echoEndpoint(EchoServer echoServer) {
			return new EchoEndpoint(echoServer);
		}

	}

}

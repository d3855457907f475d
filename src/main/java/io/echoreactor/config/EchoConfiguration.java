package io.echoreactor.config;

import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.reactor.EchoServer;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
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

	@Bean
	EchoServer echoServer(EchoServerProperties properties) {
		return new EchoServer(properties.toSettings());
	}

	@Bean
	EchoServerLifecycle echoServerLifecycle(EchoServer echoServer, ApplicationEventPublisher eventPublisher) {
		return new EchoServerLifecycle(echoServer, eventPublisher);
	}

}

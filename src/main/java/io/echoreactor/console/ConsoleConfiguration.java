package io.echoreactor.console;

import java.util.function.Supplier;

import io.echoreactor.reactor.EchoServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The console's beans, in the context that serves Actuator: the application's own, or the
 * management server's when {@code management.server.port} sets one apart, so that the
 * console is always on the port the probes and the scrape use. Listed in
 * {@code META-INF/spring/...ManagementContextConfiguration.imports}, which makes it a
 * management context configuration of any type; it carries no {@code @Configuration}, so
 * that the application's component scan leaves it alone. Off with
 * {@code echo.console.enabled=false}, and when the echo server itself is off.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = "echo.console.enabled", matchIfMissing = true)
@ConditionalOnBean(EchoServer.class)
@EnableConfigurationProperties(ConsoleProperties.class)
public class ConsoleConfiguration {

	@Bean
	static ConsoleStreams consoleStreams(EchoServer echoServer, ObjectProvider<ConsoleConnections> connections,
			ConsoleProperties properties) {
		Supplier<ConsoleSnapshot> snapshots = snapshots(echoServer, connections);
		return new ConsoleStreams(() -> ConsoleRoutes.json(snapshots.get()), properties.maxStreams());
	}

	@Bean
	static RouterFunction<ServerResponse> consoleRoutes(EchoServer echoServer,
			ObjectProvider<ConsoleConnections> connections, ConsoleStreams consoleStreams) {
		return new ConsoleRoutes(snapshots(echoServer, connections), consoleStreams).routes();
	}

	private static Supplier<ConsoleSnapshot> snapshots(EchoServer echoServer,
			ObjectProvider<ConsoleConnections> connections) {
		ConsoleConnections source = connections.getIfAvailable(() -> ConsoleConnections.NONE);
		return () -> ConsoleSnapshot.of(echoServer, source);
	}

}

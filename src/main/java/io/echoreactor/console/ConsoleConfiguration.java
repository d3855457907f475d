package io.echoreactor.console;

import io.echoreactor.reactor.EchoServer;

import org.springframework.beans.factory.BeanRegistrar;
import org.springframework.beans.factory.BeanRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The console's beans, in the context that serves Actuator: the application's own, or the
 * management server's when {@code management.server.port} sets one apart, so that the
 * console is always on the port the probes and the scrape use. Listed in
 * {@code META-INF/spring/...ManagementContextConfiguration.imports}, which makes it a
 * management context configuration of any type; it carries no {@code @Configuration}, so
 * that the application's component scan leaves it alone.
 *
 * <p>
 * The beans are registered by {@link Beans}, a registrar rather than conditions, so that
 * {@code echo.console.enabled} is read where the application starts: Spring AOT, which
 * the image runs with, keeps a condition's outcome from the build but calls a registrar
 * again at every start. No console with {@code echo.console.enabled=false}, nor when the
 * echo server itself is off.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(ConsoleProperties.class)
@Import(ConsoleConfiguration.Beans.class)
public class ConsoleConfiguration {

	/**
	 * Registers the console's live streams and its routes.
	 */
	static final class Beans implements BeanRegistrar {

		@Override
		public void register(BeanRegistry registry, Environment environment) {
			if (!environment.getProperty("echo.console.enabled", Boolean.class, true)
					|| !environment.getProperty("echo.server.enabled", Boolean.class, true)) {
				return;
			}
			registry.registerBean("consoleStreams", ConsoleStreams.class, (bean) -> bean.supplier((context) -> {
				EchoServer echoServer = context.bean(EchoServer.class);
				return new ConsoleStreams(() -> ConsoleRoutes.json(ConsoleSnapshot.of(echoServer)),
						context.bean(ConsoleProperties.class).maxStreams());
			}));
			registry.registerBean("consoleRoutes", new ParameterizedTypeReference<RouterFunction<ServerResponse>>() {
			}, (bean) -> bean.supplier((context) -> {
				EchoServer echoServer = context.bean(EchoServer.class);
				return new ConsoleRoutes(() -> ConsoleSnapshot.of(echoServer), context.bean(ConsoleStreams.class))
					.routes();
			}));
		}

	}

}

package io.echoreactor.config;

import java.lang.reflect.Field;

import org.apache.catalina.Server;
import org.apache.catalina.Service;
import org.apache.catalina.core.StandardServer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Two threads fewer for the Tomcat that serves Actuator, which answers probes and scrapes,
 * a few requests at a time: {@link #oneUtilityThread()} gives Tomcat one utility thread
 * instead of two, and {@link NoAwaitThread} ends the thread that Spring Boot starts only
 * to keep the JVM alive ({@code container-0}), once the echo server's own non-daemon
 * threads do that. Measurements: BENCHMARKS.md, "Start-up and footprint".
 */
final class ActuatorTomcatThreads {

	private static final Log logger = LogFactory.getLog(ActuatorTomcatThreads.class);

	/**
	 * Tomcat's utility executor runs its recurring chores (the async request timeouts every
	 * second, the container background processing and the server's periodic event every
	 * ten seconds), each a short pass over little state; one thread keeps up with them.
	 */
	static final int UTILITY_THREADS = 1;

	private ActuatorTomcatThreads() {
	}

	/**
	 * One utility thread for the server the connector belongs to. The customizer runs after
	 * Boot has added the connector to the server's service and before the server starts,
	 * which is when Tomcat sizes its utility executor.
	 * @return the customizer
	 */
	static TomcatConnectorCustomizer oneUtilityThread() {
		return (connector) -> {
			Service service = connector.getService();
			if (service != null && service.getServer() instanceof StandardServer server) {
				setUtilityThreads(server, UTILITY_THREADS);
			}
		};
	}

	// StandardServer.setUtilityThreads ignores any value below the current one, and the
	// current one starts at Tomcat's default, 2, so the field is set before the server starts
	// (Tomcat reads it in startInternal). Should a later Tomcat rename it, the server keeps
	// its default and says so in the log.
	static void setUtilityThreads(Server server, int threads) {
		server.setUtilityThreads(threads);
		if (server.getUtilityThreads() == threads) {
			return;
		}
		try {
			Field field = StandardServer.class.getDeclaredField("utilityThreads");
			field.setAccessible(true);
			field.setInt(server, threads);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.info("Tomcat keeps its default number of utility threads (" + server.getUtilityThreads() + "): "
					+ ex);
		}
	}

	/**
	 * Ends Boot's await thread once the web server has started. Register it only where
	 * non-daemon threads of the application's own (the echo server's reactors and acceptor)
	 * keep the JVM running: Tomcat's own threads are daemon threads. Shutdown is unchanged:
	 * SIGTERM still runs Spring's shutdown hook, which drains the echo server and stops
	 * Tomcat.
	 */
	static final class NoAwaitThread implements ApplicationListener<WebServerInitializedEvent> {

		@Override
		public void onApplicationEvent(WebServerInitializedEvent event) {
			if (event.getWebServer() instanceof TomcatWebServer webServer
					&& webServer.getTomcat().getServer() instanceof StandardServer server) {
				// The await loop sleeps in ten-second steps until this flag is set; stopAwait
				// sets it and interrupts the sleep, and the thread ends.
				server.stopAwait();
			}
		}

	}

}

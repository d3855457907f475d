package io.echoreactor.config;

import java.time.Duration;
import java.util.List;

import org.apache.catalina.core.StandardServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ActuatorTomcatThreads}: a Tomcat started with the customizer runs one
 * utility thread, and the listener ends Boot's await thread.
 */
class ActuatorTomcatThreadsTests {

	private TomcatWebServer webServer;

	@AfterEach
	void stopWebServer() {
		if (this.webServer != null) {
			this.webServer.destroy();
		}
	}

	@Test
	void utilityThreadsCanBeLoweredBelowTomcatsDefault() {
		StandardServer server = new StandardServer();
		assertThat(server.getUtilityThreads()).as("Tomcat's default").isEqualTo(2);
		ActuatorTomcatThreads.setUtilityThreads(server, 1);
		assertThat(server.getUtilityThreads()).isOne();
	}

	@Test
	void whenCustomizedThenTomcatStartsWithOneUtilityThreadAndItServesItsChores() {
		TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory(0);
		factory.addConnectorCustomizers(ActuatorTomcatThreads.oneUtilityThread());
		List<Thread> before = utilityThreads();
		this.webServer = (TomcatWebServer) factory.getWebServer();
		this.webServer.start();
		assertThat(this.webServer.getTomcat().getServer().getUtilityThreads()).isOne();
		// The chores (async timeouts every second, background processing) have started the
		// executor's threads by now; another second would have started a second one.
		await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(newThreads(before)).hasSize(1));
	}

	@Test
	void whenTheWebServerHasStartedThenBootsAwaitThreadEnds() {
		List<Thread> before = awaitThreads();
		this.webServer = (TomcatWebServer) new TomcatServletWebServerFactory(0).getWebServer();
		this.webServer.start();
		List<Thread> started = awaitThreads().stream().filter((thread) -> !before.contains(thread)).toList();
		assertThat(started).hasSize(1);
		Thread awaitThread = started.get(0);
		assertThat(awaitThread.isDaemon()).isFalse();
		new ActuatorTomcatThreads.NoAwaitThread().onApplicationEvent(new StartedEvent(this.webServer));
		await().atMost(Duration.ofSeconds(5)).until(() -> !awaitThread.isAlive());
		assertThat(this.webServer.getTomcat().getServer().getState().isAvailable()).isTrue();
	}

	private static List<Thread> utilityThreads() {
		return liveThreads("Catalina-utility-");
	}

	private static List<Thread> awaitThreads() {
		return liveThreads("container-");
	}

	private static List<Thread> liveThreads(String namePrefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(namePrefix) && thread.isAlive())
			.toList();
	}

	private static List<Thread> newThreads(List<Thread> before) {
		return utilityThreads().stream().filter((thread) -> !before.contains(thread)).toList();
	}

	private static final class StartedEvent extends WebServerInitializedEvent {

		StartedEvent(TomcatWebServer webServer) {
			super(webServer);
		}

		@Override
		public WebServerApplicationContext getApplicationContext() {
			throw new UnsupportedOperationException();
		}

	}

}

package io.echoreactor.logging;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link Slf4jReactorLogBackend}: the reactor finds it, and its lines reach
 * Logback with their facts as key-value pairs.
 */
class Slf4jReactorLogBackendTests {

	private final Logger logger = (Logger) LoggerFactory.getLogger(Slf4jReactorLogBackendTests.class);

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private Level level;

	@BeforeEach
	void attach() {
		this.level = this.logger.getLevel();
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.appender);
		this.logger.setLevel(this.level);
	}

	@Test
	void reactorLinesCarryTheirFactsAsKeyValuePairs() {
		ReactorLog log = ReactorLog.of(Slf4jReactorLogBackendTests.class);
		IOException failure = new IOException("Connection timed out");
		InetAddress loopback = InetAddress.getLoopbackAddress();
		log.warn("Evicted a connection on echo-reactor-1", LogFacts.reactor("echo-reactor-1")
			.local(new InetSocketAddress(loopback, 7007))
			.peer(new InetSocketAddress("::1", 40000))
			.cause(CloseCause.EVICTED), failure);
		assertThat(this.appender.list).hasSize(1);
		ILoggingEvent event = this.appender.list.get(0);
		assertThat(event.getLevel()).isEqualTo(Level.WARN);
		assertThat(event.getLoggerName()).isEqualTo(Slf4jReactorLogBackendTests.class.getName());
		assertThat(event.getFormattedMessage()).isEqualTo("Evicted a connection on echo-reactor-1");
		assertThat(event.getThrowableProxy().getMessage()).isEqualTo("Connection timed out");
		assertThat(event.getKeyValuePairs()).extracting((pair) -> pair.key, (pair) -> pair.value)
			.containsExactly(tuple("echo.reactor", "echo-reactor-1"), tuple("echo.local", "127.0.0.1:7007"),
					tuple("echo.peer", "[0:0:0:0:0:0:0:1]:40000"), tuple("echo.cause", "evicted"));
	}

	@Test
	void levelsFollowTheLoggersConfiguration() {
		ReactorLog log = ReactorLog.of(Slf4jReactorLogBackendTests.class);
		this.logger.setLevel(Level.INFO);
		assertThat(log.isDebugEnabled()).isFalse();
		log.debug("not logged", LogFacts.none(), null);
		this.logger.setLevel(Level.DEBUG);
		assertThat(log.isDebugEnabled()).isTrue();
		log.debug("logged", LogFacts.none(), null);
		assertThat(this.appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("logged");
		assertThat(this.appender.list.get(0).getKeyValuePairs()).as("no facts, no pairs")
			.satisfiesAnyOf((pairs) -> assertThat(pairs).isNull(), (pairs) -> assertThat(pairs).isEmpty());
	}

}

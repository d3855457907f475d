package io.echoreactor.logging;

import java.util.Map;

import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.ReactorLog.Level;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The reactor's {@link ReactorLog.Backend} over SLF4J: each line's facts become key-value
 * pairs of the event (SLF4J 2's fluent API), which Spring Boot's structured formats write
 * as fields of the JSON line ({@code logging.structured.format.console=ecs} or
 * {@code logstash}); the plain text pattern shows the message only, which states the
 * facts as well. Registered in {@code META-INF/services}, where the reactor finds it
 * without depending on SLF4J.
 *
 * <p>
 * <strong>Threading:</strong> called from any thread.
 */
public final class Slf4jReactorLogBackend implements ReactorLog.Backend {

	@Override
	public ReactorLog.Sink sink(Class<?> source) {
		return new Slf4jSink(LoggerFactory.getLogger(source));
	}

	private record Slf4jSink(Logger logger) implements ReactorLog.Sink {

		@Override
		public boolean isEnabled(Level level) {
			return this.logger.isEnabledForLevel(slf4j(level));
		}

		@Override
		public void log(Level level, String message, Map<String, String> fields, @Nullable Throwable failure) {
			LoggingEventBuilder event = this.logger.atLevel(slf4j(level));
			fields.forEach(event::addKeyValue);
			if (failure != null) {
				event.setCause(failure);
			}
			event.log(message);
		}

		private static org.slf4j.event.Level slf4j(Level level) {
			return switch (level) {
				case DEBUG -> org.slf4j.event.Level.DEBUG;
				case INFO -> org.slf4j.event.Level.INFO;
				case WARN -> org.slf4j.event.Level.WARN;
				case ERROR -> org.slf4j.event.Level.ERROR;
			};
		}

	}

}

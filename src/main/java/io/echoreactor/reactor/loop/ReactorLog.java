package io.echoreactor.reactor.loop;

import java.util.Map;
import java.util.ServiceLoader;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A logger of the reactor whose lines carry their {@link LogFacts facts} as key-value
 * pairs beside the message. The reactor names its facts without knowing the logging API
 * that writes them: a {@link Backend} found with {@link ServiceLoader} does (the
 * application's, over SLF4J's key-value pairs); without one, lines go to Commons Logging
 * as plain messages, which state the facts too.
 *
 * <p>
 * <strong>Threading:</strong> called from any thread.
 */
public final class ReactorLog {

	private static final Backend BACKEND = ServiceLoader.load(Backend.class, ReactorLog.class.getClassLoader())
		.findFirst()
		.orElseGet(() -> (source) -> new CommonsLoggingSink(LogFactory.getLog(source)));

	private final Sink sink;

	/**
	 * Create a logger over a given sink.
	 * @param sink where lines go
	 */
	public ReactorLog(Sink sink) {
		this.sink = sink;
	}

	/**
	 * @param source the class that logs, whose name is the logger's
	 * @return its logger
	 */
	public static ReactorLog of(Class<?> source) {
		return new ReactorLog(BACKEND.sink(source));
	}

	/** @return whether debug lines are logged: ask before building one */
	public boolean isDebugEnabled() {
		return this.sink.isEnabled(Level.DEBUG);
	}

	/**
	 * @param message what happened, as a sentence
	 * @param facts its facts
	 * @param failure the cause, or {@code null}
	 */
	public void debug(String message, LogFacts facts, @Nullable Throwable failure) {
		this.sink.log(Level.DEBUG, message, facts.fields(), failure);
	}

	/**
	 * @param message what happened, as a sentence
	 * @param facts its facts
	 */
	public void info(String message, LogFacts facts) {
		this.sink.log(Level.INFO, message, facts.fields(), null);
	}

	/**
	 * @param message what happened, as a sentence
	 * @param facts its facts
	 * @param failure the cause, or {@code null}
	 */
	public void warn(String message, LogFacts facts, @Nullable Throwable failure) {
		this.sink.log(Level.WARN, message, facts.fields(), failure);
	}

	/**
	 * @param message what happened, as a sentence
	 * @param facts its facts
	 * @param failure the cause
	 */
	public void error(String message, LogFacts facts, Throwable failure) {
		this.sink.log(Level.ERROR, message, facts.fields(), failure);
	}

	/** The levels the reactor logs at. */
	public enum Level {

		/** Per-connection detail, off by default. */
		DEBUG,

		/** The server's lifecycle. */
		INFO,

		/** Something an operator should look at. */
		WARN,

		/** A reactor died. */
		ERROR

	}

	/**
	 * The logging API that writes the reactor's lines, registered in
	 * {@code META-INF/services}.
	 */
	public interface Backend {

		/**
		 * @param source the class that logs
		 * @return where its lines go
		 */
		Sink sink(Class<?> source);

	}

	/** Where one logger's lines go. */
	public interface Sink {

		/**
		 * @param level a level
		 * @return whether lines at it are written
		 */
		boolean isEnabled(Level level);

		/**
		 * @param level the level
		 * @param message the message
		 * @param fields the facts as key-value pairs
		 * @param failure the cause, or {@code null}
		 */
		void log(Level level, String message, Map<String, String> fields, @Nullable Throwable failure);

	}

	private record CommonsLoggingSink(Log log) implements Sink {

		@Override
		public boolean isEnabled(Level level) {
			return switch (level) {
				case DEBUG -> this.log.isDebugEnabled();
				case INFO -> this.log.isInfoEnabled();
				case WARN -> this.log.isWarnEnabled();
				case ERROR -> this.log.isErrorEnabled();
			};
		}

		@Override
		public void log(Level level, String message, Map<String, String> fields, @Nullable Throwable failure) {
			switch (level) {
				case DEBUG -> {
					// Every debug call in the reactor sits under its guard (ReactorLoggingGuardTests), this one too.
					if (this.log.isDebugEnabled()) {
						this.log.debug(message, failure);
					}
				}
				case INFO -> this.log.info(message, failure);
				case WARN -> this.log.warn(message, failure);
				case ERROR -> this.log.error(message, failure);
			}
		}

	}

}

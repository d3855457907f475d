package io.echoreactor.reactor.loop;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * A warning that may repeat many times a second (a failing accept, a broken selector, a
 * connection evicted for memory) but is logged at most once per interval, with the number
 * of times it happened since. The first occurrence is logged with its stack trace; later
 * ones with the message only. Nothing is formatted for an occurrence that is not logged:
 * callers on a hot path ask {@link #due()} first and build the message only then.
 *
 * <p>
 * <strong>Threading:</strong> confined to one thread, the owner of the loop that warns.
 */
public final class ThrottledWarning {

	static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final ReactorLog logger;

	private boolean logged;

	private long lastLogNanos;

	private long occurrences;

	public ThrottledWarning(ReactorLog logger) {
		this.logger = logger;
	}

	/**
	 * Record one occurrence.
	 * @return whether it should be logged now, with {@link #log(String, LogFacts, Throwable)}
	 */
	public boolean due() {
		this.occurrences++;
		return !this.logged || System.nanoTime() - this.lastLogNanos >= INTERVAL_NANOS;
	}

	/**
	 * Log the occurrence that {@link #due()} just allowed.
	 * @param message what happened, as a sentence
	 * @param facts its facts, as fields of the line
	 * @param failure the cause, or {@code null}
	 */
	public void log(String message, LogFacts facts, @Nullable Throwable failure) {
		String text = message + " (" + this.occurrences + " time(s) since the last report)";
		if (failure != null && this.logged) {
			this.logger.warn(text + ": " + failure, facts, null);
		}
		else {
			this.logger.warn(text, facts, failure);
		}
		this.logged = true;
		this.lastLogNanos = System.nanoTime();
		this.occurrences = 0;
	}

	/**
	 * Record one occurrence and log it unless one was logged less than
	 * {@link #INTERVAL_NANOS} ago.
	 * @param message builds what happened, as a sentence; called only if it is logged
	 * @param facts its facts, as fields of the line
	 * @param failure the cause, or {@code null}
	 */
	void warn(Supplier<String> message, LogFacts facts, @Nullable Throwable failure) {
		if (due()) {
			log(message.get(), facts, failure);
		}
	}

}

package io.echoreactor.reactor;

import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;

/**
 * A warning that may repeat many times a second (a failing accept, a broken selector, no
 * memory for pending output) but is logged at most once per interval, with the number of
 * times it happened since. The first occurrence is logged with its stack trace; later
 * ones with the message only.
 *
 * <p>
 * <strong>Threading:</strong> confined to one thread, the owner of the loop that warns.
 */
final class ThrottledWarning {

	static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final Log logger;

	private boolean logged;

	private long lastLogNanos;

	private long occurrences;

	ThrottledWarning(Log logger) {
		this.logger = logger;
	}

	/**
	 * Record one occurrence and log it unless one was logged less than
	 * {@link #INTERVAL_NANOS} ago.
	 * @param message what happened, as a sentence
	 * @param failure the cause
	 */
	void warn(String message, Throwable failure) {
		this.occurrences++;
		long now = System.nanoTime();
		if (this.logged && now - this.lastLogNanos < INTERVAL_NANOS) {
			return;
		}
		String text = message + " (" + this.occurrences + " time(s) since the last report)";
		if (this.logged) {
			this.logger.warn(text + ": " + failure);
		}
		else {
			this.logger.warn(text, failure);
		}
		this.logged = true;
		this.lastLogNanos = now;
		this.occurrences = 0;
	}

}

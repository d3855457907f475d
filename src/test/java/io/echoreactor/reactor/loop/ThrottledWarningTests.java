package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.junit.jupiter.api.Test;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;

/**
 * Tests for {@link ThrottledWarning}.
 */
class ThrottledWarningTests {

	private final Log log = mock(Log.class);

	private final ThrottledWarning warning = new ThrottledWarning(this.log);

	@Test
	void theFirstOccurrenceIsLoggedWithItsStackTrace() {
		IOException failure = new IOException("Too many open files");
		this.warning.warn(() -> "Accept failed", failure);
		then(this.log).should().warn(contains("Accept failed (1 time(s) since the last report)"), same(failure));
	}

	@Test
	void occurrencesWithinTheIntervalAreCountedButNotLogged() {
		for (int i = 0; i < 1000; i++) {
			this.warning.warn(() -> "Accept failed", new IOException("Too many open files"));
		}
		then(this.log).should(times(1)).warn(anyString(), any(Throwable.class));
		then(this.log).should(times(0)).warn(any());
	}

	@Test
	void theMessageIsBuiltOnlyForTheOccurrenceThatIsLogged() {
		@SuppressWarnings("unchecked")
		Supplier<String> message = mock(Supplier.class);
		given(message.get()).willReturn("Accept failed");
		for (int i = 0; i < 1000; i++) {
			this.warning.warn(message, null);
		}
		// The reactor thread formats nothing for the 999 occurrences that are not logged.
		then(message).should(times(1)).get();
		then(this.log).should(times(1)).warn(contains("Accept failed (1 time(s) since the last report)"));
	}

}

package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;

import io.echoreactor.reactor.loop.ReactorLog.Level;
import org.junit.jupiter.api.Test;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;

/**
 * Tests for {@link ThrottledWarning}.
 */
class ThrottledWarningTests {

	private final ReactorLog.Sink log = mock(ReactorLog.Sink.class);

	private final ThrottledWarning warning = new ThrottledWarning(new ReactorLog(this.log));

	private final LogFacts facts = LogFacts.reactor("echo-reactor-0");

	@Test
	void theFirstOccurrenceIsLoggedWithItsStackTrace() {
		IOException failure = new IOException("Too many open files");
		this.warning.warn(() -> "Accept failed", this.facts, failure);
		then(this.log).should()
			.log(eq(Level.WARN), contains("Accept failed (1 time(s) since the last report)"),
					eq(Map.of(LogFacts.REACTOR, "echo-reactor-0")), same(failure));
	}

	@Test
	void occurrencesWithinTheIntervalAreCountedButNotLogged() {
		for (int i = 0; i < 1000; i++) {
			this.warning.warn(() -> "Accept failed", this.facts, new IOException("Too many open files"));
		}
		then(this.log).should(times(1)).log(any(), anyString(), anyMap(), any(Throwable.class));
		then(this.log).should(times(0)).log(any(), anyString(), anyMap(), isNull());
	}

	@Test
	void theMessageIsBuiltOnlyForTheOccurrenceThatIsLogged() {
		@SuppressWarnings("unchecked")
		Supplier<String> message = mock(Supplier.class);
		given(message.get()).willReturn("Accept failed");
		for (int i = 0; i < 1000; i++) {
			this.warning.warn(message, this.facts, null);
		}
		// The reactor thread formats nothing for the 999 occurrences that are not logged.
		then(message).should(times(1)).get();
		then(this.log).should(times(1))
			.log(eq(Level.WARN), contains("Accept failed (1 time(s) since the last report)"), anyMap(), isNull());
	}

}

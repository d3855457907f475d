package io.echoreactor.reactor.counters;

import java.util.Map;
import java.util.function.Consumer;

import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReactorStatistics}.
 */
class ReactorStatisticsTests {

	private final ReactorStatistics statistics = new ReactorStatistics("echo-reactor-0");

	@Test
	void eachKindOfEventIsCountedInItsOwnSlot() {
		// A distinct count per slot: two kinds sharing a slot would show the sum of both.
		long next = 1;
		for (Counter counter : Counter.values()) {
			this.statistics.add(counter, next++);
		}
		for (Gauge gauge : Gauge.values()) {
			this.statistics.add(gauge, next++);
		}
		next = increment(CloseCause.values(), next, this.statistics::increment);
		next = increment(RejectCause.values(), next, this.statistics::increment);
		next = increment(WakeupCause.values(), next, this.statistics::increment);
		next = increment(RebuildCause.values(), next, this.statistics::increment);
		next = increment(AcceptError.values(), next, this.statistics::increment);
		next = increment(IncompleteWrite.values(), next, this.statistics::increment);
		next = increment(UdpDropCause.values(), next, this.statistics::increment);
		next = increment(TlsFailure.values(), next, this.statistics::increment);
		next = increment(TlsViolation.values(), next, this.statistics::increment);
		increment(ProxyHeaderResult.values(), next, this.statistics::increment);
		Map<String, Long> snapshot = this.statistics.snapshot();
		assertThat(snapshot.values()).doesNotHaveDuplicates().allMatch((value) -> value > 0);
		long expected = 1;
		for (Counter counter : Counter.values()) {
			assertThat(this.statistics.get(counter)).as(counter.name()).isEqualTo(expected++);
		}
		for (Gauge gauge : Gauge.values()) {
			assertThat(this.statistics.get(gauge)).as(gauge.name()).isEqualTo(expected++);
		}
		for (CloseCause cause : CloseCause.values()) {
			assertThat(this.statistics.closed(cause)).as(cause.name()).isEqualTo(expected++);
		}
		for (RejectCause cause : RejectCause.values()) {
			assertThat(this.statistics.rejected(cause)).as(cause.name()).isEqualTo(expected++);
		}
		for (WakeupCause cause : WakeupCause.values()) {
			assertThat(this.statistics.wakeups(cause)).as(cause.name()).isEqualTo(expected++);
		}
		for (RebuildCause cause : RebuildCause.values()) {
			assertThat(this.statistics.rebuilds(cause)).as(cause.name()).isEqualTo(expected++);
		}
		for (AcceptError error : AcceptError.values()) {
			assertThat(this.statistics.acceptErrors(error)).as(error.name()).isEqualTo(expected++);
		}
		for (IncompleteWrite write : IncompleteWrite.values()) {
			assertThat(this.statistics.incompleteWrites(write)).as(write.name()).isEqualTo(expected++);
		}
		for (UdpDropCause cause : UdpDropCause.values()) {
			assertThat(this.statistics.dropped(cause)).as(cause.name()).isEqualTo(expected++);
		}
		for (TlsFailure failure : TlsFailure.values()) {
			assertThat(this.statistics.tlsFailures(failure)).as(failure.name()).isEqualTo(expected++);
		}
		for (TlsViolation violation : TlsViolation.values()) {
			assertThat(this.statistics.tlsViolations(violation)).as(violation.name()).isEqualTo(expected++);
		}
		for (ProxyHeaderResult result : ProxyHeaderResult.values()) {
			assertThat(this.statistics.proxyHeaders(result)).as(result.name()).isEqualTo(expected++);
		}
		assertThat(snapshot).hasSize((int) expected - 1)
			.containsEntry("CloseCause.EOF", this.statistics.closed(CloseCause.EOF));
	}

	@Test
	void everyCountStartsAtZero() {
		assertThat(this.statistics.snapshot().values()).containsOnly(0L);
	}

	// Increments the constants from, from + 1, ... times: a distinct count each.
	private static <E> long increment(E[] events, long from, Consumer<E> increment) {
		long count = from;
		for (E event : events) {
			for (long i = 0; i < count; i++) {
				increment.accept(event);
			}
			count++;
		}
		return count;
	}

}

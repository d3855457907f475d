package io.echoreactor.reactor.loop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Deadlines}: entries fire earliest first, exactly once per schedule, and
 * due times are compared by subtraction, so that the order holds when
 * {@link System#nanoTime()} wraps around.
 */
@Timeout(10)
class DeadlinesTests {

	private final Deadlines deadlines = new Deadlines();

	private final List<String> fired = new ArrayList<>();

	@Test
	void entriesFireEarliestFirstAfterBeingScheduledRescheduledAndCancelled() {
		Recorder a = new Recorder("a");
		Recorder b = new Recorder("b");
		Recorder c = new Recorder("c");
		this.deadlines.schedule(a, 30);
		this.deadlines.schedule(b, 10);
		this.deadlines.schedule(c, 20);
		assertThat(this.deadlines.earliest()).isEqualTo(10);
		this.deadlines.schedule(a, 5);
		assertThat(this.deadlines.earliest()).isEqualTo(5);
		assertThat(a.dueNanos()).isEqualTo(5);
		this.deadlines.schedule(b, 40);
		this.deadlines.cancel(c);
		assertThat(c.isScheduled()).isFalse();
		assertThat(this.deadlines.size()).isEqualTo(2);
		this.deadlines.expire(4);
		assertThat(this.fired).isEmpty();
		this.deadlines.expire(5);
		assertThat(this.fired).containsExactly("a@5");
		assertThat(a.isScheduled()).isFalse();
		this.deadlines.expire(100);
		assertThat(this.fired).containsExactly("a@5", "b@100");
		assertThat(this.deadlines.size()).isZero();
		assertThat(this.deadlines.earliest()).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void manyEntriesScheduledInRandomOrderFireEarliestFirst() {
		Random random = new Random(862);
		List<Recorder> entries = new ArrayList<>();
		for (int i = 0; i < 5000; i++) {
			Recorder entry = new Recorder("e" + i);
			entries.add(entry);
			this.deadlines.schedule(entry, random.nextInt(1_000_000));
		}
		// Move some, and cancel some, so that removals from the middle of the heap count too.
		for (int i = 0; i < 1000; i++) {
			this.deadlines.schedule(entries.get(random.nextInt(entries.size())), random.nextInt(1_000_000));
		}
		List<Recorder> cancelled = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			Recorder entry = entries.get(random.nextInt(entries.size()));
			this.deadlines.cancel(entry);
			cancelled.add(entry);
		}
		Map<Recorder, Long> due = new IdentityHashMap<>();
		for (Recorder entry : entries) {
			if (entry.isScheduled()) {
				due.put(entry, entry.dueNanos());
			}
		}
		List<Long> firedDue = new ArrayList<>();
		for (Recorder entry : due.keySet()) {
			entry.onExpired = (now) -> {
				assertThat(due.get(entry)).isLessThanOrEqualTo(now);
				firedDue.add(due.get(entry));
			};
		}
		// Expire in steps, as the loop does: each step fires what is due and nothing else.
		for (long now = 0; now <= 1_000_000; now += 997) {
			this.deadlines.expire(now);
			assertThat(this.deadlines.size() == 0 || this.deadlines.earliest() > now).isTrue();
		}
		this.deadlines.expire(1_000_000);
		assertThat(cancelled).noneMatch(Recorder::isScheduled).allMatch((entry) -> entry.expirations == 0);
		assertThat(firedDue).hasSize(due.size()).isSorted();
		assertThat(due.keySet()).allMatch((entry) -> entry.expirations == 1);
		assertThat(this.deadlines.size()).isZero();
	}

	@Test
	void anEntryRescheduledWhileAnotherFiresFiresAtItsNewTimeOnly() {
		Recorder later = new Recorder("later");
		Recorder sooner = new Recorder("sooner");
		Recorder mover = new Recorder("mover");
		this.deadlines.schedule(mover, 10);
		this.deadlines.schedule(later, 20);
		this.deadlines.schedule(sooner, 1000);
		mover.onExpired = (now) -> {
			// Push one that is due now into the future, and pull one from the future to now.
			this.deadlines.schedule(later, now + 500);
			this.deadlines.schedule(sooner, now);
		};
		this.deadlines.expire(100);
		assertThat(this.fired).containsExactly("mover@100", "sooner@100");
		assertThat(later.isScheduled()).isTrue();
		assertThat(this.deadlines.earliest()).isEqualTo(600);
		this.deadlines.expire(599);
		assertThat(this.fired).hasSize(2);
		this.deadlines.expire(600);
		assertThat(this.fired).containsExactly("mover@100", "sooner@100", "later@600");
	}

	@Test
	void anEntryThatReschedulesItselfIntoThePastFiresOncePerCallAndStillLetsTheOthersFire() {
		Recorder other = new Recorder("other");
		Recorder stubborn = new Recorder("stubborn");
		stubborn.onExpired = (now) -> {
			// Capped, so that an endless loop fails this test instead of hanging it.
			if (stubborn.expirations < 1000) {
				this.deadlines.schedule(stubborn, now - 1);
			}
		};
		this.deadlines.schedule(stubborn, 10);
		this.deadlines.schedule(other, 50);
		this.deadlines.expire(100);
		assertThat(stubborn.expirations).isEqualTo(1);
		assertThat(other.expirations).isEqualTo(1);
		assertThat(stubborn.isScheduled()).isTrue();
		this.deadlines.expire(101);
		assertThat(stubborn.expirations).isEqualTo(2);
		assertThat(other.expirations).isEqualTo(1);
	}

	@Test
	void cancellingAnEntryThatIsNotScheduledChangesNothing() {
		Recorder scheduled = new Recorder("scheduled");
		Recorder never = new Recorder("never");
		this.deadlines.schedule(scheduled, 10);
		this.deadlines.cancel(never);
		this.deadlines.cancel(never);
		assertThat(this.deadlines.size()).isOne();
		assertThat(this.deadlines.earliest()).isEqualTo(10);
		this.deadlines.expire(10);
		this.deadlines.cancel(scheduled);
		assertThat(this.deadlines.size()).isZero();
		assertThat(this.fired).containsExactly("scheduled@10");
		this.deadlines.schedule(scheduled, 20);
		this.deadlines.expire(20);
		assertThat(this.fired).containsExactly("scheduled@10", "scheduled@20");
	}

	@Test
	void dueTimesOnEitherSideOfTheNanoTimeWrapAroundKeepTheirOrder() {
		long now = Long.MAX_VALUE - 100;
		Recorder past = new Recorder("past");
		Recorder soon = new Recorder("soon");
		Recorder wrapped = new Recorder("wrapped");
		Recorder farWrapped = new Recorder("farWrapped");
		List<Recorder> entries = new ArrayList<>(List.of(farWrapped, wrapped, soon, past));
		Collections.shuffle(entries, new Random(7));
		for (Recorder entry : entries) {
			long due = switch (entry.name) {
				case "past" -> now - 50;
				case "soon" -> now + 50;
				case "wrapped" -> now + 150;
				default -> now + 1000;
			};
			this.deadlines.schedule(entry, due);
		}
		// now + 150 has overflowed to a large negative number, yet it comes after now + 50.
		assertThat(wrapped.dueNanos()).isNegative();
		assertThat(this.deadlines.earliest()).isEqualTo(now - 50);
		this.deadlines.expire(now);
		assertThat(this.fired).containsExactly("past@" + now);
		long afterWrap = now + 200;
		this.deadlines.expire(afterWrap);
		assertThat(this.fired).containsExactly("past@" + now, "soon@" + afterWrap, "wrapped@" + afterWrap);
		assertThat(this.deadlines.earliest()).isEqualTo(now + 1000);
		this.deadlines.expire(now + 999);
		assertThat(this.fired).hasSize(3);
		this.deadlines.expire(now + 1000);
		assertThat(this.fired).last().isEqualTo("farWrapped@" + (now + 1000));
	}

	/**
	 * An entry that records when it fired, and may act while it fires.
	 */
	private final class Recorder extends Deadlines.Entry {

		private final String name;

		private LongConsumer onExpired = (now) -> {
		};

		private int expirations;

		Recorder(String name) {
			this.name = name;
		}

		@Override
		protected void expired(long nowNanos) {
			this.expirations++;
			DeadlinesTests.this.fired.add(this.name + "@" + nowNanos);
			this.onExpired.accept(nowNanos);
		}

	}

}

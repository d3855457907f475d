package io.echoreactor.reactor.loop;

import java.util.Arrays;

/**
 * Every timer of one event loop (idle and age limits, write timeouts, closing deadlines,
 * accept pauses) in one deadline-ordered queue: a binary min-heap of {@link Entry entries}
 * keyed by their due time. The loop blocks in {@code select()} no longer than until the
 * earliest one and, after each pass, expires those that are due; nothing is found by
 * scanning every connection.
 *
 * <p>
 * An entry is intrusive (it keeps its own position in the heap), so scheduling,
 * rescheduling and cancelling cost O(log n) and allocate nothing. Timers that move with
 * every byte, such as the idle timeout, are kept lazily by their owners: the entry stays
 * at the earliest time the timer could fire, and when it does the owner checks its own
 * clock and reschedules, so a busy connection touches the heap once per timeout period,
 * not once per message.
 *
 * <p>
 * <strong>Threading:</strong> confined to the loop's thread.
 */
public final class Deadlines {

	private Entry[] heap = new Entry[64];

	private int size;

	/**
	 * Schedule {@code entry} at {@code dueNanos}, or move it there if it is already
	 * scheduled.
	 * @param entry the entry
	 * @param dueNanos its due time, in {@link System#nanoTime()} terms
	 */
	public void schedule(Entry entry, long dueNanos) {
		entry.dueNanos = dueNanos;
		int index = entry.heapIndex;
		if (index < 0) {
			if (this.size == this.heap.length) {
				this.heap = Arrays.copyOf(this.heap, this.size * 2);
			}
			index = this.size++;
			this.heap[index] = entry;
			entry.heapIndex = index;
			siftUp(index);
		}
		else {
			siftUp(index);
			siftDown(entry.heapIndex);
		}
	}

	/**
	 * Remove {@code entry} if it is scheduled.
	 * @param entry the entry
	 */
	public void cancel(Entry entry) {
		int index = entry.heapIndex;
		if (index < 0) {
			return;
		}
		entry.heapIndex = -1;
		Entry last = this.heap[--this.size];
		this.heap[this.size] = null;
		if (index < this.size) {
			this.heap[index] = last;
			last.heapIndex = index;
			siftUp(index);
			siftDown(last.heapIndex);
		}
	}

	/** @return the due time of the earliest entry, or {@link Long#MAX_VALUE} if none */
	public long earliest() {
		return (this.size > 0) ? this.heap[0].dueNanos : Long.MAX_VALUE;
	}

	/** @return the number of scheduled entries */
	public int size() {
		return this.size;
	}

	/**
	 * Remove and fire every entry due at or before {@code nowNanos}, earliest first. An
	 * entry may reschedule itself, or others, while it fires; one rescheduled at or before
	 * {@code nowNanos} fires again in this call only if it was moved, so a careless owner
	 * cannot make this loop endless.
	 * @param nowNanos the loop's time
	 */
	public void expire(long nowNanos) {
		// Bounded by the entries due now, so that an entry that keeps rescheduling itself
		// into the past waits for the next pass instead of holding this one.
		int budget = this.size;
		while (this.size > 0 && budget-- > 0) {
			Entry first = this.heap[0];
			if (first.dueNanos - nowNanos > 0) {
				return;
			}
			cancel(first);
			first.expired(nowNanos);
		}
	}

	private void siftUp(int index) {
		Entry entry = this.heap[index];
		while (index > 0) {
			int parent = (index - 1) >>> 1;
			Entry above = this.heap[parent];
			if (above.dueNanos - entry.dueNanos <= 0) {
				break;
			}
			this.heap[index] = above;
			above.heapIndex = index;
			index = parent;
		}
		this.heap[index] = entry;
		entry.heapIndex = index;
	}

	private void siftDown(int index) {
		Entry entry = this.heap[index];
		int half = this.size >>> 1;
		while (index < half) {
			int child = 2 * index + 1;
			int right = child + 1;
			if (right < this.size && this.heap[right].dueNanos - this.heap[child].dueNanos < 0) {
				child = right;
			}
			Entry below = this.heap[child];
			if (entry.dueNanos - below.dueNanos <= 0) {
				break;
			}
			this.heap[index] = below;
			below.heapIndex = index;
			index = child;
		}
		this.heap[index] = entry;
		entry.heapIndex = index;
	}

	/**
	 * Something with a deadline. Subclassed by its owner (a connection, a listener) so
	 * that a timer costs no object of its own.
	 */
	public abstract static class Entry {

		private long dueNanos;

		private int heapIndex = -1;

		/** @return whether the entry is scheduled */
		protected final boolean isScheduled() {
			return this.heapIndex >= 0;
		}

		/** @return the time the entry is due, meaningful only while it is scheduled */
		final long dueNanos() {
			return this.dueNanos;
		}

		/**
		 * The deadline has passed; the entry is no longer scheduled. Runs on the loop
		 * thread.
		 * @param nowNanos the loop's time
		 */
		protected abstract void expired(long nowNanos);

	}

}

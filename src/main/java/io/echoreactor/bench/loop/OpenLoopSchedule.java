package io.echoreactor.bench.loop;

/**
 * When each message of the open loop ({@code --rate}) is due, and the releasing of those
 * due to the flows of one {@link LoadLoop}. Message {@code m} of connection {@code i} is
 * due at {@code start + (m * connections + i) * gap}, the gap being one second over the
 * rate: the run's messages are evenly spaced, and so are each connection's. A loop walks
 * the messages of its own flows in the order they are due: its event {@code e} is message
 * {@code e / n} of its flow {@code e % n}, for its {@code n} flows.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class OpenLoopSchedule {

	private final Flow[] flows;

	private final int connections;

	private final double gap;

	private long origin;

	private long nextEvent;

	/**
	 * Create the schedule of a loop's flows.
	 * @param flows the loop's flows
	 * @param connections the connections of the run, in all loops
	 * @param rate messages per second, in all loops
	 */
	OpenLoopSchedule(Flow[] flows, int connections, long rate) {
		this.flows = flows;
		this.connections = connections;
		this.gap = (double) LoadLoop.SECOND / rate;
	}

	/**
	 * Start the schedule.
	 * @param start when the echo starts: the first message is due then
	 * @return when the loop's first message is due
	 */
	long start(long start) {
		this.origin = start;
		this.nextEvent = 0;
		return intendedOfEvent(0);
	}

	/**
	 * Return when a message is due.
	 * @param id the connection
	 * @param message the message's number on that connection
	 * @return its intended send time
	 */
	long intended(int id, long message) {
		return this.origin + (long) ((message * (double) this.connections + id) * this.gap);
	}

	/**
	 * Release to their flows the messages due by {@code now}; none due at or after the
	 * window's end.
	 * @param now the time
	 * @param windowEnd the measured window's end
	 * @return when the next message is due, or {@link Long#MAX_VALUE} when none is
	 */
	long release(long now, long windowEnd) {
		long due = intendedOfEvent(this.nextEvent);
		while (due <= now) {
			if (due >= windowEnd) {
				return Long.MAX_VALUE;
			}
			Flow flow = this.flows[(int) (this.nextEvent % this.flows.length)];
			if (!flow.isDone()) {
				flow.release(now);
			}
			this.nextEvent++;
			due = intendedOfEvent(this.nextEvent);
		}
		return due;
	}

	private long intendedOfEvent(long event) {
		if (this.flows.length == 0) {
			return Long.MAX_VALUE;
		}
		Flow flow = this.flows[(int) (event % this.flows.length)];
		return intended(flow.id, event / this.flows.length);
	}

}

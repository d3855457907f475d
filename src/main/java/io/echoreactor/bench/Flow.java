package io.echoreactor.bench;

/**
 * One connection of the load (for UDP, one flow: a socket connected to the server),
 * driven by the {@link LoadLoop} it belongs to: opened, readied (PROXY header, TLS
 * handshake, greeting), started, given messages to send on schedule in the open loop,
 * stopped at the end of the measured window, and checked for timeouts.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
abstract class Flow {

	final LoadLoop loop;

	/** The flow's number, 0 to connections - 1: its payload and schedule depend on it. */
	final int id;

	/** Messages this flow sends in all: its share of {@code --messages}, or unlimited. */
	final long quota;

	Flow(LoadLoop loop, int id, long quota) {
		this.loop = loop;
		this.id = id;
		this.quota = quota;
	}

	/**
	 * Open the connection; it reports to the loop once ready or failed.
	 * @param now the time
	 */
	abstract void open(long now);

	/**
	 * Handle what the selector reported.
	 * @param readyOps the ready operations
	 */
	abstract void selected(int readyOps);

	/**
	 * Begin the echo: the closed loop sends its first messages.
	 * @param now the time
	 */
	abstract void start(long now);

	/**
	 * Open loop: send one more message, due now or earlier.
	 * @param now the time
	 */
	abstract void release(long now);

	/**
	 * Send no more messages; finish once the echoes of those sent are back.
	 * @param now the time
	 */
	abstract void stop(long now);

	/**
	 * Fail or give up what has waited too long.
	 * @param now the time
	 */
	abstract void expire(long now);

	/** @return whether the flow has ended, well or not */
	abstract boolean isDone();

	/** Close the socket without counting anything: the loop is ending. */
	abstract void abandon();

}

package io.echoreactor.reactor.counters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

import io.echoreactor.reactor.counters.ProxyHeaderResult;

/**
 * The counts and levels of one event-loop thread: a reactor, or the acceptor thread.
 *
 * <p>
 * <strong>Threading:</strong> exactly one thread, the owner, writes; any thread may read.
 * The owner publishes with opaque writes, which on x86 and ARM compile to plain stores:
 * no lock, no fence and no contended atomic on the hot path. A reader sees each value
 * eventually and each value on its own is never torn, but two values read one after the
 * other are not a consistent snapshot; meters do not need one.
 *
 * <p>
 * Events of several kinds are counted through the enum that tells the kinds apart, a
 * {@link CountedEvent} such as {@link CloseCause} or {@link WakeupCause}: one count per
 * constant, indexed by its ordinal, so that a new kind is a new constant and nothing here.
 * A new enum takes an offset, an {@code increment} and a getter.
 */
public final class ReactorStatistics {

	/** Monotonic counts of events of one kind; each one only ever grows. */
	public enum Counter {

		/** Connections registered with a reactor and served. */
		CONNECTIONS_ACCEPTED,

		/** Closes sent as a reset (SO_LINGER 0) so that the client sees an error. */
		CLOSE_RESETS,

		/** Bytes read from clients. */
		BYTES_RECEIVED,

		/** Bytes written to clients. */
		BYTES_SENT,

		/** Keys selected, summed over all wakeups. */
		READY_KEYS,

		/** {@code Selector.wakeup()} calls issued by other threads after coalescing. */
		WAKEUP_CALLS,

		/** {@code read()} calls on client sockets. */
		READS,

		/** {@code read()} calls that returned 0 bytes (EAGAIN). */
		READS_EMPTY,

		/** {@code write()} calls on client sockets (a gathering write counts once). */
		WRITES,

		/** Times {@code OP_WRITE} was added to a connection's interest set. */
		OP_WRITE_REGISTRATIONS,

		/** Times reading from a connection was paused at the write-buffer high-water mark. */
		BACKPRESSURE_PAUSES,

		/** Times a connection waited to read because pending-output memory was short. */
		MEMORY_WAITS,

		/** {@code accept()} calls on a listening socket. */
		ACCEPTS,

		/** {@code accept()} calls that found no connection (EAGAIN). */
		ACCEPTS_EMPTY,

		/** Tasks run that other threads had queued. */
		TASKS_RUN,

		/** Unexpected failures caught by the loop. */
		LOOP_FAILURES,

		/** Nanoseconds spent outside {@code select()}: the loop's busy time. */
		BUSY_NANOS,

		/** UDP datagrams received. */
		UDP_DATAGRAMS_RECEIVED,

		/** Payload bytes of the UDP datagrams received. */
		UDP_BYTES_RECEIVED,

		/** UDP datagrams sent back. */
		UDP_DATAGRAMS_SENT,

		/** Payload bytes of the UDP datagrams sent back. */
		UDP_BYTES_SENT,

		/** UDP {@code receive()} calls that found no datagram (EAGAIN). */
		UDP_RECEIVES_EMPTY,

		/** UDP {@code send()} calls that sent nothing: the socket's send buffer was full. */
		UDP_SENDS_EMPTY,

		/** TLS handshakes completed. */
		TLS_HANDSHAKES,

		/** Times a connection waited to read because session memory was short. */
		SESSION_MEMORY_WAITS,

		/** TLS delegated tasks run inline on the reactor thread. */
		TLS_TASKS,

		/** Nanoseconds the reactor spent in TLS delegated tasks. */
		TLS_TASK_NANOS

	}

	/** Current levels; each one goes up and down. */
	public enum Gauge {

		/** Connections open on this reactor. */
		CONNECTIONS_ACTIVE,

		/** Connections whose reading is paused by backpressure. */
		CONNECTIONS_PAUSED,

		/** Connections waiting to read until pending-output memory is available. */
		CONNECTIONS_AWAITING_MEMORY,

		/** Bytes read but not yet written back, over all connections. */
		PENDING_BYTES,

		/** Connections waiting to read until session memory is available. */
		CONNECTIONS_AWAITING_SESSION_MEMORY

	}

	private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

	// Padding on both sides keeps two owners' hot counters off one cache line.
	private static final int PADDING = 8;

	// One array holds every count and level, each kind of event at its own offset and
	// indexed by its enum's ordinal: an increment is one opaque store, whatever it counts.
	private static final int GAUGES = PADDING + Counter.values().length;

	private static final int CLOSED = GAUGES + Gauge.values().length;

	private static final int REJECTED = CLOSED + CloseCause.values().length;

	private static final int WAKEUPS = REJECTED + RejectCause.values().length;

	private static final int REBUILDS = WAKEUPS + WakeupCause.values().length;

	private static final int ACCEPT_ERRORS = REBUILDS + RebuildCause.values().length;

	private static final int INCOMPLETE_WRITES = ACCEPT_ERRORS + AcceptError.values().length;

	private static final int UDP_DROPPED = INCOMPLETE_WRITES + IncompleteWrite.values().length;

	private static final int TLS_FAILURES = UDP_DROPPED + UdpDropCause.values().length;

	private static final int TLS_VIOLATIONS = TLS_FAILURES + TlsFailure.values().length;

	private static final int PROXY_HEADERS = TLS_VIOLATIONS + TlsViolation.values().length;

	private static final int END = PROXY_HEADERS + ProxyHeaderResult.values().length;

	private final long[] values = new long[END + PADDING];

	private final String owner;

	/**
	 * Create statistics for the thread of the given name.
	 * @param owner the name of the only thread that writes them
	 */
	public ReactorStatistics(String owner) {
		this.owner = owner;
	}

	/**
	 * Return the name of the thread that writes these statistics.
	 * @return the owner's thread name
	 */
	public String owner() {
		return this.owner;
	}

	// Owner thread only.
	public void increment(Counter counter) {
		add(PADDING + counter.ordinal(), 1);
	}

	// Owner thread only.
	public void add(Counter counter, long delta) {
		add(PADDING + counter.ordinal(), delta);
	}

	// Owner thread only.
	public void add(Gauge gauge, long delta) {
		add(GAUGES + gauge.ordinal(), delta);
	}

	// Owner thread only.
	public void increment(CloseCause cause) {
		add(CLOSED + cause.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(RejectCause cause) {
		add(REJECTED + cause.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(WakeupCause cause) {
		add(WAKEUPS + cause.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(RebuildCause cause) {
		add(REBUILDS + cause.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(AcceptError error) {
		add(ACCEPT_ERRORS + error.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(IncompleteWrite write) {
		add(INCOMPLETE_WRITES + write.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(UdpDropCause cause) {
		add(UDP_DROPPED + cause.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(TlsFailure failure) {
		add(TLS_FAILURES + failure.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(TlsViolation violation) {
		add(TLS_VIOLATIONS + violation.ordinal(), 1);
	}

	// Owner thread only.
	public void increment(ProxyHeaderResult result) {
		add(PROXY_HEADERS + result.ordinal(), 1);
	}

	private void add(int index, long delta) {
		// A plain read is enough: only this thread ever writes the slot.
		VALUES.setOpaque(this.values, index, this.values[index] + delta);
	}

	private long get(int index) {
		return (long) VALUES.getOpaque(this.values, index);
	}

	/**
	 * Return the current value of a counter. Called from any thread.
	 * @param counter the counter
	 * @return its value
	 */
	public long get(Counter counter) {
		return get(PADDING + counter.ordinal());
	}

	/**
	 * Return the current value of a gauge. Called from any thread.
	 * @param gauge the gauge
	 * @return its value
	 */
	public long get(Gauge gauge) {
		return get(GAUGES + gauge.ordinal());
	}

	/** Connections closed for the given cause; any thread. */
	public long closed(CloseCause cause) {
		return get(CLOSED + cause.ordinal());
	}

	/** Connections rejected for the given cause; any thread. */
	public long rejected(RejectCause cause) {
		return get(REJECTED + cause.ordinal());
	}

	/** {@code select()} returns for the given cause; any thread. */
	public long wakeups(WakeupCause cause) {
		return get(WAKEUPS + cause.ordinal());
	}

	/** Selector rebuilds for the given cause; any thread. */
	public long rebuilds(RebuildCause cause) {
		return get(REBUILDS + cause.ordinal());
	}

	/** {@code accept()} failures for the given cause; any thread. */
	public long acceptErrors(AcceptError error) {
		return get(ACCEPT_ERRORS + error.ordinal());
	}

	/** {@code write()} calls that fell short in the given way; any thread. */
	public long incompleteWrites(IncompleteWrite write) {
		return get(INCOMPLETE_WRITES + write.ordinal());
	}

	/** UDP datagrams dropped for the given cause; any thread. */
	public long dropped(UdpDropCause cause) {
		return get(UDP_DROPPED + cause.ordinal());
	}

	/** TLS handshakes that failed for the given cause; any thread. */
	public long tlsFailures(TlsFailure failure) {
		return get(TLS_FAILURES + failure.ordinal());
	}

	/** Connections closed for the given TLS violation; any thread. */
	public long tlsViolations(TlsViolation violation) {
		return get(TLS_VIOLATIONS + violation.ordinal());
	}

	/** PROXY headers with the given result; any thread. */
	public long proxyHeaders(ProxyHeaderResult result) {
		return get(PROXY_HEADERS + result.ordinal());
	}

	/**
	 * Return every count and level by name, for diagnostics. Called from any thread.
	 * @return the values: counters, gauges, then the counts by kind of event, named as
	 * {@code CloseCause.EOF}
	 */
	public Map<String, Long> snapshot() {
		Map<String, Long> snapshot = new LinkedHashMap<>();
		for (Counter counter : Counter.values()) {
			snapshot.put(counter.name(), get(counter));
		}
		for (Gauge gauge : Gauge.values()) {
			snapshot.put(gauge.name(), get(gauge));
		}
		put(snapshot, CloseCause.values(), this::closed);
		put(snapshot, RejectCause.values(), this::rejected);
		put(snapshot, WakeupCause.values(), this::wakeups);
		put(snapshot, RebuildCause.values(), this::rebuilds);
		put(snapshot, AcceptError.values(), this::acceptErrors);
		put(snapshot, IncompleteWrite.values(), this::incompleteWrites);
		put(snapshot, UdpDropCause.values(), this::dropped);
		put(snapshot, TlsFailure.values(), this::tlsFailures);
		put(snapshot, TlsViolation.values(), this::tlsViolations);
		put(snapshot, ProxyHeaderResult.values(), this::proxyHeaders);
		return snapshot;
	}

	private static <E extends Enum<E>> void put(Map<String, Long> snapshot, E[] events, ToLongFunction<E> count) {
		for (E event : events) {
			snapshot.put(event.getDeclaringClass().getSimpleName() + "." + event.name(), count.applyAsLong(event));
		}
	}

}

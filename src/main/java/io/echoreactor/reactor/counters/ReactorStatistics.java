package io.echoreactor.reactor.counters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;

import io.echoreactor.proxy.ProxyHeaderResult;

/**
 * The counts and levels of one event-loop thread: a reactor, or the acceptor thread.
 *
 * <p>
 * <strong>Threading:</strong> exactly one thread, the owner, writes; any thread may read.
 * The owner publishes with opaque writes, which on x86 and ARM compile to plain stores:
 * no lock, no fence and no contended atomic on the hot path. A reader sees each value
 * eventually and each value on its own is never torn, but two values read one after the
 * other are not a consistent snapshot; meters do not need one.
 */
public final class ReactorStatistics {

	/** Monotonic counts; each one only ever grows. */
	public enum Counter {

		/** Connections registered with a reactor and served. */
		CONNECTIONS_ACCEPTED,

		/** Connections accepted and closed at once because {@code max-connections} was reached. */
		CONNECTIONS_REJECTED_LIMIT,

		/**
		 * Connections accepted and closed at once because their client's address already
		 * had {@code max-connections-per-address}.
		 */
		CONNECTIONS_REJECTED_ADDRESS_LIMIT,

		/** Connections closed: the client finished (read returned -1). */
		CLOSED_EOF,

		/** Connections closed: reset by peer or broken pipe. */
		CLOSED_RESET,

		/** Connections closed: idle timeout. */
		CLOSED_IDLE,

		/** Connections closed: maximum age reached. */
		CLOSED_MAX_AGE,

		/** Connections closed: server shutdown. */
		CLOSED_SHUTDOWN,

		/** Connections closed: other I/O error. */
		CLOSED_ERROR,

		/** Connections reset: pending output older than {@code write-timeout}. */
		CLOSED_WRITE_TIMEOUT,

		/** Connections reset to free pending-output memory for others. */
		CLOSED_EVICTED,

		/** Connections closed: the TLS handshake failed or timed out. */
		CLOSED_TLS_HANDSHAKE,

		/** Connections closed: the PROXY header was refused. */
		CLOSED_PROXY_HEADER,

		/** Connections reset: the client broke TLS after its handshake. */
		CLOSED_TLS_PROTOCOL,

		/** Closes sent as a reset (SO_LINGER 0) so that the client sees an error. */
		CLOSE_RESETS,

		/** Bytes read from clients. */
		BYTES_RECEIVED,

		/** Bytes written to clients. */
		BYTES_SENT,

		/** Returns from {@code select()} with keys selected. */
		WAKEUPS_IO,

		/** Returns from {@code select()} for queued work from another thread. */
		WAKEUPS_TASK,

		/** Returns from {@code select()} because the timeout elapsed. */
		WAKEUPS_TIMEOUT,

		/** Early returns from {@code select()} with no cause. */
		WAKEUPS_SPURIOUS,

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

		/** {@code write()} calls that wrote some but not all of what was offered. */
		WRITES_PARTIAL,

		/** {@code write()} calls that wrote nothing (EAGAIN). */
		WRITES_EMPTY,

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

		/** {@code accept()} failures because the process ran out of file descriptors. */
		ACCEPT_ERRORS_TOO_MANY_OPEN_FILES,

		/** Other {@code accept()} failures. */
		ACCEPT_ERRORS_OTHER,

		/** Tasks run that other threads had queued. */
		TASKS_RUN,

		/** Selectors rebuilt after {@code select()} failed. */
		SELECTOR_REBUILDS_FAILURE,

		/** Selectors rebuilt after {@code select()} kept returning for nothing. */
		SELECTOR_REBUILDS_SPIN,

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

		/** UDP datagrams dropped: source port below 1024. */
		UDP_DROPPED_LOW_SOURCE_PORT,

		/** UDP datagrams dropped: from the service's own socket. */
		UDP_DROPPED_OWN_ADDRESS,

		/** UDP datagrams dropped: from the service's own port on another address. */
		UDP_DROPPED_OWN_PORT,

		/** UDP datagrams dropped: the source's rate limit. */
		UDP_DROPPED_RATE_LIMIT,

		/** UDP datagrams dropped: the send buffer was full. */
		UDP_DROPPED_SEND_BUFFER_FULL,

		/** UDP datagrams dropped: {@code send()} failed. */
		UDP_DROPPED_SEND_ERROR,

		/** TLS handshakes completed. */
		TLS_HANDSHAKES,

		/** TLS handshakes failed: timeout. */
		TLS_FAILED_TIMEOUT,

		/** TLS handshakes failed: the client closed first. */
		TLS_FAILED_EOF,

		/** TLS handshakes failed: not TLS. */
		TLS_FAILED_NOT_TLS,

		/** TLS handshakes failed: no protocol version in common. */
		TLS_FAILED_PROTOCOL_VERSION,

		/** TLS handshakes failed: no cipher suite in common. */
		TLS_FAILED_NO_SHARED_CIPHER,

		/** TLS handshakes failed: a certificate was refused. */
		TLS_FAILED_BAD_CERTIFICATE,

		/** TLS handshakes failed: an unknown certificate authority. */
		TLS_FAILED_UNKNOWN_CA,

		/** TLS handshakes failed: a broken record or frame. */
		TLS_FAILED_PROTOCOL,

		/** TLS handshakes failed: no session memory within the handshake timeout. */
		TLS_FAILED_MEMORY,

		/** TLS handshakes failed: the engine could not be made. */
		TLS_FAILED_INTERNAL,

		/** TLS handshakes failed: anything else. */
		TLS_FAILED_OTHER,

		/** Client-initiated renegotiations refused (TLS 1.2). */
		TLS_VIOLATIONS_RENEGOTIATION,

		/** Connections closed for more key updates than allowed (TLS 1.3). */
		TLS_VIOLATIONS_KEY_UPDATES,

		/** Records after the handshake that failed to decrypt or were malformed. */
		TLS_VIOLATIONS_RECORD,

		/** Times a connection waited to read because session memory was short. */
		SESSION_MEMORY_WAITS,

		/** TLS delegated tasks run inline on the reactor thread. */
		TLS_TASKS,

		/** Nanoseconds the reactor spent in TLS delegated tasks. */
		TLS_TASK_NANOS,

		/** PROXY headers: v1. */
		PROXY_V1,

		/** PROXY headers: v2. */
		PROXY_V2,

		/** PROXY headers: LOCAL. */
		PROXY_LOCAL,

		/** PROXY headers: absent. */
		PROXY_ABSENT,

		/** PROXY headers: malformed. */
		PROXY_MALFORMED,

		/** PROXY headers: oversized. */
		PROXY_OVERSIZED,

		/** PROXY headers: required of an untrusted source. */
		PROXY_UNTRUSTED,

		/** PROXY headers: not complete in time. */
		PROXY_TIMEOUT

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

	private static final int GAUGE_OFFSET = PADDING + Counter.values().length;

	private final long[] values = new long[GAUGE_OFFSET + Gauge.values().length + PADDING];

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
		add(GAUGE_OFFSET + gauge.ordinal(), delta);
	}

	private void add(int index, long delta) {
		// A plain read is enough: only this thread ever writes the slot.
		VALUES.setOpaque(this.values, index, this.values[index] + delta);
	}

	/**
	 * Return the current value of a counter. Called from any thread.
	 * @param counter the counter
	 * @return its value
	 */
	public long get(Counter counter) {
		return (long) VALUES.getOpaque(this.values, PADDING + counter.ordinal());
	}

	/**
	 * Return the current value of a gauge. Called from any thread.
	 * @param gauge the gauge
	 * @return its value
	 */
	public long get(Gauge gauge) {
		return (long) VALUES.getOpaque(this.values, GAUGE_OFFSET + gauge.ordinal());
	}

	/**
	 * Return the number of connections closed for the given cause. Called from any thread.
	 * @param cause the close cause
	 * @return the count
	 */
	public long closed(CloseCause cause) {
		return get(closedCounter(cause));
	}

	/**
	 * Return the number of {@code select()} returns for the given cause. Called from any
	 * thread.
	 * @param cause the wakeup cause
	 * @return the count
	 */
	public long wakeups(WakeupCause cause) {
		return get(wakeupCounter(cause));
	}

	/**
	 * Return every counter and gauge by name, for diagnostics. Called from any thread.
	 * @return the values, counters first
	 */
	public Map<String, Long> snapshot() {
		Map<String, Long> snapshot = new java.util.LinkedHashMap<>();
		for (Counter counter : Counter.values()) {
			snapshot.put(counter.name(), get(counter));
		}
		for (Gauge gauge : Gauge.values()) {
			snapshot.put(gauge.name(), get(gauge));
		}
		return snapshot;
	}

	public static Counter closedCounter(CloseCause cause) {
		return switch (cause) {
			case EOF -> Counter.CLOSED_EOF;
			case RESET -> Counter.CLOSED_RESET;
			case IDLE -> Counter.CLOSED_IDLE;
			case MAX_AGE -> Counter.CLOSED_MAX_AGE;
			case SHUTDOWN -> Counter.CLOSED_SHUTDOWN;
			case ERROR -> Counter.CLOSED_ERROR;
			case WRITE_TIMEOUT -> Counter.CLOSED_WRITE_TIMEOUT;
			case EVICTED -> Counter.CLOSED_EVICTED;
			case TLS_HANDSHAKE -> Counter.CLOSED_TLS_HANDSHAKE;
			case PROXY_HEADER -> Counter.CLOSED_PROXY_HEADER;
			case TLS_PROTOCOL -> Counter.CLOSED_TLS_PROTOCOL;
		};
	}

	public static Counter proxyCounter(ProxyHeaderResult result) {
		return switch (result) {
			case V1 -> Counter.PROXY_V1;
			case V2 -> Counter.PROXY_V2;
			case LOCAL -> Counter.PROXY_LOCAL;
			case ABSENT -> Counter.PROXY_ABSENT;
			case MALFORMED -> Counter.PROXY_MALFORMED;
			case OVERSIZED -> Counter.PROXY_OVERSIZED;
			case UNTRUSTED -> Counter.PROXY_UNTRUSTED;
			case TIMEOUT -> Counter.PROXY_TIMEOUT;
		};
	}

	/**
	 * Return the number of PROXY headers with the given result. Called from any thread.
	 * @param result the result
	 * @return the count
	 */
	public long proxyHeaders(ProxyHeaderResult result) {
		return get(proxyCounter(result));
	}

	public static Counter tlsFailureCounter(TlsFailure failure) {
		return switch (failure) {
			case TIMEOUT -> Counter.TLS_FAILED_TIMEOUT;
			case EOF -> Counter.TLS_FAILED_EOF;
			case NOT_TLS -> Counter.TLS_FAILED_NOT_TLS;
			case PROTOCOL_VERSION -> Counter.TLS_FAILED_PROTOCOL_VERSION;
			case NO_SHARED_CIPHER -> Counter.TLS_FAILED_NO_SHARED_CIPHER;
			case BAD_CERTIFICATE -> Counter.TLS_FAILED_BAD_CERTIFICATE;
			case UNKNOWN_CA -> Counter.TLS_FAILED_UNKNOWN_CA;
			case PROTOCOL -> Counter.TLS_FAILED_PROTOCOL;
			case MEMORY -> Counter.TLS_FAILED_MEMORY;
			case INTERNAL -> Counter.TLS_FAILED_INTERNAL;
			case OTHER -> Counter.TLS_FAILED_OTHER;
		};
	}

	/**
	 * Return the number of TLS handshakes that failed for the given cause. Called from any
	 * thread.
	 * @param failure the cause
	 * @return the count
	 */
	public long tlsFailures(TlsFailure failure) {
		return get(tlsFailureCounter(failure));
	}

	public static Counter violationCounter(TlsViolation violation) {
		return switch (violation) {
			case RENEGOTIATION -> Counter.TLS_VIOLATIONS_RENEGOTIATION;
			case KEY_UPDATES -> Counter.TLS_VIOLATIONS_KEY_UPDATES;
			case RECORD -> Counter.TLS_VIOLATIONS_RECORD;
		};
	}

	/**
	 * Return the number of connections closed for the given TLS violation. Called from any
	 * thread.
	 * @param violation what the client did
	 * @return the count
	 */
	public long tlsViolations(TlsViolation violation) {
		return get(violationCounter(violation));
	}

	public static Counter wakeupCounter(WakeupCause cause) {
		return switch (cause) {
			case IO -> Counter.WAKEUPS_IO;
			case TASK -> Counter.WAKEUPS_TASK;
			case TIMEOUT -> Counter.WAKEUPS_TIMEOUT;
			case SPURIOUS -> Counter.WAKEUPS_SPURIOUS;
		};
	}

	public static Counter droppedCounter(UdpDropCause cause) {
		return switch (cause) {
			case LOW_SOURCE_PORT -> Counter.UDP_DROPPED_LOW_SOURCE_PORT;
			case OWN_ADDRESS -> Counter.UDP_DROPPED_OWN_ADDRESS;
			case OWN_PORT -> Counter.UDP_DROPPED_OWN_PORT;
			case RATE_LIMIT -> Counter.UDP_DROPPED_RATE_LIMIT;
			case SEND_BUFFER_FULL -> Counter.UDP_DROPPED_SEND_BUFFER_FULL;
			case SEND_ERROR -> Counter.UDP_DROPPED_SEND_ERROR;
		};
	}

	/**
	 * Return the number of UDP datagrams dropped for the given cause. Called from any
	 * thread.
	 * @param cause the drop cause
	 * @return the count
	 */
	public long dropped(UdpDropCause cause) {
		return get(droppedCounter(cause));
	}

	public static Counter rebuildCounter(RebuildCause cause) {
		return switch (cause) {
			case FAILURE -> Counter.SELECTOR_REBUILDS_FAILURE;
			case SPIN -> Counter.SELECTOR_REBUILDS_SPIN;
		};
	}

	/**
	 * Return the number of selector rebuilds for the given cause. Called from any thread.
	 * @param cause the rebuild cause
	 * @return the count
	 */
	public long rebuilds(RebuildCause cause) {
		return get(rebuildCounter(cause));
	}

}

package io.echoreactor.reactor.tcp;

import java.nio.ByteBuffer;
import java.util.Objects;

import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyProtocolParser;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ProxyHeaderResult;
import io.echoreactor.reactor.tls.TlsBuffers;
import org.jspecify.annotations.Nullable;

/**
 * Reading the PROXY protocol header (v1 or v2) that a load balancer sends before the
 * client's bytes, so that the connection reports the client it relays rather than the load
 * balancer. The header is never echoed. Only connections from trusted sources get this
 * stage: a header from anyone else would let any client forge its address.
 *
 * <p>
 * In {@code required} mode a connection must start with a header. In {@code optional}
 * mode (a migration aid) the stage waits for more bytes only while what has arrived is a
 * prefix of a signature, and otherwise hands the bytes on as data; the specification says
 * a receiver must not guess, so this applies to trusted sources only. A prefix of a
 * signature that is still all there is at the header timeout, or at the end of input, was
 * data too, and is echoed. A malformed, oversized or missing (when required) header, or
 * none complete within the header timeout, closes the connection with the cause
 * {@code proxy-header}: with a reset when bytes were held, which are never echoed.
 *
 * <p>
 * What has arrived of a header is held in a buffer sized for it, charged to
 * {@code max-session-memory}.
 */
final class ProxyHeaderStage implements Stage {

	private final long deadlineNanos;

	private final boolean required;

	private final boolean tls;

	// What has arrived of the header so far; null until a read leaves it incomplete.
	private @Nullable ByteBuffer partial;

	/**
	 * @param deadlineNanos when the header must be complete
	 * @param required whether the connection must start with a header
	 * @param tls whether a TLS handshake follows the header
	 */
	ProxyHeaderStage(long deadlineNanos, boolean required, boolean tls) {
		this.deadlineNanos = deadlineNanos;
		this.required = required;
		this.tls = tls;
	}

	@Override
	public void received(TcpConnection connection, ByteBuffer data) throws java.io.IOException {
		ByteBuffer bytes = data;
		if (this.partial != null) {
			append(connection, data);
			bytes = this.partial.flip();
		}
		ProxyProtocolParser.Result result = ProxyProtocolParser.parse(bytes);
		if (result instanceof ProxyProtocolParser.Result.Incomplete) {
			if (bytes != this.partial) {
				append(connection, bytes);
			}
			else {
				this.partial.position(this.partial.limit()).limit(this.partial.capacity());
			}
			return;
		}
		// What follows the header goes on to the next stage, which may hold bytes of its own.
		release(connection);
		if (result instanceof ProxyProtocolParser.Result.Parsed parsed) {
			bytes.position(bytes.position() + parsed.length());
			ProxyHeader header = parsed.header();
			boolean local = header.command() == ProxyHeader.Command.LOCAL || header.source() == null;
			headerRead(connection, local ? ProxyHeaderResult.LOCAL
					: (header.version() == 1) ? ProxyHeaderResult.V1 : ProxyHeaderResult.V2, header, this.tls, bytes);
		}
		else if (result instanceof ProxyProtocolParser.Result.Absent) {
			if (this.required) {
				connection.stages().proxyHeaderRefused(connection, ProxyHeaderResult.ABSENT, "no PROXY header");
			}
			else {
				headerRead(connection, ProxyHeaderResult.ABSENT, null, this.tls, bytes);
			}
		}
		else if (result instanceof ProxyProtocolParser.Result.Malformed malformed) {
			connection.stages().proxyHeaderRefused(connection, ProxyHeaderResult.MALFORMED, malformed.reason());
		}
		else if (result instanceof ProxyProtocolParser.Result.Oversized oversized) {
			connection.stages().proxyHeaderRefused(connection, ProxyHeaderResult.OVERSIZED, oversized.reason());
		}
	}

	/** @return whether bytes of a header not yet complete are held */
	boolean holdsBytes() {
		return this.partial != null;
	}

	// The header is read (or, in optional mode, found absent): count the client, move on,
	// and hand on the bytes that followed.
	private static void headerRead(TcpConnection connection, ProxyHeaderResult result, @Nullable ProxyHeader header,
			boolean tls, ByteBuffer rest) throws java.io.IOException {
		connection.proxy(header);
		java.net.InetAddress client = (header != null && header.source() != null
				&& result != ProxyHeaderResult.LOCAL) ? header.source().getAddress() : connection.peerAddress();
		if (!connection.stages().proxyHeaderRead(connection, result, client)) {
			return;
		}
		connection.stages().afterProxyHeader(connection, tls);
		if (rest.hasRemaining() && connection.isOpen()) {
			connection.received(rest);
		}
	}

	private void append(TcpConnection connection, ByteBuffer more) {
		ByteBuffer kept = this.partial;
		int capacity = (kept != null) ? kept.capacity() : 0;
		int needed = ((kept != null) ? kept.position() : 0) + more.remaining();
		ByteBuffer target = kept;
		if (target == null || needed > capacity) {
			// Bounded: the parser reports anything longer than its caps as oversized.
			ByteBuffer grown = ByteBuffer.allocate(TlsBuffers.heldCapacity(needed, capacity,
					ProxyProtocolParser.V2_MAX_LENGTH));
			if (kept != null) {
				grown.put(kept.flip());
			}
			this.partial = grown;
			connection.heldInPartChanged(grown.capacity() - capacity);
			target = grown;
		}
		target.put(more);
	}

	private void release(TcpConnection connection) {
		if (this.partial != null) {
			int capacity = this.partial.capacity();
			this.partial = null;
			connection.heldInPartChanged(-capacity);
		}
	}

	/** The connection closed: give back what the stage held. */
	void closed(TcpConnection connection) {
		release(connection);
	}

	@Override
	public void endOfInput(TcpConnection connection) throws java.io.IOException {
		if (heldSignaturePrefix()) {
			// No header can follow the end of input, so a prefix of a signature ("PRO") was
			// the client's data after all: echo it, then end as the echo ends.
			echoHeldAsData(connection);
			if (connection.isOpen()) {
				connection.stage().endOfInput(connection);
			}
		}
		else if (this.partial == null && !this.required) {
			connection.close(CloseCause.EOF);
		}
		else {
			connection.stages().proxyHeaderRefused(connection, (this.partial == null) ? ProxyHeaderResult.ABSENT
					: ProxyHeaderResult.MALFORMED, "the connection ended before the PROXY header");
		}
	}

	@Override
	public void flushed(TcpConnection connection) {
	}

	@Override
	public long deadlineNanos(TcpConnection connection) {
		return this.deadlineNanos;
	}

	@Override
	public void expired(TcpConnection connection, long nowNanos) throws java.io.IOException {
		if (nowNanos - this.deadlineNanos < 0) {
			return;
		}
		if (heldSignaturePrefix()) {
			// "PRO" or "\r\n" and nothing more in all this time: the client's data, which waits
			// for its echo, not a header.
			echoHeldAsData(connection);
			return;
		}
		connection.stages()
			.proxyHeaderRefused(connection, ProxyHeaderResult.TIMEOUT, "no complete PROXY header in time");
	}

	// In optional mode, whether all that arrived is a prefix of a signature.
	private boolean heldSignaturePrefix() {
		if (this.required || this.partial == null) {
			return false;
		}
		ByteBuffer held = this.partial.duplicate().flip();
		return ProxyProtocolParser.isSignaturePrefix(held);
	}

	private void echoHeldAsData(TcpConnection connection) throws java.io.IOException {
		ByteBuffer data = Objects.requireNonNull(this.partial, "no bytes held").flip();
		release(connection);
		headerRead(connection, ProxyHeaderResult.ABSENT, null, this.tls, data);
	}

	@Override
	public CloseCause closeCause() {
		return CloseCause.PROXY_HEADER;
	}

}

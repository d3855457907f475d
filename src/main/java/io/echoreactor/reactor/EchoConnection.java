package io.echoreactor.reactor;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection: its channel, its key, its interest ops and, only while a write
 * is incomplete, its {@link PendingOutput}. An idle connection holds no buffer.
 *
 * <p>
 * <strong>Threading:</strong> created, used and closed only on the thread of the
 * {@link EchoReactor} it was registered with, so no field needs a lock or a fence. It is
 * the attachment of its selection key.
 */
final class EchoConnection {

	final SocketChannel channel;

	/** Replaced only when the reactor rebuilds its selector. */
	SelectionKey key;

	/** The interest ops last set on {@link #key}, kept here to avoid asking the key. */
	int interestOps;

	/** Loop time (System.nanoTime) of the last byte read or written. */
	long lastActivityNanos;

	/** Loop time after which the connection is closed for its age; {@code Long.MAX_VALUE} if never. */
	final long expiresAtNanos;

	/** Non-null only while bytes wait to be written. */
	PendingOutput pending;

	/** Reading is paused because {@link #pending} passed the high-water mark. */
	boolean paused;

	/** The client shut down its output: close once everything is written. */
	boolean inputShutdown;

	/** The server is closing this connection for this cause; input is discarded, not echoed. */
	CloseCause closing;

	/** Loop time at which a closing connection is closed outright. */
	long closeDeadlineNanos;

	/** The server has sent its FIN. */
	boolean outputShutdown;

	EchoConnection(SocketChannel channel, SelectionKey key, long nowNanos, long expiresAtNanos) {
		this.channel = channel;
		this.key = key;
		this.interestOps = key.interestOps();
		this.lastActivityNanos = nowNanos;
		this.expiresAtNanos = expiresAtNanos;
	}

	void interestOps(int ops) {
		if (ops != this.interestOps) {
			this.interestOps = ops;
			this.key.interestOps(ops);
		}
	}

}

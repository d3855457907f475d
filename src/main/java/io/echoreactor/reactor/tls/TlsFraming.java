package io.echoreactor.reactor.tls;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * The framing of one TLS session's input, before any engine sees it: bytes that do not
 * make a whole record yet are held, from a record boundary on, in a heap buffer sized for
 * what arrived ({@link TlsBuffers#heldCapacity}), never more than the record can need,
 * and charged to the connection as the buffer grows and is given back. A client that
 * sends one byte of a record and holds is given a few dozen bytes, not a record's worth.
 *
 * <p>
 * A superclass of the session rather than an object of its own, so that a TLS connection
 * costs the objects it did. What a connection is stays the subclass's business: it is
 * {@code C}, handed through, and charged by {@link #heldChanged}.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread.
 *
 * @param <C> the connection the session belongs to
 */
public abstract class TlsFraming<C> {

	// Bytes not yet unwrapped, from a record boundary on, in write mode: a record that has
	// arrived in part, or everything since the first record while the handshake waits for
	// memory. Null when nothing is held.
	private @Nullable ByteBuffer held;

	/**
	 * The capacity of the buffer holding bytes in part changed: charge it to the connection.
	 * @param connection the connection
	 * @param delta the change, in bytes
	 */
	protected abstract void heldChanged(C connection, int delta);

	/** @return the bytes held in part (a record not complete yet), 0 if none */
	public final int heldBytes() {
		ByteBuffer held = this.held;
		return (held != null) ? held.position() : 0;
	}

	/** @return the bytes held, in write mode, or {@code null} when none are */
	protected final @Nullable ByteBuffer held() {
		return this.held;
	}

	/**
	 * Move from {@code input} into the held record what it lacks.
	 * @param connection the connection
	 * @param held the bytes held, which {@link #held()} returned
	 * @param input the bytes read
	 * @return the record's size once it is whole, 0 while it is not, or a negative
	 * {@link TlsRecords#recordSize} if its header is no record's
	 */
	protected final int completeHeldRecord(C connection, ByteBuffer held, ByteBuffer input) {
		if (held.position() < TlsRecords.HEADER_SIZE) {
			held = take(connection, held, TlsRecords.HEADER_SIZE - held.position(), TlsRecords.MAX_RECORD_SIZE,
					input);
			if (held.position() < TlsRecords.HEADER_SIZE) {
				return 0;
			}
		}
		int size = TlsRecords.recordSize(held, 0);
		if (size < 0) {
			return size;
		}
		held = take(connection, held, size - held.position(), size, input);
		return (held.position() == size) ? size : 0;
	}

	// Moves up to wanted bytes from source into the held buffer, growing it for them.
	private ByteBuffer take(C connection, ByteBuffer held, int wanted, int most, ByteBuffer source) {
		int moved = Math.min(wanted, source.remaining());
		held = ensureHeld(connection, held.position() + moved, most);
		held.put(held.position(), source, source.position(), moved).position(held.position() + moved);
		source.position(source.position() + moved);
		return held;
	}

	/**
	 * Keep what is left of {@code source}, behind what is held already.
	 * @param connection the connection
	 * @param source the bytes to keep, consumed entirely
	 * @param all whether to keep all of it, records after the first among them, as while
	 * the handshake waits for memory
	 */
	protected final void hold(C connection, ByteBuffer source, boolean all) {
		if (source == this.held) {
			source.compact();
			return;
		}
		int before = heldBytes();
		int needed = before + source.remaining();
		int most = all ? needed : Math.max(needed, recordSizeOrMax(source, before));
		ensureHeld(connection, needed, most).put(source);
	}

	// What the record that the held bytes start can need, once its header is there.
	private static int recordSizeOrMax(ByteBuffer source, int before) {
		if (before > 0 || source.remaining() < TlsRecords.HEADER_SIZE) {
			return TlsRecords.MAX_RECORD_SIZE;
		}
		int size = TlsRecords.recordSize(source, source.position());
		return (size > 0) ? size : TlsRecords.MAX_RECORD_SIZE;
	}

	private ByteBuffer ensureHeld(C connection, int needed, int most) {
		ByteBuffer held = this.held;
		int capacity = (held != null) ? held.capacity() : 0;
		if (held != null && needed <= capacity) {
			return held;
		}
		ByteBuffer grown = ByteBuffer.allocate(TlsBuffers.heldCapacity(needed, capacity, most));
		if (held != null) {
			grown.put(held.flip());
		}
		this.held = grown;
		heldChanged(connection, grown.capacity() - capacity);
		return grown;
	}

	/**
	 * Return the bytes held, flipped for reading: a whole record, or everything that waited
	 * for the handshake to start.
	 * @return the bytes held
	 */
	protected final ByteBuffer flipHeld() {
		ByteBuffer held = this.held;
		if (held == null) {
			throw new IllegalStateException("No bytes are held");
		}
		return held.flip();
	}

	/**
	 * Give back the buffer of the bytes held in part, if there is one.
	 * @param connection the connection
	 */
	protected final void releaseHeld(C connection) {
		ByteBuffer held = this.held;
		if (held != null) {
			this.held = null;
			heldChanged(connection, -held.capacity());
		}
	}

}

package io.echoreactor.bench.loop;

import java.nio.ByteBuffer;

/**
 * The bytes the client sends, the same as the C load clients' in {@code benchmarks/c/}
 * ({@code load-common.h}): a fixed pseudo-random table with a prime period. Byte {@code k}
 * of connection {@code c}'s stream is {@code table[(start(c) + k) % PERIOD]}; a UDP
 * datagram's payload starts at {@link #datagramOffset}. The period is prime and the table
 * random, so a lost, repeated or reordered byte shifts the stream and the bytes after it
 * stop matching; nothing sent has to be kept to check its echo.
 *
 * <p>
 * The table is stored twice in a row, so that any window of up to one period is
 * contiguous: messages are written from it and echoes compared with it without a copy.
 * {@link #TABLE} is read-only after class initialisation and shared by every thread; each
 * user takes its own {@link ByteBuffer#duplicate() duplicate} for positions and limits.
 */
public final class Payload {

	/** The table's period, a prime. */
	public static final int PERIOD = 65521;

	/** The table, twice, in direct memory. */
	public static final ByteBuffer TABLE = table();

	private Payload() {
	}

	/**
	 * Return where connection {@code index}'s stream begins in the table, so that
	 * connections differ.
	 * @param index the connection's (or flow's) number
	 * @return the offset, below {@link #PERIOD}
	 */
	public static int start(int index) {
		return (int) ((index * 7919L) % PERIOD);
	}

	/**
	 * Return where a datagram's payload begins in the table: a place that depends on its
	 * flow and sequence number, so an echo of another datagram does not match.
	 * @param start the flow's {@link #start(int) start}
	 * @param seq the datagram's sequence number
	 * @param length the payload's length (the datagram's size less its header)
	 * @return the offset, below {@link #PERIOD}
	 */
	public static int datagramOffset(int start, long seq, int length) {
		return (int) ((start + (seq % PERIOD) * (length % PERIOD)) % PERIOD);
	}

	/** @return a view of the table, positioned at 0, for one user */
	public static ByteBuffer view() {
		return TABLE.duplicate();
	}

	// xorshift64 from a fixed seed: the same table in every run and in the C clients.
	private static ByteBuffer table() {
		byte[] bytes = new byte[2 * PERIOD];
		long x = 0x9E3779B97F4A7C15L;
		for (int i = 0; i < PERIOD; i++) {
			x ^= x << 13;
			x ^= x >>> 7;
			x ^= x << 17;
			bytes[i] = (byte) (x >>> 24);
			bytes[PERIOD + i] = bytes[i];
		}
		ByteBuffer table = ByteBuffer.allocateDirect(bytes.length);
		table.put(bytes).clear();
		return table.asReadOnlyBuffer();
	}

}

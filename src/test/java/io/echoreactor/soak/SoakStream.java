package io.echoreactor.soak;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The byte stream a soak client sends and expects back. Byte {@code n} of the stream with
 * key {@code k} is {@code TABLE[(n + offset(k)) mod PERIOD]}, where the table is a fixed
 * pseudo-random block of {@value #PERIOD} bytes (a prime). Checking an echo is then a
 * vectorised {@link Arrays#mismatch} against the table, fast enough to verify a gibibyte
 * on a loaded machine, while a lost, repeated or reordered chunk of any power-of-two size
 * (the sizes buffers come in) shifts the stream by an amount that is not a multiple of the
 * period and fails at its first byte; the byte counts, which the clients check as well,
 * catch the rest. Streams of different keys start at different offsets, so bytes from
 * another connection do not match either.
 *
 * <p>
 * Plain JDK, no test libraries: the {@link StreamingEchoClient} child process uses it with
 * nothing but the test classes on its class path.
 */
final class SoakStream {

	/** The period of every stream: a prime, so that no buffer size divides it. */
	static final int PERIOD = 1_048_573;

	/** The longest run {@link #fill} and {@link #mismatch} handle at once. */
	private static final int SEGMENT = 64 * 1024;

	// TABLE[i] == TABLE[i % PERIOD] for every i, so that a segment never wraps.
	private static final byte[] TABLE = table();

	private final int offset;

	/**
	 * @param key any number, such as a client's index; different keys give different
	 * streams
	 */
	SoakStream(long key) {
		this.offset = (int) Math.floorMod(mix(key + 0x9E3779B97F4A7C15L), (long) PERIOD);
	}

	private static byte[] table() {
		byte[] table = new byte[PERIOD + SEGMENT];
		SplittableRandom random = new SplittableRandom(862);
		for (int i = 0; i < PERIOD; i += 8) {
			long word = random.nextLong();
			for (int j = 0; j < 8 && i + j < PERIOD; j++) {
				table[i + j] = (byte) (word >>> (j * 8));
			}
		}
		System.arraycopy(table, 0, table, PERIOD, SEGMENT);
		return table;
	}

	/**
	 * Fill {@code bytes[offset, offset + length)} with the stream from {@code position}.
	 * @param position the stream position of the first byte
	 * @param bytes where to write
	 * @param offset the first index to write
	 * @param length how many bytes
	 */
	void fill(long position, byte[] bytes, int offset, int length) {
		while (length > 0) {
			int n = Math.min(length, SEGMENT);
			System.arraycopy(TABLE, index(position), bytes, offset, n);
			position += n;
			offset += n;
			length -= n;
		}
	}

	/**
	 * Return the stream position of the first byte of {@code bytes[offset, offset +
	 * length)} that differs from the stream at {@code position}, or -1 if none does.
	 * @param position the stream position of the first byte
	 * @param bytes the bytes received
	 * @param offset the first index to check
	 * @param length how many bytes
	 * @return the position of the first wrong byte, or -1
	 */
	long mismatch(long position, byte[] bytes, int offset, int length) {
		while (length > 0) {
			int n = Math.min(length, SEGMENT);
			int index = index(position);
			int at = Arrays.mismatch(bytes, offset, offset + n, TABLE, index, index + n);
			if (at >= 0) {
				return position + at;
			}
			position += n;
			offset += n;
			length -= n;
		}
		return -1;
	}

	/**
	 * Return the byte the stream has at {@code position}.
	 * @param position the stream position
	 * @return the byte
	 */
	byte at(long position) {
		return TABLE[index(position)];
	}

	private int index(long position) {
		return (int) Math.floorMod(position + this.offset, (long) PERIOD);
	}

	private static long mix(long z) {
		// SplitMix64's finalizer: every input bit affects every output bit.
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}

package io.echoreactor.support;

import static org.assertj.core.api.Assertions.fail;

/**
 * The deterministic byte stream a test client sends and expects back: byte {@code n} of a
 * stream is a hash of the stream's key and {@code n}, so the echo can be checked as it
 * arrives without keeping what was sent, and a reordered, repeated, lost or foreign chunk
 * shows up at the first wrong byte. The stream has no short period, so a chunk shifted by
 * a buffer size does not match by accident.
 */
public final class EchoPattern {

	private EchoPattern() {
	}

	/**
	 * Return the key of the stream for a seed; streams of different seeds never line up.
	 * @param seed any number, e.g. a client's index
	 * @return the stream's key
	 */
	public static long key(long seed) {
		return mix(seed + 0x9E3779B97F4A7C15L);
	}

	/**
	 * Fill {@code bytes[offset, offset + length)} with the stream from {@code position}.
	 */
	public static void fill(long key, long position, byte[] bytes, int offset, int length) {
		long word = 0;
		for (int i = 0; i < length; i++) {
			long p = position + i;
			if (i == 0 || (p & 7) == 0) {
				word = word(key, p);
			}
			bytes[offset + i] = (byte) (word >>> ((p & 7) << 3));
		}
	}

	/**
	 * Fail at the first byte of {@code bytes[offset, offset + length)} that differs from the
	 * stream at {@code position}.
	 */
	public static void verify(long key, long position, byte[] bytes, int offset, int length) {
		long word = 0;
		for (int i = 0; i < length; i++) {
			long p = position + i;
			if (i == 0 || (p & 7) == 0) {
				word = word(key, p);
			}
			byte expected = (byte) (word >>> ((p & 7) << 3));
			if (bytes[offset + i] != expected) {
				fail("Echoed byte at stream position %d was %d, expected %d", p, bytes[offset + i], expected);
			}
		}
	}

	public static long mix(long z) {
		// SplitMix64's finalizer: every input bit affects every output bit.
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

	private static long word(long key, long position) {
		return mix(key ^ (position >>> 3));
	}

}

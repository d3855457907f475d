package io.echoreactor.reactor.udp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash of short inputs, designed so
 * that whoever does not know the key cannot choose inputs that collide. The
 * {@link SourceRateLimiter} hashes source addresses with it, so that a sender cannot aim
 * its spoofed sources at a victim's bucket.
 *
 * <p>
 * <strong>Threading:</strong> immutable; any thread.
 */
final class SipHash {

	private final long k0;

	private final long k1;

	/**
	 * @param k0 the key's first eight bytes, little-endian
	 * @param k1 the key's last eight bytes, little-endian
	 */
	SipHash(long k0, long k1) {
		this.k0 = k0;
		this.k1 = k1;
	}

	/**
	 * Return the 64-bit SipHash-2-4 of {@code data} under this key.
	 * @param data the input
	 * @return the hash
	 */
	long hash(byte[] data) {
		long v0 = 0x736f6d6570736575L ^ this.k0;
		long v1 = 0x646f72616e646f6dL ^ this.k1;
		long v2 = 0x6c7967656e657261L ^ this.k0;
		long v3 = 0x7465646279746573L ^ this.k1;
		int length = data.length;
		int whole = length - (length % 8);
		// Each whole 8-byte word, then the last word: the tail bytes under the length.
		for (int offset = 0; offset <= whole; offset += 8) {
			long word = (offset < whole) ? littleEndian(data, offset, 8)
					: ((long) length << 56) | littleEndian(data, offset, length - whole);
			v3 ^= word;
			for (int round = 0; round < 2; round++) {
				v0 += v1;
				v1 = Long.rotateLeft(v1, 13) ^ v0;
				v0 = Long.rotateLeft(v0, 32);
				v2 += v3;
				v3 = Long.rotateLeft(v3, 16) ^ v2;
				v0 += v3;
				v3 = Long.rotateLeft(v3, 21) ^ v0;
				v2 += v1;
				v1 = Long.rotateLeft(v1, 17) ^ v2;
				v2 = Long.rotateLeft(v2, 32);
			}
			v0 ^= word;
		}
		v2 ^= 0xff;
		for (int round = 0; round < 4; round++) {
			v0 += v1;
			v1 = Long.rotateLeft(v1, 13) ^ v0;
			v0 = Long.rotateLeft(v0, 32);
			v2 += v3;
			v3 = Long.rotateLeft(v3, 16) ^ v2;
			v0 += v3;
			v3 = Long.rotateLeft(v3, 21) ^ v0;
			v2 += v1;
			v1 = Long.rotateLeft(v1, 17) ^ v2;
			v2 = Long.rotateLeft(v2, 32);
		}
		return v0 ^ v1 ^ v2 ^ v3;
	}

	private static long littleEndian(byte[] data, int offset, int count) {
		long word = 0;
		for (int i = count - 1; i >= 0; i--) {
			word = (word << 8) | (data[offset + i] & 0xff);
		}
		return word;
	}

}

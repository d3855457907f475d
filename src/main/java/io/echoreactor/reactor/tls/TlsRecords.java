package io.echoreactor.reactor.tls;

import java.nio.ByteBuffer;

/**
 * The framing of TLS records (RFC 8446 5.1, RFC 5246 6.2): a five-byte header, content
 * type, version and length, then the fragment. The reactor frames records itself, before
 * any engine sees them, so that it holds a record in part in a buffer sized for what
 * arrived, hands the engine whole records only, and tells a client that speaks something
 * else, or breaks the framing, from one whose record is merely not complete yet.
 */
public final class TlsRecords {

	/** Content type, version and length. */
	public static final int HEADER_SIZE = 5;

	/** The longest fragment a record may carry: 2^14 plus TLS 1.2's allowance for expansion. */
	static final int MAX_FRAGMENT_SIZE = (1 << 14) + 2048;

	/** The longest record, header included. */
	public static final int MAX_RECORD_SIZE = HEADER_SIZE + MAX_FRAGMENT_SIZE;

	static final int CHANGE_CIPHER_SPEC = 20;

	static final int ALERT = 21;

	public static final int HANDSHAKE = 22;

	public static final int APPLICATION_DATA = 23;

	private TlsRecords() {
	}

	/**
	 * Return the size of the record whose header starts at {@code index}, header included,
	 * or why it is no record.
	 * @param bytes the bytes
	 * @param index where the header starts; {@link #HEADER_SIZE} bytes must be there
	 * @return the record's size, or {@link #NOT_A_RECORD} if the header is not that of a
	 * TLS record (an SSLv2-format hello among them), or {@link #TOO_LONG} if it names a
	 * fragment longer than any record may carry
	 */
	public static int recordSize(ByteBuffer bytes, int index) {
		int type = bytes.get(index) & 0xff;
		int major = bytes.get(index + 1) & 0xff;
		int minor = bytes.get(index + 2) & 0xff;
		if (type < CHANGE_CIPHER_SPEC || type > APPLICATION_DATA || major != 3 || minor > 4) {
			return NOT_A_RECORD;
		}
		int length = ((bytes.get(index + 3) & 0xff) << 8) | (bytes.get(index + 4) & 0xff);
		return (length > MAX_FRAGMENT_SIZE) ? TOO_LONG : HEADER_SIZE + length;
	}

	/** {@link #recordSize} of a header that is no TLS record header. */
	public static final int NOT_A_RECORD = -1;

	/** {@link #recordSize} of a header that names a fragment too long for any record. */
	public static final int TOO_LONG = -2;

	/**
	 * Return the content type of the record whose header starts at {@code index}.
	 * @param bytes the bytes
	 * @param index where the header starts
	 * @return the content type
	 */
	public static int contentType(ByteBuffer bytes, int index) {
		return bytes.get(index) & 0xff;
	}

}

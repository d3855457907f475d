package io.echoreactor.bench.tcp;

import java.nio.ByteBuffer;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.Payload;

/**
 * The check of the bytes a {@link TcpFlow}'s connection echoes against its {@link Payload}
 * stream, which starts at the connection's own offset: nothing sent is kept, each byte is
 * compared with the table as it arrives.
 */
final class StreamCheck {

	private static final int PERIOD = Payload.PERIOD;

	private StreamCheck() {
	}

	// Compares echoed bytes with the stream; on the first difference counts every wrong byte
	// of this read and fails the connection.
	static boolean verify(TcpFlow flow, int start, long received, ByteBuffer data, int length) {
		ByteBuffer expected = flow.expected();
		int position = data.position();
		int end = position + length;
		long at = received;
		while (position < end) {
			int offset = (int) ((start + at) % PERIOD);
			int chunk = Math.min(end - position, PERIOD);
			expected.limit(offset + chunk).position(offset);
			data.limit(position + chunk).position(position);
			int mismatch = data.mismatch(expected);
			if (mismatch >= 0) {
				// The count runs over the whole rest of the read, past this piece's limit.
				data.limit(end);
				corrupt(flow, start, data, position, end, at, position + mismatch);
				return false;
			}
			position += chunk;
			at += chunk;
		}
		return true;
	}

	// Counts the wrong bytes in [from, end) and fails the connection, naming the first of them.
	private static void corrupt(TcpFlow flow, int start, ByteBuffer data, int from, int end, long streamOffset, int first) {
		long wrong = 0;
		for (int i = from; i < end; i++) {
			if (data.get(i) != expectedAt(start, streamOffset + (i - from))) {
				wrong++;
			}
		}
		long at = streamOffset + (first - from);
		String message = String.format("byte %d of connection %d came back as 0x%02X instead of 0x%02X", at,
				flow.id(), data.get(first) & 0xFF, expectedAt(start, at) & 0xFF);
		flow.fail(ErrorKind.CORRUPT, wrong, message);
	}

	private static byte expectedAt(int start, long streamOffset) {
		return Payload.TABLE.get((int) ((start + streamOffset) % PERIOD));
	}

}

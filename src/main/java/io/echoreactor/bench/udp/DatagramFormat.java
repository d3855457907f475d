package io.echoreactor.bench.udp;

import java.nio.ByteBuffer;

import io.echoreactor.bench.loop.Payload;
import io.echoreactor.bench.options.BenchOptions;

/**
 * The datagrams of one {@link UdpFlow}, as the C client {@code udp-load} makes them: the
 * sequence number (8 bytes), the flow's number (4 bytes) and then payload bytes from a
 * place in the {@link Payload} table that depends on both, so that an echo names the
 * datagram it answers and is compared with it byte for byte. A datagram is written from
 * the table without a copy.
 *
 * <p>
 * <strong>Threading:</strong> confined to its flow's loop thread.
 */
final class DatagramFormat {

	private final int flow;

	private final int size;

	private final int payloadLength;

	private final int start;

	private final ByteBuffer header = ByteBuffer.allocateDirect(BenchOptions.UDP_HEADER);

	private final ByteBuffer view = Payload.view();

	private final ByteBuffer[] datagram = { this.header, this.view };

	/**
	 * Create the format of a flow's datagrams.
	 * @param flow the flow's number
	 * @param size the datagrams' size, header included
	 */
	DatagramFormat(int flow, int size) {
		this.flow = flow;
		this.size = size;
		this.payloadLength = size - BenchOptions.UDP_HEADER;
		this.start = Payload.start(flow);
	}

	/**
	 * Return a datagram, to be written at once: the buffers are reused by the next call.
	 * @param seq its sequence number
	 * @return its header and payload
	 */
	ByteBuffer[] datagram(long seq) {
		this.header.clear();
		this.header.putLong(0, seq).putInt(8, this.flow);
		int offset = Payload.datagramOffset(this.start, seq, this.payloadLength);
		this.view.limit(offset + this.payloadLength).position(offset);
		return this.datagram;
	}

	/**
	 * Return the sequence number an echo carries.
	 * @param echo the echo, of the datagrams' size
	 * @return its sequence number
	 */
	static long sequence(ByteBuffer echo) {
		return echo.getLong(0);
	}

	/**
	 * Return the flow number an echo carries.
	 * @param echo the echo, of the datagrams' size
	 * @return its flow's number
	 */
	static int flow(ByteBuffer echo) {
		return echo.getInt(8);
	}

	/**
	 * Compare an echo's payload with that of the datagram it names.
	 * @param echo the echo, of the datagrams' size; its position and limit are changed
	 * @param seq the sequence number it carries
	 * @param expected a view of the table, positioned by the comparison
	 * @return the payload bytes that differ, 0 when it is the datagram sent
	 */
	long wrongBytes(ByteBuffer echo, long seq, ByteBuffer expected) {
		int offset = Payload.datagramOffset(this.start, seq, this.payloadLength);
		expected.limit(offset + this.payloadLength).position(offset);
		echo.limit(this.size).position(BenchOptions.UDP_HEADER);
		if (echo.mismatch(expected) < 0) {
			return 0;
		}
		long wrong = 0;
		for (int i = 0; i < this.payloadLength; i++) {
			if (echo.get(BenchOptions.UDP_HEADER + i) != expected.get(offset + i)) {
				wrong++;
			}
		}
		return wrong;
	}

}

package io.echoreactor.bench.tcp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.LoadLoop;
import io.echoreactor.bench.loop.LoadRun;
import io.echoreactor.bench.loop.Payload;
import io.echoreactor.bench.options.BenchOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamCheck}: a read longer than the payload table's period is compared
 * in pieces, and a wrong byte in any piece is counted with every other wrong byte of the
 * read.
 */
@Timeout(30)
class StreamCheckTests {

	// The load loop's read buffer: longer than the table's period, so a read spans two pieces.
	private static final int READ = 64 * 1024;

	@Test
	void aWrongByteInTheFirstPieceOfAReadLongerThanThePeriodIsCountedWithTheRest() throws Exception {
		TcpFlow flow = flow();
		ByteBuffer data = stream(READ);
		flip(data, 10);
		flip(data, Payload.PERIOD + 5);
		assertThat(StreamCheck.verify(flow, 0, 0, data, READ)).isFalse();
		assertThat(flow.figures().errors(ErrorKind.CORRUPT)).isEqualTo(2);
	}

	@Test
	void aWrongByteInTheSecondPieceIsFound() throws Exception {
		TcpFlow flow = flow();
		ByteBuffer data = stream(READ);
		flip(data, Payload.PERIOD + 5);
		assertThat(StreamCheck.verify(flow, 0, 0, data, READ)).isFalse();
		assertThat(flow.figures().errors(ErrorKind.CORRUPT)).isEqualTo(1);
	}

	@Test
	void theStreamAsSentPasses() throws Exception {
		TcpFlow flow = flow();
		assertThat(StreamCheck.verify(flow, 0, 0, stream(READ), READ)).isTrue();
		assertThat(flow.figures().errors(ErrorKind.CORRUPT)).isZero();
	}

	private static TcpFlow flow() throws Exception {
		BenchOptions options = BenchOptions.parse("--connections", "1", "127.0.0.1:7");
		LoadRun run = new LoadRun(options, new InetSocketAddress("127.0.0.1", 7), null, TcpFlow::new, 1);
		return new TcpFlow(new LoadLoop(0, run), 0, Long.MAX_VALUE);
	}

	private static ByteBuffer stream(int length) {
		ByteBuffer data = ByteBuffer.allocateDirect(length);
		for (int i = 0; i < length; i++) {
			data.put(i, Payload.TABLE.get(i % Payload.PERIOD));
		}
		return data;
	}

	private static void flip(ByteBuffer data, int index) {
		data.put(index, (byte) (data.get(index) ^ 0xFF));
	}

}

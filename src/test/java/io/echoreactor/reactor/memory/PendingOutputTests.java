package io.echoreactor.reactor.memory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.support.EchoPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PendingOutput} and the {@link ReactorMemory} it draws chunks from: chunk
 * boundaries and partial writes, which sockets produce only when they feel like it, driven
 * here deterministically through a channel that takes a fixed number of bytes per write.
 */
@Timeout(10)
class PendingOutputTests {

	private static final int CHUNK = PendingOutputBudget.CHUNK_SIZE;

	private static final int RESERVE = ReactorMemory.reserveChunks(CHUNK);

	private final PendingOutputBudget budget = new PendingOutputBudget(64L * CHUNK);

	private final EventLoop loop = newLoop();

	private final ReactorMemory memory = new ReactorMemory(this.budget, this.loop, CHUNK);

	private final PendingOutput output = new PendingOutput(this.memory);

	PendingOutputTests() {
		this.memory.fillReserve();
	}

	private static EventLoop newLoop() {
		try {
			return new EventLoop("test-loop", 1_000_000_000L, SelectOperation.DEFAULT, new EventLoop.Owner() {

				@Override
				public boolean finished() {
					return true;
				}

				@Override
				public void ended(boolean died) {
				}

			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterEach
	void closeLoop() {
		this.loop.abandon();
	}

	private int inUse() {
		return this.budget.chunksInUse() - RESERVE;
	}

	private final long key = EchoPattern.key(42);

	private long appended;

	@Test
	void bytesAppendedAcrossChunkBoundariesAreWrittenInOrderByPartialWrites() throws IOException {
		for (int size : new int[] { 1, CHUNK - 2, 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, 7 }) {
			append(size);
		}
		assertThat(this.output.bytes()).isEqualTo(this.appended);
		LimitedChannel channel = new LimitedChannel(7_000);
		while (!this.output.isEmpty()) {
			long before = this.output.bytes();
			assertThat(this.output.writeTo(channel)).isEqualTo(Math.min(7_000, before));
			assertThat(this.output.bytes()).isEqualTo(before - Math.min(7_000, before));
		}
		assertWritten(channel);
		assertThat(inUse()).isZero();
	}

	@Test
	void bytesAppendedBetweenPartialWritesFollowThoseAlreadyPending() throws IOException {
		LimitedChannel channel = new LimitedChannel(CHUNK / 3);
		append(CHUNK + 100);
		this.output.writeTo(channel);
		append(2 * CHUNK);
		this.output.writeTo(channel);
		this.output.writeTo(channel);
		append(5);
		channel.limit = Integer.MAX_VALUE;
		this.output.writeTo(channel);
		assertThat(this.output.isEmpty()).isTrue();
		assertWritten(channel);
		assertThat(inUse()).isZero();
	}

	@Test
	void writeThatTakesNothingKeepsEveryByte() throws IOException {
		append(2 * CHUNK);
		LimitedChannel channel = new LimitedChannel(0);
		assertThat(this.output.writeTo(channel)).isZero();
		assertThat(this.output.bytes()).isEqualTo(2 * CHUNK);
		channel.limit = Integer.MAX_VALUE;
		this.output.writeTo(channel);
		assertWritten(channel);
	}

	@Test
	void releaseGivesEveryChunkBackForReuseAndAllocatesNoMore() throws IOException {
		append(6 * CHUNK + 1);
		assertThat(inUse()).isEqualTo(7);
		long allocated = this.budget.allocatedBytes();
		this.output.release();
		assertThat(this.output.isEmpty()).isTrue();
		assertThat(inUse()).isZero();
		append(6 * CHUNK + 1);
		this.output.release();
		assertThat(this.budget.allocatedBytes()).isEqualTo(allocated);
		// The released output is reusable and starts from its first chunk again.
		append(10);
		LimitedChannel channel = new LimitedChannel(Integer.MAX_VALUE);
		this.output.writeTo(channel);
		assertThat(channel.bytes.size()).isEqualTo(10);
	}

	private void append(int size) {
		byte[] bytes = new byte[size];
		EchoPattern.fill(this.key, this.appended, bytes, 0, size);
		ByteBuffer source = ByteBuffer.wrap(bytes);
		assertThat(this.output.append(source, System.nanoTime())).isTrue();
		assertThat(source.hasRemaining()).isFalse();
		this.appended += size;
	}

	private void assertWritten(LimitedChannel channel) {
		byte[] written = channel.bytes.toByteArray();
		assertThat(written).hasSize((int) this.appended);
		EchoPattern.verify(this.key, 0, written, 0, written.length);
	}

	/**
	 * A channel that takes at most {@code limit} bytes per gathering write, as a socket
	 * with a nearly full send buffer does.
	 */
	private static final class LimitedChannel implements GatheringByteChannel {

		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		private int limit;

		LimitedChannel(int limit) {
			this.limit = limit;
		}

		@Override
		public long write(ByteBuffer[] sources, int offset, int length) {
			long written = 0;
			for (int i = offset; i < offset + length && written < this.limit; i++) {
				ByteBuffer source = sources[i];
				int n = (int) Math.min(source.remaining(), this.limit - written);
				byte[] chunk = new byte[n];
				source.get(chunk);
				this.bytes.write(chunk, 0, n);
				written += n;
			}
			return written;
		}

		@Override
		public long write(ByteBuffer[] sources) {
			return write(sources, 0, sources.length);
		}

		@Override
		public int write(ByteBuffer source) {
			return (int) write(new ByteBuffer[] { source });
		}

		@Override
		public boolean isOpen() {
			return true;
		}

		@Override
		public void close() {
		}

	}

}

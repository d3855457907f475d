package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.RebuildCause;
import io.echoreactor.reactor.counters.WakeupCause;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LoopSelector}, driven from the test thread with real channels and an
 * injected {@link SelectOperation} standing in for epoll: one that returns for nothing (a
 * spinning epoll descriptor), one that fails, and a waker that is descheduled between
 * taking the wakeup flag and calling {@code wakeup()}.
 */
@Timeout(30)
class LoopSelectorTests {

	private static final long LONG_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

	private static final long SHORT_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final ReactorStatistics statistics = new ReactorStatistics("test-loop");

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final FakeEpoll epoll = new FakeEpoll();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final Consumer<SelectionKey> dispatch = (key) -> ((Recording) key.attachment()).dispatched(key);

	private LoopSelector selector;

	private Pipe pipe;

	private Recording reading;

	private Recording flushing;

	private Recording waiting;

	private Recording listening;

	@BeforeEach
	void registerChannels() throws IOException {
		this.selector = new LoopSelector("test-loop", this.epoll, this.statistics, this.tasks);
		this.pipe = Pipe.open();
		this.closeables.add(this.pipe.sink());
		this.reading = register(this.pipe.source(), SelectionKey.OP_READ);
		// A connection with pending output its peer does not read: interested in writing,
		// never writable.
		ServerSocketChannel listener = ServerSocketChannel.open()
			.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		this.closeables.add(listener);
		SocketChannel client = SocketChannel.open(listener.getLocalAddress());
		this.closeables.add(client);
		SocketChannel accepted = listener.accept();
		fillSendBuffer(accepted);
		this.flushing = register(accepted, SelectionKey.OP_WRITE);
		// A connection whose reading is paused and that has nothing to write.
		Pipe paused = Pipe.open();
		this.closeables.add(paused.sink());
		this.waiting = register(paused.source(), 0);
		this.listening = register(listener, SelectionKey.OP_ACCEPT);
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		this.selector.close();
	}

	@Test
	void aSelectorThatReturns512TimesInARowForNothingIsRebuiltWithEveryKeyItsInterestSetAndAttachment()
			throws IOException {
		Map<Recording, Integer> interestBefore = interestOps();
		Map<Recording, SelectionKey> keysBefore = keys();
		Selector spinning = this.epoll.opened.get(0);
		this.epoll.spurious = LoopSelector.SPIN_THRESHOLD;
		for (int i = 1; i < LoopSelector.SPIN_THRESHOLD; i++) {
			this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
		}
		assertThat(this.statistics.wakeups(WakeupCause.SPURIOUS)).isEqualTo(LoopSelector.SPIN_THRESHOLD - 1);
		assertThat(this.statistics.rebuilds(RebuildCause.SPIN)).isZero();
		assertThat(this.epoll.opened).hasSize(1);
		this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
		assertThat(this.statistics.wakeups(WakeupCause.SPURIOUS)).isEqualTo(LoopSelector.SPIN_THRESHOLD);
		assertThat(this.statistics.rebuilds(RebuildCause.SPIN)).isOne();
		assertThat(this.statistics.rebuilds(RebuildCause.FAILURE)).isZero();
		assertMovedToANewSelector(spinning, interestBefore, keysBefore);
		assertKeysStillWork();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(value = WakeupCause.class, names = { "IO", "TASK", "TIMEOUT" })
	void anyOtherReturnBetweenSpuriousOnesStartsTheSpinCountAgain(WakeupCause between) throws IOException {
		spuriousReturns(LoopSelector.SPIN_THRESHOLD - 1);
		switch (between) {
			case IO -> {
				this.pipe.sink().write(ByteBuffer.wrap(new byte[] { 1 }));
				this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
			}
			case TASK -> {
				this.tasks.add(() -> {
				});
				this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
				this.tasks.clear();
			}
			default -> this.selector.select(SHORT_TIMEOUT_NANOS, this.dispatch);
		}
		assertThat(this.statistics.wakeups(between)).isOne();
		spuriousReturns(LoopSelector.SPIN_THRESHOLD - 1);
		assertThat(this.statistics.wakeups(WakeupCause.SPURIOUS)).isEqualTo(2L * (LoopSelector.SPIN_THRESHOLD - 1));
		assertThat(this.statistics.rebuilds(RebuildCause.SPIN)).isZero();
		assertThat(this.epoll.opened).hasSize(1);
	}

	@Test
	void aSelectThatFailsIsRebuiltWithEveryKeyAndCountedAsAFailure() throws IOException {
		Map<Recording, Integer> interestBefore = interestOps();
		Map<Recording, SelectionKey> keysBefore = keys();
		Selector broken = this.epoll.opened.get(0);
		this.epoll.failure = new IOException("Simulated failure of epoll_wait");
		assertThat(this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch)).isZero();
		assertThat(this.statistics.rebuilds(RebuildCause.FAILURE)).isOne();
		assertThat(this.statistics.rebuilds(RebuildCause.SPIN)).isZero();
		assertMovedToANewSelector(broken, interestBefore, keysBefore);
		assertKeysStillWork();
	}

	@ParameterizedTest(name = "after a select that returned for {0}")
	@EnumSource(value = WakeupCause.class, names = { "IO", "TASK", "TIMEOUT" })
	void aWakeupThatLandsAfterTheSelectItWasMeantForHasReturnedCountsAsTaskNeverSpurious(WakeupCause firstReturn)
			throws Exception {
		CountDownLatch descheduled = new CountDownLatch(1);
		Thread waker = new Thread(() -> {
			this.tasks.add(() -> {
			});
			this.selector.wakeup();
		}, "descheduled-waker");
		// Inside select(): the waker takes the flag, then stalls before its wakeup() call.
		this.epoll.holdNextWakeup(descheduled);
		this.epoll.beforeNextSelect = () -> {
			waker.start();
			this.epoll.awaitWakeupHeld();
		};
		long timeout = LONG_TIMEOUT_NANOS;
		switch (firstReturn) {
			case IO -> this.pipe.sink().write(ByteBuffer.wrap(new byte[] { 1 }));
			case TASK -> this.tasks.add(() -> {
			});
			default -> timeout = SHORT_TIMEOUT_NANOS;
		}
		this.selector.select(timeout, this.dispatch);
		this.tasks.clear();
		assertThat(this.statistics.wakeups(firstReturn)).isOne();
		assertThat(this.statistics.get(Counter.WAKEUP_CALLS)).isOne();
		descheduled.countDown();
		waker.join(10_000);
		// The late wakeup() left the selector signalled: this select() returns at once for it.
		this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
		assertThat(this.statistics.wakeups(WakeupCause.TASK)).isEqualTo((firstReturn == WakeupCause.TASK) ? 2 : 1);
		assertThat(this.statistics.wakeups(WakeupCause.SPURIOUS)).isZero();
		// Consumed: the next quiet select() times out.
		this.selector.select(SHORT_TIMEOUT_NANOS, this.dispatch);
		assertThat(this.statistics.wakeups(WakeupCause.TIMEOUT))
			.isEqualTo((firstReturn == WakeupCause.TIMEOUT) ? 2 : 1);
		assertThat(this.statistics.wakeups(WakeupCause.SPURIOUS)).isZero();
		assertThat(this.statistics.get(Counter.WAKEUP_CALLS)).isOne();
	}

	@Test
	void aWakeupThatEndsASelectIsCountedOnceAsTaskAndDoesNotLinger() throws Exception {
		Thread waker = new Thread(() -> {
			this.tasks.add(() -> {
			});
			this.selector.wakeup();
		}, "waker");
		this.epoll.beforeNextSelect = () -> {
			waker.start();
			try {
				waker.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		};
		this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
		this.tasks.clear();
		assertThat(this.statistics.wakeups(WakeupCause.TASK)).isOne();
		this.selector.select(SHORT_TIMEOUT_NANOS, this.dispatch);
		assertThat(this.statistics.wakeups(WakeupCause.TIMEOUT)).isOne();
		assertThat(this.statistics.wakeups(WakeupCause.TASK)).isOne();
		assertThat(this.statistics.get(Counter.WAKEUP_CALLS)).isOne();
	}

	private void spuriousReturns(int count) {
		this.epoll.spurious = count;
		for (int i = 0; i < count; i++) {
			this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch);
		}
		assertThat(this.epoll.spurious).isZero();
	}

	private void assertMovedToANewSelector(Selector old, Map<Recording, Integer> interestBefore,
			Map<Recording, SelectionKey> keysBefore) {
		assertThat(this.epoll.opened).hasSize(2);
		assertThat(old.isOpen()).isFalse();
		assertThat(interestOps()).isEqualTo(interestBefore);
		for (Recording recording : List.of(this.reading, this.flushing, this.waiting, this.listening)) {
			SelectionKey key = keys().get(recording);
			assertThat(key.selector()).isSameAs(this.epoll.opened.get(1));
			assertThat(recording.key).as("the key the attachment was told of").isSameAs(key);
			assertThat(keysBefore.get(recording).isValid()).isFalse();
			assertThat(recording.aborted).isNull();
			assertThat(key.channel().isOpen()).isTrue();
		}
	}

	// The new selector reports readiness for the moved keys.
	private void assertKeysStillWork() throws IOException {
		this.pipe.sink().write(ByteBuffer.wrap(new byte[] { 1 }));
		assertThat(this.selector.select(LONG_TIMEOUT_NANOS, this.dispatch)).isOne();
		assertThat(this.reading.readyOps).isEqualTo(SelectionKey.OP_READ);
		assertThat(this.flushing.readyOps).isZero();
		assertThat(this.waiting.readyOps).isZero();
		assertThat(this.listening.readyOps).isZero();
	}

	private Recording register(SelectableChannel channel, int ops) throws IOException {
		this.closeables.add(channel);
		channel.configureBlocking(false);
		Recording recording = new Recording();
		recording.key = this.selector.register(channel, ops, recording);
		return recording;
	}

	private Map<Recording, Integer> interestOps() {
		Map<Recording, Integer> interest = new IdentityHashMap<>();
		keys().forEach((recording, key) -> interest.put(recording, key.interestOps()));
		return interest;
	}

	private Map<Recording, SelectionKey> keys() {
		Map<Recording, SelectionKey> keys = new IdentityHashMap<>();
		for (SelectionKey key : this.selector.keys()) {
			keys.put((Recording) key.attachment(), key);
		}
		return keys;
	}

	private static void fillSendBuffer(SocketChannel channel) throws IOException {
		channel.configureBlocking(false);
		ByteBuffer data = ByteBuffer.allocate(64 * 1024);
		int zeroWrites = 0;
		while (zeroWrites < 3) {
			zeroWrites = (channel.write(data.clear()) == 0) ? zeroWrites + 1 : 0;
		}
	}

	/**
	 * What a loop registers: remembers its key, what it was told and what was ready.
	 */
	private static final class Recording implements Selectable {

		private volatile SelectionKey key;

		private volatile CloseCause aborted;

		private int readyOps;

		void dispatched(SelectionKey key) {
			this.readyOps |= key.readyOps();
			if (key.isReadable() && key.channel() instanceof ReadableByteChannel channel) {
				try {
					channel.read(ByteBuffer.allocate(16));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}
		}

		@Override
		public void ready(int readyOps) {
			this.readyOps |= readyOps;
		}

		@Override
		public void rekeyed(SelectionKey key) {
			this.key = key;
		}

		@Override
		public void abort(CloseCause cause) {
			this.aborted = cause;
		}

	}

	/**
	 * Stands in for epoll: returns at once for nothing while {@link #spurious} lasts, fails
	 * once with {@link #failure}, runs a hook inside the next select, and can hold the next
	 * {@code wakeup()} call. Everything except {@code wakeup()} runs on the test thread.
	 */
	private static final class FakeEpoll implements SelectOperation {

		private final List<Selector> opened = new ArrayList<>();

		private final CountDownLatch wakeupHeld = new CountDownLatch(1);

		private int spurious;

		private IOException failure;

		private Runnable beforeNextSelect;

		private volatile CountDownLatch holdWakeup;

		@Override
		public Selector open() throws IOException {
			Selector selector = SelectorProvider.provider().openSelector();
			this.opened.add(selector);
			return selector;
		}

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			runHook();
			IOException failure = this.failure;
			if (failure != null) {
				this.failure = null;
				throw failure;
			}
			if (this.spurious > 0) {
				this.spurious--;
				return 0;
			}
			return selector.select(action, timeoutMillis);
		}

		@Override
		public int selectNow(Selector selector, Consumer<SelectionKey> action) throws IOException {
			runHook();
			return selector.selectNow(action);
		}

		@Override
		public void wakeup(Selector selector) {
			CountDownLatch hold = this.holdWakeup;
			if (hold != null) {
				this.holdWakeup = null;
				this.wakeupHeld.countDown();
				try {
					hold.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			selector.wakeup();
		}

		void holdNextWakeup(CountDownLatch until) {
			this.holdWakeup = until;
		}

		void awaitWakeupHeld() {
			try {
				assertThat(this.wakeupHeld.await(10, TimeUnit.SECONDS)).as("waker inside wakeup()").isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		private void runHook() {
			Runnable hook = this.beforeNextSelect;
			if (hook != null) {
				this.beforeNextSelect = null;
				hook.run();
			}
		}

	}

}

package io.echoreactor.bench;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the {@link LoadLoop}s of one run share with the thread that started them: the
 * target, the moment the echo starts, the connection counts while connecting, and the
 * queue of {@link Interval}s they hand over.
 *
 * <p>
 * The timeline: every loop opens its connections (all at once, or at
 * {@code --connect-rate} from {@link #origin()}) and reports once each is ready or has
 * failed; when all loops have, the starting thread calls {@link #start(long)}; the
 * warm-up, then the measured window follow from that moment.
 *
 * <p>
 * <strong>Threading:</strong> the fields set in {@link #start(long)} are written before
 * the volatile {@code startNanos} and read after it, which orders them.
 */
final class LoadRun {

	private final BenchOptions options;

	private final InetSocketAddress address;

	private final ClientTls tls;

	private final long origin;

	private final CountDownLatch connecting;

	private final BlockingQueue<Interval> handoffs = new LinkedBlockingQueue<>();

	private final AtomicInteger established = new AtomicInteger();

	private final AtomicInteger failed = new AtomicInteger();

	private long windowStart;

	private long windowEnd;

	private volatile long startNanos;

	private volatile Runnable wakeup = () -> {
	};

	LoadRun(BenchOptions options, InetSocketAddress address, ClientTls tls, int loops) {
		this.options = options;
		this.address = address;
		this.tls = tls;
		this.origin = System.nanoTime();
		this.connecting = new CountDownLatch(loops);
	}

	BenchOptions options() {
		return this.options;
	}

	InetSocketAddress address() {
		return this.address;
	}

	/** @return the client's TLS, or {@code null} */
	ClientTls tls() {
		return this.tls;
	}

	/** @return when connecting began: connection {@code i} opens at origin + i / connect-rate */
	long origin() {
		return this.origin;
	}

	/** @param wakeup what wakes every loop once the echo starts */
	void onStart(Runnable wakeup) {
		this.wakeup = wakeup;
	}

	// Called from any loop.

	void connectionReady() {
		this.established.incrementAndGet();
	}

	void connectionFailed() {
		this.failed.incrementAndGet();
	}

	void loopConnected() {
		this.connecting.countDown();
	}

	void handOff(Interval interval) {
		this.handoffs.offer(interval);
	}

	// Called by the starting thread.

	int established() {
		return this.established.get();
	}

	int failed() {
		return this.failed.get();
	}

	boolean awaitConnected(long millis) throws InterruptedException {
		return this.connecting.await(millis, TimeUnit.MILLISECONDS);
	}

	Interval nextHandoff(long millis) throws InterruptedException {
		return this.handoffs.poll(millis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Start the echo on every loop.
	 * @param now the moment it starts
	 */
	void start(long now) {
		this.windowStart = now + this.options.warmupNanos();
		this.windowEnd = this.options.byMessages() ? Long.MAX_VALUE : this.windowStart + this.options.durationNanos();
		this.startNanos = now;
		this.wakeup.run();
	}

	/** @return when the echo started, or 0 before */
	long startNanos() {
		return this.startNanos;
	}

	/** @return when the measured window starts; read after {@link #startNanos()} is set */
	long windowStart() {
		return this.windowStart;
	}

	/** @return when it ends, or {@link Long#MAX_VALUE} when a number of messages ends the run */
	long windowEnd() {
		return this.windowEnd;
	}

}

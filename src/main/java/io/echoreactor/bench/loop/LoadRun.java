package io.echoreactor.bench.loop;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tls.ClientTls;
import org.jspecify.annotations.Nullable;

/**
 * What the {@link LoadLoop}s of one run share with the thread that started them: the
 * target, the making of each loop's {@link Flow}s, the moment the echo starts, the
 * connection counts while connecting, and the queue of {@link Interval}s they hand over.
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
public final class LoadRun {

	private final BenchOptions options;

	private final InetSocketAddress address;

	private final @Nullable ClientTls tls;

	private final Flow.Factory flows;

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

	/**
	 * Share a run among its loops.
	 * @param options the options
	 * @param address the server
	 * @param tls the client's TLS, or {@code null}
	 * @param flows makes the flows of the run's protocol
	 * @param loops the loops that will connect
	 */
	public LoadRun(BenchOptions options, InetSocketAddress address, @Nullable ClientTls tls, Flow.Factory flows, int loops) {
		this.options = options;
		this.address = address;
		this.tls = tls;
		this.flows = flows;
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
	@Nullable ClientTls tls() {
		return this.tls;
	}

	/**
	 * Make a loop's share of the connections: connection {@code id} belongs to loop
	 * {@code id % threads} and, with {@code --messages}, sends its share of them.
	 * @param loop the loop
	 * @return its flows
	 */
	Flow[] flows(LoadLoop loop) {
		int threads = this.options.threads();
		int connections = this.options.connections();
		int index = loop.index();
		int count = connections / threads + ((index < connections % threads) ? 1 : 0);
		Flow[] flows = new Flow[count];
		for (int k = 0; k < count; k++) {
			int id = index + k * threads;
			long quota = Long.MAX_VALUE;
			if (this.options.byMessages()) {
				quota = this.options.messages() / connections + ((id < this.options.messages() % connections) ? 1 : 0);
			}
			flows[k] = this.flows.create(loop, id, quota);
		}
		return flows;
	}

	/** @return when connecting began: connection {@code i} opens at origin + i / connect-rate */
	long origin() {
		return this.origin;
	}

	/** @param wakeup what wakes every loop once the echo starts */
	public void onStart(Runnable wakeup) {
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

	/** @return the connections (flows) ready so far */
	public int established() {
		return this.established.get();
	}

	/** @return the connections (flows) that failed before they were ready */
	public int failed() {
		return this.failed.get();
	}

	/**
	 * Wait until every loop has opened its connections, or for a while.
	 * @param millis how long to wait at most
	 * @return whether every loop has
	 * @throws InterruptedException if the thread is interrupted
	 */
	public boolean awaitConnected(long millis) throws InterruptedException {
		return this.connecting.await(millis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Take the next interval a loop handed over, waiting a while for one.
	 * @param millis how long to wait at most
	 * @return the interval, or {@code null} if none came
	 * @throws InterruptedException if the thread is interrupted
	 */
	public Interval nextHandoff(long millis) throws InterruptedException {
		return this.handoffs.poll(millis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Start the echo on every loop.
	 * @param now the moment it starts
	 */
	public void start(long now) {
		this.windowStart = now + this.options.warmupNanos();
		this.windowEnd = this.options.byMessages() ? Long.MAX_VALUE : this.windowStart + this.options.durationNanos();
		this.startNanos = now;
		this.wakeup.run();
	}

	/**
	 * Return how long what is in flight at the window's end is waited for: {@code --timeout},
	 * or for UDP {@code --udp-timeout}, after which a datagram is lost anyway.
	 * @return the wait in nanoseconds
	 */
	long drainNanos() {
		return (this.options.protocol() == BenchOptions.Protocol.UDP) ? this.options.udpTimeoutNanos()
				: this.options.timeoutNanos();
	}

	/** @return when the echo started, or 0 before */
	long startNanos() {
		return this.startNanos;
	}

	/** @return when the measured window starts; read after {@link #startNanos()} is set */
	public long windowStart() {
		return this.windowStart;
	}

	/** @return when it ends, or {@link Long#MAX_VALUE} when a number of messages ends the run */
	public long windowEnd() {
		return this.windowEnd;
	}

}

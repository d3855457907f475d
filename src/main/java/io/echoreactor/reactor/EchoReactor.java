package io.echoreactor.reactor;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import io.echoreactor.reactor.ReactorStatistics.Counter;
import io.echoreactor.reactor.ReactorStatistics.Gauge;
import jdk.net.ExtendedSocketOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One event loop: one thread named {@code echo-reactor-N}, one {@link Selector}, and the
 * {@link EchoConnection connections} registered with it for their whole life. Each pass
 * of the loop selects (bounded by the select timeout), echoes on the selected keys, runs
 * the tasks other threads queued, and does its housekeeping (idle and age limits, the
 * drain).
 *
 * <p>
 * <strong>Threading:</strong> everything here runs on the reactor thread except
 * {@link #execute(Runnable)}, {@link #register(SocketChannel)} and the read-only
 * accessors, which any thread may call. Other threads never touch a connection, a key or
 * the selector's key set; they queue a task, and {@link #execute(Runnable)} wakes the
 * selector only when the loop may be blocked in it.
 */
public final class EchoReactor {

	private static final Log logger = LogFactory.getLog(EchoReactor.class);

	/** Thread name prefix by which tools find the reactor threads. */
	public static final String THREAD_NAME_PREFIX = "echo-reactor-";

	private static final Object LISTENER = new Object();

	private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private static final int MAX_IDLE_POOL_BYTES = 4 * 1024 * 1024;

	/** How often closing connections are checked against their deadline. */
	private static final long CLOSING_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	/** Returns this much earlier than the timeout still count as a timeout (clock granularity). */
	private static final long TIMEOUT_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final int index;

	private final String name;

	private final EchoServerSettings settings;

	private final ConnectionLimit limit;

	private final SelectOperation selectOperation;

	private final ReactorStatistics statistics;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	// True while the loop may block in select(). Whoever flips it to false owns the one
	// wakeup() call this pass needs: the compare-and-set coalesces any number of execute()
	// calls into one eventfd write, and the loop reads the flag back after select() to
	// learn whether a wakeup was issued (see runOnce).
	private final AtomicBoolean wakeupArmed = new AtomicBoolean();

	private final ByteBuffer readBuffer;

	private final BufferPool pool;

	private final ArrayDeque<PendingOutput> spareOutputs = new ArrayDeque<>();

	private final Accepting accepting;

	private final Thread thread;

	private final CompletableFuture<Void> drained = new CompletableFuture<>();

	private final CompletableFuture<Void> terminated = new CompletableFuture<>();

	private final ThrottledWarning loopFailures = new ThrottledWarning(logger);

	private final ThrottledWarning outOfMemory = new ThrottledWarning(logger);

	private final long idleTimeoutNanos;

	private final long maxAgeNanos;

	private final long selectTimeoutNanos;

	private final long sweepIntervalNanos;

	private volatile Selector selector;

	private volatile State state = State.NEW;

	private volatile IntConsumer readyKeysListener = (readyKeys) -> {
	};

	// Reactor-thread state.

	private ServerSocketChannel listener;

	private long acceptPausedUntilNanos;

	private boolean acceptPaused;

	private int connections;

	private int closingConnections;

	private long now = System.nanoTime();

	private long nextSweepNanos;

	private long closeDeadlineNanos;

	// A wakeup() issued after select() had already returned leaves the eventfd signalled;
	// the next select() returns at once for it and is counted as a task wakeup.
	private boolean wakeupMayLinger;

	// The loop ended with an Error: what it leaves open is closed as an error, not a shutdown.
	private boolean died;

	EchoReactor(int index, EchoServerSettings settings, ConnectionLimit limit, PendingOutputBudget budget,
			SelectOperation selectOperation) throws IOException {
		this.index = index;
		this.name = THREAD_NAME_PREFIX + index;
		this.settings = settings;
		this.limit = limit;
		this.selectOperation = selectOperation;
		this.statistics = new ReactorStatistics(this.name);
		this.readBuffer = ByteBuffer.allocateDirect(settings.readBufferSize());
		int chunksPerConnection = (settings.writeBufferHighWaterMark() + settings.readBufferSize())
				/ BufferPool.CHUNK_SIZE + 1;
		// Keep enough free chunks for a few partial writes in flight, but never more than
		// MAX_IDLE_POOL_BYTES per reactor whatever the water marks.
		this.pool = new BufferPool(Math.min(MAX_IDLE_POOL_BYTES / BufferPool.CHUNK_SIZE, 16 * chunksPerConnection),
				budget);
		this.accepting = new Accepting(this.statistics, limit);
		this.idleTimeoutNanos = nanosOrZero(settings.idleTimeout());
		this.maxAgeNanos = nanosOrZero(settings.maxConnectionAge());
		this.selectTimeoutNanos = settings.selectTimeout().toNanos();
		this.sweepIntervalNanos = sweepInterval();
		this.selector = SelectorProvider.provider().openSelector();
		this.thread = new Thread(this::run, this.name);
		this.thread.setDaemon(false);
	}

	private static long nanosOrZero(java.time.Duration duration) {
		return (duration != null) ? duration.toNanos() : 0;
	}

	private long sweepInterval() {
		long interval = this.selectTimeoutNanos;
		if (this.idleTimeoutNanos > 0) {
			interval = Math.min(interval, Math.max(this.idleTimeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(10)));
		}
		if (this.maxAgeNanos > 0) {
			interval = Math.min(interval, Math.max(this.maxAgeNanos / 20, TimeUnit.MILLISECONDS.toNanos(10)));
		}
		return interval;
	}

	/** @return the reactor's index, 0 to reactors - 1 */
	public int index() {
		return this.index;
	}

	/** @return the name of the reactor thread */
	public String threadName() {
		return this.name;
	}

	/** @return the reactor thread's state */
	public Thread.State threadState() {
		return this.thread.getState();
	}

	/** @return whether the reactor thread has started and not yet ended */
	public boolean isAlive() {
		return this.thread.isAlive();
	}

	/** @return where the reactor is in its life */
	public State state() {
		return this.state;
	}

	/** @return the reactor's counters and gauges */
	public ReactorStatistics statistics() {
		return this.statistics;
	}

	/** @return the number of tasks queued by other threads and not yet run */
	public int pendingTasks() {
		return this.tasks.size();
	}

	/**
	 * Return the number of keys registered with the selector: the connections, plus the
	 * listener in {@code reuseport} mode. Called from any thread; the value is a racy but
	 * harmless read of a set's size.
	 * @return the registered keys
	 */
	public int registeredKeys() {
		try {
			return this.selector.keys().size();
		}
		catch (RuntimeException ex) {
			// The selector is closed: nothing is registered
			return 0;
		}
	}

	/**
	 * Set what is told the number of ready keys after every return from {@code select()};
	 * it runs on the reactor thread and must be cheap.
	 * @param listener the listener
	 */
	public void setReadyKeysListener(IntConsumer listener) {
		this.readyKeysListener = listener;
	}

	CompletableFuture<Void> drained() {
		return this.drained;
	}

	/**
	 * Return the connections registered with this reactor, for tests that inspect
	 * per-connection state through {@link #execute(Runnable)}. Runs on the reactor thread.
	 * @return the open connections
	 */
	List<EchoConnection> connections() {
		assert inReactorThread();
		List<EchoConnection> connections = new ArrayList<>();
		for (SelectionKey key : this.selector.keys()) {
			if (key.attachment() instanceof EchoConnection connection) {
				connections.add(connection);
			}
		}
		return connections;
	}

	/**
	 * Return the pool that pending output takes its chunks from. Runs on the reactor
	 * thread.
	 * @return the buffer pool
	 */
	BufferPool bufferPool() {
		assert inReactorThread();
		return this.pool;
	}

	CompletableFuture<Void> terminated() {
		return this.terminated;
	}

	/**
	 * Serve the given listener as well ({@code reuseport} mode). Called before
	 * {@link #start()}.
	 */
	void listen(ServerSocketChannel listener) throws ClosedChannelException {
		this.listener = listener;
		listener.register(this.selector, SelectionKey.OP_ACCEPT, LISTENER);
	}

	/** Release the selector of a reactor whose thread never started. */
	void abandon() {
		terminate();
	}

	void start() {
		this.state = State.RUNNING;
		this.thread.start();
	}

	/**
	 * Run {@code task} on the reactor thread. Called from any thread.
	 * @param task the task
	 */
	public void execute(Runnable task) {
		this.tasks.add(task);
		if (this.wakeupArmed.compareAndSet(true, false)) {
			this.selector.wakeup();
		}
	}

	/**
	 * Hand an accepted channel to this reactor, which owns it from now on. Called from the
	 * acceptor thread.
	 */
	void register(SocketChannel channel) {
		execute(new Registration(channel));
		if (this.state == State.TERMINATED) {
			// The thread died after the acceptor chose this reactor: nothing will run the task.
			abandonRegistrations();
		}
	}

	/** Close the channels of hand-offs that can no longer run. Called from any thread. */
	private void abandonRegistrations() {
		for (Runnable task : this.tasks) {
			if (task instanceof Registration registration && this.tasks.remove(registration)) {
				this.accepting.abandon(registration.channel);
			}
		}
	}

	/**
	 * Stop accepting (after accepting what the kernel has queued) and from then on report
	 * {@link #drained()} when the last connection closes. Called from any thread.
	 */
	CompletableFuture<Void> stopAccepting() {
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		// A reactor whose thread has ended runs no task, and has nothing left to accept.
		this.terminated.thenRun(() -> stopped.complete(null));
		execute(() -> {
			closeListener();
			if (this.state == State.RUNNING) {
				this.state = State.DRAINING;
			}
			completeDrainedIfEmpty();
			stopped.complete(null);
		});
		return stopped;
	}

	/**
	 * Close every connection gracefully: stop echoing, write what is pending, send FIN
	 * and wait for the client's; whatever is still open at {@code deadlineNanos} is
	 * closed outright. Then the loop ends. Called from any thread.
	 */
	void closeConnections(long deadlineNanos) {
		execute(() -> {
			closeListener();
			this.state = State.CLOSING;
			this.closeDeadlineNanos = deadlineNanos;
			for (SelectionKey key : this.selector.keys()) {
				if (key.attachment() instanceof EchoConnection connection) {
					beginClose(connection, CloseCause.SHUTDOWN, deadlineNanos);
				}
			}
		});
	}

	private boolean inReactorThread() {
		return Thread.currentThread() == this.thread;
	}

	private void run() {
		// Busy time counts from here, not from construction.
		this.now = System.nanoTime();
		this.nextSweepNanos = this.now + this.sweepIntervalNanos;
		try {
			while (!isFinished()) {
				try {
					runOnce();
				}
				catch (Error ex) {
					throw ex;
				}
				catch (Throwable ex) {
					this.statistics.increment(Counter.LOOP_FAILURES);
					this.loopFailures.warn("Unexpected failure in " + this.name + "; continuing after a pause", ex);
					// Never spin on a failure that repeats.
					LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
				}
			}
		}
		catch (Error ex) {
			this.died = true;
			logger.error(this.name + " died", ex);
			throw ex;
		}
		finally {
			terminate();
		}
	}

	private boolean isFinished() {
		if (this.state != State.CLOSING) {
			return false;
		}
		if (this.connections > 0 && this.now - this.closeDeadlineNanos < 0) {
			return false;
		}
		// Tasks that are still queued (late hand-offs) must run so that their channels close.
		runTasks();
		return true;
	}

	/** One pass of the loop: select, echo, run tasks, housekeeping. Runs on the reactor thread. */
	void runOnce() throws IOException {
		assert inReactorThread() : "runOnce() called from " + Thread.currentThread().getName();
		long wakeAtNanos = this.nextSweepNanos;
		if (this.state == State.CLOSING) {
			// The drain's callback waits for this loop to end: end it at the deadline, not
			// at the next sweep after it.
			wakeAtNanos = Math.min(wakeAtNanos, this.closeDeadlineNanos);
		}
		long timeoutNanos = Math.max(0, Math.min(this.selectTimeoutNanos, wakeAtNanos - this.now));
		long selectStart = System.nanoTime();
		this.statistics.add(Counter.BUSY_NANOS, selectStart - this.now);
		this.wakeupArmed.set(true);
		int selected;
		boolean polled;
		boolean wakeupIssued;
		// Re-check after arming: a task queued before the flag was set did not wake us.
		if (!this.tasks.isEmpty() && this.wakeupArmed.compareAndSet(true, false)) {
			// Work is waiting and no wakeup() is on its way: poll without blocking.
			selected = select(0);
			polled = true;
			wakeupIssued = false;
		}
		else {
			// Nothing is queued, or another thread has won the flag and its wakeup() is on its
			// way; then select() returns at once and consumes it rather than leave it to linger.
			selected = select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
			polled = false;
			wakeupIssued = !this.wakeupArmed.getAndSet(false);
		}
		this.now = System.nanoTime();
		boolean timedOut = !polled && this.now - selectStart >= timeoutNanos - TIMEOUT_TOLERANCE_NANOS;
		WakeupCause cause = classify(selected, polled, wakeupIssued, timedOut);
		// A wakeup() issued after epoll_wait had returned (for I/O, or at the timeout) leaves
		// the eventfd signalled: the next select() returns at once for it.
		this.wakeupMayLinger = wakeupIssued && (selected > 0 || timedOut);
		this.statistics.increment(ReactorStatistics.wakeupCounter(cause));
		this.statistics.add(Counter.READY_KEYS, selected);
		if (wakeupIssued) {
			this.statistics.increment(Counter.WAKEUP_CALLS);
		}
		this.readyKeysListener.accept(selected);
		processSelectedKeys();
		runTasks();
		if (this.now - this.nextSweepNanos >= 0) {
			sweep();
		}
	}

	private WakeupCause classify(int selected, boolean polled, boolean wakeupIssued, boolean timedOut) {
		if (selected > 0) {
			return WakeupCause.IO;
		}
		if (polled || (!timedOut && (wakeupIssued || this.wakeupMayLinger))) {
			return WakeupCause.TASK;
		}
		return timedOut ? WakeupCause.TIMEOUT : WakeupCause.SPURIOUS;
	}

	private int select(long timeoutMillis) throws IOException {
		try {
			return (timeoutMillis > 0) ? this.selectOperation.select(this.selector, timeoutMillis)
					: this.selector.selectNow();
		}
		catch (IOException ex) {
			rebuildSelector();
			this.statistics.increment(Counter.SELECTOR_REBUILDS);
			this.loopFailures.warn("select() failed on " + this.name + "; rebuilt the selector", ex);
			return 0;
		}
	}

	private void rebuildSelector() throws IOException {
		Selector old = this.selector;
		Selector rebuilt = SelectorProvider.provider().openSelector();
		try {
			for (SelectionKey key : old.keys()) {
				if (key.isValid()) {
					moveKey(key, rebuilt);
				}
			}
		}
		finally {
			this.selector = rebuilt;
			Closeables.closeQuietly(old);
		}
	}

	private void moveKey(SelectionKey key, Selector rebuilt) {
		Object attachment = key.attachment();
		try {
			int ops = key.interestOps();
			key.cancel();
			SelectionKey newKey = key.channel().register(rebuilt, ops, attachment);
			if (attachment instanceof EchoConnection connection) {
				connection.key = newKey;
			}
		}
		catch (IOException | RuntimeException ex) {
			// One channel that cannot move is closed; the others carry on.
			if (attachment instanceof EchoConnection connection) {
				close(connection, CloseCause.ERROR);
			}
			else {
				// The listener: in reuseport mode the other reactors' listeners still accept.
				logger.warn("The listener of " + this.name + " could not move to the rebuilt selector; closing it",
						ex);
				ServerSocketChannel listener = this.listener;
				this.listener = null;
				Closeables.closeQuietly(listener);
			}
		}
	}

	private void processSelectedKeys() {
		Set<SelectionKey> selectedKeys = this.selector.selectedKeys();
		if (selectedKeys.isEmpty()) {
			return;
		}
		Iterator<SelectionKey> iterator = selectedKeys.iterator();
		while (iterator.hasNext()) {
			SelectionKey key = iterator.next();
			iterator.remove();
			Object attachment = key.attachment();
			if (attachment == LISTENER) {
				acceptReady();
			}
			else {
				processConnection((EchoConnection) attachment, key);
			}
		}
	}

	private void processConnection(EchoConnection connection, SelectionKey key) {
		try {
			int ready = key.readyOps();
			if ((ready & SelectionKey.OP_WRITE) != 0) {
				flush(connection);
			}
			if ((ready & SelectionKey.OP_READ) != 0 && connection.channel.isOpen()) {
				read(connection);
			}
		}
		catch (CancelledKeyException ex) {
			logger.debug("Key cancelled under " + connection.channel, ex);
			close(connection, CloseCause.ERROR);
		}
		catch (OutOfBufferMemoryException ex) {
			this.outOfMemory.warn(ex.getMessage() + "; closing a connection on " + this.name
					+ " whose client does not read its echoes. Raise echo.server.max-pending-output (and "
					+ "-XX:MaxDirectMemorySize), or lower echo.server.write-buffer-high-water-mark or "
					+ "echo.server.idle-timeout", ex);
			close(connection, CloseCause.ERROR);
		}
		catch (IOException ex) {
			CloseCause cause = causeOf(ex);
			if (cause == CloseCause.ERROR) {
				logger.debug("I/O failure on " + connection.channel, ex);
			}
			close(connection, cause);
		}
		catch (RuntimeException ex) {
			logger.warn("Unexpected failure on " + connection.channel + "; closing it", ex);
			close(connection, CloseCause.ERROR);
		}
	}

	private static CloseCause causeOf(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		return (message.contains("reset") || message.contains("Broken pipe")) ? CloseCause.RESET : CloseCause.ERROR;
	}

	private void read(EchoConnection connection) throws IOException {
		ByteBuffer buffer = this.readBuffer;
		int budget = this.settings.readBudget();
		while (true) {
			buffer.clear();
			int n = connection.channel.read(buffer);
			this.statistics.increment(Counter.READS);
			if (n > 0) {
				this.statistics.add(Counter.BYTES_RECEIVED, n);
				connection.lastActivityNanos = this.now;
				if (connection.closing == null) {
					buffer.flip();
					echo(connection, buffer);
					if (connection.paused || !connection.channel.isOpen()) {
						return;
					}
				}
				// A short read means the socket is drained; the selector is level-triggered
				// and reports it again when more arrives, so no read() just to meet EAGAIN.
				budget -= n;
				if (n < buffer.capacity() || budget <= 0) {
					return;
				}
			}
			else if (n == 0) {
				this.statistics.increment(Counter.READS_EMPTY);
				return;
			}
			else {
				endOfInput(connection);
				return;
			}
		}
	}

	private void echo(EchoConnection connection, ByteBuffer data) throws IOException {
		if (connection.pending == null) {
			int offered = data.remaining();
			int written = connection.channel.write(data);
			countWrite(offered, written);
			if (written > 0) {
				connection.lastActivityNanos = this.now;
			}
			if (!data.hasRemaining()) {
				return;
			}
			connection.pending = acquirePendingOutput();
			connection.interestOps(connection.interestOps | SelectionKey.OP_WRITE);
			this.statistics.increment(Counter.OP_WRITE_REGISTRATIONS);
		}
		long before = connection.pending.bytes();
		try {
			connection.pending.append(data);
		}
		finally {
			this.statistics.add(Gauge.PENDING_BYTES, connection.pending.bytes() - before);
		}
		if (!connection.paused && connection.pending.bytes() > this.settings.writeBufferHighWaterMark()) {
			connection.paused = true;
			connection.interestOps(connection.interestOps & ~SelectionKey.OP_READ);
			this.statistics.increment(Counter.BACKPRESSURE_PAUSES);
			this.statistics.add(Gauge.CONNECTIONS_PAUSED, 1);
		}
	}

	private void countWrite(long offered, long written) {
		this.statistics.increment(Counter.WRITES);
		this.statistics.add(Counter.BYTES_SENT, written);
		if (written == 0) {
			this.statistics.increment(Counter.WRITES_EMPTY);
		}
		else if (written < offered) {
			this.statistics.increment(Counter.WRITES_PARTIAL);
		}
	}

	private void flush(EchoConnection connection) throws IOException {
		PendingOutput pending = connection.pending;
		if (pending == null) {
			return;
		}
		long offered = pending.bytes();
		long written = pending.writeTo(connection.channel);
		countWrite(offered, written);
		this.statistics.add(Gauge.PENDING_BYTES, -written);
		if (written > 0) {
			connection.lastActivityNanos = this.now;
		}
		if (connection.paused && pending.bytes() <= this.settings.writeBufferLowWaterMark()) {
			connection.paused = false;
			this.statistics.add(Gauge.CONNECTIONS_PAUSED, -1);
			if (!connection.inputShutdown) {
				connection.interestOps(connection.interestOps | SelectionKey.OP_READ);
			}
		}
		if (pending.isEmpty()) {
			connection.pending = null;
			releasePendingOutput(pending);
			connection.interestOps(connection.interestOps & ~SelectionKey.OP_WRITE);
			outputDrained(connection);
		}
	}

	/** Everything read has been written: finish whatever close was waiting for that. */
	private void outputDrained(EchoConnection connection) throws IOException {
		if (connection.closing != null) {
			if (connection.inputShutdown) {
				close(connection, connection.closing);
			}
			else {
				shutdownOutput(connection);
			}
		}
		else if (connection.inputShutdown) {
			close(connection, CloseCause.EOF);
		}
	}

	private void endOfInput(EchoConnection connection) throws IOException {
		connection.inputShutdown = true;
		connection.interestOps(connection.interestOps & ~SelectionKey.OP_READ);
		if (connection.pending == null) {
			close(connection, (connection.closing != null) ? connection.closing : CloseCause.EOF);
		}
		// Otherwise the rest is written first; flush() closes when it is done.
	}

	private void shutdownOutput(EchoConnection connection) throws IOException {
		if (!connection.outputShutdown) {
			connection.outputShutdown = true;
			connection.channel.shutdownOutput();
		}
	}

	private PendingOutput acquirePendingOutput() {
		PendingOutput output = this.spareOutputs.pollLast();
		return (output != null) ? output : new PendingOutput(this.pool);
	}

	private void releasePendingOutput(PendingOutput output) {
		if (this.spareOutputs.size() < 64) {
			this.spareOutputs.addLast(output);
		}
	}

	/**
	 * Close a connection gracefully for {@code cause}: input from now on is read and
	 * discarded, pending output is written, then FIN; the connection closes when the
	 * client's FIN arrives or at {@code deadlineNanos}.
	 */
	private void beginClose(EchoConnection connection, CloseCause cause, long deadlineNanos) {
		if (connection.closing != null || !connection.channel.isOpen()) {
			return;
		}
		connection.closing = cause;
		connection.closeDeadlineNanos = deadlineNanos;
		this.closingConnections++;
		this.nextSweepNanos = Math.min(this.nextSweepNanos, this.now + CLOSING_SWEEP_NANOS);
		try {
			if (connection.paused) {
				connection.paused = false;
				this.statistics.add(Gauge.CONNECTIONS_PAUSED, -1);
			}
			if (connection.inputShutdown && connection.pending == null) {
				close(connection, cause);
				return;
			}
			if (!connection.inputShutdown) {
				connection.interestOps(connection.interestOps | SelectionKey.OP_READ);
			}
			if (connection.pending == null) {
				shutdownOutput(connection);
			}
		}
		catch (IOException | CancelledKeyException ex) {
			close(connection, cause);
		}
	}

	private void close(EchoConnection connection, CloseCause cause) {
		if (!connection.channel.isOpen()) {
			return;
		}
		connection.key.cancel();
		Closeables.closeQuietly(connection.channel);
		PendingOutput pending = connection.pending;
		if (pending != null) {
			this.statistics.add(Gauge.PENDING_BYTES, -pending.bytes());
			pending.release();
			releasePendingOutput(pending);
			connection.pending = null;
		}
		if (connection.paused) {
			connection.paused = false;
			this.statistics.add(Gauge.CONNECTIONS_PAUSED, -1);
		}
		if (connection.closing != null) {
			this.closingConnections--;
		}
		this.connections--;
		this.statistics.add(Gauge.CONNECTIONS_ACTIVE, -1);
		this.statistics.increment(ReactorStatistics.closedCounter(cause));
		this.limit.release();
		completeDrainedIfEmpty();
	}

	private void completeDrainedIfEmpty() {
		if (this.connections == 0 && this.state != State.RUNNING && !this.drained.isDone()) {
			this.drained.complete(null);
		}
	}

	private void acceptReady() {
		if (!this.accepting.accept(this.listener, Accepting.BATCH, this::registerNow)) {
			pauseAccepting();
		}
	}

	private void pauseAccepting() {
		SelectionKey key = this.listener.keyFor(this.selector);
		if (key != null && key.isValid()) {
			key.interestOps(0);
			this.acceptPaused = true;
			this.acceptPausedUntilNanos = this.now + Accepting.BACKOFF_NANOS;
			this.nextSweepNanos = Math.min(this.nextSweepNanos, this.acceptPausedUntilNanos);
		}
	}

	private void closeListener() {
		ServerSocketChannel listener = this.listener;
		if (listener == null) {
			return;
		}
		this.listener = null;
		// Connections the kernel has already completed are served, not reset.
		// Connections the kernel has already completed are served, not reset; at most one
		// backlog's worth, so that clients still arriving cannot hold the loop up.
		this.accepting.accept(listener, this.settings.backlog(), this::registerNow);
		Closeables.closeQuietly(listener);
	}

	private void registerNow(SocketChannel channel) {
		assert inReactorThread();
		this.connections++;
		this.statistics.increment(Counter.CONNECTIONS_ACCEPTED);
		this.statistics.add(Gauge.CONNECTIONS_ACTIVE, 1);
		EchoConnection connection;
		try {
			channel.configureBlocking(false);
			configure(channel);
			SelectionKey key = channel.register(this.selector, SelectionKey.OP_READ);
			connection = new EchoConnection(channel, key, this.now, expiry());
			key.attach(connection);
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Unable to register " + channel, ex);
			closeUnregistered(channel, CloseCause.ERROR);
			return;
		}
		if (this.state == State.CLOSING) {
			beginClose(connection, CloseCause.SHUTDOWN, this.closeDeadlineNanos);
		}
	}

	private void closeUnregistered(SocketChannel channel, CloseCause cause) {
		Closeables.closeQuietly(channel);
		this.connections--;
		this.statistics.add(Gauge.CONNECTIONS_ACTIVE, -1);
		this.statistics.increment(ReactorStatistics.closedCounter(cause));
		this.limit.release();
		completeDrainedIfEmpty();
	}

	private long expiry() {
		if (this.maxAgeNanos == 0) {
			return Long.MAX_VALUE;
		}
		double jitter = this.settings.maxConnectionAgeJitter() * ThreadLocalRandom.current().nextDouble();
		return this.now + (long) (this.maxAgeNanos * (1 - jitter));
	}

	private void configure(SocketChannel channel) throws IOException {
		EchoServerSettings.SocketSettings socket = this.settings.socket();
		channel.setOption(StandardSocketOptions.TCP_NODELAY, socket.tcpNoDelay());
		if (socket.keepAlive()) {
			channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPIDLE, seconds(socket.keepAliveIdle()));
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds(socket.keepAliveInterval()));
			setIfSupported(channel, ExtendedSocketOptions.TCP_KEEPCOUNT, socket.keepAliveCount());
		}
		if (socket.sendBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_SNDBUF, socket.sendBufferSize());
		}
		if (socket.receiveBufferSize() != null) {
			channel.setOption(StandardSocketOptions.SO_RCVBUF, socket.receiveBufferSize());
		}
	}

	private static Integer seconds(java.time.Duration duration) {
		return (duration != null) ? (int) Math.max(1, duration.toSeconds()) : null;
	}

	private static <T> void setIfSupported(SocketChannel channel, java.net.SocketOption<T> option, T value)
			throws IOException {
		if (value != null && channel.supportedOptions().contains(option)) {
			channel.setOption(option, value);
		}
	}

	private void runTasks() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			this.statistics.increment(Counter.TASKS_RUN);
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Task failed on " + this.name, ex);
			}
		}
	}

	private void sweep() {
		this.nextSweepNanos = this.now + this.sweepIntervalNanos;
		if (this.acceptPaused && this.now - this.acceptPausedUntilNanos >= 0) {
			this.acceptPaused = false;
			SelectionKey key = (this.listener != null) ? this.listener.keyFor(this.selector) : null;
			if (key != null && key.isValid()) {
				key.interestOps(SelectionKey.OP_ACCEPT);
			}
		}
		if (this.idleTimeoutNanos == 0 && this.maxAgeNanos == 0 && this.closingConnections == 0) {
			return;
		}
		for (SelectionKey key : this.selector.keys()) {
			if (key.attachment() instanceof EchoConnection connection && connection.channel.isOpen()) {
				sweep(connection);
			}
		}
		if (this.closingConnections > 0) {
			this.nextSweepNanos = Math.min(this.nextSweepNanos, this.now + CLOSING_SWEEP_NANOS);
		}
	}

	private void sweep(EchoConnection connection) {
		if (connection.closing != null) {
			if (this.now - connection.closeDeadlineNanos >= 0) {
				close(connection, connection.closing);
			}
		}
		else if (this.idleTimeoutNanos > 0 && this.now - connection.lastActivityNanos >= this.idleTimeoutNanos) {
			close(connection, CloseCause.IDLE);
		}
		else if (this.maxAgeNanos > 0 && this.now - connection.expiresAtNanos >= 0) {
			beginClose(connection, CloseCause.MAX_AGE, this.now + EchoServer.FLUSH_TIMEOUT.toNanos());
		}
	}

	private void terminate() {
		this.state = State.TERMINATED;
		try {
			for (SelectionKey key : this.selector.keys()) {
				if (key.attachment() instanceof EchoConnection connection) {
					CloseCause cause = (connection.closing != null) ? connection.closing : CloseCause.SHUTDOWN;
					close(connection, this.died ? CloseCause.ERROR : cause);
				}
			}
			if (this.listener != null) {
				this.listener.close();
			}
			// Closing the selector deregisters the channels, which releases their descriptors.
			this.selector.close();
			this.pool.clear();
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Failure while closing " + this.name, ex);
		}
		finally {
			abandonRegistrations();
			this.drained.complete(null);
			this.terminated.complete(null);
		}
	}

	/**
	 * A connection handed over by the acceptor, to be registered on the reactor thread.
	 */
	private final class Registration implements Runnable {

		private final SocketChannel channel;

		Registration(SocketChannel channel) {
			this.channel = channel;
		}

		@Override
		public void run() {
			registerNow(this.channel);
		}

	}

	/**
	 * Where a reactor is in its life.
	 */
	public enum State {

		/** Created, thread not started. */
		NEW,

		/** Accepting (in {@code reuseport} mode) and echoing. */
		RUNNING,

		/** No longer accepting; echoing until clients close. */
		DRAINING,

		/** Closing the remaining connections. */
		CLOSING,

		/** The loop has ended. */
		TERMINATED

	}

}

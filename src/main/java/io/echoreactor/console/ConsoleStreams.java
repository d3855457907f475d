package io.echoreactor.console;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.servlet.function.ServerResponse.SseBuilder;

/**
 * The console's live streams: server-sent events, one snapshot a second, at most
 * {@code echo.console.max-streams} at once. One snapshot is taken and written to every
 * open stream, on one thread of its own ({@code echo-console}) that exists only while a
 * stream is open, so that a closed console costs nothing. A stream holds a connection of
 * the Actuator HTTP server but none of its request threads, which stay free for the
 * probes.
 *
 * <p>
 * <strong>Threading:</strong> streams are opened from request threads and closed from
 * any thread; the ticks run on the console's thread.
 */
public class ConsoleStreams implements SmartLifecycle {

	/** How often a snapshot is sent. */
	public static final Duration PERIOD = Duration.ofSeconds(1);

	// A browser's EventSource opens a new stream when one ends, so a long stream ends from
	// time to time rather than being held open by a tab that went away unnoticed.
	static final Duration STREAM_TIMEOUT = Duration.ofMinutes(10);

	private static final Log logger = LogFactory.getLog(ConsoleStreams.class);

	private final Supplier<String> snapshots;

	private final int maxStreams;

	private final Set<SseBuilder> streams = new CopyOnWriteArraySet<>();

	private final ScheduledThreadPoolExecutor ticker;

	private @Nullable ScheduledFuture<?> ticks;

	// Streams answered and not yet closed, the ones whose response is under way included.
	private int reserved;

	private volatile boolean running;

	/**
	 * Create the streams.
	 * @param snapshots takes a snapshot, as JSON on one line
	 * @param maxStreams the most streams open at once
	 */
	public ConsoleStreams(Supplier<String> snapshots, int maxStreams) {
		this.snapshots = snapshots;
		this.maxStreams = maxStreams;
		this.ticker = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "echo-console");
			thread.setDaemon(true);
			return thread;
		});
		this.ticker.setKeepAliveTime(10, TimeUnit.SECONDS);
		this.ticker.allowCoreThreadTimeOut(true);
		this.ticker.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Open a stream, or return {@code null} when {@code max-streams} are open already.
	 * Called from a request thread.
	 * @return the response that streams the snapshots, or {@code null}
	 */
	public synchronized @Nullable ServerResponse open() {
		if (!this.running || this.reserved >= this.maxStreams) {
			return null;
		}
		this.reserved++;
		return ServerResponse.sse(this::opened, STREAM_TIMEOUT);
	}

	// Called once the response is under way, on the request thread.
	private synchronized void opened(SseBuilder stream) {
		stream.onComplete(() -> close(stream));
		stream.onTimeout(() -> close(stream));
		stream.onError((ex) -> close(stream));
		if (!this.running) {
			this.reserved--;
			stream.complete();
			return;
		}
		this.streams.add(stream);
		if (this.ticks == null) {
			this.ticks = this.ticker.scheduleAtFixedRate(this::tick, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/** @return the number of streams open now */
	public int openStreams() {
		return this.streams.size();
	}

	/** @return the most streams open at once */
	public int maxStreams() {
		return this.maxStreams;
	}

	// Called from any thread.
	private synchronized void close(SseBuilder stream) {
		if (this.streams.remove(stream)) {
			this.reserved--;
		}
		if (this.streams.isEmpty() && this.ticks != null) {
			this.ticks.cancel(false);
			this.ticks = null;
		}
	}

	// Runs on the console's thread.
	private void tick() {
		List<SseBuilder> streams = List.copyOf(this.streams);
		if (streams.isEmpty()) {
			return;
		}
		String snapshot;
		try {
			snapshot = this.snapshots.get();
		}
		catch (RuntimeException ex) {
			logger.warn("Console snapshot failed: " + ex);
			return;
		}
		for (SseBuilder stream : streams) {
			try {
				synchronized (stream) {
					stream.event("snapshot").data(snapshot);
				}
			}
			catch (IOException | RuntimeException ex) {
				// The browser went away.
				stream.complete();
				close(stream);
			}
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	// Before the HTTP server's graceful shutdown, which would otherwise wait for the open
	// streams until its phase timed out.
	@Override
	public void stop() {
		synchronized (this) {
			this.running = false;
		}
		for (SseBuilder stream : List.copyOf(this.streams)) {
			stream.complete();
			close(stream);
		}
		this.ticker.shutdownNow();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}

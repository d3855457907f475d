package io.echoreactor.reactor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.echoreactor.reactor.ConnectionsSnapshot.ReactorTotals;
import io.echoreactor.reactor.counters.ConnectionFigures;
import io.echoreactor.reactor.tcp.TcpConnection;
import org.jspecify.annotations.Nullable;

/**
 * Takes {@link ConnectionsSnapshot snapshots} of the open TCP connections, at most one a
 * second and only when asked: each reactor's part is a task on that reactor's thread,
 * which alone touches its connections, and the snapshot completes when every reactor has
 * answered (a reactor that has ended answers with nothing). Whoever asks again within the
 * second gets the last snapshot, or the one still being taken, and no new task reaches
 * the reactors; so a console polling, however many of them, costs the echo one pass over
 * its connections a second.
 *
 * <p>
 * The echo itself pays only the two adds per read and write that keep each connection's
 * bytes; ranking and copying happen in the task.
 *
 * <p>
 * <strong>Threading:</strong> {@link #snapshot(int)} may be called from any thread.
 */
final class ConnectionSnapshots {

	/** The most connections a snapshot keeps in each of its lists. */
	static final int MAX_TOP = 100;

	static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final Supplier<List<EchoReactor>> reactors;

	private final LongSupplier nanoClock;

	private final Object monitor = new Object();

	// Guarded by the monitor.
	private @Nullable CompletableFuture<ConnectionsSnapshot> last;

	private long lastTakenNanos;

	private long taken;

	ConnectionSnapshots(Supplier<List<EchoReactor>> reactors, LongSupplier nanoClock) {
		this.reactors = reactors;
		this.nanoClock = nanoClock;
	}

	/**
	 * Return a snapshot no older than about a second, taking a new one only if the last
	 * is older than that and complete. Called from any thread.
	 * @param top how many of the busiest connections to keep in each list, at most
	 * {@value #MAX_TOP}
	 * @return the snapshot, once every reactor has answered
	 */
	CompletableFuture<ConnectionsSnapshot> snapshot(int top) {
		if (top < 0) {
			throw new IllegalArgumentException("top must not be negative, was " + top);
		}
		CompletableFuture<ConnectionsSnapshot> snapshot;
		synchronized (this.monitor) {
			long now = this.nanoClock.getAsLong();
			snapshot = this.last;
			// One still being taken is never doubled, so a slow reactor never piles up tasks.
			if (snapshot == null || (snapshot.isDone() && now - this.lastTakenNanos >= INTERVAL_NANOS)) {
				snapshot = take();
				this.last = snapshot;
				this.lastTakenNanos = now;
				this.taken++;
			}
		}
		int kept = Math.min(top, MAX_TOP);
		return snapshot.thenApply((taken) -> taken.top(kept));
	}

	/** @return how many snapshots have been asked of the reactors */
	long taken() {
		synchronized (this.monitor) {
			return this.taken;
		}
	}

	private CompletableFuture<ConnectionsSnapshot> take() {
		Instant takenAt = Instant.now();
		List<CompletableFuture<Part>> parts = new ArrayList<>();
		for (EchoReactor reactor : this.reactors.get()) {
			parts.add(part(reactor));
		}
		return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply((done) -> {
			List<ReactorTotals> totals = new ArrayList<>();
			List<ConnectionFigures> byBytes = new ArrayList<>();
			List<ConnectionFigures> byPending = new ArrayList<>();
			for (CompletableFuture<Part> part : parts) {
				Part answered = part.join();
				totals.add(answered.totals());
				byBytes.addAll(answered.byBytes());
				byPending.addAll(answered.byPending());
			}
			return new ConnectionsSnapshot(takenAt, totals, busiest(byBytes, ConnectionFigures::bytes),
					busiest(byPending, ConnectionFigures::pendingOutputBytes));
		});
	}

	private static List<ConnectionFigures> busiest(List<ConnectionFigures> figures,
			ToLongFunction<ConnectionFigures> key) {
		figures.sort(Comparator.comparingLong(key).reversed());
		return figures.subList(0, Math.min(MAX_TOP, figures.size()));
	}

	private static CompletableFuture<Part> part(EchoReactor reactor) {
		CompletableFuture<Part> part = new CompletableFuture<>();
		// A reactor whose thread has ended runs no task, and has no connection left.
		reactor.terminated().thenRun(() -> part.complete(new Part(ReactorTotals.none(reactor.index()))));
		reactor.execute(() -> {
			try {
				part.complete(collect(reactor));
			}
			catch (RuntimeException ex) {
				// Failed, not left pending: a snapshot never done would be handed out for ever.
				part.completeExceptionally(ex);
			}
		});
		return part;
	}

	// Runs on the reactor thread.
	private static Part collect(EchoReactor reactor) {
		List<TcpConnection> connections = reactor.connections();
		long received = 0;
		long sent = 0;
		long pending = 0;
		Map<ConnectionFigures.Stage, Integer> stages = new EnumMap<>(ConnectionFigures.Stage.class);
		for (TcpConnection connection : connections) {
			received += connection.bytesReceived();
			sent += connection.bytesSent();
			pending += connection.pendingOutputBytes();
			stages.merge(connection.figuresStage(), 1, Integer::sum);
		}
		ReactorTotals totals = new ReactorTotals(reactor.index(), connections.size(), received, sent, pending, stages);
		Map<TcpConnection, ConnectionFigures> figures = new IdentityHashMap<>();
		List<ConnectionFigures> byBytes = figures(busiest(connections, Part::bytes, false), figures, reactor.index());
		List<ConnectionFigures> byPending = figures(
				busiest(connections, TcpConnection::pendingOutputBytes, true), figures, reactor.index());
		return new Part(totals, byBytes, byPending);
	}

	/** The {@code MAX_TOP} connections with most of {@code key}, most first, in O(n log MAX_TOP). */
	private static List<TcpConnection> busiest(List<TcpConnection> connections, ToLongFunction<TcpConnection> key,
			boolean someOnly) {
		Comparator<TcpConnection> order = Comparator.comparingLong(key);
		PriorityQueue<TcpConnection> least = new PriorityQueue<>(MAX_TOP + 1, order);
		for (TcpConnection connection : connections) {
			if (someOnly && key.applyAsLong(connection) == 0) {
				continue;
			}
			least.add(connection);
			if (least.size() > MAX_TOP) {
				least.poll();
			}
		}
		List<TcpConnection> busiest = new ArrayList<>(least);
		busiest.sort(order.reversed());
		return busiest;
	}

	private static List<ConnectionFigures> figures(List<TcpConnection> connections,
			Map<TcpConnection, ConnectionFigures> figures, int reactor) {
		List<ConnectionFigures> copied = new ArrayList<>(connections.size());
		for (TcpConnection connection : connections) {
			copied.add(figures.computeIfAbsent(connection, (key) -> key.figures(reactor)));
		}
		return copied;
	}

	/**
	 * One reactor's answer.
	 */
	private record Part(ReactorTotals totals, List<ConnectionFigures> byBytes, List<ConnectionFigures> byPending) {

		Part(ReactorTotals totals) {
			this(totals, List.of(), List.of());
		}

		static long bytes(TcpConnection connection) {
			return connection.bytesReceived() + connection.bytesSent();
		}

	}

}

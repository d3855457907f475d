package io.echoreactor.reactor;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.echoreactor.reactor.counters.ConnectionFigures;

/**
 * The open TCP connections of a server at one moment, as a console shows them: each
 * reactor's totals and the busiest connections, by bytes each way and by pending output.
 * Immutable; taken by {@link EchoServerView#connectionsSnapshot(int)}, each reactor's
 * part on that reactor's own thread when it reaches the task, so two reactors' figures
 * may be apart by as long as a busy reactor takes to get there.
 *
 * @param takenAt when the snapshot was asked of the reactors
 * @param reactors each reactor's totals, in index order
 * @param busiestByBytes the connections that received and sent the most bytes, most
 * first
 * @param busiestByPending the connections with the most pending output, most first;
 * only those with some
 */
public record ConnectionsSnapshot(Instant takenAt, List<ReactorTotals> reactors, List<ConnectionFigures> busiestByBytes,
		List<ConnectionFigures> busiestByPending) {

	public ConnectionsSnapshot {
		reactors = List.copyOf(reactors);
		busiestByBytes = List.copyOf(busiestByBytes);
		busiestByPending = List.copyOf(busiestByPending);
	}

	/**
	 * Return this snapshot with at most {@code top} connections in each list.
	 * @param top how many of the busiest connections to keep
	 * @return the snapshot, this one if nothing is cut
	 */
	public ConnectionsSnapshot top(int top) {
		if (this.busiestByBytes.size() <= top && this.busiestByPending.size() <= top) {
			return this;
		}
		return new ConnectionsSnapshot(this.takenAt, this.reactors,
				this.busiestByBytes.subList(0, Math.min(top, this.busiestByBytes.size())),
				this.busiestByPending.subList(0, Math.min(top, this.busiestByPending.size())));
	}

	/** @return the open connections over all reactors */
	public int connections() {
		return this.reactors.stream().mapToInt(ReactorTotals::connections).sum();
	}

	/**
	 * One reactor's open TCP connections added up.
	 *
	 * @param index the reactor's index
	 * @param connections its open TCP connections
	 * @param bytesReceived the bytes they received since they opened
	 * @param bytesSent the bytes they sent since they opened
	 * @param pendingOutputBytes the bytes of output they have pending
	 * @param stages how many are in each stage; a stage with none is left out
	 */
	public record ReactorTotals(int index, int connections, long bytesReceived, long bytesSent,
			long pendingOutputBytes, Map<ConnectionFigures.Stage, Integer> stages) {

		public ReactorTotals {
			stages = Map.copyOf(stages);
		}

		static ReactorTotals none(int index) {
			return new ReactorTotals(index, 0, 0, 0, 0, Map.of());
		}

	}

}

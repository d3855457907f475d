package io.echoreactor.reactor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.accept.EchoAcceptor;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.udp.DatagramEcho;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import io.echoreactor.reactor.udp.UdpSettings;
import org.jspecify.annotations.Nullable;

/**
 * The beginning of an {@link EchoServer}'s life: check that the memory budgets fit the
 * JVM, make the reactors (and the acceptor, in {@code acceptor} mode) and bind their
 * sockets. Nothing runs yet; on failure whatever was made is abandoned.
 *
 * <p>
 * <strong>Threading:</strong> used once, by the thread that starts the server.
 */
final class ServerStartup {

	private final EchoServerSettings settings;

	private final ConnectionLimit limit;

	private final PendingOutputBudget budget;

	private final SessionMemoryBudget sessionMemory;

	private final SelectOperation selectOperation;

	private final Listener.AcceptOperation acceptOperation;

	private final @Nullable LongSupplier rateLimitClock;

	private final List<EchoReactor> reactors = new ArrayList<>();

	private @Nullable EchoAcceptor acceptor;

	private @Nullable ServerSockets sockets;

	ServerStartup(EchoServerSettings settings, ConnectionLimit limit, PendingOutputBudget budget,
			SessionMemoryBudget sessionMemory, SelectOperation selectOperation,
			Listener.AcceptOperation acceptOperation, @Nullable LongSupplier rateLimitClock) {
		this.settings = settings;
		this.limit = limit;
		this.budget = budget;
		this.sessionMemory = sessionMemory;
		this.selectOperation = selectOperation;
		this.acceptOperation = acceptOperation;
		this.rateLimitClock = rateLimitClock;
	}

	/**
	 * Check the budgets, make the reactors and bind.
	 * @throws EchoBindException if an address cannot be bound
	 * @throws EchoServerException if the server cannot start for another reason
	 */
	void bind() {
		try {
			checkMemoryFits();
			for (int i = 0; i < this.settings.reactors(); i++) {
				this.reactors.add(new EchoReactor(i, this.settings, this.limit, this.budget, this.sessionMemory,
						this.selectOperation, this.acceptOperation));
			}
			if (this.settings.acceptStrategy() == AcceptStrategy.ACCEPTOR) {
				this.acceptor = new EchoAcceptor(List.copyOf(this.reactors), this.limit, this.settings.backlog(),
						this.settings.proxyProtocol(), this.settings.selectTimeout().toNanos(), this.selectOperation,
						this.acceptOperation);
			}
			this.sockets = ServerSockets.bind(this.settings, this.reactors, this.acceptor, this.rateLimitClock,
					this.acceptOperation);
		}
		catch (IOException | RuntimeException ex) {
			this.reactors.forEach(EchoReactor::abandon);
			if (this.acceptor != null) {
				this.acceptor.abandon();
			}
			if (ex instanceof EchoServerException echoServerException) {
				throw echoServerException;
			}
			throw new EchoServerException("Unable to start the echo server", ex);
		}
	}

	// The budgets' own checks name the setting to change; a refusal is the server's.
	private void checkMemoryFits() {
		try {
			checkMemoryFits(this.settings);
		}
		catch (IllegalStateException ex) {
			throw new EchoServerException(ex.getMessage(), null);
		}
	}

	/**
	 * Check that the memory budgets of the given settings fit the JVM: at start, and
	 * before a live change is applied.
	 * @param settings the settings
	 * @throws IllegalStateException naming the setting to change, if they do not
	 */
	static void checkMemoryFits(EchoServerSettings settings) {
		long pendingOutput = PendingOutputBudget.limitFor(settings.maxPendingOutput());
		PendingOutputBudget.checkReservesFit(pendingOutput, settings.reactors(), settings.readBufferSize());
		PendingOutputBudget.checkFitsDirectMemory(pendingOutput, settings.reactors(),
				settings.readBufferSize() + DatagramEcho.RECEIVE_BUFFER_SIZE);
		SessionMemoryBudget.checkFitsHeap(SessionMemoryBudget.limitFor(settings.maxSessionMemory()),
				settings.reactors());
		UdpSettings udp = settings.udp();
		if (udp.enabled() && udp.rateLimitPerSource() > 0) {
			SourceRateLimiter.checkFitsHeap(udp.maxTrackedSources(), Runtime.getRuntime().maxMemory());
		}
	}

	/** @return the reactors, in index order */
	List<EchoReactor> reactors() {
		return List.copyOf(this.reactors);
	}

	/** @return the acceptor, or {@code null} in {@code reuseport} mode or if making it failed */
	@Nullable EchoAcceptor acceptor() {
		return this.acceptor;
	}

	/** @return the bound sockets, or {@code null} if binding failed */
	@Nullable ServerSockets sockets() {
		return this.sockets;
	}

}

package io.echoreactor.actuator;

import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.echoreactor.reactor.ConnectionsSnapshot;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.fault.FaultPort;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.udp.UdpSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.util.ReflectionUtils;

/**
 * The {@code echo} endpoint ({@code /actuator/echo}): a live view of the
 * {@link EchoServer}: each reactor's thread and its state, registered keys, connections,
 * pending bytes, paused connections and task queue, the acceptor thread, and the
 * configuration in force with the bound address and port. The configuration is read from
 * the server's settings themselves, component by component, so it shows every setting
 * without a list of its own to keep. Durations are ISO-8601 strings, sizes are bytes, and
 * unset options are left out.
 *
 * <p>
 * Nothing here is secret, and reading it costs a few volatile reads per reactor; the
 * values are read one by one, not as a consistent snapshot.
 *
 * <p>
 * {@code /actuator/echo/connections} lists the open TCP connections instead, client
 * addresses included: each reactor's totals and the busiest connections, from a snapshot
 * the reactors take on their own threads at most once a second. Like the console, which
 * shows the same table, it is served only where {@code echo.console.enabled} is true.
 */
@Endpoint(id = "echo")
public class EchoEndpoint {

	private static final long SNAPSHOT_TIMEOUT_SECONDS = 5;

	private final EchoServer server;

	private final @Nullable SettingsStatus settingsStatus;

	private final boolean connectionsShown;

	/**
	 * Create the endpoint, without its list of connections.
	 * @param server the echo server
	 */
	public EchoEndpoint(EchoServer server) {
		this(server, null, false);
	}

	/**
	 * Create the endpoint.
	 * @param server the echo server
	 * @param settingsStatus where the settings' live reload stands, or {@code null}
	 * @param connectionsShown whether to list the open connections, client addresses
	 * included
	 */
	public EchoEndpoint(EchoServer server, @Nullable SettingsStatus settingsStatus, boolean connectionsShown) {
		this.server = server;
		this.settingsStatus = settingsStatus;
		this.connectionsShown = connectionsShown;
	}

	/**
	 * Describe the echo server now.
	 * @return the description
	 */
	@ReadOperation
	public EchoServerDescriptor echo() {
		EchoServer server = this.server;
		InetSocketAddress bound = server.view().localAddress();
		EchoServerSettings settings = server.view().settings();
		List<ReactorDescriptor> reactors = server.view().reactors().stream().map(EchoEndpoint::describe).toList();
		ReactorStatistics acceptor = server.view().acceptorStatistics();
		AcceptorDescriptor acceptorDescriptor = (acceptor != null) ? new AcceptorDescriptor(acceptor.owner(),
				server.view().isAcceptorAlive(), millis(server.view().acceptorSinceLastSelect()), server.view().isAcceptorStalled())
				: null;
		InetSocketAddress udpBound = server.view().udpLocalAddress();
		UdpDescriptor udp = (udpBound != null) ? new UdpDescriptor(describe(udpBound.getAddress()), udpBound.getPort(),
				server.view().reactors().stream().filter(EchoReactor::servesDatagrams).map(EchoReactor::threadName).toList(),
				server.view().udpRateLimitActiveBuckets()) : null;
		return new EchoServerDescriptor(server.view().status().name(), (bound != null) ? describe(bound.getAddress()) : null,
				server.port(), settings.acceptStrategy().name().toLowerCase(), server.view().activeConnections(),
				server.view().pendingOutputAllocated(), udp, reactors, acceptorDescriptor,
				configuration(server), (this.settingsStatus != null) ? this.settingsStatus.describe() : null,
				server.view().faults().stream().map(EchoEndpoint::describe).toList());
	}

	/**
	 * Describe the open TCP connections ({@code /actuator/echo/connections?top=20}): each
	 * reactor's totals and the busiest connections, by bytes and by pending output, from a
	 * snapshot the reactors take at most once a second however often this is asked.
	 * @param part {@code connections}; anything else is not found
	 * @param top how many of the busiest connections to list, 0 to 100, 20 if not given
	 * @return the connections; 404 for another part or when the connections are not
	 * shown, 400 for a {@code top} out of range, 503 when a reactor did not answer within
	 * {@value #SNAPSHOT_TIMEOUT_SECONDS} seconds
	 */
	@ReadOperation
	public WebEndpointResponse<ConnectionsDescriptor> connections(@Selector String part, @Nullable Integer top) {
		if (!"connections".equals(part) || !this.connectionsShown) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		int listed = (top != null) ? top : 20;
		if (listed < 0 || listed > 100) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		try {
			ConnectionsSnapshot snapshot = this.server.view()
				.connectionsSnapshot(listed)
				.get(SNAPSHOT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			return new WebEndpointResponse<>(ConnectionsDescriptor.of(snapshot));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
		catch (TimeoutException | ExecutionException ex) {
			// A stalled reactor, which the health indicator reports; a snapshot is no place to say more.
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	private static FaultDescriptor describe(FaultPort port) {
		Map<String, Object> settings = describe(port.profile());
		settings.remove("name");
		settings.remove("port");
		Map<String, Long> injected = new LinkedHashMap<>();
		for (FaultKind kind : FaultKind.values()) {
			injected.put(kind.tag(), port.injected(kind));
		}
		return new FaultDescriptor(port.name(), port.port(), (port.udpPort() >= 0) ? port.udpPort() : null,
				port.connections(), settings, injected);
	}

	private static ReactorDescriptor describe(EchoReactor reactor) {
		ReactorStatistics statistics = reactor.statistics();
		return new ReactorDescriptor(reactor.index(), reactor.threadName(), reactor.threadState().name(),
				reactor.state().name(), reactor.isAlive(), millis(reactor.sinceLastSelect()), reactor.isStalled(),
				reactor.registeredKeys(), statistics.get(ReactorStatistics.Gauge.CONNECTIONS_ACTIVE),
				statistics.get(ReactorStatistics.Gauge.PENDING_BYTES),
				statistics.get(ReactorStatistics.Gauge.CONNECTIONS_PAUSED),
				statistics.get(ReactorStatistics.Gauge.CONNECTIONS_AWAITING_MEMORY), reactor.pendingTasks());
	}

	private static @Nullable Long millis(@Nullable Duration duration) {
		return (duration != null) ? duration.toMillis() : null;
	}

	private static @Nullable String describe(@Nullable InetAddress address) {
		if (address == null) {
			return null;
		}
		return address.isAnyLocalAddress() ? "*" : address.getHostAddress();
	}

	/**
	 * Describe the settings the server runs with, from the settings themselves: each
	 * component of {@link EchoServerSettings} by its name, so that a setting added there
	 * shows here without a list to keep.
	 * @param server the echo server
	 * @return the settings in force, as the endpoint's {@code configuration} shows them
	 */
	public static Map<String, Object> configuration(EchoServer server) {
		Map<String, Object> configuration = describe(server.view().settings());
		configuration.put("address", describe(server.view().settings().address(), "*"));
		configuration.put("maxPendingOutput", server.view().pendingOutputLimit());
		configuration.put("maxSessionMemory", server.view().sessionMemoryLimit());
		return configuration;
	}

	private static Map<String, Object> describe(Record settings) {
		Map<String, Object> description = new LinkedHashMap<>();
		for (RecordComponent component : settings.getClass().getRecordComponents()) {
			Object value = describeValue(ReflectionUtils.invokeMethod(component.getAccessor(), settings));
			if (value != null) {
				description.put(component.getName(), value);
			}
		}
		return description;
	}

	private static @Nullable Object describeValue(@Nullable Object value) {
		if (value instanceof Record settings) {
			return describe(settings);
		}
		if (value instanceof Duration duration) {
			return duration.toString();
		}
		if (value instanceof InetAddress address) {
			return describe(address);
		}
		if (value instanceof Enum<?> constant) {
			return constant.name().toLowerCase(Locale.ROOT);
		}
		if (value instanceof List<?> list) {
			return list.stream().map(EchoEndpoint::describeValue).toList();
		}
		if (value instanceof Greeting greeting) {
			return describeValue(greeting.mode());
		}
		if (value instanceof TlsContext tls) {
			Map<String, Object> description = new LinkedHashMap<>();
			description.put("clientAuth", describeValue(tls.clientAuth()));
			if (tls.protocols() != null) {
				description.put("protocols", tls.protocols());
			}
			if (tls.ciphers() != null) {
				description.put("ciphers", tls.ciphers());
			}
			return description;
		}
		if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) {
			return value;
		}
		return value.toString();
	}

	private static @Nullable String describe(@Nullable InetAddress address, @Nullable String ifNull) {
		return (address != null) ? describe(address) : ifNull;
	}

	/**
	 * The echo server as the endpoint shows it.
	 *
	 * @param state the server's state: NEW, RUNNING, DRAINING or STOPPED
	 * @param address the bound address, {@code *} for all interfaces; {@code null} before
	 * start
	 * @param port the bound port, -1 before start
	 * @param acceptStrategy {@code acceptor} or {@code reuseport}
	 * @param connections the open connections over all reactors
	 * @param pendingOutputAllocated direct memory allocated for pending output so far, in
	 * bytes (kept for reuse; at most {@code configuration.maxPendingOutput})
	 * @param udp the UDP echo, {@code null} before start or when it is off
	 * @param reactors the reactors, by index; empty before start
	 * @param acceptor the acceptor thread, {@code null} in {@code reuseport} mode
	 * @param configuration the configuration in force: every component of the reactor's
	 * settings by its name, nested settings as objects, with the memory limits as the server
	 * derived them
	 * @param settings where the settings' live reload stands: since when these are in
	 * force, the last change refused, the changes waiting for a restart
	 * @param faults the fault profiles, each on its own port; empty with none
	 */
	public record EchoServerDescriptor(String state, @Nullable String address, int port, String acceptStrategy,
			int connections, long pendingOutputAllocated, @Nullable UdpDescriptor udp, List<ReactorDescriptor> reactors,
			@Nullable AcceptorDescriptor acceptor, Map<String, Object> configuration,
			SettingsStatus.@Nullable Descriptor settings, List<FaultDescriptor> faults) implements OperationResponseBody {

	}

	/**
	 * A fault profile.
	 *
	 * @param name the profile's name, as in {@code echo.server.faults.NAME}
	 * @param port the bound TCP port, -1 before start
	 * @param udpPort the bound UDP port, {@code null} when the profile has no UDP fault
	 * @param connections its connections open now
	 * @param settings its faults, as set (durations ISO-8601, sizes in bytes, -1 or unset
	 * for off)
	 * @param injected the faults it injected so far, by kind, as
	 * {@code echo_faults_injected_total} counts them
	 */
	public record FaultDescriptor(String name, int port, @Nullable Integer udpPort, long connections,
			Map<String, Object> settings, Map<String, Long> injected) {

	}

	/**
	 * The UDP echo.
	 *
	 * @param address the bound address, {@code *} for all interfaces
	 * @param port the bound UDP port
	 * @param reactors the reactor threads that own a UDP socket: the first reactor in
	 * {@code acceptor} mode, every reactor in {@code reuseport} mode
	 * @param activeBuckets the rate limit's buckets in debt now: drawn on and not yet
	 * refilled
	 */
	public record UdpDescriptor(@Nullable String address, int port, List<String> reactors, int activeBuckets) {

	}

	/**
	 * One reactor.
	 *
	 * @param index the reactor's index
	 * @param thread the thread's name
	 * @param threadState the thread's state, as {@link Thread.State} names it
	 * @param state the reactor's state: NEW, RUNNING, DRAINING, CLOSING or TERMINATED
	 * @param alive whether the thread is alive
	 * @param sinceLastSelectMillis milliseconds since it last returned from select(): at
	 * most about 1000 for a healthy reactor, busy or idle
	 * @param stalled whether that is longer than {@code stall-timeout}
	 * @param registeredKeys the keys registered with its selector: its connections, plus
	 * its listener in {@code reuseport} mode
	 * @param activeConnections its open connections
	 * @param pendingBytes bytes read but not yet written back
	 * @param pausedConnections connections whose reading is paused by backpressure
	 * @param connectionsAwaitingMemory connections waiting to read until pending-output
	 * memory is available
	 * @param pendingTasks tasks other threads queued and it has not run yet
	 */
	public record ReactorDescriptor(int index, String thread, String threadState, String state, boolean alive,
			@Nullable Long sinceLastSelectMillis, boolean stalled, int registeredKeys, long activeConnections,
			long pendingBytes, long pausedConnections, long connectionsAwaitingMemory, int pendingTasks) {

	}

	/**
	 * The acceptor thread.
	 *
	 * @param thread the thread's name
	 * @param alive whether it is alive (or the server is not running, when it need not be)
	 * @param sinceLastSelectMillis milliseconds since it last returned from select()
	 * @param stalled whether that is longer than {@code stall-timeout}
	 */
	public record AcceptorDescriptor(String thread, boolean alive, @Nullable Long sinceLastSelectMillis, boolean stalled) {

	}

}

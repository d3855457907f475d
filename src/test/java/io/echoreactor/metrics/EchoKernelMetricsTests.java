package io.echoreactor.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.DefaultSettings;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link EchoKernelMetrics}, on a {@code /proc} written by the test and on the
 * real one.
 */
@Timeout(30)
class EchoKernelMetricsTests {

	private final MockClock clock = new MockClock();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, this.clock);

	@TempDir
	Path proc;

	private EchoServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void everyKernelMeterIsBoundWhereProcHasItsField() throws IOException {
		writeProc("net/netstat", "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 17 23\n");
		writeProc("net/sockstat", "sockets: used 180\nTCP: inuse 5 orphan 1 tw 63 alloc 7 mem 381\n");
		writeProc("net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue\n");
		writeProc("self/smaps", "Size: 4 kB\nKernelPageSize: 4 kB\n");
		new EchoKernelMetrics(server(1024), this.proc).bindTo(this.registry);
		assertThat(this.registry.get("echo.kernel.listen.overflows").functionCounter().count()).isEqualTo(17);
		assertThat(this.registry.get("echo.kernel.listen.drops").functionCounter().count()).isEqualTo(23);
		assertThat(this.registry.get("echo.kernel.tcp.memory").gauge().value()).isEqualTo(381 * 4096);
		assertThat(this.registry.get("echo.kernel.tcp.sockets").tag("state", "inuse").gauge().value()).isEqualTo(5);
		assertThat(this.registry.get("echo.kernel.tcp.sockets").tag("state", "orphan").gauge().value()).isEqualTo(1);
		assertThat(this.registry.get("echo.kernel.tcp.sockets").tag("state", "tw").gauge().value()).isEqualTo(63);
		assertThat(this.registry.get("echo.kernel.tcp.sockets").tag("state", "alloc").gauge().value()).isEqualTo(7);
		assertThat(this.registry.get("echo.listen.queue.depth").tag("listener", "echo").gauge().value()).isZero();
		assertThat(this.registry.get("echo.listen.queue.max").tag("listener", "echo").gauge().value()).isEqualTo(1024);
	}

	@Test
	void aMeterIsAbsentNotZeroWhereProcLacksItsField() throws IOException {
		writeProc("net/netstat", "TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 0 0\n");
		writeProc("net/sockstat", "TCP: inuse 5 orphan 1\n");
		new EchoKernelMetrics(server(1024), this.proc).bindTo(this.registry);
		assertThat(this.registry.get("echo.kernel.listen.overflows").functionCounter().count()).isZero();
		assertThat(this.registry.find("echo.kernel.listen.drops").meter()).isNull();
		// No page size and no mem field: no memory meter.
		assertThat(this.registry.find("echo.kernel.tcp.memory").meter()).isNull();
		assertThat(this.registry.find("echo.kernel.tcp.sockets").gauges()).hasSize(2);
		assertThat(this.registry.find("echo.kernel.tcp.sockets").tag("state", "tw").meter()).isNull();
		// No /proc/net/tcp or tcp6: no accept queue.
		assertThat(this.registry.find("echo.listen.queue.depth").meter()).isNull();
		assertThat(this.registry.find("echo.listen.queue.max").meter()).isNull();
	}

	@Test
	void noMeterIsBoundWithoutProc() {
		new EchoKernelMetrics(server(1024), this.proc.resolve("missing")).bindTo(this.registry);
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void listenQueueDepthIsTheDeepestQueueOfOurPortAndAddress() throws IOException {
		EchoServer server = server(1024);
		server.start();
		int port = server.port();
		writeProc("net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue\n"
				+ listenLine(0, "127.0.0.1", port, 4) + listenLine(1, "127.0.0.2", port, 9)
				+ listenLine(2, "127.0.0.1", port + 1, 11));
		new EchoKernelMetrics(server, this.proc).bindTo(this.registry);
		assertThat(this.registry.get("echo.listen.queue.depth").gauge().value()).isEqualTo(4);
	}

	@Test
	void listenQueueDepthFollowsProcOnceTheLastReadHasAged() throws IOException {
		EchoServer server = server(1024);
		server.start();
		String header = "  sl  local_address rem_address   st tx_queue rx_queue\n";
		writeProc("net/tcp", header + listenLine(0, "127.0.0.1", server.port(), 4));
		new EchoKernelMetrics(server, this.proc).bindTo(this.registry);
		assertThat(this.registry.get("echo.listen.queue.depth").gauge().value()).isEqualTo(4);
		writeProc("net/tcp", header + listenLine(0, "127.0.0.1", server.port(), 6));
		assertThat(this.registry.get("echo.listen.queue.depth").gauge().value()).isEqualTo(4);
		this.clock.add(EchoKernelMetrics.MAX_AGE_NANOS, TimeUnit.NANOSECONDS);
		assertThat(this.registry.get("echo.listen.queue.depth").gauge().value()).isEqualTo(6);
	}

	@Test
	void listenQueueMaxIsTheBacklogCappedBySomaxconn() throws IOException {
		writeProc("net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue\n");
		writeProc("sys/net/core/somaxconn", "128\n");
		new EchoKernelMetrics(server(1024), this.proc).bindTo(this.registry);
		assertThat(this.registry.get("echo.listen.queue.max").gauge().value()).isEqualTo(128);
	}

	@Test
	void theRealProcGivesTheListenCountersAndOurEmptyAcceptQueue() {
		assumeThat(Path.of("/proc/net/netstat")).as("a Linux /proc").isReadable();
		EchoServer server = server(1024);
		server.start();
		new EchoKernelMetrics(server).bindTo(this.registry);
		assertThat(this.registry.get("echo.kernel.listen.overflows").functionCounter().count()).isNotNegative();
		assertThat(this.registry.get("echo.kernel.listen.drops").functionCounter().count()).isNotNegative();
		assertThat(this.registry.get("echo.kernel.tcp.memory").gauge().value()).isNotNegative();
		assertThat(this.registry.get("echo.listen.queue.depth").gauge().value()).isZero();
		assertThat(this.registry.get("echo.listen.queue.max").gauge().value()).isBetween(1.0, 1024.0);
	}

	private EchoServer server(int backlog) {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.backlog(backlog)
			.build());
		return this.server;
	}

	private void writeProc(String file, String content) throws IOException {
		Path path = this.proc.resolve(file);
		Files.createDirectories(path.getParent());
		Files.writeString(path, content);
	}

	// The line /proc/net/tcp would show on this host for a listener.
	private static String listenLine(int slot, String address, int port, int acceptQueue) throws IOException {
		byte[] bytes = InetAddress.getByName(address).getAddress();
		int word = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt();
		return String.format("%4d: %08X:%04X 00000000:0000 0A 00000000:%08X 00:00000000 00000000     0        0 %d%n",
				slot, word, port, acceptQueue, 1000 + slot);
	}

}

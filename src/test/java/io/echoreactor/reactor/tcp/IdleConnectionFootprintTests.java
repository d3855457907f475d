package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests that an idle connection costs the server only its bookkeeping: no pending output,
 * no pooled chunk, and less than 256 bytes of our own objects. The bytes are an exact
 * count from a class histogram (a full GC, live objects only), not a timing; the JDK's
 * share per connection is measured by {@code benchmarks/footprint/idle-memory.sh} in a
 * separate server process (see BENCHMARKS.md), because here the client sockets share the
 * heap.
 */
@Timeout(30)
class IdleConnectionFootprintTests {

	private static final int CONNECTIONS = 500;

	private static final int WARM_UP_CONNECTIONS = 100;

	private static final long OUR_BYTES_PER_CONNECTION_LIMIT = 256;

	private static final String OUR_PACKAGE = "io.echoreactor.";

	// "   1:         64184        6485696  [B (java.base@17.0.15)"
	private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

	private final List<SocketChannel> clients = new ArrayList<>();

	private EchoServer server;

	@BeforeEach
	void startServer() {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.build());
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		closeClients();
		this.server.stop();
	}

	@Test
	void idleConnectionsHoldNoPendingOutputAndNoPooledChunk() throws Exception {
		openIdleConnections(CONNECTIONS);
		int connections = 0;
		for (EchoReactor reactor : this.server.view().reactors()) {
			ReactorSnapshot snapshot = snapshot(reactor);
			connections += snapshot.connections();
			assertThat(snapshot.connectionsWithPendingOutput()).as("connections with pending output on %s",
					reactor.threadName())
				.isZero();
			assertThat(snapshot.chunksInUse()).as("pooled chunks in use on %s", reactor.threadName()).isZero();
		}
		assertThat(connections).isEqualTo(CONNECTIONS);
	}

	@Test
	void ourObjectsPerIdleConnectionStayUnder256Bytes() throws Exception {
		Footprint before = baseline();
		openIdleConnections(CONNECTIONS);
		Footprint after = Footprint.take();
		assertThat(after.connections() - before.connections())
			.as("TcpConnection instances the histogram sees for %d idle connections", CONNECTIONS)
			.isEqualTo(CONNECTIONS);
		double bytesPerConnection = (after.ourBytes() - before.ourBytes()) / (double) CONNECTIONS;
		assertThat(bytesPerConnection).as("bytes of io.echoreactor objects per idle connection")
			.isLessThan(OUR_BYTES_PER_CONNECTION_LIMIT);
	}

	@Test
	void idleConnectionsAddNoBufferToTheHeap() throws Exception {
		Footprint before = baseline();
		openIdleConnections(CONNECTIONS);
		Footprint after = Footprint.take();
		// One buffer per connection, on either side, would add CONNECTIONS instances.
		int bound = CONNECTIONS / 10;
		assertThat(after.byteArrays() - before.byteArrays()).as("new byte[] for %d idle connections", CONNECTIONS)
			.isLessThan(bound);
		assertThat(after.heapBuffers() - before.heapBuffers())
			.as("new heap ByteBuffers for %d idle connections", CONNECTIONS)
			.isLessThan(bound);
		assertThat(after.directBuffers() - before.directBuffers())
			.as("new direct ByteBuffers for %d idle connections", CONNECTIONS)
			.isLessThan(bound);
	}

	/**
	 * Take the baseline after a first round of connections has come and gone, so that it
	 * already holds the classes, lambdas and selector tables the connection path loads.
	 */
	private Footprint baseline() throws Exception {
		openIdleConnections(WARM_UP_CONNECTIONS);
		closeClients();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.server.view().activeConnections() == 0);
		return Footprint.take();
	}

	/** Open connections and echo one byte on each: once it is back, a reactor owns the connection. */
	private void openIdleConnections(int count) throws IOException {
		InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port());
		ByteBuffer buffer = ByteBuffer.allocate(1);
		for (int i = 0; i < count; i++) {
			SocketChannel client = SocketChannel.open(address);
			this.clients.add(client);
			byte value = (byte) i;
			client.write(buffer.clear().put(value).flip());
			buffer.clear();
			while (buffer.hasRemaining()) {
				assertThat(client.read(buffer)).as("echo on connection %d", i).isNotNegative();
			}
			assertThat(buffer.get(0)).isEqualTo(value);
		}
	}

	private void closeClients() {
		for (SocketChannel client : this.clients) {
			try {
				client.close();
			}
			catch (IOException ex) {
				// Ignore: the connection is gone either way
			}
		}
		this.clients.clear();
	}

	private static ReactorSnapshot snapshot(EchoReactor reactor) throws Exception {
		CompletableFuture<ReactorSnapshot> snapshot = new CompletableFuture<>();
		reactor.execute(() -> {
			List<TcpConnection> connections = reactor.connections();
			int withPendingOutput = (int) connections.stream().filter(TcpConnection::hasPendingOutput).count();
			int chunks = connections.stream().mapToInt(TcpConnection::heldChunks).sum();
			snapshot.complete(new ReactorSnapshot(connections.size(), withPendingOutput, chunks));
		});
		return snapshot.get(10, TimeUnit.SECONDS);
	}

	private record ReactorSnapshot(int connections, int connectionsWithPendingOutput, long chunksInUse) {
	}

	/**
	 * What a class histogram says about the heap, reduced to a few numbers: taken through
	 * the DiagnosticCommand MBean (the in-process {@code jcmd GC.class_histogram}, which runs
	 * a full GC first). Only these numbers outlive the histogram, so that one footprint does
	 * not show up in the next.
	 * @param ourBytes bytes of the application's own objects (this test's are left out)
	 * @param connections {@link TcpConnection} instances
	 * @param byteArrays {@code byte[]} instances
	 * @param heapBuffers heap {@code ByteBuffer} instances
	 * @param directBuffers direct {@code ByteBuffer} instances
	 */
	private record Footprint(long ourBytes, long connections, long byteArrays, long heapBuffers, long directBuffers) {

		static Footprint take() throws Exception {
			String histogram = (String) ManagementFactory.getPlatformMBeanServer()
				.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
						new Object[] { new String[0] }, new String[] { String[].class.getName() });
			long ourBytes = 0;
			long connections = 0;
			long byteArrays = 0;
			long heapBuffers = 0;
			long directBuffers = 0;
			int classes = 0;
			for (String line : histogram.split("\n")) {
				Matcher matcher = HISTOGRAM_LINE.matcher(line);
				if (!matcher.matches()) {
					continue;
				}
				classes++;
				long instances = Long.parseLong(matcher.group(1));
				String name = matcher.group(3);
				if (name.startsWith(OUR_PACKAGE) && !name.startsWith(IdleConnectionFootprintTests.class.getName())) {
					ourBytes += Long.parseLong(matcher.group(2));
				}
				switch (name) {
					case "io.echoreactor.reactor.tcp.TcpConnection" -> connections += instances;
					case "[B" -> byteArrays += instances;
					case "java.nio.HeapByteBuffer", "java.nio.HeapByteBufferR" -> heapBuffers += instances;
					case "java.nio.DirectByteBuffer", "java.nio.DirectByteBufferR" -> directBuffers += instances;
					default -> {
					}
				}
			}
			assertThat(classes).as("classes in the histogram").isPositive();
			return new Footprint(ourBytes, connections, byteArrays, heapBuffers, directBuffers);
		}

	}

}

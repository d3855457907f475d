package io.echoreactor.context;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;

import io.echoreactor.reactor.EchoBindException;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EchoBindFailureAnalyzer}: a bind failure of the real application ends
 * in one report with a description and an action, not a stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class EchoBindFailureAnalyzerTests {

	@ParameterizedTest(name = "accept strategy {0}")
	@ValueSource(strings = { "acceptor", "reuseport" })
	void portAlreadyInUseStopsStartUpWithDescriptionAndAction(String acceptStrategy, CapturedOutput output)
			throws IOException {
		try (ServerSocketChannel holder = ServerSocketChannel.open()) {
			// Another instance of the service in reuseport mode: SO_REUSEPORT on the holder
			// must not let a second one join its port silently.
			holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = ((InetSocketAddress) holder.getLocalAddress()).getPort();
			String report = FailureReports.failureReport(output,
					Map.of("echo.server.port", String.valueOf(port), "echo.server.accept-strategy", acceptStrategy));
			assertThat(report).contains("Echo server port " + port + " on 127.0.0.1 was already in use.")
				.contains("Action:")
				.contains("or configure this application to listen on another port with echo.server.port.");
		}
	}

	@ParameterizedTest(name = "accept strategy {0}")
	@ValueSource(strings = { "acceptor", "reuseport" })
	void udpPortAlreadyInUseStopsStartUpWithOneReportNamingTheUdpPortProperty(String acceptStrategy,
			CapturedOutput output) throws IOException {
		try (DatagramChannel holder = DatagramChannel.open()) {
			// Another instance in reuseport mode: its SO_REUSEPORT must not let this one join.
			holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = ((InetSocketAddress) holder.getLocalAddress()).getPort();
			String report = FailureReports.failureReport(output, Map.of("echo.server.udp.port", String.valueOf(port),
					"echo.server.accept-strategy", acceptStrategy));
			assertThat(report).contains("Echo server UDP port " + port + " on 127.0.0.1 was already in use.")
				.contains("Identify and stop the process that's bound to UDP port " + port)
				.contains("configure this application to use another UDP port with echo.server.udp.port")
				.doesNotContain("with echo.server.port.");
			assertOneReport(report);
		}
	}

	@Test
	void udpPortTakenFromAnUnsetUdpPortIsReportedAgainstTheUdpPortProperty(CapturedOutput output)
			throws IOException {
		InetAddress loopback = InetAddress.getLoopbackAddress();
		int port = FreePorts.freeTcpAndUdpPort(loopback);
		// Another service on the same number, UDP only: the TCP listener binds, the UDP socket does not.
		try (DatagramSocket holder = new DatagramSocket(new InetSocketAddress(loopback, port))) {
			String report = FailureReports.failureReport(output, Map.of("echo.server.port", String.valueOf(port)));
			assertThat(report).contains("Echo server UDP port " + port + " on 127.0.0.1 was already in use.")
				.contains("with echo.server.udp.port (when unset it follows the TCP port's number; 0 picks any free "
						+ "port), or turn UDP off with echo.server.udp.enabled=false.");
			assertOneReport(report);
		}
	}

	private static void assertOneReport(String report) {
		assertThat(report).containsOnlyOnce("APPLICATION FAILED TO START")
			.containsOnlyOnce("Description:")
			.containsOnlyOnce("Action:");
	}

	@Test
	void addressNotOnThisHostStopsStartUpWithDescriptionAndAction(CapturedOutput output) {
		// TEST-NET-3 (RFC 5737): never assigned to a host, and a failed bind sends nothing.
		String report = FailureReports.failureReport(output, Map.of("echo.server.address", "203.0.113.1"));
		assertThat(report).contains("The echo server could not bind to 203.0.113.1 port 0")
			.contains("the address is not available on this host")
			.contains("Set echo.server.address to an address of one of this host's interfaces");
	}

	@Test
	void permissionDeniedIsExplainedWithTheCapabilityToGrant() {
		// The tests run as root, where binding a privileged port succeeds, so the kernel's
		// EACCES cannot be produced for real; the exception is built as the JDK reports it.
		EchoBindException exception = new EchoBindException(
				new InetSocketAddress(InetAddress.getLoopbackAddress(), 80), new IOException("Permission denied"));
		FailureAnalysis analysis = new EchoBindFailureAnalyzer()
			.analyze(new ApplicationContextException("Failed to start bean 'echoServerLifecycle'", exception));
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription())
			.isEqualTo("The echo server was denied permission to bind port 80 on 127.0.0.1.");
		assertThat(analysis.getAction()).contains("echo.server.port").contains("CAP_NET_BIND_SERVICE");
		assertThat(analysis.getCause()).isSameAs(exception);
	}

	@Test
	void otherBindFailuresKeepTheOperatingSystemsWords() {
		EchoBindException exception = new EchoBindException(new InetSocketAddress(7007),
				new IOException("Protocol not available"));
		FailureAnalysis analysis = new EchoBindFailureAnalyzer().analyze(exception);
		assertThat(analysis.getDescription())
			.isEqualTo("The echo server could not bind to all interfaces port 7007: Protocol not available.");
		assertThat(analysis.getAction()).contains("echo.server.address").contains("echo.server.port");
	}


}

package io.echoreactor.reactor;

import java.net.InetAddress;

import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Memory settings that would pass validation and fail only when clients filled them are
 * refused when the server starts, with one message that names the property.
 */
class MemorySettingsTests {

	private static final long TERABYTE = 1L << 40;

	@Test
	void maxPendingOutputAboveTheJvmsDirectMemoryIsRefusedAtStart() {
		EchoServer server = new EchoServer(settings().maxPendingOutput(TERABYTE).build());
		assertThatExceptionOfType(EchoServerException.class).isThrownBy(server::start)
			.withMessageStartingWith("echo.server.max-pending-output (")
			.withMessageContaining("the JVM's direct memory")
			.withMessageContaining("-XX:MaxDirectMemorySize");
	}

	@Test
	void maxPendingOutputThatLeavesNoRoomForTheReadBuffersIsRefusedAtStart() {
		long direct = PendingOutputBudget.maxDirectMemory();
		EchoServer server = new EchoServer(settings().maxPendingOutput(direct).build());
		assertThatExceptionOfType(EchoServerException.class).isThrownBy(server::start)
			.withMessageStartingWith("echo.server.max-pending-output (")
			.withMessageContaining("read buffers");
	}

	@Test
	void maxSessionMemoryAboveSeventyPercentOfTheHeapIsRefusedAtStart() {
		long heap = Runtime.getRuntime().maxMemory();
		EchoServer server = new EchoServer(settings().maxSessionMemory(heap / 100 * 71).build());
		assertThatExceptionOfType(EchoServerException.class).isThrownBy(server::start)
			.withMessageStartingWith("echo.server.max-session-memory (")
			.withMessageContaining("70% of the JVM's maximum heap");
	}

	@Test
	void maxSessionMemoryTooSmallForOneHandshakeIsRefusedAtStart() {
		EchoServer server = new EchoServer(settings().maxSessionMemory(16 * 1024).build());
		assertThatExceptionOfType(EchoServerException.class).isThrownBy(server::start)
			.withMessageStartingWith("echo.server.max-session-memory (")
			.withMessageContaining("too small to hold one TLS handshake");
	}

	private static EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.udp(DefaultSettings.udpDisabled())
			.reactors(1);
	}

}

package io.echoreactor.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blocking loopback clients for tests that need one echo round trip, with timeouts so
 * that a server that never answers fails the test instead of hanging it.
 */
public final class EchoSockets {

	private EchoSockets() {
	}

	/**
	 * Connect to the echo port on the loopback address.
	 * @param port the echo port
	 * @return the connected socket, with a 10 s read timeout
	 * @throws IOException if the connection fails
	 */
	public static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
		socket.setSoTimeout(10_000);
		return socket;
	}

	/**
	 * Send {@code message} and assert that exactly it comes back.
	 * @param client a connected socket
	 * @param message the message, in US-ASCII
	 * @throws IOException if the round trip fails
	 */
	public static void assertEchoes(Socket client, String message) throws IOException {
		byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
		client.getOutputStream().write(bytes);
		client.getOutputStream().flush();
		assertThat(client.getInputStream().readNBytes(bytes.length)).asString(StandardCharsets.US_ASCII)
			.isEqualTo(message);
	}

}

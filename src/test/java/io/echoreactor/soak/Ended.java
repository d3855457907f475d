package io.echoreactor.soak;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * How a hostile connection that waits for the server's answer ended: a FIN or a reset,
 * and when.
 *
 * @param lasted from the client's last byte (or its connect, if it sent nothing) to the
 * end
 * @param received the bytes it received before the end, which it does not look at
 * @param reset whether the end was a reset rather than a FIN
 */
record Ended(Duration lasted, long received, boolean reset) {

	/**
	 * Read whatever comes until the server ends the connection.
	 * @param socket the connection, with its read timeout set to the longest wait allowed
	 * @param sinceNanos when the client sent its last byte
	 * @return how it ended
	 * @throws IOException if it did not end within the read timeout, or failed otherwise
	 */
	static Ended await(Socket socket, long sinceNanos) throws IOException {
		InputStream input = socket.getInputStream();
		byte[] buffer = new byte[4096];
		long received = 0;
		try {
			int n;
			while ((n = input.read(buffer)) >= 0) {
				received += n;
			}
			return new Ended(Duration.ofNanos(System.nanoTime() - sinceNanos), received, false);
		}
		catch (SocketTimeoutException ex) {
			throw new IOException("The server did not close a connection from " + socket.getLocalAddress()
					+ " within " + socket.getSoTimeout() + " ms", ex);
		}
		catch (SocketException ex) {
			if (String.valueOf(ex.getMessage()).contains("reset")) {
				return new Ended(Duration.ofNanos(System.nanoTime() - sinceNanos), received, true);
			}
			throw ex;
		}
	}

}

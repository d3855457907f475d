package io.echoreactor.reactor;

import java.io.Closeable;
import java.io.IOException;

/**
 * Closing a channel or selector whose failure to close changes nothing: the descriptor is
 * released either way, and the caller is already giving it up.
 */
final class Closeables {

	private Closeables() {
	}

	static void closeQuietly(Closeable closeable) {
		try {
			closeable.close();
		}
		catch (IOException ex) {
			// Ignore: the descriptor is released either way
		}
	}

}

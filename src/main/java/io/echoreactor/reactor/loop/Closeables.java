package io.echoreactor.reactor.loop;

import java.io.Closeable;
import java.io.IOException;

/**
 * Closing a channel or selector whose failure to close changes nothing: the descriptor is
 * released either way, and the caller is already giving it up.
 */
public final class Closeables {

	private Closeables() {
	}

	public static void closeQuietly(Closeable closeable) {
		try {
			closeable.close();
		}
		catch (IOException ex) {
			// Ignore: the descriptor is released either way
		}
	}

}

package io.echoreactor.reactor;

import java.io.IOException;

/**
 * Thrown when the {@link BufferPool} cannot have a chunk for pending output: the
 * {@link PendingOutputBudget} is spent or the JVM's direct memory is. The reactor closes
 * the one connection that needed it (a connection whose client is not reading its
 * echoes; one that reads never needs pending output).
 */
class OutOfBufferMemoryException extends IOException {

	OutOfBufferMemoryException(String reason) {
		super("No memory for pending output: " + reason);
	}

}

package io.echoreactor.reactor;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when the {@link EchoServer} cannot start for a reason other than binding.
 */
public class EchoServerException extends RuntimeException {

	public EchoServerException(@Nullable String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}

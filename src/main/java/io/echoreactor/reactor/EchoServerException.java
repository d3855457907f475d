package io.echoreactor.reactor;

/**
 * Thrown when the {@link EchoServer} cannot start for a reason other than binding.
 */
public class EchoServerException extends RuntimeException {

	public EchoServerException(String message, Throwable cause) {
		super(message, cause);
	}

}

package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Thrown when the {@link EchoServer} cannot bind its listening socket, with the reason
 * told apart so that the failure can be explained to the user.
 */
public class EchoBindException extends EchoServerException {

	private final InetSocketAddress address;

	private final Reason reason;

	public EchoBindException(InetSocketAddress address, IOException cause) {
		super("Unable to bind the echo server to " + address + ": " + cause.getMessage(), cause);
		this.address = address;
		this.reason = Reason.of(cause);
	}

	/** @return the address and port that could not be bound */
	public InetSocketAddress getAddress() {
		return this.address;
	}

	/** @return why binding failed */
	public Reason getReason() {
		return this.reason;
	}

	/**
	 * Why a bind failed, read from the operating system's error.
	 */
	public enum Reason {

		/** EADDRINUSE: another socket holds the port. */
		PORT_IN_USE,

		/** EADDRNOTAVAIL: the address is not one of this host's. */
		ADDRESS_NOT_AVAILABLE,

		/** EACCES: binding a privileged port needs a capability the process lacks. */
		PERMISSION_DENIED,

		/** Anything else. */
		OTHER;

		static Reason of(IOException ex) {
			String message = String.valueOf(ex.getMessage());
			if (message.contains("Address already in use")) {
				return PORT_IN_USE;
			}
			if (message.contains("Cannot assign requested address")) {
				return ADDRESS_NOT_AVAILABLE;
			}
			if (message.contains("Permission denied")) {
				return PERMISSION_DENIED;
			}
			return OTHER;
		}

	}

}

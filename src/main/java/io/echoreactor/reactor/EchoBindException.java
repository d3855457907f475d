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

	private final Protocol protocol;

	public EchoBindException(InetSocketAddress address, IOException cause) {
		this(address, cause, Protocol.TCP);
	}

	public EchoBindException(InetSocketAddress address, IOException cause, Protocol protocol) {
		super("Unable to bind the echo server's " + protocol + " port to " + address + ": " + cause.getMessage(),
				cause);
		this.address = address;
		this.reason = Reason.of(cause);
		this.protocol = protocol;
	}

	/** @return which of the echo server's sockets could not be bound */
	public Protocol getProtocol() {
		return this.protocol;
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
	 * The echo server's sockets, each with the setting that names its port.
	 */
	public enum Protocol {

		/** The TCP listener: {@code echo.server.port}. */
		TCP("echo.server.port"),

		/** The TLS listener: {@code echo.server.ssl.port}. */
		TLS("echo.server.ssl.port"),

		/** The UDP socket: {@code echo.server.udp.port}. */
		UDP("echo.server.udp.port");

		private final String portProperty;

		Protocol(String portProperty) {
			this.portProperty = portProperty;
		}

		/** @return the property that sets this socket's port */
		public String portProperty() {
			return this.portProperty;
		}

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

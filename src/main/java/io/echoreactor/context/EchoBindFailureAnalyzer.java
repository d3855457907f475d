package io.echoreactor.context;

import java.net.InetSocketAddress;
import java.util.Objects;

import io.echoreactor.reactor.EchoBindException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link EchoBindException} at start-up: what could not be bound, why, and
 * what to do about it, in place of a stack trace.
 */
class EchoBindFailureAnalyzer extends AbstractFailureAnalyzer<EchoBindException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, EchoBindException cause) {
		InetSocketAddress address = cause.getAddress();
		int port = address.getPort();
		String where = address.getAddress().isAnyLocalAddress() ? "all interfaces"
				: address.getAddress().getHostAddress();
		boolean udp = cause.getProtocol() == EchoBindException.Protocol.UDP;
		String label = (cause.getProtocol() == EchoBindException.Protocol.TCP) ? ""
				: cause.getProtocol().name() + " ";
		String property = cause.getProtocol().portProperty();
		return switch (cause.getReason()) {
			case PORT_IN_USE -> new FailureAnalysis("Echo server " + label + "port " + port + " on "
					+ where + " was already in use.",
					(udp ? "Identify and stop the process that's bound to UDP port " + port
							+ " or configure this application to use another UDP port with " + property
							+ " (when unset it follows the TCP port's number; 0 picks any free port), or turn UDP off "
							+ "with echo.server.udp.enabled=false."
							: "Identify and stop the process that's listening on port " + port
									+ " or configure this application to listen on another port with " + property
									+ "."),
					cause);
			case ADDRESS_NOT_AVAILABLE -> new FailureAnalysis("The echo server could not bind to " + where + " port "
					+ port + ": the address is not available on this host.",
					"Set echo.server.address to an address of one of this host's interfaces, or leave it unset to "
							+ "listen on all interfaces.",
					cause);
			case PERMISSION_DENIED -> new FailureAnalysis("The echo server was denied permission to bind "
					+ label + "port " + port + " on " + where + ".",
					"Configure a port above 1023 with " + property + ", or give the process the "
							+ "CAP_NET_BIND_SERVICE capability.",
					cause);
			case OTHER -> new FailureAnalysis("The echo server could not bind to " + where + " port " + port + ": "
					+ Objects.requireNonNull(cause.getCause()).getMessage() + ".",
					"Check echo.server.address and " + property + ".", cause);
		};
	}

}

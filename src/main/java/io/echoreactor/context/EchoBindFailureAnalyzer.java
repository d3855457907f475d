package io.echoreactor.context;

import java.net.InetSocketAddress;

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
		return switch (cause.getReason()) {
			case PORT_IN_USE -> new FailureAnalysis("Echo server port " + port + " on " + where
					+ " was already in use.",
					"Identify and stop the process that's listening on port " + port
							+ " or configure this application to listen on another port with echo.server.port.",
					cause);
			case ADDRESS_NOT_AVAILABLE -> new FailureAnalysis("The echo server could not bind to " + where + " port "
					+ port + ": the address is not available on this host.",
					"Set echo.server.address to an address of one of this host's interfaces, or leave it unset to "
							+ "listen on all interfaces.",
					cause);
			case PERMISSION_DENIED -> new FailureAnalysis("The echo server was denied permission to bind port "
					+ port + " on " + where + ".",
					"Configure a port above 1023 with echo.server.port, or give the process the "
							+ "CAP_NET_BIND_SERVICE capability.",
					cause);
			case OTHER -> new FailureAnalysis("The echo server could not bind to " + where + " port " + port + ": "
					+ cause.getCause().getMessage() + ".",
					"Check echo.server.address and echo.server.port.", cause);
		};
	}

}

package io.echoreactor.reactor;

/**
 * How a shutdown of the {@link EchoServer} ended.
 */
public enum ShutdownResult {

	/** Every client closed its connection before {@code shutdown-timeout}. */
	IDLE,

	/** Connections were still open at {@code shutdown-timeout} and were closed by the server. */
	CONNECTIONS_ACTIVE,

	/** The server was stopped without a drain. */
	IMMEDIATE

}

package io.echoreactor.reactor.accept;

/**
 * How new connections reach the reactors.
 *
 * @see EchoServer
 */
public enum AcceptStrategy {

	/**
	 * One listening socket served by a dedicated {@code echo-acceptor} thread that hands
	 * accepted channels to the reactors round-robin (a boss/worker split). Portable, and
	 * the balance is exact; each new connection costs one cross-thread hand-off.
	 */
	ACCEPTOR,

	/**
	 * One {@code SO_REUSEPORT} listener per reactor, so the kernel spreads connections by
	 * hash and no thread is woken for a connection it will not get. Linux only; the
	 * balance is statistical.
	 */
	REUSEPORT

}

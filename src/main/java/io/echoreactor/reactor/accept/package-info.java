/**
 * Accepting: the listening sockets, the acceptor thread or a socket per reactor, and the connection limits.
 */
@NullMarked
package io.echoreactor.reactor.accept;

import org.jspecify.annotations.NullMarked;

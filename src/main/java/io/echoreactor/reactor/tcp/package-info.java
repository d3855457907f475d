/**
 * A TCP connection and its stages, in the order a connection meets them: the PROXY header, the TLS handshake, the echo, closing.
 */
@NullMarked
package io.echoreactor.reactor.tcp;

import org.jspecify.annotations.NullMarked;

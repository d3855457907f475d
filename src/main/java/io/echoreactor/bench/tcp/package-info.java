/**
 * The load client's TCP and TLS connections: their set-up (PROXY header, handshake,
 * greeting), their transport, and the echo checked byte by byte.
 */
@NullMarked
package io.echoreactor.bench.tcp;

import org.jspecify.annotations.NullMarked;

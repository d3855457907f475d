/**
 * The load client's TLS: the certificates it trusts, each connection's engine, and TLS over
 * a flow's socket.
 */
@NullMarked
package io.echoreactor.bench.tls;

import org.jspecify.annotations.NullMarked;

/**
 * TLS: the context a bundle makes, its start-up check, and the buffers and records of a TLS connection.
 */
@NullMarked
package io.echoreactor.reactor.tls;

import org.jspecify.annotations.NullMarked;

/**
 * The UDP echo: a datagram socket per reactor and the rate limit per source.
 */
@NullMarked
package io.echoreactor.reactor.udp;

import org.jspecify.annotations.NullMarked;

/**
 * The load client's UDP flows: datagrams that name their sequence number and flow, their
 * echoes checked, and those lost or late counted.
 */
@NullMarked
package io.echoreactor.bench.udp;

import org.jspecify.annotations.NullMarked;

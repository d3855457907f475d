/**
 * Fault profiles: ports of their own whose connections and datagrams misbehave on
 * purpose (delay, bandwidth, FIN or RST after a size, random resets, no reading, a late
 * accept, dropped or delayed datagrams), served on the reactors' loops beside the plain
 * ports but with a connection limit, a memory budget and counters of their own.
 */
@NullMarked
package io.echoreactor.reactor.fault;

import org.jspecify.annotations.NullMarked;

/**
 * The counts of each loop thread, with a single writer, indexed by the enums of their causes; the lowest floor of the reactor.
 */
@NullMarked
package io.echoreactor.reactor.counters;

import org.jspecify.annotations.NullMarked;

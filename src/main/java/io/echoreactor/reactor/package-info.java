/**
 * The reactor: event loops, accepting, TCP connections and their stages, TLS, UDP, memory budgets and counters; plain JDK, no Spring or Micrometer.
 */
@NullMarked
package io.echoreactor.reactor;

import org.jspecify.annotations.NullMarked;

/**
 * Memory the reactors share: pending output and TLS session memory, their budgets, waits and evictions.
 */
@NullMarked
package io.echoreactor.reactor.memory;

import org.jspecify.annotations.NullMarked;

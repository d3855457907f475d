/**
 * Micrometer meters read from the reactor's counters and the kernel's socket tables.
 */
@NullMarked
package io.echoreactor.metrics;

import org.jspecify.annotations.NullMarked;

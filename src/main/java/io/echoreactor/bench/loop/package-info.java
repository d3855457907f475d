/**
 * The load client's event loops: the flows they drive, the run they share, the measured
 * window, the open loop's schedule, and what they count.
 */
@NullMarked
package io.echoreactor.bench.loop;

import org.jspecify.annotations.NullMarked;

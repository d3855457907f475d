/**
 * The event loop: one thread, one Selector, its task queue, wakeups and deadlines.
 */
@NullMarked
package io.echoreactor.reactor.loop;

import org.jspecify.annotations.NullMarked;

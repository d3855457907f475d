/**
 * The load client ({@code echo-reactor bench}), in the same jar, started without the service.
 */
@NullMarked
package io.echoreactor.bench;

import org.jspecify.annotations.NullMarked;

/**
 * Where Spring meets the reactor: its lifecycle and the failure analyzers that explain a failed start.
 */
@NullMarked
package io.echoreactor.context;

import org.jspecify.annotations.NullMarked;

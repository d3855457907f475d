/**
 * The PROXY protocol (versions 1 and 2) and the address ranges it trusts; depends on nothing of the reactor.
 */
@NullMarked
package io.echoreactor.proxy;

import org.jspecify.annotations.NullMarked;

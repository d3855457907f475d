/**
 * The console: a read-only page on the Actuator HTTP port that shows what the reactors,
 * the UDP socket, the TLS handshakes and the fault profiles are doing now, with small
 * charts drawn in the browser and a plain table for a browser without JavaScript.
 */
@NullMarked
package io.echoreactor.console;

import org.jspecify.annotations.NullMarked;

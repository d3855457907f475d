/**
 * The {@code echo} Actuator endpoint and the reactor's health.
 */
@NullMarked
package io.echoreactor.actuator;

import org.jspecify.annotations.NullMarked;

/**
 * The {@code echo.server} settings, validated, and the beans that wire the reactor into the application.
 */
@NullMarked
package io.echoreactor.config;

import org.jspecify.annotations.NullMarked;

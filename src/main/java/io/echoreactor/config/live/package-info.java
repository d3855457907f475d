/**
 * The settings' live reload: a watch on the configuration files, Spring Cloud's refresh of
 * the Environment, and the checks and hand-over that put a new set of {@code echo.server}
 * settings in force on the running reactors, or refuse it whole.
 */
@NullMarked
package io.echoreactor.config.live;

import org.jspecify.annotations.NullMarked;

package io.echoreactor.console;

import org.hibernate.validator.constraints.Range;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The console's settings. Both are read when the Actuator HTTP server starts.
 *
 * @param enabled whether to serve the console, a read-only page that shows client
 * addresses, at /console on the Actuator HTTP port.
 * @param maxStreams most browsers that may watch the console live at once, each holding
 * one connection but no request thread; one more is answered 503, so that the probes on
 * the same port keep their threads.
 */
@ConfigurationProperties("echo.console")
@Validated
public record ConsoleProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("8") @Range(min = 1, max = 64) int maxStreams) {

}

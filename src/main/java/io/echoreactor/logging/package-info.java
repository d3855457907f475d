/**
 * The reactor's log lines written through SLF4J, with their facts (reactor, addresses,
 * cause) as key-value pairs that Spring Boot's structured logging writes as fields.
 */
@NullMarked
package io.echoreactor.logging;

import org.jspecify.annotations.NullMarked;

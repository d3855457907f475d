/**
 * The echo service: a Spring Boot application around a {@code java.nio} Selector reactor.
 */
@NullMarked
package io.echoreactor;

import org.jspecify.annotations.NullMarked;

/**
 * The options of the load client, their parser and its usage text: what every other part
 * of the client reads.
 */
@NullMarked
package io.echoreactor.bench.options;

import org.jspecify.annotations.NullMarked;

package io.echoreactor.support;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

import io.echoreactor.reactor.loop.SelectOperation;

/**
 * A {@link SelectOperation} written as a lambda: tests replace the blocking
 * {@code select()} (to fail it, delay it, or act around it) and keep the other calls
 * real.
 */
@FunctionalInterface
public interface TestSelect extends SelectOperation {

	@Override
	int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException;

}

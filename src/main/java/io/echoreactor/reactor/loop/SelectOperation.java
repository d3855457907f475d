package io.echoreactor.reactor.loop;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.Consumer;

/**
 * The calls an event loop makes on its {@link Selector}, behind a seam so that tests can
 * make {@code select()} fail the way a broken epoll descriptor does, return early the way
 * a spinning one does, or hold a thread between deciding to wake a loop and waking it.
 */
public interface SelectOperation {

	/** The real calls. */
	SelectOperation DEFAULT = new SelectOperation() {
	};

	/**
	 * Open a selector.
	 * @return a new selector
	 * @throws IOException if it cannot be opened
	 */
	default Selector open() throws IOException {
		return SelectorProvider.provider().openSelector();
	}

	/**
	 * Block until keys are ready, the selector is woken or the timeout elapses, and run
	 * {@code action} on each ready key.
	 * @param selector the selector
	 * @param action what to do with each ready key
	 * @param timeoutMillis the longest to block, at least 1
	 * @return the number of keys the action ran for
	 * @throws IOException if selecting fails
	 */
	default int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
		return selector.select(action, timeoutMillis);
	}

	/**
	 * Run {@code action} on each key that is ready now, without blocking.
	 * @param selector the selector
	 * @param action what to do with each ready key
	 * @return the number of keys the action ran for
	 * @throws IOException if selecting fails
	 */
	default int selectNow(Selector selector, Consumer<SelectionKey> action) throws IOException {
		return selector.selectNow(action);
	}

	/**
	 * Make a blocked, or the next, {@code select()} return at once. Called from any thread.
	 * @param selector the selector
	 */
	default void wakeup(Selector selector) {
		selector.wakeup();
	}

}

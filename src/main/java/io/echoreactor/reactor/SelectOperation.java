package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.channels.Selector;

/**
 * The one blocking call of a reactor, behind a seam so tests can make {@code select()}
 * fail the way a broken epoll descriptor does.
 */
@FunctionalInterface
interface SelectOperation {

	SelectOperation DEFAULT = Selector::select;

	int select(Selector selector, long timeoutMillis) throws IOException;

}

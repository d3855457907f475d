package io.echoreactor.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * When a change to the annotated setting of {@link EchoServerProperties} can take effect:
 * on a running server ({@link When#LIVE}) or only when it starts ({@link When#RESTART}).
 * Every setting carries one; the configuration reference shows it.
 *
 * <p>
 * A live setting is one whose new value the reactors can take without closing a listener
 * or a connection: limits, timeouts, budgets and what is said to new connections. A
 * restart-only setting shapes what is built at start: the listening sockets, the reactor
 * threads and their buffers, whether TLS is served, and socket options that the kernel
 * fixes when a socket is set up.
 */
@Documented
@Target(ElementType.RECORD_COMPONENT)
@Retention(RetentionPolicy.RUNTIME)
public @interface Applied {

	/**
	 * Return when a change to the setting takes effect.
	 * @return when a change takes effect
	 */
	When value();

	/**
	 * When a change to a setting takes effect.
	 */
	enum When {

		/** On a running server, for its connections and datagrams from then on. */
		LIVE,

		/** When the server starts. */
		RESTART

	}

}

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
	 * Return what a live change reaches: the connections open when it is applied (from
	 * their next event on), only the connections accepted from then on, or the datagrams
	 * received from then on. Ignored for restart-only settings.
	 * @return what a live change reaches
	 */
	Reach reach() default Reach.OPEN_CONNECTIONS;

	/**
	 * When a change to a setting takes effect.
	 */
	enum When {

		/** On a running server, for its connections and datagrams from then on. */
		LIVE,

		/** When the server starts. */
		RESTART

	}

	/**
	 * What a live change reaches.
	 */
	enum Reach {

		/** The open connections too, from their next event on (their deadlines at once). */
		OPEN_CONNECTIONS("open connections"),

		/** The connections accepted from then on; open ones keep what they began with. */
		NEW_CONNECTIONS("new connections"),

		/** The datagrams received from then on. */
		DATAGRAMS("next datagrams");

		private final String description;

		Reach(String description) {
			this.description = description;
		}

		/** @return how the configuration reference says it */
		public String description() {
			return this.description;
		}

	}

}

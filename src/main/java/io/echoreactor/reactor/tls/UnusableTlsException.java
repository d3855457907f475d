package io.echoreactor.reactor.tls;

import java.util.Objects;

/**
 * Thrown when a TLS context and the options it is narrowed to cannot serve: a protocol or
 * cipher suite this JVM does not know or has disabled, or a combination with which no
 * handshake can complete. It says which setting is at fault, with its value, so that the
 * failure can name the property the user wrote.
 */
public class UnusableTlsException extends Exception {

	private final Setting setting;

	private final String value;

	private final String reason;

	UnusableTlsException(Setting setting, String value, String reason) {
		super((setting != Setting.KEY) ? setting.key() + " " + value + ": " + reason : reason);
		this.setting = Objects.requireNonNull(setting, "setting");
		this.value = value;
		this.reason = reason;
	}

	/** @return the setting at fault */
	public Setting getSetting() {
		return this.setting;
	}

	/** @return its value, a list joined with commas as a property holds it; empty for {@link Setting#KEY} */
	public String getValue() {
		return this.value;
	}

	/** @return why it cannot serve, in words a user can act on */
	public String getReason() {
		return this.reason;
	}

	/**
	 * The settings of a TLS context that a check can find at fault.
	 */
	public enum Setting {

		/** The protocols: an SSL bundle's {@code options.enabled-protocols}. */
		PROTOCOLS("options.enabled-protocols"),

		/** The cipher suites: an SSL bundle's {@code options.ciphers}. */
		CIPHERS("options.ciphers"),

		/** The key and certificate themselves. */
		KEY("keystore");

		private final String key;

		Setting(String key) {
			this.key = key;
		}

		/** @return the setting's key under an SSL bundle's properties */
		public String key() {
			return this.key;
		}

	}

}

package io.echoreactor.context;

import org.jspecify.annotations.Nullable;

/**
 * A file of an SSL bundle (a certificate, a private key, a trust store) that cannot serve:
 * missing, unreadable, of the wrong kind, or a key that is not the certificate's. Thrown
 * at start-up before the bundle is loaded, so that {@link SslBundleFileFailureAnalyzer}
 * can name the property and the file in place of the loader's stack trace.
 */
public class SslBundleFileException extends RuntimeException {

	private final String property;

	private final String value;

	private final @Nullable String file;

	private final String reason;

	private final String action;

	/**
	 * Create a new instance.
	 * @param property the property that names the file, such as
	 * {@code spring.ssl.bundle.pem.echo.keystore.certificate}
	 * @param value the property's value as configured
	 * @param file the file it resolves to, or {@code null} for PEM content given inline
	 * @param reason what is wrong with it, such as {@code the file does not exist}
	 * @param action what to do about it
	 */
	public SslBundleFileException(String property, String value, @Nullable String file, String reason,
			String action) {
		super("Invalid value '" + value + "' for configuration property '" + property + "': " + reason);
		this.property = property;
		this.value = value;
		this.file = file;
		this.reason = reason;
		this.action = action;
	}

	/** @return the property that names the file */
	public String getProperty() {
		return this.property;
	}

	/** @return the property's value as configured */
	public String getValue() {
		return this.value;
	}

	/** @return the file it resolves to, or {@code null} for PEM content given inline */
	public @Nullable String getFile() {
		return this.file;
	}

	/** @return what is wrong with the file */
	public String getReason() {
		return this.reason;
	}

	/** @return what to do about it */
	public String getAction() {
		return this.action;
	}

}

package io.echoreactor.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLContext;

import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsContextCheck;
import io.echoreactor.reactor.tls.UnusableTlsException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.ssl.SslProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * Makes the echo server's {@link TlsContext} from the Spring Boot SSL bundle that
 * {@code echo.server.ssl.bundle} names, and keeps it current: when the bundle is reloaded
 * (a rotated certificate, with {@code reload-on-update}), new handshakes use the new key
 * material while connections already open keep theirs.
 *
 * <p>
 * Either way the bundle must be able to serve, as {@link TlsContextCheck} finds out with a
 * handshake in memory: at start-up a bundle that cannot fails start-up naming the
 * property at fault, and a reload that cannot is refused whole, logged in one line and
 * counted, while the previous bundle keeps serving. A TLS port that cannot make an engine
 * would otherwise be found out by the first client.
 */
public final class EchoTlsContexts {

	private static final Log logger = LogFactory.getLog(EchoTlsContexts.class);

	private EchoTlsContexts() {
	}

	static @Nullable TlsContext of(EchoServerProperties.Ssl ssl, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<SslProperties> sslProperties) {
		String name = ssl.bundle();
		if (name == null || name.isBlank()) {
			return null;
		}
		SslBundles bundles = sslBundles.getIfAvailable();
		SslBundle bundle;
		try {
			if (bundles == null) {
				throw new NoSuchSslBundleException(name, "No SSL bundles are configured");
			}
			bundle = bundles.getBundle(name);
		}
		catch (NoSuchSslBundleException ex) {
			throw new InvalidConfigurationPropertyValueException("echo.server.ssl.bundle", name,
					"no SSL bundle of that name is configured; define it under spring.ssl.bundle.pem." + name
							+ " or spring.ssl.bundle.jks." + name);
		}
		SSLContext sslContext = createSslContext(name, bundle, sslProperties.getIfAvailable());
		try {
			TlsContextCheck.check(sslContext, protocols(bundle), ciphers(bundle));
		}
		catch (UnusableTlsException ex) {
			throw invalid(name, ex, sslProperties.getIfAvailable());
		}
		checkClientAuth(name, bundle, ssl.clientAuth());
		TlsContext context = new TlsContext(sslContext, protocols(bundle), ciphers(bundle), ssl.clientAuth());
		bundles.addBundleUpdateHandler(name, (updated) -> reload(name, context, updated));
		return context;
	}

	/**
	 * Check that the named bundle can judge client certificates, as {@code client-auth}
	 * {@code want} and {@code need} ask: it must have a trust store, since without one the
	 * JDK would trust every authority in its default {@code cacerts} instead. At start-up,
	 * and before a live change of {@code echo.server.ssl.client-auth} is applied.
	 * @param bundle the name of the bundle served ({@code echo.server.ssl.bundle})
	 * @param clientAuth {@code echo.server.ssl.client-auth}
	 * @param sslBundles the application's bundles
	 * @throws InvalidConfigurationPropertyValueException naming
	 * {@code echo.server.ssl.client-auth}, if the bundle cannot
	 */
	public static void checkClientAuth(@Nullable String bundle, TlsContext.ClientAuth clientAuth,
			@Nullable SslBundles sslBundles) {
		if (bundle != null && !bundle.isBlank() && sslBundles != null) {
			checkClientAuth(bundle, sslBundles.getBundle(bundle), clientAuth);
		}
	}

	private static void checkClientAuth(String name, SslBundle bundle, TlsContext.ClientAuth clientAuth) {
		if (clientAuth != TlsContext.ClientAuth.NONE && bundle.getStores().getTrustStore() == null) {
			throw new InvalidConfigurationPropertyValueException("echo.server.ssl.client-auth",
					clientAuth.name().toLowerCase(Locale.ROOT), "the SSL bundle '" + name + "' has no trust store, "
							+ "so client certificates would be judged by every authority the JDK trusts by default; "
							+ "give it the authority that issues your clients' certificates (spring.ssl.bundle.pem."
							+ name + ".truststore.certificate, or spring.ssl.bundle.jks." + name
							+ ".truststore.location)");
		}
	}

	private static SSLContext createSslContext(String name, SslBundle bundle, @Nullable SslProperties properties) {
		SslBundleFiles.check(name, properties);
		try {
			return bundle.createSslContext();
		}
		catch (RuntimeException ex) {
			// Its files were checked: what is left (a wrong password, a store that is no key
			// store) is said by the loader's messages, without its stack.
			throw new InvalidConfigurationPropertyValueException("echo.server.ssl.bundle", name,
					"the SSL bundle cannot be loaded: " + message(ex));
		}
	}

	private static void reload(String name, TlsContext context, SslBundle updated) {
		try {
			context.reload(updated.createSslContext(), protocols(updated), ciphers(updated));
			logger.info("SSL bundle '" + name + "' reloaded: new TLS handshakes use it");
		}
		catch (UnusableTlsException ex) {
			refused(name, ex.getMessage());
		}
		catch (RuntimeException ex) {
			context.reloadRefused();
			refused(name, message(ex));
		}
	}

	// One line, no stack trace: what is wrong is the bundle's content, not the code.
	private static void refused(String name, @Nullable String reason) {
		logger.warn("SSL bundle '" + name + "' was reloaded with content that cannot serve, refused; new TLS "
				+ "handshakes keep the previous one: " + reason);
	}

	private static String message(Throwable ex) {
		StringBuilder message = new StringBuilder(String.valueOf(ex.getMessage()));
		for (Throwable cause = ex.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
			if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
				message.append(": ").append(cause.getMessage());
			}
		}
		return message.toString();
	}

	// The property as the user wrote it: under spring.ssl.bundle.pem or .jks, whichever
	// defines the bundle, or the echo server's own setting for a bundle made in code.
	private static InvalidConfigurationPropertyValueException invalid(String name, UnusableTlsException ex,
			@Nullable SslProperties sslProperties) {
		String prefix = null;
		if (sslProperties != null && sslProperties.getBundle().getPem().containsKey(name)) {
			prefix = "spring.ssl.bundle.pem." + name;
		}
		else if (sslProperties != null && sslProperties.getBundle().getJks().containsKey(name)) {
			prefix = "spring.ssl.bundle.jks." + name;
		}
		if (prefix == null || ex.getSetting() == UnusableTlsException.Setting.KEY) {
			return new InvalidConfigurationPropertyValueException("echo.server.ssl.bundle", name,
					"the SSL bundle cannot serve TLS: " + ex.getMessage());
		}
		return new InvalidConfigurationPropertyValueException(prefix + "." + ex.getSetting().key(), ex.getValue(),
				ex.getReason());
	}

	private static @Nullable List<String> protocols(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		String[] protocols = (options != null) ? options.getEnabledProtocols() : null;
		return (protocols != null) ? Arrays.asList(protocols) : null;
	}

	private static @Nullable List<String> ciphers(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		String[] ciphers = (options != null) ? options.getCiphers() : null;
		return (ciphers != null) ? Arrays.asList(ciphers) : null;
	}

}

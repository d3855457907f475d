package io.echoreactor.config;

import java.util.Arrays;
import java.util.List;

import io.echoreactor.reactor.TlsContext;

import org.springframework.beans.factory.ObjectProvider;
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
 */
final class EchoTlsContexts {

	private EchoTlsContexts() {
	}

	static TlsContext of(EchoServerProperties.Ssl ssl, ObjectProvider<SslBundles> sslBundles) {
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
		TlsContext context = new TlsContext(bundle.createSslContext(), protocols(bundle), ciphers(bundle),
				ssl.clientAuth());
		bundles.addBundleUpdateHandler(name,
				(updated) -> context.update(updated.createSslContext(), protocols(updated), ciphers(updated)));
		return context;
	}

	private static List<String> protocols(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		String[] protocols = (options != null) ? options.getEnabledProtocols() : null;
		return (protocols != null) ? Arrays.asList(protocols) : null;
	}

	private static List<String> ciphers(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		String[] ciphers = (options != null) ? options.getCiphers() : null;
		return (ciphers != null) ? Arrays.asList(ciphers) : null;
	}

}

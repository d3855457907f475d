package io.echoreactor.bench.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.echoreactor.bench.options.BenchOptions;
import org.jspecify.annotations.Nullable;

/**
 * The client side of {@code --protocol tls}: which certificates are trusted
 * ({@code --insecure}, {@code --ca}, {@code --truststore}, or the JDK's authorities) and
 * how each connection's {@link SSLEngine} is made: client mode, the server name sent as
 * SNI and, unless {@code --insecure}, checked against the certificate as HTTPS does.
 */
public final class ClientTls {

	private final SSLContext context;

	private final java.util.concurrent.atomic.AtomicInteger unresumable = new java.util.concurrent.atomic.AtomicInteger();

	private final String serverName;

	private final int port;

	private final boolean checkName;

	private ClientTls(SSLContext context, String serverName, int port, boolean checkName) {
		this.context = context;
		this.serverName = serverName;
		this.port = port;
		this.checkName = checkName;
	}

	/**
	 * Build the client's TLS from the options.
	 * @param options the options
	 * @return the client's TLS
	 * @throws IOException if a certificate file cannot be read
	 * @throws GeneralSecurityException if it holds no usable certificate
	 */
	public static ClientTls of(BenchOptions options) throws IOException, GeneralSecurityException {
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trustManagers(options), null);
		String serverName = (options.serverName() != null) ? options.serverName() : options.host();
		return new ClientTls(context, serverName, options.port(), !options.insecure());
	}

	private static TrustManager @Nullable [] trustManagers(BenchOptions options) throws IOException, GeneralSecurityException {
		if (options.insecure()) {
			return new TrustManager[] { new TrustingAnything() };
		}
		KeyStore trusted;
		if (options.ca() != null) {
			trusted = KeyStore.getInstance("PKCS12");
			trusted.load(null, null);
			Collection<? extends Certificate> certificates;
			try (InputStream in = Files.newInputStream(options.ca())) {
				certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
			}
			if (certificates.isEmpty()) {
				throw new GeneralSecurityException("no certificate in " + options.ca());
			}
			int i = 0;
			for (Certificate certificate : certificates) {
				trusted.setCertificateEntry("ca-" + i++, certificate);
			}
		}
		else if (options.truststore() != null) {
			char[] password = (options.truststorePassword() != null) ? options.truststorePassword().toCharArray()
					: null;
			trusted = KeyStore.getInstance(options.truststore().toFile(), password);
		}
		else {
			// The JDK's own authorities.
			return null;
		}
		TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		factory.init(trusted);
		return factory.getTrustManagers();
	}

	/**
	 * Create the engine of one connection.
	 * @param resume whether it may resume a session of an earlier connection
	 * @return a client engine, not yet handshaking
	 */
	public SSLEngine createEngine(boolean resume) {
		// The JDK's client session cache is keyed by the engine's host and port, and the
		// port serves no other purpose in an engine: one that no connection had before
		// finds no session, so the handshake is a full one. (Invalidating the last session
		// is not enough: under TLS 1.3 the session a ticket resumes is another object.)
		int port = resume ? this.port : 65_536 + this.unresumable.getAndIncrement();
		SSLEngine engine = this.context.createSSLEngine(this.serverName, port);
		engine.setUseClientMode(true);
		SSLParameters parameters = engine.getSSLParameters();
		if (!isAddressLiteral(this.serverName)) {
			parameters.setServerNames(List.of(new SNIHostName(this.serverName)));
		}
		if (this.checkName) {
			parameters.setEndpointIdentificationAlgorithm("HTTPS");
		}
		engine.setSSLParameters(parameters);
		return engine;
	}

	/**
	 * Say in one line why a handshake failed, when the cause is the server's certificate,
	 * and what to do about it; the JDK's own message names classes and paths instead.
	 * @param ex the failure
	 * @return the cause and the remedy, or the exception's own message
	 */
	public static String explain(Exception ex) {
		String remedy = ": trust that certificate or its issuer with --ca FILE (or --truststore FILE), or use "
				+ "--insecure to trust any certificate (for testing only)";
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			String message = String.valueOf(cause.getMessage());
			if (cause instanceof CertificateExpiredException) {
				return "the server's certificate has expired (" + message + ")";
			}
			if (cause instanceof CertificateException && message.startsWith("No ")
					&& message.contains("matching")) {
				return "the server's certificate is not for the name this client checks (" + message
						+ "): name one it is for with --server-name NAME, or use --insecure (for testing only)";
			}
			if (cause instanceof CertPathBuilderException || message.contains("PKIX path building failed")) {
				return "the server's certificate is not trusted (it chains to no certificate this client trusts)"
						+ remedy;
			}
			if (cause instanceof CertPathValidatorException) {
				return "the server's certificate is not trusted (" + message + ")" + remedy;
			}
		}
		return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

	// SNI carries host names only (RFC 6066 3).
	private static boolean isAddressLiteral(String name) {
		return name.indexOf(':') >= 0 || name.matches("[0-9.]+");
	}

	/**
	 * {@code --insecure}: every certificate and every name is accepted.
	 */
	private static final class TrustingAnything extends X509ExtendedTrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
			// Trusted
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
			// Trusted
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
			// Trusted
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
			// Trusted
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) {
			// Trusted
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
			// Trusted
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

}

package io.echoreactor.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.regex.Pattern;

import io.echoreactor.context.SslBundleFileException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.ssl.JksSslBundleProperties;
import org.springframework.boot.autoconfigure.ssl.PemSslBundleProperties;
import org.springframework.boot.autoconfigure.ssl.SslProperties;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Checks the files an SSL bundle names before the bundle is loaded: that each exists and
 * holds what its property says (a certificate where a certificate is expected, a private
 * key where a key is), and that the key belongs to the certificate. Boot's loader would
 * find the same faults, as an exception 80 frames deep that names the file but not the
 * property, or says only "Missing certificates or unrecognized format".
 */
final class SslBundleFiles {

	private static final Pattern CERTIFICATE = Pattern.compile("-----BEGIN (X509 |TRUSTED )?CERTIFICATE-----");

	private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN ([A-Z]+ )?PRIVATE KEY-----");

	private static final String INLINE = "(PEM content)";

	private static final int MAX_LOCATION_SHOWN = 256;

	private final ResourceLoader resourceLoader = ApplicationResourceLoader.get();

	private SslBundleFiles() {
	}

	/**
	 * Check the files of the bundle of the given name, as configured under
	 * {@code spring.ssl.bundle.pem} or {@code spring.ssl.bundle.jks}.
	 * @param name the bundle's name
	 * @param properties the SSL properties, or {@code null} for a bundle not made from them
	 * @throws SslBundleFileException naming the first property whose file cannot serve
	 */
	static void check(String name, @Nullable SslProperties properties) {
		if (properties == null) {
			return;
		}
		SslBundleFiles files = new SslBundleFiles();
		PemSslBundleProperties pem = properties.getBundle().getPem().get(name);
		if (pem != null) {
			String prefix = "spring.ssl.bundle.pem." + name;
			files.checkPem(prefix + ".keystore", pem.getKeystore(), "the server's");
			files.checkPem(prefix + ".truststore", pem.getTruststore(), "the trusted");
		}
		JksSslBundleProperties jks = properties.getBundle().getJks().get(name);
		if (jks != null) {
			String prefix = "spring.ssl.bundle.jks." + name;
			files.checkStore(prefix + ".keystore.location", jks.getKeystore().getLocation());
			files.checkStore(prefix + ".truststore.location", jks.getTruststore().getLocation());
		}
	}

	private void checkPem(String prefix, PemSslBundleProperties.Store store, String whose) {
		String certificate = store.getCertificate();
		String certificateProperty = prefix + ".certificate";
		List<X509Certificate> certificates = (certificate != null)
				? certificates(certificateProperty, certificate, whose) : List.of();
		String privateKey = store.getPrivateKey();
		String keyProperty = prefix + ".private-key";
		if (privateKey != null) {
			PrivateKey key = privateKey(keyProperty, privateKey, store.getPrivateKeyPassword());
			if (certificate != null && !certificates.isEmpty() && !belongsTo(key, certificates.get(0).getPublicKey())) {
				throw new SslBundleFileException(keyProperty, shown(privateKey), file(privateKey),
						"the private key is not the key of the certificate in " + shown(certificate)
								+ " (" + certificates.get(0).getSubjectX500Principal().getName() + ")",
						"Point " + keyProperty + " at the private key that was issued with the certificate, or "
								+ certificateProperty + " at the certificate issued for this key.");
			}
		}
	}

	private List<X509Certificate> certificates(String property, String value, String whose) {
		String content = read(property, value, "certificate");
		String action = "Point " + property + " at a PEM file holding " + whose
				+ " certificates (blocks that start with -----BEGIN CERTIFICATE-----).";
		if (!CERTIFICATE.matcher(content).find()) {
			throw new SslBundleFileException(property, shown(value), file(value),
					PRIVATE_KEY.matcher(content).find() ? "the file holds a private key, not a certificate"
							: "the file holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)",
					action);
		}
		try {
			return PemContent.of(content).getCertificates();
		}
		catch (RuntimeException ex) {
			throw new SslBundleFileException(property, shown(value), file(value),
					"the file's certificate cannot be read: " + ex.getMessage(), action);
		}
	}

	private PrivateKey privateKey(String property, String value, @Nullable String password) {
		String content = read(property, value, "private key");
		String action = "Point " + property + " at a PEM file holding the private key (a block that starts with "
				+ "-----BEGIN PRIVATE KEY-----, or RSA or EC PRIVATE KEY).";
		if (!PRIVATE_KEY.matcher(content).find()) {
			throw new SslBundleFileException(property, shown(value), file(value),
					CERTIFICATE.matcher(content).find() ? "the file holds a certificate, not a private key"
							: "the file holds no PEM private key (no -----BEGIN PRIVATE KEY----- line)",
					action);
		}
		PrivateKey key;
		try {
			key = PemContent.of(content).getPrivateKey(password);
		}
		catch (RuntimeException ex) {
			throw new SslBundleFileException(property, shown(value), file(value),
					"the file's private key cannot be read: " + ex.getMessage(),
					"Check that the file holds an unencrypted key, or set the private-key-password beside "
							+ property + ".");
		}
		if (key == null) {
			throw new SslBundleFileException(property, shown(value), file(value),
					"the file's private key cannot be read", action);
		}
		return key;
	}

	private void checkStore(String property, @Nullable String location) {
		if (location != null) {
			resource(property, location, "key store");
		}
	}

	private String read(String property, String value, String what) {
		if (PemContent.isPresentInText(value)) {
			return value;
		}
		Resource resource = resource(property, value, what);
		try {
			return resource.getContentAsString(StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new SslBundleFileException(property, shown(value), file(value), "the file cannot be read: " + ex,
					"Check the file's permissions: the user the application runs as must be able to read it.");
		}
	}

	private Resource resource(String property, String location, String what) {
		Resource resource = this.resourceLoader.getResource(location);
		if (!resource.exists()) {
			throw new SslBundleFileException(property, shown(location), file(location), "the file does not exist",
					"Point " + property + " at an existing " + what + " file: a path (a relative one is resolved "
							+ "against the working directory), or a file: or classpath: location.");
		}
		return resource;
	}

	// A key given inline is never printed.
	private static String shown(String value) {
		return isContent(value) ? INLINE : value;
	}

	// Key material pasted without its PEM lines is no location either, and never to be printed.
	private static boolean isContent(String value) {
		return PemContent.isPresentInText(value) || value.indexOf('\n') >= 0 || value.length() > MAX_LOCATION_SHOWN;
	}

	private @Nullable String file(String value) {
		if (isContent(value)) {
			return null;
		}
		Resource resource = this.resourceLoader.getResource(value);
		try {
			return resource.isFile() ? resource.getFile().getAbsolutePath() : resource.getDescription();
		}
		catch (IOException ex) {
			return resource.getDescription();
		}
	}

	/**
	 * Whether the private key signs what the certificate's public key verifies. Cheaper
	 * and clearer than a handshake; key types without a signature to try are let through
	 * (the handshake in memory still checks them).
	 */
	private static boolean belongsTo(PrivateKey key, PublicKey publicKey) {
		String algorithm = switch (key.getAlgorithm()) {
			case "RSA" -> "SHA256withRSA";
			case "EC" -> "SHA256withECDSA";
			case "Ed25519", "EdDSA" -> "Ed25519";
			case "Ed448" -> "Ed448";
			default -> null;
		};
		if (algorithm == null) {
			return true;
		}
		if (!publicKey.getAlgorithm().equals(key.getAlgorithm())
				&& !(key.getAlgorithm().startsWith("Ed") && publicKey.getAlgorithm().startsWith("Ed"))) {
			return false;
		}
		try {
			byte[] data = "echo-reactor key check".getBytes(StandardCharsets.US_ASCII);
			Signature signer = Signature.getInstance(algorithm);
			signer.initSign(key);
			signer.update(data);
			byte[] signature = signer.sign();
			Signature verifier = Signature.getInstance(algorithm);
			verifier.initVerify(publicKey);
			verifier.update(data);
			return verifier.verify(signature);
		}
		catch (GeneralSecurityException ex) {
			// A key the JDK cannot sign with here: left to the handshake in memory
			return true;
		}
	}

}

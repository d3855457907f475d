package io.echoreactor.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time with Bouncy Castle: a certificate authority that issues
 * server certificates (for {@code localhost}, {@code 127.0.0.1} and {@code ::1}) and
 * client certificates, written as PEM files or key stores for Spring Boot's SSL bundles,
 * and SSL contexts for the JDK's clients and for the reactor. Keys are EC P-256, quick to
 * make on a loaded machine; the JDK's own providers sign and parse everything.
 */
public final class TestCertificates {

	/** The password of every key store written here. */
	public static final String PASSWORD = "changeit";

	private static final SecureRandom random = new SecureRandom();

	private TestCertificates() {
	}

	/**
	 * Make a self-signed certificate authority, valid from an hour ago for a year.
	 * @param commonName its common name
	 * @return the authority
	 */
	public static Authority authority(String commonName) {
		KeyPair keys = keyPair();
		X500Name name = new X500Name("CN=" + commonName + ",O=echo-reactor tests");
		Instant now = Instant.now();
		try {
			JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
			X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
					Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), name,
					keys.getPublic())
				.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
				.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
				.addExtension(Extension.subjectKeyIdentifier, false,
						extensions.createSubjectKeyIdentifier(keys.getPublic()));
			return new Authority(name, keys, sign(builder, keys.getPrivate()));
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Return a client SSL context that trusts the given certificates and presents
	 * {@code certificate}, if any.
	 * @param certificate the client's certificate, or {@code null} for none
	 * @param trusted the certificates it trusts (authorities, or a server's own)
	 * @return the context
	 */
	public static SSLContext sslContext(Issued certificate, X509Certificate... trusted) {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init((certificate != null) ? certificate.keyManagers() : null, trustManagers(trusted), null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Return a client SSL context that presents {@code certificate} whatever authorities
	 * the server says it accepts, as {@code openssl s_client -cert} does. The JDK's own key
	 * manager presents only a certificate whose issuer the server names, and none
	 * otherwise.
	 * @param certificate the client's certificate
	 * @param trusted the certificates it trusts
	 * @return the context
	 */
	public static SSLContext insistentSslContext(Issued certificate, X509Certificate... trusted) {
		try {
			X509ExtendedKeyManager keyManager = (X509ExtendedKeyManager) certificate.keyManagers()[0];
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(new KeyManager[] { new InsistentKeyManager(keyManager) }, trustManagers(trusted), null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static javax.net.ssl.TrustManager[] trustManagers(X509Certificate... trusted)
			throws GeneralSecurityException {
		KeyStore store = emptyStore("PKCS12");
		for (int i = 0; i < trusted.length; i++) {
			store.setCertificateEntry("trusted-" + i, trusted[i]);
		}
		TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		factory.init(store);
		return factory.getTrustManagers();
	}

	private static KeyStore emptyStore(String type) throws GeneralSecurityException {
		KeyStore store = KeyStore.getInstance(type);
		try {
			store.load(null, null);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return store;
	}

	private static KeyPair keyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"), random);
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static BigInteger serial() {
		return new BigInteger(63, random).add(BigInteger.ONE);
	}

	private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
			throws GeneralSecurityException {
		try {
			return new JcaX509CertificateConverter()
				.getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
		}
		catch (OperatorCreationException ex) {
			throw new GeneralSecurityException(ex);
		}
	}

	private static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
				+ "\n-----END " + type + "-----\n";
	}

	private static void writeAtomically(Path file, String content) {
		try {
			Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".writing-", ".tmp");
			Files.writeString(temporary, content, StandardCharsets.US_ASCII);
			Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
					java.nio.file.StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A certificate authority.
	 */
	public static final class Authority {

		private final X500Name name;

		private final KeyPair keys;

		private final X509Certificate certificate;

		private Authority(X500Name name, KeyPair keys, X509Certificate certificate) {
			this.name = name;
			this.keys = keys;
			this.certificate = certificate;
		}

		/** @return the authority's self-signed certificate */
		public X509Certificate certificate() {
			return this.certificate;
		}

		/**
		 * Issue a server certificate for {@code localhost}, {@code 127.0.0.1} and
		 * {@code ::1}, valid from an hour ago for 90 days.
		 * @param commonName its common name
		 * @return the certificate and its key
		 */
		public Issued server(String commonName) {
			return server(commonName, Duration.ofDays(90));
		}

		/**
		 * Issue a server certificate for {@code localhost}, {@code 127.0.0.1} and
		 * {@code ::1}.
		 * @param commonName its common name
		 * @param validity how long from now it is valid
		 * @return the certificate and its key
		 */
		public Issued server(String commonName, Duration validity) {
			GeneralNames names = new GeneralNames(new GeneralName[] { new GeneralName(GeneralName.dNSName, "localhost"),
					new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
					new GeneralName(GeneralName.iPAddress, "::1") });
			return issue(commonName, validity, KeyPurposeId.id_kp_serverAuth, names);
		}

		/**
		 * Issue a client certificate, valid from an hour ago for 90 days.
		 * @param commonName its common name
		 * @return the certificate and its key
		 */
		public Issued client(String commonName) {
			return issue(commonName, Duration.ofDays(90), KeyPurposeId.id_kp_clientAuth, null);
		}

		private Issued issue(String commonName, Duration validity, KeyPurposeId purpose, GeneralNames names) {
			KeyPair keys = keyPair();
			Instant now = Instant.now();
			try {
				JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
				X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(this.name, serial(),
						Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)),
						new X500Name("CN=" + commonName + ",O=echo-reactor tests"), keys.getPublic())
					.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
					.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
					.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
					.addExtension(Extension.authorityKeyIdentifier, false,
							extensions.createAuthorityKeyIdentifier(this.certificate))
					.addExtension(Extension.subjectKeyIdentifier, false,
							extensions.createSubjectKeyIdentifier(keys.getPublic()));
				if (names != null) {
					builder.addExtension(Extension.subjectAlternativeName, false, names);
				}
				return new Issued(keys.getPrivate(), sign(builder, this.keys.getPrivate()), this);
			}
			catch (IOException | GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/**
		 * Write the authority's certificate as PEM.
		 * @param file where
		 * @return {@code file}
		 */
		public Path writePem(Path file) {
			writeAtomically(file, pem());
			return file;
		}

		/** @return the authority's certificate as PEM */
		public String pem() {
			try {
				return TestCertificates.pem("CERTIFICATE", this.certificate.getEncoded());
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	/**
	 * A certificate an {@link Authority} issued, with its private key.
	 */
	public static final class Issued {

		private final PrivateKey key;

		private final X509Certificate certificate;

		private final Authority issuer;

		private Issued(PrivateKey key, X509Certificate certificate, Authority issuer) {
			this.key = key;
			this.certificate = certificate;
			this.issuer = issuer;
		}

		/** @return the certificate */
		public X509Certificate certificate() {
			return this.certificate;
		}

		/** @return its serial number */
		public BigInteger serial() {
			return this.certificate.getSerialNumber();
		}

		/** @return the certificate as PEM */
		public String certificatePem() {
			try {
				return pem("CERTIFICATE", this.certificate.getEncoded());
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/** @return the private key as unencrypted PKCS#8 PEM */
		public String keyPem() {
			return pem("PRIVATE KEY", this.key.getEncoded());
		}

		/**
		 * Write the certificate and its key as PEM files, each replaced atomically.
		 * @param certificateFile where the certificate goes
		 * @param keyFile where the key goes
		 */
		public void writePem(Path certificateFile, Path keyFile) {
			writeAtomically(keyFile, keyPem());
			writeAtomically(certificateFile, certificatePem());
		}

		/**
		 * Return a key store holding the key and the certificate chain under the alias
		 * {@code echo}, protected by {@link #PASSWORD}.
		 * @param type {@code PKCS12} or {@code JKS}
		 * @return the key store
		 */
		public KeyStore keyStore(String type) {
			try {
				KeyStore store = emptyStore(type);
				store.setKeyEntry("echo", this.key, PASSWORD.toCharArray(),
						new Certificate[] { this.certificate, this.issuer.certificate });
				return store;
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/**
		 * Write {@link #keyStore(String)} to a file.
		 * @param file where
		 * @param type {@code PKCS12} or {@code JKS}
		 * @return {@code file}
		 */
		public Path writeKeyStore(Path file, String type) {
			try (OutputStream output = Files.newOutputStream(file)) {
				keyStore(type).store(output, PASSWORD.toCharArray());
				return file;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		KeyManager[] keyManagers() {
			try {
				KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
				factory.init(keyStore("PKCS12"), PASSWORD.toCharArray());
				return factory.getKeyManagers();
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		/**
		 * Return a server SSL context presenting this certificate and trusting client
		 * certificates from the given authorities.
		 * @param trustedClientAuthorities authorities whose client certificates are trusted
		 * @return the context
		 */
		public SSLContext serverContext(X509Certificate... trustedClientAuthorities) {
			return sslContext(this, trustedClientAuthorities);
		}

	}

	// Chooses the one client certificate it holds, ignoring the issuers the server names.
	private static final class InsistentKeyManager extends X509ExtendedKeyManager {

		private final X509ExtendedKeyManager delegate;

		InsistentKeyManager(X509ExtendedKeyManager delegate) {
			this.delegate = delegate;
		}

		@Override
		public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, Socket socket) {
			return "echo";
		}

		@Override
		public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, SSLEngine engine) {
			return "echo";
		}

		@Override
		public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
			return new String[] { "echo" };
		}

		@Override
		public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
			return null;
		}

		@Override
		public String chooseServerAlias(String keyType, java.security.Principal[] issuers, Socket socket) {
			return null;
		}

		@Override
		public X509Certificate[] getCertificateChain(String alias) {
			return this.delegate.getCertificateChain(alias);
		}

		@Override
		public PrivateKey getPrivateKey(String alias) {
			return this.delegate.getPrivateKey(alias);
		}

	}

}

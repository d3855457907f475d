package io.echoreactor.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Self-signed certificates for the TLS tests, made once per test JVM with the JDK's own
 * {@code keytool} (so no test needs another tool for them): a server certificate for
 * {@code localhost} and {@code 127.0.0.1}, and a client certificate whose subject the
 * greeting and HAProxy report. Each side trusts exactly the other's certificate. The same
 * keys are written as PEM for HAProxy.
 */
public final class TestCertificates {

	/** The password of every key store here. */
	public static final String PASSWORD = "changeit";

	/** The subject of the client certificate, as {@code X500Principal.getName()} gives it. */
	public static final String CLIENT_SUBJECT = "CN=echo-test-client";

	/** The common name of the client certificate. */
	public static final String CLIENT_COMMON_NAME = "echo-test-client";

	private static TestCertificates instance;

	private final Path directory;

	private final KeyStore server;

	private final KeyStore client;

	private TestCertificates(Path directory) throws IOException, GeneralSecurityException, InterruptedException {
		this.directory = directory;
		this.server = generate(directory.resolve("server.p12"), "server", "CN=localhost",
				"SAN=dns:localhost,ip:127.0.0.1");
		this.client = generate(directory.resolve("client.p12"), "client", CLIENT_SUBJECT, null);
		store(trustStore(this.client, "client"), directory.resolve("server-truststore.p12"));
		store(trustStore(this.server, "server"), directory.resolve("client-truststore.p12"));
		Files.writeString(directory.resolve("server.pem"),
				pem("CERTIFICATE", this.server.getCertificate("server").getEncoded())
						+ pem("PRIVATE KEY", key(this.server, "server").getEncoded()));
		Files.writeString(directory.resolve("client.crt"),
				pem("CERTIFICATE", this.client.getCertificate("client").getEncoded()));
	}

	/**
	 * Return the certificates, generating them on first use.
	 * @return the certificates
	 */
	public static synchronized TestCertificates get() {
		if (instance == null) {
			try {
				Path directory = Files.createTempDirectory("echo-test-certificates");
				directory.toFile().deleteOnExit();
				instance = new TestCertificates(directory);
				try (var files = Files.list(directory)) {
					files.forEach((file) -> file.toFile().deleteOnExit());
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		return instance;
	}

	/** @return the server's key and certificate, PKCS#12 */
	public Path serverKeyStore() {
		return this.directory.resolve("server.p12");
	}

	/** @return the client certificate as the server trusts it, PKCS#12 */
	public Path serverTrustStore() {
		return this.directory.resolve("server-truststore.p12");
	}

	/** @return the server certificate and its key in one PEM file, as HAProxy's {@code crt} takes it */
	public Path serverPem() {
		return this.directory.resolve("server.pem");
	}

	/** @return the client certificate, PEM, as HAProxy's {@code ca-file} takes it */
	public Path clientCertificatePem() {
		return this.directory.resolve("client.crt");
	}

	/**
	 * Return the server's context: its own key, and trust in the client certificate.
	 * @return the context
	 */
	public SSLContext serverContext() {
		return context(this.server, "server", this.client, "client");
	}

	/**
	 * Return a client context that trusts the server certificate.
	 * @param presentCertificate whether the client presents its own certificate
	 * @return the context
	 */
	public SSLContext clientContext(boolean presentCertificate) {
		return context(presentCertificate ? this.client : null, "client", this.server, "server");
	}

	private static SSLContext context(KeyStore keys, String keyAlias, KeyStore trusted, String trustedAlias) {
		try {
			KeyManager[] keyManagers = null;
			if (keys != null) {
				KeyManagerFactory keyManagerFactory = KeyManagerFactory
					.getInstance(KeyManagerFactory.getDefaultAlgorithm());
				keyManagerFactory.init(keys, PASSWORD.toCharArray());
				keyManagers = keyManagerFactory.getKeyManagers();
			}
			TrustManagerFactory trustManagerFactory = TrustManagerFactory
				.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			trustManagerFactory.init(trustStore(trusted, trustedAlias));
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(keyManagers, trustManagerFactory.getTrustManagers(), null);
			return context;
		}
		catch (GeneralSecurityException | IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static KeyStore generate(Path file, String alias, String subject, String extension)
			throws IOException, GeneralSecurityException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
			.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
				subject, "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD,
				"-keypass", PASSWORD));
		if (extension != null) {
			command.add("-ext");
			command.add(extension);
		}
		Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
		assertThat(keytool.exitValue()).as(() -> "keytool exit code; its output:\n" + output).isZero();
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream input = Files.newInputStream(file)) {
			store.load(input, PASSWORD.toCharArray());
		}
		return store;
	}

	private static KeyStore trustStore(KeyStore keys, String alias) throws GeneralSecurityException, IOException {
		KeyStore trusted = KeyStore.getInstance("PKCS12");
		trusted.load(null, null);
		Certificate certificate = keys.getCertificate(alias);
		trusted.setCertificateEntry(alias, certificate);
		return trusted;
	}

	private static void store(KeyStore store, Path file) throws IOException, GeneralSecurityException {
		try (OutputStream output = Files.newOutputStream(file)) {
			store.store(output, PASSWORD.toCharArray());
		}
	}

	private static PrivateKey key(KeyStore store, String alias) throws GeneralSecurityException {
		return (PrivateKey) store.getKey(alias, PASSWORD.toCharArray());
	}

	private static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
				+ "\n-----END " + type + "-----\n";
	}

}

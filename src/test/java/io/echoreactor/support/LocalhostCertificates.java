package io.echoreactor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;

import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;

/**
 * One fixed set of certificates for the tests that need TLS as a means rather than as
 * their subject (the greeting, the PROXY protocol in front of TLS, HAProxy): an authority,
 * a server certificate for {@code localhost} and {@code 127.0.0.1} and a client
 * certificate, made once per test JVM with {@link TestCertificates} and written as PEM for
 * HAProxy.
 */
public final class LocalhostCertificates {

	/** The common name of the client certificate. */
	public static final String CLIENT_COMMON_NAME = "echo-test-client";

	/** The subject of the client certificate, as {@code X500Principal.getName()} gives it. */
	public static final String CLIENT_SUBJECT = "O=echo-reactor tests,CN=" + CLIENT_COMMON_NAME;

	private static LocalhostCertificates instance;

	private final Authority authority = TestCertificates.authority("echo-test-ca");

	private final Issued server = this.authority.server("localhost");

	private final Issued client = this.authority.client(CLIENT_COMMON_NAME);

	private final Path directory;

	private LocalhostCertificates(Path directory) {
		this.directory = directory;
		this.server.writePem(directory.resolve("server.crt"), directory.resolve("server.key"));
		try {
			Files.writeString(directory.resolve("server.pem"), this.server.certificatePem() + this.server.keyPem());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.authority.writePem(directory.resolve("ca.crt"));
	}

	/**
	 * Return the certificates, made on first use.
	 * @return the certificates
	 */
	public static synchronized LocalhostCertificates get() {
		if (instance == null) {
			try {
				Path directory = Files.createTempDirectory("echo-test-certificates");
				directory.toFile().deleteOnExit();
				instance = new LocalhostCertificates(directory);
				try (var files = Files.list(directory)) {
					files.forEach((file) -> file.toFile().deleteOnExit());
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		return instance;
	}

	/** @return the server certificate and its key in one PEM file, as HAProxy's {@code crt} takes it */
	public Path serverPem() {
		return this.directory.resolve("server.pem");
	}

	/** @return the authority that issued the client certificate, PEM, as HAProxy's {@code ca-file} takes it */
	public Path clientAuthorityPem() {
		return this.directory.resolve("ca.crt");
	}

	/**
	 * Return the server's context: its own key, and trust in client certificates of the
	 * authority.
	 * @return the context
	 */
	public SSLContext serverContext() {
		return this.server.serverContext(this.authority.certificate());
	}

	/**
	 * Return a client context that trusts the server certificate's authority.
	 * @param presentCertificate whether the client presents its own certificate
	 * @return the context
	 */
	public SSLContext clientContext(boolean presentCertificate) {
		return TestCertificates.sslContext(presentCertificate ? this.client : null, this.authority.certificate());
	}

}

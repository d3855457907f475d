package io.echoreactor.context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TLS bundle whose files or options cannot serve stops start-up with one report naming
 * the bundle's property, as the user wrote it ({@code spring.ssl.bundle.pem.*} or
 * {@code spring.ssl.bundle.jks.*}), its value and a reason to act on, instead of a TLS
 * port that cannot make an engine. The test certificates hold an EC key.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class UnusableTlsBundleFailureTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private static final String JAVA = System.getProperty("java.version");

	@TempDir
	Path temp;

	@Test
	void clientCertificatesAskedForWithABundleWithoutATrustStoreNameClientAuth(CapturedOutput output) {
		// Without a trust store the JDK would judge client certificates by its default cacerts.
		Map<String, String> properties = pemBundle();
		properties.put("echo.server.ssl.client-auth", "need");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Invalid value 'need' for configuration property 'echo.server.ssl.client-auth'")
			.contains("the SSL bundle 'echo' has no trust store")
			.contains("spring.ssl.bundle.pem.echo.truststore.certificate");
	}

	@Test
	void aCipherSuiteTheJvmDoesNotKnowNamesThePemBundlesCiphers(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.ciphers", "TLS_AES_128_GCM_SHA256,TLS_FOO_WITH_BAR");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("Invalid value 'TLS_AES_128_GCM_SHA256,TLS_FOO_WITH_BAR' for configuration property "
					+ "'spring.ssl.bundle.pem.echo.options.ciphers'")
			.contains("TLS_FOO_WITH_BAR is not a cipher suite this JVM (" + JAVA + ") supports");
	}

	@Test
	void aCipherSuiteTheJvmDoesNotKnowNamesTheJksBundlesCiphers(CapturedOutput output) {
		Map<String, String> properties = new LinkedHashMap<>(tlsOn());
		Path keyStore = serverCertificate.writeKeyStore(this.temp.resolve("echo.p12"), "PKCS12");
		properties.put("spring.ssl.bundle.jks.echo.keystore.location", "file:" + keyStore);
		properties.put("spring.ssl.bundle.jks.echo.keystore.password", TestCertificates.PASSWORD);
		properties.put("spring.ssl.bundle.jks.echo.keystore.type", "PKCS12");
		properties.put("spring.ssl.bundle.jks.echo.options.ciphers", "TLS_FOO_WITH_BAR,TLS_BAZ");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("Invalid value 'TLS_FOO_WITH_BAR,TLS_BAZ' for configuration property "
					+ "'spring.ssl.bundle.jks.echo.options.ciphers'")
			.contains("TLS_FOO_WITH_BAR, TLS_BAZ are not cipher suites this JVM (" + JAVA + ") supports");
	}

	@Test
	void aProtocolTheJvmDoesNotKnowNamesTheEnabledProtocols(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.3,TLSv1.4");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("Invalid value 'TLSv1.3,TLSv1.4' for configuration property "
					+ "'spring.ssl.bundle.pem.echo.options.enabled-protocols'")
			.contains("TLSv1.4 is not a protocol this JVM (" + JAVA + ") supports");
	}

	@Test
	void aProtocolTheJvmDisablesNamesTheEnabledProtocols(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.2,TLSv1.1");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("Invalid value 'TLSv1.2,TLSv1.1' for configuration property "
					+ "'spring.ssl.bundle.pem.echo.options.enabled-protocols'")
			.contains("TLSv1.1 is disabled in this JVM (" + JAVA + ") by the security property "
					+ "jdk.tls.disabledAlgorithms");
	}

	@Test
	void onlyTls12SuitesWithTls13OnlyNamesTheCiphers(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.3");
		properties.put("spring.ssl.bundle.pem.echo.options.ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("Invalid value 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' for configuration property "
					+ "'spring.ssl.bundle.pem.echo.options.ciphers'")
			.contains("no cipher suite in the list can be used with TLSv1.3 and the bundle's EC key");
	}

	@Test
	void onlyRsaSuitesWithAnEcKeyNamesTheCiphers(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.2");
		properties.put("spring.ssl.bundle.pem.echo.options.ciphers",
				"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("for configuration property 'spring.ssl.bundle.pem.echo.options.ciphers'")
			.contains("no cipher suite in the list can be used with TLSv1.2 and the bundle's EC key");
	}

	@Test
	void aProtocolTheCiphersLeaveWithoutASuiteNamesTheCiphers(CapturedOutput output) {
		// TLS 1.3 is served; a TLS 1.2 client, which the list says is welcome, would not be.
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.3,TLSv1.2");
		properties.put("spring.ssl.bundle.pem.echo.options.ciphers", "TLS_AES_128_GCM_SHA256");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report)
			.contains("for configuration property 'spring.ssl.bundle.pem.echo.options.ciphers'")
			.contains("no cipher suite in the list can be used with TLSv1.2 and the bundle's EC key");
	}

	@Test
	void aKeyThatIsNotTheCertificatesNamesTheKeyAndTheCertificate(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		authority.server("other").writePem(this.temp.resolve("other.crt"), this.temp.resolve("tls.key"));
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.private-key\n")
			.contains("File: " + this.temp.resolve("tls.key") + "\n")
			.contains("Reason: the private key is not the key of the certificate in file:" + this.temp.resolve("tls.crt")
					+ " (")
			.contains("CN=localhost)")
			.contains("Point spring.ssl.bundle.pem.echo.keystore.private-key at the private key that was issued with "
					+ "the certificate");
	}

	@Test
	void aMissingCertificateFileIsNamedWithItsProperty(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		Path missing = this.temp.resolve("missing.crt");
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + missing);
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Invalid TLS configuration:")
			.contains("Property: spring.ssl.bundle.pem.echo.keystore.certificate\n")
			.contains("Value: \"file:" + missing + "\"")
			.contains("File: " + missing + "\n")
			.contains("Reason: the file does not exist\n")
			.contains("Point spring.ssl.bundle.pem.echo.keystore.certificate at an existing certificate file");
	}

	@Test
	void aMissingCertificateFileOfABundleReloadedOnUpdateIsNamedWithItsProperty(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		Path missing = this.temp.resolve("missing.crt");
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + missing);
		properties.put("spring.ssl.bundle.pem.echo.reload-on-update", "true");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.certificate\n")
			.contains("File: " + missing + "\n")
			.contains("Reason: the file does not exist (with reload-on-update, the bundle's files are watched from "
					+ "start-up)\n");
	}

	@Test
	void aMissingKeyFileIsNamedWithItsProperty(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		Path missing = this.temp.resolve("missing.key");
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", missing.toString());
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.private-key\n")
			.contains("File: " + missing + "\n")
			.contains("Reason: the file does not exist\n")
			.contains("Point spring.ssl.bundle.pem.echo.keystore.private-key at an existing private key file");
	}

	@Test
	void aKeyPastedWithoutItsPemLinesIsNeverPrinted(CapturedOutput output) throws IOException {
		Map<String, String> properties = pemBundle();
		String pem = Files.readString(this.temp.resolve("tls.key"));
		String body = pem.replaceAll("-----[A-Z ]+-----", "").strip();
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", body);
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.private-key\n")
			.contains("(PEM content)")
			.contains("Reason: the file does not exist\n");
		assertThat(output.getAll()).doesNotContain(body.lines().findFirst().orElseThrow());
	}

	@Test
	void aKeyPassedAsTheCertificateIsNamedAsAKey(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + this.temp.resolve("tls.key"));
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.certificate\n")
			.contains("File: " + this.temp.resolve("tls.key") + "\n")
			.contains("Reason: the file holds a private key, not a certificate\n")
			.contains("Point spring.ssl.bundle.pem.echo.keystore.certificate at a PEM file holding the server's "
					+ "certificates (blocks that start with -----BEGIN CERTIFICATE-----).");
	}

	@Test
	void aCertificateFileOfGarbageIsNamed(CapturedOutput output) throws IOException {
		Map<String, String> properties = pemBundle();
		Path garbage = Files.writeString(this.temp.resolve("garbage.crt"), "not a certificate\n");
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + garbage);
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.certificate\n")
			.contains("Reason: the file holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)\n");
	}

	@Test
	void aCertificateBlockOfGarbageIsNamed(CapturedOutput output) throws IOException {
		Map<String, String> properties = pemBundle();
		Path garbage = Files.writeString(this.temp.resolve("garbage.crt"),
				"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + garbage);
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.certificate\n")
			.contains("Reason: the file's certificate cannot be read: ");
	}

	@Test
	void aCertificatePassedAsTheKeyIsNamedAsACertificate(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", "file:" + this.temp.resolve("tls.crt"));
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.keystore.private-key\n")
			.contains("Reason: the file holds a certificate, not a private key\n")
			.contains("Point spring.ssl.bundle.pem.echo.keystore.private-key at a PEM file holding the private key");
	}

	@Test
	void aMissingTrustedCertificateFileIsNamedWithItsProperty(CapturedOutput output) {
		Map<String, String> properties = pemBundle();
		Path missing = this.temp.resolve("ca.crt");
		properties.put("spring.ssl.bundle.pem.echo.truststore.certificate", "file:" + missing);
		properties.put("echo.server.ssl.client-auth", "need");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.pem.echo.truststore.certificate\n")
			.contains("File: " + missing + "\n")
			.contains("Reason: the file does not exist\n");
	}

	@Test
	void aMissingKeyStoreIsNamedWithItsProperty(CapturedOutput output) {
		Map<String, String> properties = new LinkedHashMap<>(tlsOn());
		Path missing = this.temp.resolve("echo.p12");
		properties.put("spring.ssl.bundle.jks.echo.keystore.location", "file:" + missing);
		properties.put("spring.ssl.bundle.jks.echo.keystore.password", TestCertificates.PASSWORD);
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: spring.ssl.bundle.jks.echo.keystore.location\n")
			.contains("File: " + missing + "\n")
			.contains("Reason: the file does not exist\n");
	}

	@Test
	void aKeyStorePasswordThatDoesNotOpenItIsOneMessage(CapturedOutput output) {
		Map<String, String> properties = new LinkedHashMap<>(tlsOn());
		Path keyStore = serverCertificate.writeKeyStore(this.temp.resolve("echo.p12"), "PKCS12");
		properties.put("spring.ssl.bundle.jks.echo.keystore.location", "file:" + keyStore);
		properties.put("spring.ssl.bundle.jks.echo.keystore.password", "wrong");
		properties.put("spring.ssl.bundle.jks.echo.keystore.type", "PKCS12");
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Invalid value 'echo' for configuration property 'echo.server.ssl.bundle'")
			.contains("the SSL bundle cannot be loaded: ");
	}

	private Map<String, String> pemBundle() {
		Path certificate = this.temp.resolve("tls.crt");
		Path key = this.temp.resolve("tls.key");
		serverCertificate.writePem(certificate, key);
		Map<String, String> properties = new LinkedHashMap<>(tlsOn());
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + certificate);
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", "file:" + key);
		return properties;
	}

	private static Map<String, String> tlsOn() {
		return Map.of("echo.server.ssl.bundle", "echo", "echo.server.ssl.port", "0", "echo.server.udp.enabled",
				"false");
	}

}

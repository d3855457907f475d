package io.echoreactor.reactor.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import io.echoreactor.reactor.tls.TlsContext.ReloadResult;
import io.echoreactor.reactor.tls.UnusableTlsException.Setting;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link TlsContextCheck} and the checked {@link TlsContext#reload reload}:
 * real handshakes in memory, with an EC key.
 */
@Timeout(60)
class TlsContextCheckTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	private static final String ECDSA_TLS12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

	@Test
	void aContextThatServesPasses() {
		// A trust store for client certificates does not get in the probe's way.
		SSLContext context = serverCertificate.serverContext(authority.certificate());
		assertThatNoException().isThrownBy(() -> TlsContextCheck.check(context, null, null));
		assertThatNoException()
			.isThrownBy(() -> TlsContextCheck.check(context, List.of("TLSv1.2"), List.of(ECDSA_TLS12)));
		assertThatNoException().isThrownBy(() -> TlsContextCheck.check(context, List.of("TLSv1.3", "TLSv1.2"),
				List.of("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ECDSA_TLS12)));
	}

	@Test
	void suitesForTheOtherKeyTypeOnlyAreRefusedNamingTheProtocolAndKey() {
		assertThatExceptionOfType(UnusableTlsException.class)
			.isThrownBy(() -> TlsContextCheck.check(serverCertificate.serverContext(), List.of("TLSv1.2"),
					List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")))
			.satisfies((ex) -> {
				assertThat(ex.getSetting()).isEqualTo(Setting.CIPHERS);
				assertThat(ex.getValue()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
				assertThat(ex.getReason()).startsWith("no cipher suite in the list can be used with TLSv1.2 and "
						+ "the bundle's EC key");
			});
	}

	@Test
	void withTheDefaultProtocolsTheSuitesMustServeOneOfThem() {
		assertThatExceptionOfType(UnusableTlsException.class)
			.isThrownBy(() -> TlsContextCheck.check(serverCertificate.serverContext(), null,
					List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")))
			.satisfies((ex) -> assertThat(ex.getReason())
				.startsWith("no cipher suite in the list can be used with TLSv1.3 or TLSv1.2 and the bundle's EC key"));
		assertThatNoException().isThrownBy(() -> TlsContextCheck.check(serverCertificate.serverContext(), null,
				List.of("TLS_AES_128_GCM_SHA256")));
	}

	@Test
	void aKeyThatIsNotTheCertificatesIsRefusedAsTheKeyMaterial() throws Exception {
		SSLContext mismatched = context(authority.server("other").keyPem(), serverCertificate);
		assertThatExceptionOfType(UnusableTlsException.class)
			.isThrownBy(() -> TlsContextCheck.check(mismatched, null, null))
			.satisfies((ex) -> {
				assertThat(ex.getSetting()).isEqualTo(Setting.KEY);
				assertThat(ex.getReason()).startsWith("the bundle's certificate and private key cannot complete "
						+ "a TLS handshake");
			});
	}

	@Test
	void aReloadThatCannotServeIsRefusedAndTheCurrentContextStays() {
		SSLContext first = serverCertificate.serverContext();
		TlsContext tls = new TlsContext(first, null, null, TlsContext.ClientAuth.NEED);
		assertThatExceptionOfType(UnusableTlsException.class).isThrownBy(() -> tls
			.reload(authority.server("second").serverContext(), List.of("TLSv1.3"), List.of(ECDSA_TLS12)));
		assertThat(tls.reloads(ReloadResult.REFUSED)).isOne();
		assertThat(tls.reloads(ReloadResult.APPLIED)).isZero();
		assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
		assertThat(tls.ciphers()).isNull();
		assertThat(tls.createEngine().getEnabledCipherSuites()).contains("TLS_AES_128_GCM_SHA256");
	}

	@Test
	void aReloadThatServesIsAppliedAndCounted() throws UnusableTlsException {
		TlsContext tls = new TlsContext(serverCertificate.serverContext(), null, null, TlsContext.ClientAuth.NONE);
		tls.reload(authority.server("second").serverContext(), List.of("TLSv1.2"), List.of(ECDSA_TLS12));
		assertThat(tls.reloads(ReloadResult.APPLIED)).isOne();
		assertThat(tls.reloads(ReloadResult.REFUSED)).isZero();
		assertThat(tls.createEngine().getEnabledCipherSuites()).containsExactly(ECDSA_TLS12);
	}

	private static SSLContext context(String keyPem, Issued certificate) throws GeneralSecurityException,
			java.io.IOException {
		String base64 = keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		PrivateKey key = KeyFactory.getInstance("EC")
			.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
		KeyStore store = KeyStore.getInstance("PKCS12");
		store.load(null, null);
		char[] password = TestCertificates.PASSWORD.toCharArray();
		store.setKeyEntry("echo", key, password, new Certificate[] { certificate.certificate() });
		KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keyManagers.init(store, password);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keyManagers.getKeyManagers(), null, null);
		return context;
	}

}

package io.echoreactor.config;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import io.echoreactor.EchoApplication;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The application serving TLS from each kind of Spring Boot SSL bundle: a JKS or PKCS#12
 * key store ({@code spring.ssl.bundle.jks.*}) and PEM files
 * ({@code spring.ssl.bundle.pem.*}) whose {@code options} narrow the protocols and
 * cipher suites, and a bundle's trust store deciding which client certificates
 * {@code echo.server.ssl.client-auth=need} accepts.
 */
@Timeout(120)
class EchoTlsBundlesTests {

	private static final Authority authority = TestCertificates.authority("Echo Test CA");

	private static final Issued serverCertificate = authority.server("localhost");

	@TempDir
	Path temp;

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "JKS", "PKCS12" })
	void echoesThroughTlsFromAKeyStoreBundle(String type) throws Exception {
		Path keyStore = serverCertificate.writeKeyStore(this.temp.resolve("echo." + type.toLowerCase()), type);
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.ssl.bundle.jks.echo.keystore.location", "file:" + keyStore);
		properties.put("spring.ssl.bundle.jks.echo.keystore.password", TestCertificates.PASSWORD);
		properties.put("spring.ssl.bundle.jks.echo.keystore.type", type);
		try (ConfigurableApplicationContext context = run(properties)) {
			EchoServer server = context.getBean(EchoServer.class);
			for (String protocol : new String[] { "TLSv1.3", "TLSv1.2" }) {
				try (SSLSocket client = connectTls(server, trustingClient(), protocol)) {
					assertThat(client.getSession().getProtocol()).isEqualTo(protocol);
					assertThat(client.getSession().getPeerCertificates()[0])
						.isEqualTo(serverCertificate.certificate());
					EchoSockets.assertEchoes(client, "from a " + type + " key store\n");
				}
			}
		}
	}

	@Test
	void aBundleNarrowedToTls12RefusesATls13OnlyClientCountedAsProtocolVersion() throws Exception {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.2");
		try (ConfigurableApplicationContext context = run(properties)) {
			EchoServer server = context.getBean(EchoServer.class);
			assertThatExceptionOfType(SSLException.class)
				.isThrownBy(() -> connectTls(server, trustingClient(), "TLSv1.3").close());
			await().untilAsserted(() -> assertThat(handshakes(context, "protocol-version")).isOne());
			try (SSLSocket client = connectTls(server, trustingClient(), "TLSv1.3", "TLSv1.2")) {
				assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
				EchoSockets.assertEchoes(client, "TLS 1.2 only\n");
			}
			assertThat(handshakes(context, "ok")).isOne();
		}
	}

	@Test
	void aBundleNarrowedToOneCipherSuiteNegotiatesIt() throws Exception {
		String cipher = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.options.enabled-protocols", "TLSv1.2");
		properties.put("spring.ssl.bundle.pem.echo.options.ciphers", cipher);
		try (ConfigurableApplicationContext context = run(properties)) {
			EchoServer server = context.getBean(EchoServer.class);
			try (SSLSocket client = connectTls(server, trustingClient(), "TLSv1.2")) {
				assertThat(client.getSession().getCipherSuite()).isEqualTo(cipher);
				EchoSockets.assertEchoes(client, "one cipher suite\n");
			}
		}
	}

	@Test
	void clientAuthNeedAcceptsACertificateTheBundlesTrustStoreTrustsAndRefusesAClientWithout() throws Exception {
		Map<String, String> properties = pemBundle();
		properties.put("spring.ssl.bundle.pem.echo.truststore.certificate",
				"file:" + authority.writePem(this.temp.resolve("ca.crt")));
		properties.put("echo.server.ssl.client-auth", "need");
		try (ConfigurableApplicationContext context = run(properties)) {
			EchoServer server = context.getBean(EchoServer.class);
			SSLContext withCertificate = TestCertificates.sslContext(authority.client("client"),
					authority.certificate());
			try (SSLSocket client = connectTls(server, withCertificate, "TLSv1.3")) {
				EchoSockets.assertEchoes(client, "a trusted client\n");
			}
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> {
				try (SSLSocket client = connectTls(server, trustingClient(), "TLSv1.3")) {
					EchoSockets.assertEchoes(client, "no certificate\n");
				}
			});
			await().untilAsserted(() -> assertThat(handshakes(context, "bad-certificate")).isOne());
		}
	}

	private Map<String, String> pemBundle() {
		Path certificate = this.temp.resolve("tls.crt");
		Path key = this.temp.resolve("tls.key");
		serverCertificate.writePem(certificate, key);
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.ssl.bundle.pem.echo.keystore.certificate", "file:" + certificate);
		properties.put("spring.ssl.bundle.pem.echo.keystore.private-key", "file:" + key);
		return properties;
	}

	private static double handshakes(ConfigurableApplicationContext context, String result) {
		return context.getBean(MeterRegistry.class)
			.find("echo.tls.handshakes")
			.tag("result", result)
			.functionCounters()
			.stream()
			.mapToDouble(FunctionCounter::count)
			.sum();
	}

	private static ConfigurableApplicationContext run(Map<String, String> bundle) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("echo.server.address", "127.0.0.1");
		properties.put("echo.server.port", "0");
		properties.put("echo.server.reactors", "1");
		properties.put("echo.server.udp.enabled", "false");
		properties.put("echo.server.shutdown-timeout", "1s");
		properties.put("echo.server.ssl.bundle", "echo");
		properties.put("echo.server.ssl.port", "0");
		properties.putAll(bundle);
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setRegisterShutdownHook(false);
		return application.run(properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new));
	}

	private static SSLContext trustingClient() {
		return TestCertificates.sslContext(null, authority.certificate());
	}

	private static SSLSocket connectTls(EchoServer server, SSLContext context, String... protocols)
			throws IOException {
		Socket plain = EchoSockets.connect(server.view().tlsPort());
		try {
			SSLSocket socket = (SSLSocket) context.getSocketFactory()
				.createSocket(plain, "localhost", server.view().tlsPort(), true);
			socket.setEnabledProtocols(protocols);
			socket.startHandshake();
			return socket;
		}
		catch (IOException | RuntimeException ex) {
			plain.close();
			throw ex;
		}
	}

}

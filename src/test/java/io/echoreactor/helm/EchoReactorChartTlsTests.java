package io.echoreactor.helm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.tls.TlsContext;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.ssl.PemSslBundleProperties;
import org.springframework.boot.autoconfigure.ssl.SslProperties;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The chart's TLS listener (a Secret mounted as a directory and served as a reloading
 * Spring Boot PEM bundle, or issued by cert-manager), TLS-only serving and the PROXY
 * protocol, rendered by Helm and checked against the objects' strict models, the
 * application's {@link EchoServerProperties} and Spring Boot's own {@link SslProperties}.
 */
@Timeout(60)
class EchoReactorChartTlsTests {

	private static final String[] TLS = { "tls.enabled=true", "tls.existingSecret=echo-tls" };

	/** Go's time.ParseDuration form, which cert-manager's duration fields take. */
	private static final Pattern GO_DURATION = Pattern.compile("([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+");

	@Test
	void tlsIsOffByDefault() {
		Rendered rendered = EchoReactorChart.render();
		assertThat(rendered.container().getPorts()).extracting(ContainerPort::getName).doesNotContain("tls");
		assertThat(rendered.service().getSpec().getPorts()).extracting(ServicePort::getName).doesNotContain("tls");
		assertThat(rendered.deployment().getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
			.doesNotContain("tls");
		assertThat(rendered.applicationValue("spring", "ssl")).isNull();
		EchoServerProperties properties = EchoReactorChartTests.bindEchoServer(rendered);
		assertThat(properties.ssl().bundle()).isNull();
		assertThat(properties.plain().enabled()).isTrue();
		assertThat(properties.proxyProtocol().mode()).isEqualTo(ProxyProtocolSettings.Mode.OFF);
	}

	@Test
	void tlsMountsTheSecretAsADirectoryAndServesItAsAReloadingPemBundle() {
		Rendered rendered = EchoReactorChart.render(TLS);
		Container container = rendered.container();
		VolumeMount mount = container.getVolumeMounts().stream()
			.filter((candidate) -> candidate.getName().equals("tls"))
			.findFirst()
			.orElseThrow();
		// A subPath mount would never see the kubelet's ..data swap, and so never a renewed certificate.
		assertThat(mount.getSubPath()).isNull();
		assertThat(mount.getSubPathExpr()).isNull();
		assertThat(mount.getReadOnly()).isTrue();
		assertThat(mount.getMountPath()).isEqualTo("/etc/echo-reactor/tls");
		Volume volume = rendered.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
			.filter((candidate) -> candidate.getName().equals("tls"))
			.findFirst()
			.orElseThrow();
		assertThat(volume.getSecret().getSecretName()).isEqualTo("echo-tls");
		assertThat(volume.getSecret().getItems()).as("every key, so that none is a subPath-like projection")
			.isNullOrEmpty();
		assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
		PemSslBundleProperties bundle = sslProperties(rendered).getBundle().getPem().get("echo");
		assertThat(bundle.isReloadOnUpdate()).isTrue();
		assertThat(bundle.getKeystore().getCertificate()).isEqualTo("file:" + mount.getMountPath() + "/tls.crt");
		assertThat(bundle.getKeystore().getPrivateKey()).isEqualTo("file:" + mount.getMountPath() + "/tls.key");
		assertThat(bundle.getTruststore().getCertificate()).as("no client-auth, no trust store").isNull();
		EchoServerProperties properties = EchoReactorChartTests.bindEchoServer(rendered);
		assertThat(properties.ssl().bundle()).isEqualTo("echo");
		assertThat(properties.ssl().port()).isEqualTo(7443);
		assertThat(properties.ssl().clientAuth()).isEqualTo(TlsContext.ClientAuth.NONE);
		assertThat(properties.plain().enabled()).isTrue();
		ContainerPort tls = containerPort(container, "tls");
		assertThat(tls.getContainerPort()).isEqualTo(7443);
		assertThat(tls.getProtocol()).isEqualTo("TCP");
		ServicePort servicePort = servicePort(rendered.service(), "tls");
		assertThat(servicePort.getPort()).isEqualTo(7443);
		assertThat(servicePort.getTargetPort()).isEqualTo(new IntOrString("tls"));
		assertThat(servicePort(rendered.service(), "echo").getPort()).isEqualTo(7007);
	}

	@Test
	void probesStayOnTheActuatorPortWithTls() {
		Container container = EchoReactorChart.render(TLS).container();
		for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(),
				container.getReadinessProbe())) {
			assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("http-metrics"));
			assertThat(probe.getTcpSocket()).isNull();
		}
	}

	@Test
	void portsFollowTheirValuesAndTheBundleItsName() {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls",
				"containerPorts.tls=9443", "service.tlsPort=443", "tls.bundleName=echo-server",
				"tls.mountPath=/var/run/tls", "headlessService.enabled=true");
		assertThat(containerPort(rendered.container(), "tls").getContainerPort()).isEqualTo(9443);
		assertThat(servicePort(rendered.service(), "tls").getPort()).isEqualTo(443);
		Service headless = rendered.named(Service.class, EchoReactorChart.FULLNAME + "-headless");
		assertThat(servicePort(headless, "tls").getPort()).isEqualTo(9443);
		EchoServerProperties properties = EchoReactorChartTests.bindEchoServer(rendered);
		assertThat(properties.ssl().port()).isEqualTo(9443);
		assertThat(properties.ssl().bundle()).isEqualTo("echo-server");
		assertThat(sslProperties(rendered).getBundle().getPem().get("echo-server").getKeystore().getCertificate())
			.isEqualTo("file:/var/run/tls/tls.crt");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("clientAuthModes")
	void clientCertificatesAreCheckedAgainstTheSecretsCaCrt(String mode, TlsContext.ClientAuth expected) {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls",
				"tls.clientAuth=" + mode);
		assertThat(EchoReactorChartTests.bindEchoServer(rendered).ssl().clientAuth()).isEqualTo(expected);
		PemSslBundleProperties bundle = sslProperties(rendered).getBundle().getPem().get("echo");
		assertThat(bundle.getTruststore().getCertificate()).isEqualTo("file:/etc/echo-reactor/tls/ca.crt");
	}

	static Stream<Arguments> clientAuthModes() {
		return Stream.of(arguments("want", TlsContext.ClientAuth.WANT), arguments("need", TlsContext.ClientAuth.NEED));
	}

	@Test
	void bundleOptionsFromTheConfigBlockJoinTheChartsBundle() {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls",
				"config.spring.ssl.bundle.pem.echo.options.enabled-protocols=TLSv1.3",
				"config.echo.server.ssl.handshake-timeout=3s");
		PemSslBundleProperties bundle = sslProperties(rendered).getBundle().getPem().get("echo");
		assertThat(bundle.getOptions().getEnabledProtocols()).containsExactly("TLSv1.3");
		assertThat(bundle.getKeystore().getCertificate()).endsWith("/tls.crt");
		EchoServerProperties properties = EchoReactorChartTests.bindEchoServer(rendered);
		assertThat(properties.ssl().handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(properties.ssl().bundle()).isEqualTo("echo");
	}

	@Test
	void tlsOnlyTakesThePlainPortOffThePodTheServicesThePolicyAndHelmTest(@TempDir Path work) {
		Rendered rendered = EchoReactorChart.renderWithTestHooks(work, "tls.enabled=true",
				"tls.existingSecret=echo-tls", "tls.plainEnabled=false", "headlessService.enabled=true",
				"networkPolicy.enabled=true");
		assertThat(EchoReactorChartTests.bindEchoServer(rendered).plain().enabled()).isFalse();
		assertThat(rendered.container().getPorts()).extracting(ContainerPort::getName)
			.containsExactlyInAnyOrder("tls", "udp", "http-metrics");
		for (Service service : rendered.all(Service.class)) {
			assertThat(service.getSpec().getPorts()).as(service.getMetadata().getName())
				.extracting(ServicePort::getName)
				.containsExactlyInAnyOrder("tls", "udp", "http-metrics");
		}
		assertThat(rendered.one(NetworkPolicy.class).getSpec().getIngress().get(0).getPorts())
			.extracting(NetworkPolicyPort::getPort)
			.containsExactly(new IntOrString("tls"), new IntOrString("udp"));
		Container test = rendered.testPod().getSpec().getContainers().get(0);
		assertThat(test.getEnv()).extracting(EnvVar::getName).doesNotContain("ECHO_PORT").contains("ECHO_UDP_PORT");
		assertThat(test.getCommand().get(2)).contains("if [ -n \"${ECHO_PORT:-}\" ]");
	}

	@Test
	void networkPolicyAdmitsTheTlsPortToTheEchoPeers() {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls",
				"networkPolicy.enabled=true", "networkPolicy.echoFrom[0].podSelector.matchLabels.role=client");
		var echoRule = rendered.one(NetworkPolicy.class).getSpec().getIngress().get(0);
		assertThat(echoRule.getPorts()).extracting(NetworkPolicyPort::getPort)
			.containsExactly(new IntOrString("echo"), new IntOrString("tls"), new IntOrString("udp"));
		assertThat(echoRule.getPorts()).extracting(NetworkPolicyPort::getProtocol).containsExactly("TCP", "TCP", "UDP");
		assertThat(echoRule.getFrom()).singleElement()
			.satisfies((peer) -> assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("role", "client"));
	}

	@Test
	void certManagerIssuesTheMountedSecretForTheServiceNames() {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.certManager.enabled=true",
				"tls.certManager.issuerRef.name=echo-ca", "tls.certManager.issuerRef.kind=ClusterIssuer",
				"headlessService.enabled=true");
		CertManagerCertificate certificate = rendered.one(CertManagerCertificate.class);
		CertManagerCertificate.Spec spec = certificate.getSpec();
		String secret = EchoReactorChart.FULLNAME + "-tls";
		assertThat(spec.secretName()).isEqualTo(secret);
		Volume volume = rendered.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
			.filter((candidate) -> candidate.getName().equals("tls"))
			.findFirst()
			.orElseThrow();
		assertThat(volume.getSecret().getSecretName()).isEqualTo(secret);
		assertThat(spec.issuerRef()).isEqualTo(new CertManagerCertificate.IssuerRef("echo-ca", "ClusterIssuer",
				"cert-manager.io"));
		List<String> names = new ArrayList<>();
		for (String service : List.of(EchoReactorChart.FULLNAME, EchoReactorChart.FULLNAME + "-headless")) {
			String namespaced = service + "." + EchoReactorChart.NAMESPACE;
			names.addAll(List.of(service, namespaced, namespaced + ".svc", namespaced + ".svc.cluster.local"));
		}
		assertThat(spec.dnsNames()).containsExactlyElementsOf(names);
		assertThat(rendered.all(Service.class)).extracting((service) -> service.getMetadata().getName())
			.allSatisfy((service) -> assertThat(spec.dnsNames()).contains(service));
		assertThat(spec.duration()).matches(GO_DURATION).isEqualTo("2160h");
		assertThat(spec.renewBefore()).matches(GO_DURATION).isEqualTo("720h");
		assertThat(spec.privateKey()).isEqualTo(new CertManagerCertificate.PrivateKey(
				CertManagerCertificate.Algorithm.ECDSA, null, CertManagerCertificate.RotationPolicy.Always, 256));
		assertThat(spec.usages()).containsExactly(CertManagerCertificate.Usage.SERVER_AUTH,
				CertManagerCertificate.Usage.DIGITAL_SIGNATURE);
		assertThat(spec.secretTemplate().labels()).containsAllEntriesOf(
				Map.of("app.kubernetes.io/instance", EchoReactorChart.RELEASE, "app.kubernetes.io/name", "echo-reactor"));
		assertThat(certificate.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
	}

	@Test
	void certManagerCertificateFollowsItsValues() {
		Rendered rendered = EchoReactorChart.render("tls.enabled=true", "tls.certManager.enabled=true",
				"tls.certManager.issuerRef.name=vault", "tls.certManager.issuerRef.kind=VaultIssuer",
				"tls.certManager.issuerRef.group=example.com", "tls.existingSecret=echo-server-tls",
				"tls.certManager.dnsNames[0]=echo.example.com", "tls.certManager.duration=720h",
				"tls.certManager.renewBefore=240h30m", "tls.certManager.privateKey.algorithm=RSA",
				"tls.certManager.privateKey.size=4096", "tls.certManager.privateKey.rotationPolicy=Never");
		CertManagerCertificate.Spec spec = rendered.one(CertManagerCertificate.class).getSpec();
		assertThat(spec.secretName()).isEqualTo("echo-server-tls");
		assertThat(spec.issuerRef()).isEqualTo(new CertManagerCertificate.IssuerRef("vault", "VaultIssuer",
				"example.com"));
		assertThat(spec.dnsNames()).containsExactly("echo.example.com");
		assertThat(spec.duration()).isEqualTo("720h");
		assertThat(spec.renewBefore()).matches(GO_DURATION).isEqualTo("240h30m");
		assertThat(spec.privateKey().algorithm()).isEqualTo(CertManagerCertificate.Algorithm.RSA);
		assertThat(spec.privateKey().size()).isEqualTo(4096);
		assertThat(spec.privateKey().rotationPolicy()).isEqualTo(CertManagerCertificate.RotationPolicy.Never);
		assertThat(spec.usages()).contains(CertManagerCertificate.Usage.KEY_ENCIPHERMENT);
		assertThat(EchoReactorChart.render("tls.enabled=true", "tls.certManager.enabled=true",
				"tls.certManager.issuerRef.name=ca", "tls.certManager.privateKey.algorithm=Ed25519")
			.one(CertManagerCertificate.class)
			.getSpec()
			.privateKey()
			.size()).as("Ed25519 has one size").isNull();
	}

	@Test
	void noCertificateWithoutCertManager() {
		assertThat(EchoReactorChart.render(TLS).all(CertManagerCertificate.class)).isEmpty();
	}

	@Test
	void strictParsingRejectsACertificateTheCrdWouldRefuse() {
		String certificate = """
				apiVersion: cert-manager.io/v1
				kind: Certificate
				metadata: {name: x, namespace: echo}
				spec: {secretName: x-tls, issuerRef: {name: ca}, dnsNames: [x], usages: [server auth]%s}
				""";
		assertThat(StrictManifests.parse(certificate.formatted(""))).singleElement()
			.isInstanceOf(CertManagerCertificate.class);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(certificate.formatted(", dnsName: [y]")))
			.withMessageContaining("dnsName");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(certificate.formatted(", privateKey: {size: \"256\"}")));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(certificate.formatted(", privateKey: {algorithm: DSA}")));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests
				.parse(certificate.replace("usages: [server auth]", "usages: [serverauth]").formatted("")));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(certificate.replace("issuerRef: {name: ca}", "issuerRef: {kind: Issuer}")
				.formatted("")))
			.withMessageContaining("issuerRef.name");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(certificate.replace("secretName: x-tls, ", "").formatted("")))
			.withMessageContaining("secretName");
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("valuesThatCannotWork")
	void tlsAndProxyValuesThatCannotWorkFailTheRender(String[] values, String expected) {
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(values))
			.withMessageContaining(expected);
	}

	static Stream<Arguments> valuesThatCannotWork() {
		return Stream.of(arguments(new String[] { "tls.enabled=true" }, "tls.enabled needs tls.existingSecret"),
				arguments(new String[] { "tls.plainEnabled=false" }, "tls.plainEnabled=false serves TLS only"),
				arguments(new String[] { "tls.certManager.enabled=true", "tls.certManager.issuerRef.name=ca" },
						"set tls.enabled too"),
				arguments(new String[] { "tls.enabled=true", "tls.certManager.enabled=true" },
						"needs tls.certManager.issuerRef.name"),
				arguments(new String[] { "tls.enabled=true", "tls.certManager.enabled=true",
						"tls.certManager.issuerRef.name=ca", "tls.certManager.privateKey.algorithm=RSA" },
						"tls.certManager.privateKey.size 256 does not fit algorithm RSA"),
				arguments(new String[] { "config.echo.server.ssl.bundle=mine" },
						"config.echo.server.ssl.bundle is set from the tls values"),
				arguments(new String[] { "config.echo.server.ssl.port=8443" },
						"config.echo.server.ssl.port is set from the tls values"),
				arguments(new String[] { "config.echo.server.plain.enabled=false" },
						"config.echo.server.plain is set from tls.plainEnabled"),
				arguments(new String[] { "config.echo.server.proxy-protocol.mode=required" },
						"config.echo.server.proxy-protocol is set from the proxyProtocol values"),
				arguments(new String[] { "proxyProtocol.mode=required" },
						"proxyProtocol.mode=required needs proxyProtocol.trustedSources"),
				arguments(new String[] { "proxyProtocol.mode=optional" },
						"proxyProtocol.mode=optional needs proxyProtocol.trustedSources"),
				arguments(new String[] { "proxyProtocol.mode=required", "proxyProtocol.trustedSources[0]=198.51.100.5/32",
						"proxyProtocol.trustedSources[1]=0.0.0.0/0" },
						"proxyProtocol.trustedSources[1]=0.0.0.0/0 holds every IPv4 or every IPv6 address"),
				arguments(new String[] { "proxyProtocol.mode=optional", "proxyProtocol.trustedSources[0]=::/0" },
						"proxyProtocol.trustedSources[0]=::/0 holds every IPv4 or every IPv6 address"));
	}

	@Test
	void proxyProtocolValuesBecomeTheApplicationsSettings() {
		Rendered rendered = EchoReactorChart.render("proxyProtocol.mode=required",
				"proxyProtocol.trustedSources[0]=198.51.100.5", "proxyProtocol.trustedSources[1]=203.0.113.0/24",
				"proxyProtocol.headerTimeout=3s");
		EchoServerProperties properties = EchoReactorChartTests.bindEchoServer(rendered);
		assertThat(properties.proxyProtocol().mode()).isEqualTo(ProxyProtocolSettings.Mode.REQUIRED);
		assertThat(properties.proxyProtocol().trustedSources()).containsExactly("198.51.100.5", "203.0.113.0/24");
		assertThat(properties.proxyProtocol().headerTimeout()).isEqualTo(Duration.ofSeconds(3));
		// The application parses the sources at start-up; so does this.
		assertThat(properties.toSettings().proxyProtocol().trustedSources()).hasSize(2);
		assertThat(EchoReactorChartTests.bindEchoServer(EchoReactorChart.render("proxyProtocol.mode=optional",
				"proxyProtocol.trustedSources[0]=198.51.100.5")).proxyProtocol().mode())
			.isEqualTo(ProxyProtocolSettings.Mode.OPTIONAL);
		// An unquoted off in a values file is YAML's false.
		assertThat(EchoReactorChart.render("proxyProtocol.mode=false").applicationValue("echo", "server",
				"proxy-protocol")).isNull();
	}

	@Test
	void tlsAlertsComeOnlyWithTlsAndFollowTheirValues() {
		List<String> plain = alerts(EchoReactorChart.render("prometheusRule.enabled=true")).stream()
			.map(Rule::getAlert)
			.toList();
		assertThat(plain).doesNotContain("EchoTlsCertificateExpiring", "EchoTlsHandshakeFailures");
		List<Rule> rules = alerts(EchoReactorChart.render("prometheusRule.enabled=true", "tls.enabled=true",
				"tls.existingSecret=echo-tls", "tls.bundleName=echo-server", "prometheusRule.certificateExpiryDays=21",
				"prometheusRule.tlsHandshakeFailureRatio=0.2"));
		Rule expiry = rule(rules, "EchoTlsCertificateExpiring");
		assertThat(expiry.getExpr().getStrVal()).contains("ssl_chain_expiry_seconds{bundle=\"echo-server\"}")
			.contains("< " + Duration.ofDays(21).toSeconds())
			.contains("and on (job, instance) echo_ready");
		assertThat(expiry.getLabels()).containsEntry("severity", "warning");
		Rule handshakes = rule(rules, "EchoTlsHandshakeFailures");
		assertThat(handshakes.getExpr().getStrVal()).contains("echo_tls_handshakes_total{result!~\"ok|eof\"}")
			.contains("> 0.2");
		assertThat(rule(alerts(EchoReactorChart.render("prometheusRule.enabled=true", "tls.enabled=true",
				"tls.existingSecret=echo-tls")), "EchoTlsCertificateExpiring").getExpr().getStrVal())
			.contains("{bundle=\"echo\"} < " + Duration.ofDays(14).toSeconds());
	}

	@Test
	void notesShowHowToReachTlsRunTheBenchJobAndWhomTheProxyHeadersAreTrustedFrom(@TempDir Path work) {
		String plain = EchoReactorChart.renderNotes(work.resolve("plain"));
		assertThat(plain).contains("echo hello | nc -q 1 127.0.0.1 7007")
			.contains("--reuse-values --set bench.enabled=true")
			.doesNotContain("openssl")
			.doesNotContain("PROXY protocol");
		String tls = EchoReactorChart.renderNotes(work.resolve("tls"), "tls.enabled=true",
				"tls.existingSecret=echo-tls", "bench.enabled=true", "bench.protocol=tls",
				"proxyProtocol.mode=required", "proxyProtocol.trustedSources[0]=198.51.100.5",
				"proxyProtocol.trustedSources[1]=10.0.0.6");
		String service = EchoReactorChart.FULLNAME + "." + EchoReactorChart.NAMESPACE + ".svc";
		assertThat(tls).contains("port-forward svc/" + EchoReactorChart.FULLNAME + " 7443:tls")
			.contains("openssl s_client -connect 127.0.0.1:7443 -servername " + service + " -CAfile ca.crt")
			.contains("get secret echo-tls -o jsonpath='{.data.ca\\.crt}'")
			.contains("job/" + EchoReactorChart.FULLNAME + "-bench-1")
			.contains("against " + service + ":7443")
			.contains("| tail -n 1")
			.contains("Headers are read only from 198.51.100.5, 10.0.0.6");
		String tlsOnly = EchoReactorChart.renderNotes(work.resolve("tls-only"), "tls.enabled=true",
				"tls.certManager.enabled=true", "tls.certManager.issuerRef.name=ca", "tls.plainEnabled=false");
		assertThat(tlsOnly).contains("The plain echo port is off")
			.contains("get certificate " + EchoReactorChart.FULLNAME)
			.contains("get secret " + EchoReactorChart.FULLNAME + "-tls")
			.doesNotContain("nc -q 1 127.0.0.1");
	}

	static SslProperties sslProperties(Rendered rendered) {
		// Fails on any key under spring.ssl that Spring Boot's own properties do not have.
		return EchoReactorChartTests.bind(rendered)
			.bind("spring.ssl", Bindable.of(SslProperties.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT))
			.orElseThrow(() -> new AssertionError("Nothing under spring.ssl"));
	}

	private static List<Rule> alerts(Rendered rendered) {
		return rendered.one(PrometheusRule.class).getSpec().getGroups().stream()
			.flatMap((group) -> group.getRules().stream())
			.toList();
	}

	private static Rule rule(List<Rule> rules, String alert) {
		return rules.stream()
			.filter((rule) -> alert.equals(rule.getAlert()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No alert " + alert));
	}

	private static ContainerPort containerPort(Container container, String name) {
		return container.getPorts().stream()
			.filter((port) -> name.equals(port.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No container port named " + name));
	}

	private static ServicePort servicePort(Service service, String name) {
		return service.getSpec().getPorts().stream()
			.filter((port) -> name.equals(port.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No service port named " + name));
	}

}

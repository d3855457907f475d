package io.echoreactor.helm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import javax.net.ssl.SSLSocket;

import io.echoreactor.bench.BenchJobArguments;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.support.EchoSockets;
import io.echoreactor.support.TestCertificates;
import io.echoreactor.support.TestCertificates.Authority;
import io.echoreactor.support.TestCertificates.Issued;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chart's TLS configuration against the real application: the application runs as a
 * child process with the chart's arguments and rendered application.yml, its TLS Secret a
 * local directory laid out as the kubelet lays out a Secret volume ({@code tls.crt ->
 * ..data/tls.crt}, {@code ..data -> ..<timestamp>}). It serves the certificate on the TLS
 * port, picks up a renewed one when the {@code ..data} link is swapped, exports the meters
 * the dashboard's TLS and PROXY rows and the TLS alerts query, and the bench Job's
 * arguments load it and end with the JSON summary.
 */
@Timeout(120)
class EchoReactorChartTlsRuntimeTests {

	private static final Pattern TLS_PORT = Pattern.compile("; TLS on 127\\.0\\.0\\.1:(\\d+)");

	private static final Authority authority = TestCertificates.authority("Echo Chart Test CA");

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	static Path work;

	private static Rendered chart;

	private static Path secret;

	private static ChartApplication application;

	private static int httpPort;

	private static int tlsPort;

	@BeforeAll
	@Timeout(120)
	static void startTheApplicationWithTheChartsTlsSettings() throws IOException {
		chart = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls", "tls.clientAuth=want",
				"proxyProtocol.mode=optional", "proxyProtocol.trustedSources[0]=10.0.0.0/8",
				"prometheusRule.enabled=true", "bench.enabled=true", "bench.protocol=tls", "bench.connections=2",
				"bench.threads=1", "bench.duration=1s", "bench.warmup=0s",
				// The rotation test waits for the bundle's quiet period; 10s by default.
				"config.spring.ssl.bundle.watch.file.quiet-period=500ms");
		Container container = chart.container();
		String mountPath = mount(container, "tls").getMountPath();
		secret = Files.createDirectories(work.resolve("secret"));
		writeSecret(authority.server("first"), "..2026_11_29_14_00_00.1");
		Path configDirectory = Files.createDirectories(work.resolve("config"));
		// The Secret is mounted at mountPath in the pod; here it is a local directory.
		Files.writeString(configDirectory.resolve("application.yml"),
				chart.applicationYamlText().replace(mountPath + "/", secret + "/"));
		application = ChartApplication.start(container, configDirectory,
				List.of("--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
						"--echo.server.udp.port=0", "--echo.server.ssl.port=0", "--echo.server.address=127.0.0.1",
						"--echo.server.reactors=2"),
				TLS_PORT);
		httpPort = application.port(ChartApplication.HTTP_PORT);
		tlsPort = application.port(TLS_PORT);
	}

	@AfterAll
	@Timeout(60)
	static void stopTheApplication() throws InterruptedException, IOException {
		if (application != null) {
			application.close();
		}
	}

	@Test
	void theTlsPortServesTheMountedCertificateAndEchoes() throws IOException {
		try (SSLSocket client = connectTls()) {
			X509Certificate served = (X509Certificate) client.getSession().getPeerCertificates()[0];
			assertThat(served.getIssuerX500Principal()).isEqualTo(authority.certificate().getSubjectX500Principal());
			EchoSockets.assertEchoes(client, "through the chart's bundle\n");
		}
	}

	@Test
	void aRenewedSecretIsServedWithoutARestart() throws Exception {
		Issued renewed = authority.server("renewed");
		// As the kubelet does: a new timestamped directory, then the ..data link swapped to it in one rename.
		writeSecret(renewed, "..2026_11_29_15_00_00.2");
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
			try (SSLSocket client = connectTls()) {
				assertThat(((X509Certificate) client.getSession().getPeerCertificates()[0]).getSerialNumber())
					.isEqualTo(renewed.serial());
			}
		});
		assertThat(application.isAlive()).isTrue();
	}

	@Test
	void theBenchJobsArgumentsLoadTheTlsPortAndEndWithTheJsonSummary() throws Exception {
		Job job = chart.one(Job.class);
		Container bench = job.getSpec().getTemplate().getSpec().getContainers().get(0);
		String caDirectory = mount(bench, "ca").getMountPath();
		List<String> args = new ArrayList<>();
		for (String argument : bench.getArgs().subList(1, bench.getArgs().size())) {
			// The Service's name and port resolve only in the cluster; the mounted ca.crt is the Secret's.
			args.add(argument.endsWith(".svc:" + chart.service().getSpec().getPorts().stream()
				.filter((port) -> port.getName().equals("tls"))
				.findFirst()
				.orElseThrow()
				.getPort()) ? "127.0.0.1:" + tlsPort : argument.replace(caDirectory + "/", secret + "/"));
		}
		assertThat(args).contains("127.0.0.1:" + tlsPort).contains(secret + "/ca.crt");
		BenchJobArguments.Run run = BenchJobArguments.run(args);
		assertThat(run.status()).as(run.err() + run.out()).isZero();
		JsonNode summary = JsonMapper.shared().readTree(run.lastLine());
		assertThat(summary.get("protocol").asString()).isEqualTo("tls");
		assertThat(summary.get("connections").asInt()).isEqualTo(2);
		assertThat(summary.get("messages").asLong()).isPositive();
		assertThat(summary.get("errors").asLong()).isZero();
		assertThat(summary.get("status").asInt()).as("the exit status it reports").isZero();
	}

	@Test
	void dashboardAndAlertsUseTlsAndProxyMetricNamesTheServiceExports() throws Exception {
		try (SSLSocket client = connectTls()) {
			EchoSockets.assertEchoes(client, "counted\n");
		}
		PrometheusScrape scrape = await().atMost(Duration.ofSeconds(20))
			.until(() -> PrometheusScrape.parse(get("/actuator/prometheus")),
					(candidate) -> candidate.has("echo_tls_connections_total"));
		Set<String> referenced = new TreeSet<>();
		referenced.addAll(EchoReactorChartRuntimeTests
			.metricNames(EchoReactorChartRuntimeTests.dashboardQueries(EchoReactorChartRuntimeTests.OPTIONAL_ROWS::contains)));
		List<String> alerts = chart.one(PrometheusRule.class).getSpec().getGroups().stream()
			.flatMap((group) -> group.getRules().stream())
			.filter((rule) -> rule.getAlert().startsWith("EchoTls"))
			.map((rule) -> rule.getExpr().getStrVal())
			.toList();
		assertThat(alerts).hasSize(2);
		referenced.addAll(EchoReactorChartRuntimeTests.metricNames(alerts));
		assertThat(referenced).contains("echo_tls_handshakes_total", "echo_tls_handshake_seconds_bucket",
				"echo_tls_connections_total", "echo_tls_task_seconds_total", "echo_proxy_headers_total");
		List<String> missing = new ArrayList<>();
		for (String name : referenced) {
			String family = name.replaceAll("_(bucket|count|sum)$", "");
			if (!scrape.families().contains(family) && !scrape.families().contains(name)) {
				missing.add(name);
			}
		}
		assertThat(missing).as("queried by the TLS and PROXY rows or the TLS alerts, absent from a real scrape")
			.isEmpty();
		// Spring Boot's meter of the bundle, with the labels the certificate alert and panel select and show.
		assertThat(scrape.type("ssl_chain_expiry_seconds")).isEqualTo("gauge");
		assertThat(alerts.get(0)).contains("ssl_chain_expiry_seconds{bundle=\"echo\"}");
		assertThat(scrape.labelValues("ssl_chain_expiry_seconds", "bundle")).contains("echo");
		assertThat(scrape.labelValues("ssl_chain_expiry_seconds", "source")).contains("keystore", "truststore");
		assertThat(scrape.labelValues("ssl_chain_expiry_seconds", "chain")).isNotEmpty();
		// The certificate label is the serial number in hex.
		assertThat(scrape.labelValues("ssl_chain_expiry_seconds", "certificate")).isNotEmpty()
			.allSatisfy((serial) -> assertThat(serial).matches("[0-9a-f]+"));
		double keystore = scrape.sum("ssl_chain_expiry_seconds", "bundle", "echo", "source", "keystore");
		assertThat(keystore).isBetween((double) Duration.ofDays(80).toSeconds(), (double) Duration.ofDays(91).toSeconds());
		assertThat(scrape.has("echo_ready")).isTrue();
	}

	private static void writeSecret(Issued certificate, String timestamped) throws IOException {
		Path directory = Files.createDirectories(secret.resolve(timestamped));
		certificate.writePem(directory.resolve("tls.crt"), directory.resolve("tls.key"));
		authority.writePem(directory.resolve("ca.crt"));
		Path data = secret.resolve("..data");
		Path swap = secret.resolve("..data_tmp");
		Files.createSymbolicLink(swap, Path.of(timestamped));
		Files.move(swap, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		for (String key : List.of("tls.crt", "tls.key", "ca.crt")) {
			Path link = secret.resolve(key);
			if (!Files.isSymbolicLink(link)) {
				Files.createSymbolicLink(link, Path.of("..data", key));
			}
		}
	}

	private static SSLSocket connectTls() throws IOException {
		Socket plain = new Socket();
		plain.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
		plain.setSoTimeout(10_000);
		SSLSocket socket = (SSLSocket) TestCertificates.sslContext(null, authority.certificate())
			.getSocketFactory()
			.createSocket(plain, "localhost", tlsPort, true);
		socket.startHandshake();
		return socket;
	}

	private static VolumeMount mount(Container container, String name) {
		return container.getVolumeMounts().stream()
			.filter((candidate) -> candidate.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No volume mount named " + name));
	}

	private static String get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
			.header("Accept", "text/plain;version=0.0.4")
			.timeout(Duration.ofSeconds(10))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
	}

}

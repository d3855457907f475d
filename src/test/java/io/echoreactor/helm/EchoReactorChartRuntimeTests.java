package io.echoreactor.helm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.echoreactor.support.RequiredTools;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
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
 * The chart against the real application: the application runs as a child process with
 * the chart's arguments, JVM options and rendered application.yml (only the ports moved
 * to free ones on 127.0.0.1), and answers the chart's probes, its {@code helm test}
 * script, and the dashboard's and alerts' queries with series it really exports.
 */
@Timeout(120)
public class EchoReactorChartRuntimeTests {

	private static final Pattern ECHO_PORT = Pattern.compile("Echo server started on 127\\.0\\.0\\.1:(\\d+)");

	private static final Pattern UDP_PORT = Pattern.compile("; UDP on 127\\.0\\.0\\.1:(\\d+)");

	/** Metric names in PromQL; label names and values never start with "echo_" in ours. */
	private static final Pattern METRIC_NAME = Pattern.compile("\\becho_[a-z_]+");

	/** Dashboard rows whose meters the service exports only with TLS, or the PROXY protocol, on. */
	static final Set<String> OPTIONAL_ROWS = Set.of("TLS", "PROXY protocol");

	/** The dashboard row whose meter the service exports only with a fault profile on. */
	public static final String FAULTS_ROW = "Faults";

	private static final Pattern HISTOGRAM_SERIES = Pattern.compile("(.+)_(bucket|count|sum)");

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	static Path work;

	private static Rendered chart;

	private static ChartApplication application;

	private static int httpPort;

	private static int echoPort;

	private static int udpPort;

	@BeforeAll
	@Timeout(120)
	static void startTheApplicationAsTheChartWould() throws IOException {
		chart = EchoReactorChart.render();
		Path configDirectory = Files.createDirectories(work.resolve("config"));
		Files.writeString(configDirectory.resolve("application.yml"), chart.applicationYamlText());
		// Free ports on loopback instead of the chart's fixed ones, which other builds on this machine may hold.
		application = ChartApplication.start(chart.container(), configDirectory,
				List.of("--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
						"--echo.server.udp.port=0", "--echo.server.address=127.0.0.1"),
				ECHO_PORT);
		httpPort = application.port(ChartApplication.HTTP_PORT);
		echoPort = application.port(ECHO_PORT);
		udpPort = application.port(UDP_PORT);
	}

	@AfterAll
	@Timeout(60)
	static void stopTheApplication() throws InterruptedException, IOException {
		if (application != null) {
			application.close();
		}
	}

	@Test
	void theChartsProbesAnswerOnTheApplicationsHttpPort() {
		Container container = chart.container();
		for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(),
				container.getReadinessProbe())) {
			String path = probe.getHttpGet().getPath();
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(get(path, "application/json").statusCode()).as(path).isEqualTo(200));
		}
	}

	@Test
	void chartsDefaultServesNoConsoleSinceItShowsClientAddresses() throws Exception {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(get("/actuator/health/readiness", "application/json").statusCode())
				.isEqualTo(200));
		assertThat(get("/console", "text/html").statusCode()).isEqualTo(404);
		assertThat(get("/console/snapshot", "application/json").statusCode()).isEqualTo(404);
		assertThat(get("/actuator/echo", "application/json").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/echo/connections", "application/json").statusCode()).isEqualTo(404);
	}

	@Test
	void echoPortEchoesWithTheChartsConfig() throws IOException {
		byte[] payload = randomPayload(64 * 1024);
		assertThat(echo(payload)).isEqualTo(payload);
	}

	@Test
	void udpPortEchoesWithTheChartsConfig() throws IOException {
		byte[] payload = randomPayload(1200);
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
			socket.setSoTimeout(2000);
			byte[] received = new byte[2048];
			// A datagram may be lost; loopback loses none in practice, but the test does not rely on it.
			for (int attempt = 1;; attempt++) {
				socket.send(new DatagramPacket(payload, payload.length, new InetSocketAddress("127.0.0.1", udpPort)));
				DatagramPacket answer = new DatagramPacket(received, received.length);
				try {
					socket.receive(answer);
					assertThat(Arrays.copyOf(received, answer.getLength())).isEqualTo(payload);
					return;
				}
				catch (SocketTimeoutException ex) {
					assertThat(attempt).as("attempts without an answer").isLessThan(3);
				}
			}
		}
	}

	@Test
	void helmTestScriptEchoesARandomPayloadThroughTheRunningService(@TempDir Path testWork) throws Exception {
		Path busybox = RequiredTools.require("busybox");
		// Debian builds busybox without nc's UDP mode (CONFIG_NC_110_COMPAT, which gives -u); the busybox
		// image's defconfig build has it. Here netcat-openbsd stands in for "nc -u": it takes the same -u and -w,
		// sends its input as one datagram and quits once nothing has arrived for -w seconds.
		Path udpNc = RequiredTools.require("nc.openbsd");
		Container test = EchoReactorChart.renderWithTestHooks(testWork.resolve("chart")).testPod().getSpec()
			.getContainers().get(0);
		assertThat(test.getCommand()).hasSize(3).startsWith("sh", "-c");
		// The busybox image: its applets (sh, head, nc, cmp, wc) come first on the PATH.
		Path bin = Files.createDirectories(testWork.resolve("bin"));
		for (String applet : List.of("sh", "head", "nc", "cmp", "wc")) {
			String udp = applet.equals("nc") ? "case \" $* \" in *\" -u \"*) exec '" + udpNc + "' \"$@\" ;; esac\n" : "";
			Path wrapper = Files.writeString(bin.resolve(applet),
					"#!/bin/sh\n" + udp + "exec '" + busybox + "' " + applet + " \"$@\"\n");
			assertThat(wrapper.toFile().setExecutable(true)).isTrue();
		}
		Path tmp = Files.createDirectories(testWork.resolve("tmp"));
		// The pod's /tmp is its own emptyDir; here it is a private directory.
		String script = test.getCommand().get(2).replace("/tmp/", tmp + "/");
		ProcessBuilder builder = new ProcessBuilder(bin.resolve("sh").toString(), "-c", script).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		environment.put("PATH", bin + ":" + environment.get("PATH"));
		test.getEnv().forEach((variable) -> environment.put(variable.getName(), variable.getValue()));
		assertThat(environment.get("ECHO_HOST")).isEqualTo(EchoReactorChart.FULLNAME);
		assertThat(environment.get("ECHO_UDP_HOST")).isEqualTo(EchoReactorChart.FULLNAME);
		environment.put("ECHO_HOST", "127.0.0.1");
		environment.put("ECHO_PORT", String.valueOf(echoPort));
		environment.put("ECHO_UDP_HOST", "127.0.0.1");
		environment.put("ECHO_UDP_PORT", String.valueOf(udpPort));
		Process process = builder.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).contains("came back byte for byte").contains("came back unchanged");
		assertThat(Files.size(tmp.resolve("echoed"))).isEqualTo(Long.parseLong(environment.get("PAYLOAD_BYTES")));
		assertThat(Files.size(tmp.resolve("udp-received")))
			.isEqualTo(Long.parseLong(environment.get("UDP_PAYLOAD_BYTES")));
	}

	@Test
	void dashboardAndAlertsUseMetricNamesTheServiceExports() throws Exception {
		byte[] payload = randomPayload(1024);
		assertThat(echo(payload)).isEqualTo(payload);
		HttpResponse<String> scrape = get("/actuator/prometheus", "text/plain;version=0.0.4");
		assertThat(scrape.statusCode()).isEqualTo(200);
		Set<String> samples = scrape.body().lines()
			.filter((line) -> !line.isBlank() && !line.startsWith("#"))
			.map((line) -> line.split("[{ ]", 2)[0])
			.collect(Collectors.toCollection(TreeSet::new));
		Map<String, String> families = scrape.body().lines()
			.filter((line) -> line.startsWith("# TYPE "))
			.map((line) -> line.split(" "))
			.collect(Collectors.toMap((type) -> type[2], (type) -> type[3], (first, second) -> first));
		Set<String> referenced = new TreeSet<>();
		// The TLS and PROXY protocol meters exist only with those on; EchoReactorChartTlsRuntimeTests checks them.
		// The fault counter exists only with a fault profile.
		referenced.addAll(
				metricNames(dashboardQueries((row) -> !OPTIONAL_ROWS.contains(row) && !FAULTS_ROW.equals(row))));
		referenced.addAll(metricNames(alertExpressions()));
		assertThat(referenced).as("names found in the queries").contains("echo_connections_active",
				"echo_selector_wakeups_total", "echo_reactor_alive", "echo_ready");
		List<String> missing = new ArrayList<>();
		for (String name : referenced) {
			// A histogram's series carry its family's name plus _bucket, _count or _sum; other names are their own.
			Matcher suffix = HISTOGRAM_SERIES.matcher(name);
			String family = (suffix.matches() && "histogram".equals(families.get(suffix.group(1)))) ? suffix.group(1)
					: name;
			if (!families.containsKey(family) || !samples.contains(name)) {
				missing.add(name);
			}
		}
		assertThat(missing).as("metric names queried by the dashboard or the alerts but absent from a real scrape "
				+ "(echo_* series scraped: %s)", samples.stream().filter((sample) -> sample.startsWith("echo_")).toList())
			.isEmpty();
	}

	/**
	 * The dashboard's queries, those of its template variables included.
	 * @param rows which rows' panels to take, by the row's title
	 * @return the PromQL expressions
	 */
	public static List<String> dashboardQueries(Predicate<String> rows) throws IOException {
		JsonNode dashboard = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("files/echo-reactor-dashboard.json")));
		List<String> queries = new ArrayList<>();
		String row = "";
		for (JsonNode panel : dashboard.get("panels")) {
			if (panel.get("type").asString().equals("row")) {
				row = panel.get("title").asString();
			}
			if (!rows.test(row)) {
				continue;
			}
			for (JsonNode target : panel.path("targets")) {
				queries.add(target.get("expr").asString());
			}
		}
		for (JsonNode variable : dashboard.get("templating").get("list")) {
			JsonNode query = variable.path("query");
			queries.add(query.isObject() ? query.path("query").asString() : query.asString());
		}
		return queries;
	}

	private static List<String> alertExpressions() {
		PrometheusRule rule = EchoReactorChart.render("prometheusRule.enabled=true").one(PrometheusRule.class);
		return rule.getSpec().getGroups().stream()
			.flatMap((group) -> group.getRules().stream())
			.map((alert) -> alert.getExpr().getStrVal())
			.toList();
	}

	public static Set<String> metricNames(List<String> queries) {
		return queries.stream()
			.flatMap((query) -> METRIC_NAME.matcher(query).results().map(MatchResult::group))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private static HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
			.header("Accept", accept)
			.timeout(Duration.ofSeconds(10))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static byte[] echo(byte[] payload) throws IOException {
		try (java.net.Socket socket = new java.net.Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", echoPort), 5000);
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(payload);
			out.flush();
			socket.shutdownOutput();
			InputStream in = socket.getInputStream();
			return in.readAllBytes();
		}
	}

	private static byte[] randomPayload(int size) {
		byte[] payload = new byte[size];
		ThreadLocalRandom.current().nextBytes(payload);
		return payload;
	}

}

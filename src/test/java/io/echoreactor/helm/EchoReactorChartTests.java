package io.echoreactor.helm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsContext;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The Helm chart, linted and rendered by Helm inside the JVM for its default values and
 * for several overrides, with assertions on the rendered objects: they parse strictly as
 * their kinds, ports and probes agree with what the application serves, the security
 * settings hold, the pods outlive their drain, the application.yml binds to
 * {@link EchoServerProperties} and passes its validation, and the schema rejects bad values.
 */
@Timeout(60)
class EchoReactorChartTests {

	/** The drain's final flush takes up to a second beyond echo.server.shutdown-timeout. */
	private static final Duration DRAIN_FLUSH = Duration.ofSeconds(1);

	/** Time for the HTTP server's graceful stop and the JVM's exit after the drain. */
	private static final Duration STOP_MARGIN = Duration.ofSeconds(4);

	private static final ValidatorFactory validatorFactory = Validation.buildDefaultValidatorFactory();

	private static final Validator validator = validatorFactory.getValidator();

	private static final String SCHEMA_ERROR = "values don't meet the specifications of the schema";

	@AfterAll
	static void closeValidator() {
		validatorFactory.close();
	}

	static Stream<Arguments> valueSets() {
		return Stream.of(arguments("default values", new String[0]),
				arguments("monitoring on",
						new String[] { "serviceMonitor.enabled=true",
								"serviceMonitor.additionalLabels.release=kube-prometheus-stack",
								"serviceMonitor.interval=15s", "podMonitor.enabled=true",
								"podMonitor.additionalLabels.release=kube-prometheus-stack",
								"prometheusRule.enabled=true",
								"prometheusRule.additionalLabels.release=kube-prometheus-stack",
								"prometheusRule.additionalRuleLabels.team=network", "grafanaDashboard.enabled=true",
								"grafanaDashboard.annotations.grafana_folder=Networking",
								"prometheusAnnotations.enabled=true" }),
				arguments("autoscaling on",
						new String[] { "autoscaling.enabled=true", "autoscaling.connectionsPerPod=5000",
								"autoscaling.behavior.scaleDown.stabilizationWindowSeconds=600",
								"podDisruptionBudget.enabled=true", "config.echo.server.max-connection-age=30m" }),
				arguments("custom config",
						new String[] { "config.echo.server.max-connection-age=30m",
								"config.echo.server.max-connection-age-jitter=0.2",
								"config.echo.server.shutdown-timeout=45s", "terminationGracePeriodSeconds=60",
								"config.spring.lifecycle.timeout-per-shutdown-phase=50s",
								"config.echo.server.reactors=4", "config.echo.server.accept-strategy=reuseport",
								"config.echo.server.idle-timeout=10m", "logging.format=ecs",
								"config.echo.server.write-timeout=30s", "config.echo.server.stall-timeout=5s",
								"config.echo.server.max-connections-per-address=100",
								"config.echo.server.max-pending-output=32MB",
								"config.management.endpoints.web.exposure.include=health\\,prometheus",
								"containerPorts.echo=9007", "containerPorts.http=9081", "service.port=7",
								"service.httpPort=9090", "service.type=LoadBalancer",
								"service.externalTrafficPolicy=Local" }),
				arguments("security and placement",
						new String[] { "serviceAccount.create=true", "networkPolicy.enabled=true",
								"networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring",
								"headlessService.enabled=true", "podSecurityContext.runAsUser=20000",
								"podSecurityContext.runAsGroup=20000", "securityContext.runAsUser=20000",
								"securityContext.runAsGroup=20000", "preStop.action=exec", "preStop.sleepSeconds=10",
								"topologySpreadConstraints[0].maxSkew=1",
								"topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
								"topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway",
								"tolerations[0].key=dedicated", "tolerations[0].operator=Exists",
								"nodeSelector.kubernetes\\.io/os=linux", "priorityClassName=high",
								"image.digest=sha256:" + "0123456789abcdef".repeat(4),
								"extraEnv[0].name=TZ", "extraEnv[0].value=UTC" }),
				arguments("udp off",
						new String[] { "config.echo.server.udp.enabled=false", "headlessService.enabled=true",
								"networkPolicy.enabled=true", "prometheusRule.enabled=true", "service.type=NodePort" }),
				arguments("udp on a service of its own",
						new String[] { "service.udpSeparateService=true", "service.type=LoadBalancer",
								"service.externalTrafficPolicy=Local",
								"service.annotations.example\\.com/scheme=internet-facing", "containerPorts.udp=9008",
								"service.udpPort=7", "headlessService.enabled=true", "networkPolicy.enabled=true",
								"config.echo.server.udp.rate-limit-per-source=500",
								"config.echo.server.udp.receive-buffer-size=4MB",
								"config.echo.server.accept-strategy=reuseport" }),
				arguments("tls beside plain",
						new String[] { "tls.enabled=true", "tls.existingSecret=echo-tls", "tls.clientAuth=want",
								"headlessService.enabled=true", "networkPolicy.enabled=true",
								"prometheusRule.enabled=true", "proxyProtocol.mode=optional",
								"proxyProtocol.trustedSources[0]=10.0.0.0/8", "bench.enabled=true",
								"bench.protocol=tls" }),
				arguments("tls only from cert-manager",
						new String[] { "tls.enabled=true", "tls.plainEnabled=false", "tls.certManager.enabled=true",
								"tls.certManager.issuerRef.name=echo-ca", "tls.clientAuth=need",
								"containerPorts.tls=9443", "service.tlsPort=443", "service.type=LoadBalancer",
								"proxyProtocol.mode=required", "proxyProtocol.trustedSources[0]=10.1.2.3",
								"bench.enabled=true", "bench.protocol=udp" }));
	}

	@Test
	void chartPassesHelmLintStrict() {
		LintResult lint = new Helm(EchoReactorChart.DIRECTORY).lint().strict().call();
		assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void everyRenderedObjectParsesStrictlyAsItsKind(String name, String[] values) {
		Rendered rendered = EchoReactorChart.render(values);
		Map<String, List<String>> optionalKinds = Map.of("default values", List.of(), "monitoring on",
				List.of("ServiceMonitor", "PodMonitor", "PrometheusRule", "ConfigMap"), "autoscaling on",
				List.of("HorizontalPodAutoscaler", "PodDisruptionBudget"), "custom config", List.of(),
				"security and placement", List.of("ServiceAccount", "NetworkPolicy", "Service"), "udp off",
				List.of("Service", "NetworkPolicy", "PrometheusRule"), "udp on a service of its own",
				List.of("Service", "Service", "NetworkPolicy"), "tls beside plain",
				List.of("Service", "NetworkPolicy", "PrometheusRule", "Job"), "tls only from cert-manager",
				List.of("Certificate", "Job"));
		List<String> expected = new ArrayList<>(List.of("ConfigMap", "Service", "Deployment"));
		expected.addAll(optionalKinds.get(name));
		assertThat(rendered.kinds()).containsExactlyInAnyOrderElementsOf(expected);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void podsGetNoServiceLinksThatWouldBindAsEchoServerSettings(String name, String[] values) {
		// A Service named echo-server would give a pod ECHO_SERVER_PORT=tcp://..., which the
		// application refuses at start.
		Rendered rendered = EchoReactorChart.render(values);
		assertThat(rendered.deployment().getSpec().getTemplate().getSpec().getEnableServiceLinks()).isFalse();
		for (Job job : rendered.all(Job.class)) {
			assertThat(job.getSpec().getTemplate().getSpec().getEnableServiceLinks()).as(job.getMetadata().getName())
				.isFalse();
		}
	}

	@Test
	void strictParsingRejectsUnknownFieldsStringNumbersAndUnknownKinds() {
		String deployment = """
				apiVersion: apps/v1
				kind: Deployment
				metadata: {name: x}
				spec: {%s, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}
				""";
		assertThat(StrictManifests.parse(deployment.formatted("replicas: 1"))).hasSize(1);
		assertThatIllegalArgumentException().isThrownBy(() -> StrictManifests.parse(deployment.formatted("replicaz: 1")))
			.withMessageContaining("replicaz");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse(deployment.formatted("replicas: \"1\"")));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StrictManifests.parse("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: x}\n"))
			.withMessageContaining("Gadget");
	}

	@Test
	void defaultValuesRenderOnlyTheCoreObjects() {
		assertThat(EchoReactorChart.render().kinds()).containsExactlyInAnyOrder("ConfigMap", "Service", "Deployment");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void portsAgreeAcrossServiceContainerAndApplicationConfig(String name, String[] values) {
		Rendered rendered = EchoReactorChart.render(values);
		Container container = rendered.container();
		EchoServerProperties echo = bindEchoServer(rendered);
		int httpPort = ((Number) rendered.applicationValue("server", "port")).intValue();
		boolean plain = echo.plain().enabled();
		boolean tls = echo.ssl().bundle() != null;
		if (plain) {
			assertThat(containerPort(container, "echo").getContainerPort()).isEqualTo(echo.port());
			assertThat(containerPort(container, "echo").getProtocol()).isEqualTo("TCP");
		}
		else {
			assertThat(container.getPorts()).extracting(ContainerPort::getName).doesNotContain("echo");
		}
		if (tls) {
			assertThat(containerPort(container, "tls").getContainerPort()).isEqualTo(echo.ssl().port());
			assertThat(containerPort(container, "tls").getProtocol()).isEqualTo("TCP");
		}
		else {
			assertThat(container.getPorts()).extracting(ContainerPort::getName).doesNotContain("tls");
		}
		assertThat(containerPort(container, "http-metrics").getContainerPort()).isEqualTo(httpPort);
		boolean udp = echo.udp().enabled();
		if (udp) {
			assertThat(containerPort(container, "udp").getContainerPort()).isEqualTo(echo.udp().port());
			assertThat(containerPort(container, "udp").getProtocol()).isEqualTo("UDP");
		}
		else {
			assertThat(container.getPorts()).extracting(ContainerPort::getName).doesNotContain("udp");
		}
		String udpService = EchoReactorChart.FULLNAME + "-udp";
		boolean separate = rendered.all(Service.class).stream()
			.anyMatch((service) -> service.getMetadata().getName().equals(udpService));
		for (Service service : rendered.all(Service.class)) {
			List<String> expected = new ArrayList<>();
			if (!service.getMetadata().getName().equals(udpService)) {
				expected.add("http-metrics");
				if (plain) {
					expected.add("echo");
				}
				if (tls) {
					expected.add("tls");
				}
			}
			if (udp && !(separate && service.getMetadata().getName().equals(EchoReactorChart.FULLNAME))) {
				expected.add("udp");
			}
			assertThat(service.getSpec().getPorts()).as(service.getMetadata().getName())
				.extracting(ServicePort::getName)
				.containsExactlyInAnyOrderElementsOf(expected);
			for (ServicePort port : service.getSpec().getPorts()) {
				assertThat(port.getTargetPort()).isEqualTo(new IntOrString(port.getName()));
				ContainerPort target = containerPort(container, port.getTargetPort().getStrVal());
				assertThat(port.getProtocol()).as(port.getName()).isEqualTo(target.getProtocol());
			}
			assertThat(service.getSpec().getSelector())
				.isEqualTo(rendered.deployment().getSpec().getSelector().getMatchLabels());
		}
	}

	@Test
	void udpEchoIsServedBesideTcpOnTheSamePortNumberByDefault() {
		Rendered rendered = EchoReactorChart.render();
		ContainerPort udp = containerPort(rendered.container(), "udp");
		assertThat(udp.getContainerPort()).isEqualTo(containerPort(rendered.container(), "echo").getContainerPort())
			.isEqualTo(7007);
		assertThat(udp.getProtocol()).isEqualTo("UDP");
		assertThat(servicePort(rendered.service(), "udp").getPort()).isEqualTo(7007);
		assertThat(servicePort(rendered.service(), "udp").getProtocol()).isEqualTo("UDP");
		assertThat(rendered.applicationValue("echo", "server", "udp", "port")).isEqualTo(7007);
		EchoServerProperties properties = bindEchoServer(rendered);
		assertThat(properties.udp().enabled()).isTrue();
		assertThat(properties.udp().port()).isEqualTo(7007);
	}

	@Test
	void udpOffLeavesNoUdpPortAnywhere(@TempDir Path work) {
		String[] values = { "config.echo.server.udp.enabled=false", "headlessService.enabled=true",
				"networkPolicy.enabled=true", "service.udpSeparateService=true", "prometheusRule.enabled=true" };
		Rendered rendered = EchoReactorChart.renderWithTestHooks(work, values);
		assertThat(rendered.container().getPorts()).extracting(ContainerPort::getProtocol).containsOnly("TCP");
		assertThat(rendered.all(Service.class)).extracting((service) -> service.getMetadata().getName())
			.containsExactlyInAnyOrder(EchoReactorChart.FULLNAME, EchoReactorChart.FULLNAME + "-headless");
		assertThat(rendered.all(Service.class)).flatExtracting((service) -> service.getSpec().getPorts())
			.extracting(ServicePort::getProtocol)
			.containsOnly("TCP");
		assertThat(rendered.one(NetworkPolicy.class).getSpec().getIngress())
			.flatExtracting((rule) -> rule.getPorts())
			.extracting((port) -> port.getProtocol())
			.containsOnly("TCP");
		assertThat(rendered.testPod().getSpec().getContainers().get(0).getEnv()).extracting(EnvVar::getName)
			.doesNotContain("ECHO_UDP_HOST", "ECHO_UDP_PORT", "UDP_PAYLOAD_BYTES");
		assertThat(rendered.applicationValue("echo", "server", "udp", "port")).isNull();
		assertThat(bindEchoServer(rendered).udp().enabled()).isFalse();
		assertThat(rendered.one(PrometheusRule.class).getSpec().getGroups())
			.flatExtracting((group) -> group.getRules())
			.extracting((rule) -> rule.getAlert())
			.noneMatch((alert) -> alert.contains("Udp"));
	}

	@Test
	void udpOnAServiceOfItsOwnTakesTheMainServicesTypeAndSettings() {
		Rendered rendered = EchoReactorChart.render("service.udpSeparateService=true", "service.type=LoadBalancer",
				"service.externalTrafficPolicy=Local", "service.annotations.example\\.com/scheme=internet-facing",
				"service.udpPort=7");
		Service main = rendered.service();
		Service udp = rendered.named(Service.class, EchoReactorChart.FULLNAME + "-udp");
		assertThat(main.getSpec().getPorts()).extracting(ServicePort::getProtocol).containsOnly("TCP");
		assertThat(udp.getSpec().getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("udp");
			assertThat(port.getPort()).isEqualTo(7);
			assertThat(port.getProtocol()).isEqualTo("UDP");
		});
		assertThat(udp.getSpec().getType()).isEqualTo("LoadBalancer");
		assertThat(udp.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
		assertThat(udp.getMetadata().getAnnotations()).isEqualTo(main.getMetadata().getAnnotations())
			.containsEntry("example.com/scheme", "internet-facing");
		assertThat(udp.getSpec().getSelector()).isEqualTo(main.getSpec().getSelector());
		assertThat(udp.getMetadata().getLabels()).containsEntry("app.kubernetes.io/component", "echo-udp")
			.containsAllEntriesOf(EchoReactorChart.render().deployment().getMetadata().getLabels());
	}

	@Test
	void serviceMonitorSelectsOnlyTheMainServiceSoEachPodIsScrapedOnce() {
		Rendered rendered = EchoReactorChart.render("serviceMonitor.enabled=true", "headlessService.enabled=true",
				"service.udpSeparateService=true");
		LabelSelector selector = rendered.one(ServiceMonitor.class).getSpec().getSelector();
		Service headless = rendered.named(Service.class, EchoReactorChart.FULLNAME + "-headless");
		// The headless Service serves http-metrics too: selecting it would scrape every pod a second time.
		assertThat(headless.getSpec().getPorts()).extracting(ServicePort::getName).contains("http-metrics");
		assertThat(rendered.all(Service.class)).hasSize(3)
			.filteredOn((service) -> selects(selector, service.getMetadata().getLabels()))
			.extracting((service) -> service.getMetadata().getName())
			.containsExactly(EchoReactorChart.FULLNAME);
	}

	@Test
	void aLoadBalancerServiceCarriesBothProtocolsByDefault() {
		Service service = EchoReactorChart.render("service.type=LoadBalancer").service();
		assertThat(service.getSpec().getPorts()).extracting(ServicePort::getProtocol).contains("TCP", "UDP");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void probesAskActuatorHealthGroupsOnTheHttpPort(String name, String[] values) {
		Rendered rendered = EchoReactorChart.render(values);
		Container container = rendered.container();
		assertThat(httpGet(container.getStartupProbe()).getPath()).isEqualTo("/actuator/health/liveness");
		assertThat(httpGet(container.getLivenessProbe()).getPath()).isEqualTo("/actuator/health/liveness");
		assertThat(httpGet(container.getReadinessProbe()).getPath()).isEqualTo("/actuator/health/readiness");
		int httpPort = ((Number) rendered.applicationValue("server", "port")).intValue();
		for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(),
				container.getReadinessProbe())) {
			IntOrString port = httpGet(probe).getPort();
			assertThat(containerPort(container, port.getStrVal()).getContainerPort()).isEqualTo(httpPort);
		}
		assertThat(rendered.applicationValue("management", "server", "port")).isNull();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void podAndContainerRunLockedDown(String name, String[] values) {
		Rendered rendered = EchoReactorChart.render(values);
		PodSpec pod = rendered.deployment().getSpec().getTemplate().getSpec();
		assertLockedDown(pod, rendered.container());
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
	}

	@Test
	void helmTestPodRunsLockedDownToo(@TempDir Path work) {
		Pod test = EchoReactorChart.renderWithTestHooks(work).testPod();
		assertLockedDown(test.getSpec(), test.getSpec().getContainers().get(0));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void memoryIsLimitedAndTheHeapIsSizedFromTheLimit(String name, String[] values) {
		Container container = EchoReactorChart.render(values).container();
		assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
		assertThat(container.getResources().getLimits()).containsKey("memory");
		assertThat(env(container, "JAVA_TOOL_OPTIONS")).containsPattern("-XX:MaxRAMPercentage=\\d+")
			.containsPattern("-XX:MaxDirectMemorySize=\\d+[kKmMgG]?");
	}

	@Test
	void heapAndDirectMemoryFitTheDefaultMemoryLimitWithRoomForTheRest() {
		Container container = EchoReactorChart.render().container();
		long limit = container.getResources().getLimits().get("memory").getNumericalAmount().longValue();
		String options = env(container, "JAVA_TOOL_OPTIONS");
		Matcher heap = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(options);
		Matcher direct = Pattern.compile("-XX:MaxDirectMemorySize=(\\d+)m")
			.matcher(options);
		assertThat(heap.find()).isTrue();
		assertThat(direct.find()).isTrue();
		long heapBytes = limit * Long.parseLong(heap.group(1)) / 100;
		long directBytes = Long.parseLong(direct.group(1)) * 1024 * 1024;
		// Beside heap and direct memory the JVM measured about 105 MiB at rest (the AOT cache's
		// classes, libjvm, the JIT's code, stacks; BENCHMARKS.md), and the JIT's code grows under
		// load.
		assertThat(limit - heapBytes - directBytes).isGreaterThanOrEqualTo(144L * 1024 * 1024);
	}

	@Test
	void jvmOptionsPinTheProcessorCountKeepTheImagesOwnAndAppendExtraOnes() {
		String defaults = env(EchoReactorChart.render().container(), "JAVA_TOOL_OPTIONS");
		assertThat(defaults).contains("-XX:ActiveProcessorCount=2", "-XX:+UseSerialGC", "-XX:AutoBoxCacheMax=65536")
			.as("settings in config must take effect").doesNotContain("spring.aot.enabled");
		String changed = env(EchoReactorChart
			.render("jvm.activeProcessorCount=4", "jvm.extraOptions=-Xlog:gc:stderr")
			.container(), "JAVA_TOOL_OPTIONS");
		assertThat(changed).contains("-XX:ActiveProcessorCount=4").endsWith(" -XX:+UseSerialGC -XX:AutoBoxCacheMax=65536 "
				+ "-XX:+ExitOnOutOfMemoryError -Xlog:gc:stderr");
		assertThat(env(EchoReactorChart.render("jvm.activeProcessorCount=").container(), "JAVA_TOOL_OPTIONS"))
			.doesNotContain("ActiveProcessorCount");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void podsOutliveThePreStopPauseAndTheDrain(String name, String[] values) {
		Rendered rendered = EchoReactorChart.render(values);
		Duration preStop = preStopPause(rendered.container());
		Duration shutdownTimeout = bindEchoServer(rendered).shutdownTimeout();
		Duration grace = Duration.ofSeconds(rendered.deployment().getSpec().getTemplate().getSpec()
			.getTerminationGracePeriodSeconds());
		assertThat(preStop).isPositive();
		assertThat(grace).isGreaterThan(preStop.plus(shutdownTimeout).plus(DRAIN_FLUSH).plus(STOP_MARGIN));
		// The drain also has to fit in the shutdown phase Spring gives it.
		Duration phase = bind(rendered).bindOrCreate("spring.lifecycle.timeout-per-shutdown-phase", Duration.class);
		assertThat(phase).isGreaterThanOrEqualTo(shutdownTimeout.plus(DRAIN_FLUSH));
	}

	@Test
	void preStopPauseCanRunSleepInsideTheContainer() {
		Container container = EchoReactorChart.render("preStop.action=exec", "preStop.sleepSeconds=7").container();
		assertThat(container.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "7");
		assertThat(container.getLifecycle().getPreStop().getSleep()).isNull();
	}

	@Test
	void gracePeriodTooShortForTheDrainFailsTheRender() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.shutdown-timeout=25s"))
			.withMessageContaining("terminationGracePeriodSeconds (30) must be greater than")
			.withMessageContaining("shutdown-timeout (25s)");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.shutdown-timeout=1m",
					"terminationGracePeriodSeconds=60"))
			.withMessageContaining("terminationGracePeriodSeconds (60)");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.shutdown-timeout=1m",
					"terminationGracePeriodSeconds=71"))
			.withMessageContaining("must fit in config.spring.lifecycle.timeout-per-shutdown-phase (30s)");
		assertThat(EchoReactorChart
			.render("config.echo.server.shutdown-timeout=1m", "terminationGracePeriodSeconds=71",
					"config.spring.lifecycle.timeout-per-shutdown-phase=61s")
			.deployment()
			.getSpec()
			.getTemplate()
			.getSpec()
			.getTerminationGracePeriodSeconds()).isEqualTo(71);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("valueSets")
	void renderedApplicationYamlBindsToTheApplicationsPropertiesAndPassesValidation(String name, String[] values)
			throws Exception {
		Rendered rendered = EchoReactorChart.render(values);
		EchoServerProperties properties = bindEchoServer(rendered);
		assertThat(validator.validate(properties)).isEmpty();
		// The application makes the TLS context from the bundle the chart names; any context stands in for it.
		TlsContext tls = (properties.ssl().bundle() != null)
				? new TlsContext(SSLContext.getDefault(), null, null, properties.ssl().clientAuth()) : null;
		assertThat(properties.toSettings(tls)).isNotNull();
	}

	@Test
	void customConfigReachesTheBoundProperties() {
		Rendered rendered = EchoReactorChart.render("config.echo.server.max-connection-age=30m",
				"config.echo.server.max-connection-age-jitter=0.2", "config.echo.server.max-connections=500",
				"logging.format=ecs", "config.echo.server.udp.rate-limit-per-source=500",
				"config.echo.server.udp.receive-buffer-size=4MB", "containerPorts.udp=9008",
				"config.echo.server.write-timeout=30s", "config.echo.server.stall-timeout=5s",
				"config.echo.server.max-connections-per-address=100");
		EchoServerProperties properties = bindEchoServer(rendered);
		assertThat(properties.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.stallTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.maxConnectionsPerAddress()).isEqualTo(100);
		assertThat(properties.udp().rateLimitPerSource()).isEqualTo(500);
		assertThat(properties.udp().receiveBufferSize()).isEqualTo(DataSize.ofMegabytes(4));
		assertThat(properties.udp().port()).isEqualTo(9008);
		assertThat(properties.maxConnectionAge()).isEqualTo(Duration.ofMinutes(30));
		assertThat(properties.maxConnectionAgeJitter()).isEqualTo(0.2);
		assertThat(properties.maxConnections()).isEqualTo(500);
		assertThat(bind(rendered).bindOrCreate("logging.structured.format.console", String.class)).isEqualTo("ecs");
	}

	@Test
	void chartValueTheApplicationWouldRejectFailsValidation() {
		Set<ConstraintViolation<EchoServerProperties>> tooLarge = validator
			.validate(bindEchoServer(EchoReactorChart.render("config.echo.server.read-buffer-size=32MB")));
		assertThat(tooLarge).extracting((violation) -> violation.getPropertyPath().toString())
			.containsExactly("readBufferSize");
		Set<ConstraintViolation<EchoServerProperties>> waterMarks = validator
			.validate(bindEchoServer(EchoReactorChart.render("config.echo.server.write-buffer-low-water-mark=64KB")));
		assertThat(waterMarks).extracting((violation) -> violation.getPropertyPath().toString())
			.containsExactly("writeBufferLowWaterMark");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0.0.0.0/0", "198.51.100.7/0", "::/0", "2001:db8::/0", "::ffff:0:0/96",
			"::FFFF:0.0.0.0/96", "0:0:0:0:0:ffff:0:0/96", "::ffff:198.51.100.0/88" })
	void trustedSourceThatHoldsEveryAddressFailsTheRenderHoweverItIsWritten(String source) {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("proxyProtocol.mode=required",
					"proxyProtocol.trustedSources[0]=198.51.100.7", "proxyProtocol.trustedSources[1]=" + source))
			.withMessageContaining("proxyProtocol.trustedSources[1]=" + source
					+ " holds every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, ::ffff:0:0/96)");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0.0.0.0/00", "::/000", "198.51.100.0/08", "010.0.0.1", "203.0.113.07",
			"::ffff:198.051.100.7" })
	void trustedSourceWithALeadingZeroFailsTheRender(String source) {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("proxyProtocol.mode=optional",
					"proxyProtocol.trustedSources[0]=" + source))
			.withMessageContaining("proxyProtocol.trustedSources[0]=" + source + " is no address or CIDR range: "
					+ "write its decimal numbers without leading zeros");
	}

	@Test
	void trustedSourcesTheChartAcceptsPassTheApplicationsValidation() {
		EchoServerProperties properties = bindEchoServer(EchoReactorChart.render("proxyProtocol.mode=required",
				"proxyProtocol.trustedSources[0]=198.51.100.0/24", "proxyProtocol.trustedSources[1]=2001:0db8::/32",
				"proxyProtocol.trustedSources[2]=::ffff:203.0.113.0/120", "proxyProtocol.trustedSources[3]=0.0.0.0/1",
				"proxyProtocol.trustedSources[4]=203.0.113.10"));
		assertThat(validator.validate(properties)).isEmpty();
		assertThat(properties.toSettings(null).proxyProtocol().trustedSources()).hasSize(5);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "::/1", "::/80" })
	void wideIpv6RangeHoldingEveryIpv4MappedAddressIsLeftToTheApplicationWhichRefusesIt(String source) {
		// The chart reads no IPv6 arithmetic; the application refuses the range at start-up.
		EchoServerProperties properties = bindEchoServer(EchoReactorChart.render("proxyProtocol.mode=required",
				"proxyProtocol.trustedSources[0]=" + source));
		assertThat(validator.validate(properties))
			.extracting((violation) -> violation.getPropertyPath().toString(), ConstraintViolation::getMessage)
			.containsExactly(tuple("proxyProtocol.trustedSources[0].<list element>",
					"must not contain every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, ::ffff:0:0/96): a PROXY "
							+ "header believed from any source lets any client forge its address; list only your load "
							+ "balancers"));
	}

	@Test
	void portsCannotBeSetThroughTheConfigBlock() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.port=1234"))
			.withMessageContaining("config.echo.server.port is set from containerPorts.echo");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.udp.port=1234"))
			.withMessageContaining("config.echo.server.udp.port is set from containerPorts.udp");
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml("config.server.port=1234"))
			.withMessageContaining("containerPorts.http");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.management.server.port=1234"))
			.withMessageContaining("config.management.server.port is not supported");
	}

	@Test
	void changingTheConfigRollsThePods() {
		String original = checksum(EchoReactorChart.render());
		assertThat(checksum(EchoReactorChart.render())).isEqualTo(original);
		assertThat(checksum(EchoReactorChart.render("config.echo.server.backlog=500"))).isNotEqualTo(original);
		assertThat(checksum(EchoReactorChart.render("containerPorts.echo=9007"))).isNotEqualTo(original);
		assertThat(checksum(EchoReactorChart.render("containerPorts.udp=9008"))).isNotEqualTo(original);
		assertThat(checksum(EchoReactorChart.render("config.echo.server.udp.enabled=false"))).isNotEqualTo(original);
	}

	@Test
	void containerStartsWithTheConfigMapAsAnAdditionalConfigLocation() {
		Rendered rendered = EchoReactorChart.render("extraArgs[0]=--debug");
		Container container = rendered.container();
		VolumeMount mount = container.getVolumeMounts().stream()
			.filter((candidate) -> candidate.getName().equals("config"))
			.findFirst()
			.orElseThrow();
		Volume volume = rendered.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
			.filter((candidate) -> candidate.getName().equals("config"))
			.findFirst()
			.orElseThrow();
		assertThat(volume.getConfigMap().getName()).isEqualTo(EchoReactorChart.FULLNAME);
		assertThat(container.getCommand()).as("the image's ENTRYPOINT starts the application").isEmpty();
		assertThat(container.getArgs())
			.containsExactly("--spring.config.additional-location=optional:file:" + mount.getMountPath() + "/", "--debug");
		assertThat(mount.getReadOnly()).isTrue();
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("badValues")
	void schemaRejectsBadValues(String set, String expected) {
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(set))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining(expected);
	}

	static Stream<Arguments> badValues() {
		return Stream.of(arguments("replicas=3", "additional properties 'replicas' not allowed"),
				arguments("replicaCount=-1", "/replicaCount"), arguments("replicaCount=two", "/replicaCount"),
				arguments("service.type=Ingress", "/service/type"),
				arguments("service.portt=7007", "additional properties 'portt' not allowed"),
				arguments("containerPorts.echo=70000", "/containerPorts/echo"),
				arguments("image.pullPolicy=Sometimes", "/image/pullPolicy"),
				arguments("preStop.action=wait", "/preStop/action"),
				arguments("serviceMonitor.enabled=yes", "/serviceMonitor/enabled"),
				arguments("prometheusRule.connectionsNearLimitRatio=2", "/prometheusRule/connectionsNearLimitRatio"),
				arguments("prometheusRule.udpDropRatio=1.5", "/prometheusRule/udpDropRatio"),
				arguments("config.echo.server.max-connection-age-jitter=1.5",
						"/config/echo/server/max-connection-age-jitter"),
				arguments("containerPorts.udp=0", "/containerPorts/udp"),
				arguments("service.udpPort=70000", "/service/udpPort"),
				arguments("service.udpSeparateService=yes", "/service/udpSeparateService"),
				arguments("config.echo.server.udp.enabled=off", "/config/echo/server/udp/enabled"),
				arguments("config.echo.server.udp.rate-limit-per-source=-1",
						"/config/echo/server/udp/rate-limit-per-source"),
				arguments("tests.udpPayloadBytes=9000", "/tests/udpPayloadBytes"),
				arguments("config.echo.server.max-connections-per-address=-1",
						"/config/echo/server/max-connections-per-address"),
				arguments("greeting=yaml", "/greeting"), arguments("tls.clientAuth=maybe", "/tls/clientAuth"),
				arguments("tls.enabled=yes", "/tls/enabled"), arguments("containerPorts.tls=0", "/containerPorts/tls"),
				arguments("service.tlsPort=65536", "/service/tlsPort"),
				arguments("tls.mountPath=relative/tls", "/tls/mountPath"),
				arguments("tls.certManager.duration=90d", "/tls/certManager/duration"),
				arguments("tls.certManager.privateKey.algorithm=DSA", "/tls/certManager/privateKey/algorithm"),
				arguments("tls.certManager.privateKey.size=1024", "/tls/certManager/privateKey/size"),
				arguments("tls.certManager.issuerRef.namespace=x", "additional properties 'namespace' not allowed"),
				arguments("proxyProtocol.mode=always", "/proxyProtocol/mode"),
				arguments("proxyProtocol.headerTimeout=soon", "/proxyProtocol/headerTimeout"),
				arguments("proxyProtocol.trustedSources[0]=lb.example.com", "/proxyProtocol/trustedSources/0"),
				arguments("proxyProtocol.trustedSources[0]=", "/proxyProtocol/trustedSources/0"),
				arguments("prometheusRule.certificateExpiryDays=0", "/prometheusRule/certificateExpiryDays"),
				arguments("prometheusRule.tlsHandshakeFailureRatio=2", "/prometheusRule/tlsHandshakeFailureRatio"),
				arguments("bench.protocol=http", "/bench/protocol"), arguments("bench.size=1G", "/bench/size"),
				arguments("bench.connections=0", "/bench/connections"),
				arguments("bench.duration=forever", "/bench/duration"),
				arguments("bench.proxyProtocol=v3", "/bench/proxyProtocol"),
				arguments("bench.tlsTrust=everyone", "/bench/tlsTrust"));
	}

	@Test
	void autoscalingScalesTheDeploymentOnCpuAndConnectionsPerPod() {
		Rendered rendered = EchoReactorChart.render("autoscaling.enabled=true", "autoscaling.connectionsPerPod=5000");
		HorizontalPodAutoscaler hpa = rendered.one(HorizontalPodAutoscaler.class);
		assertThat(hpa.getApiVersion()).isEqualTo("autoscaling/v2");
		assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
		assertThat(hpa.getSpec().getScaleTargetRef().getName())
			.isEqualTo(rendered.deployment().getMetadata().getName());
		assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
		List<MetricSpec> metrics = hpa.getSpec().getMetrics();
		assertThat(metrics).extracting(MetricSpec::getType).containsExactly("Resource", "Pods");
		assertThat(metrics.get(0).getResource().getName()).isEqualTo("cpu");
		assertThat(metrics.get(1).getPods().getMetric().getName()).isEqualTo("echo_connections_active");
		assertThat(metrics.get(1).getPods().getTarget().getAverageValue().toString()).isEqualTo("5000");
		assertThat(rendered.deployment().getSpec().getReplicas()).as("the autoscaler owns replicas").isNull();
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("autoscaling.enabled=true",
					"autoscaling.targetCPUUtilizationPercentage=null"))
			.withMessageContaining("autoscaling.enabled needs");
	}

	@Test
	void disruptionBudgetAndNetworkPolicySelectTheChartsPods() {
		Rendered rendered = EchoReactorChart.render("podDisruptionBudget.enabled=true", "networkPolicy.enabled=true",
				"networkPolicy.echoFrom[0].podSelector.matchLabels.role=client");
		Map<String, String> selector = rendered.deployment().getSpec().getSelector().getMatchLabels();
		PodDisruptionBudget budget = rendered.one(PodDisruptionBudget.class);
		assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
		assertThat(budget.getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
		NetworkPolicy policy = rendered.one(NetworkPolicy.class);
		assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(selector);
		assertThat(policy.getSpec().getIngress()).hasSize(2);
		assertThat(policy.getSpec().getIngress().get(0).getPorts()).satisfiesExactly((port) -> {
			assertThat(port.getPort()).isEqualTo(new IntOrString("echo"));
			assertThat(port.getProtocol()).isEqualTo("TCP");
		}, (port) -> {
			assertThat(port.getPort()).isEqualTo(new IntOrString("udp"));
			assertThat(port.getProtocol()).isEqualTo("UDP");
		});
		assertThat(policy.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels())
			.containsEntry("role", "client");
		assertThat(policy.getSpec().getIngress().get(1).getPorts().get(0).getPort())
			.isEqualTo(new IntOrString("http-metrics"));
		assertThat(policy.getSpec().getIngress().get(1).getFrom()).isNullOrEmpty();
	}

	@Test
	void topologySpreadConstraintsDefaultToTheChartsSelector() {
		Rendered rendered = EchoReactorChart.render("topologySpreadConstraints[0].maxSkew=1",
				"topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname",
				"topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule");
		PodSpec pod = rendered.deployment().getSpec().getTemplate().getSpec();
		assertThat(pod.getTopologySpreadConstraints()).singleElement()
			.satisfies((constraint) -> assertThat(constraint.getLabelSelector().getMatchLabels())
				.isEqualTo(rendered.deployment().getSpec().getSelector().getMatchLabels()));
	}

	@Test
	void monitoringObjectsScrapeTheActuatorEndpointThroughTheNamedPort() {
		Rendered rendered = EchoReactorChart.render("serviceMonitor.enabled=true", "podMonitor.enabled=true",
				"serviceMonitor.additionalLabels.release=prom", "podMonitor.additionalLabels.release=prom",
				"prometheusRule.enabled=true", "prometheusRule.additionalLabels.release=prom",
				"prometheusAnnotations.enabled=true");
		Service service = rendered.service();
		ServiceMonitor serviceMonitor = rendered.one(ServiceMonitor.class);
		assertThat(serviceMonitor.getMetadata().getLabels()).containsEntry("release", "prom");
		assertThat(service.getMetadata().getLabels())
			.containsAllEntriesOf(serviceMonitor.getSpec().getSelector().getMatchLabels());
		assertThat(serviceMonitor.getSpec().getNamespaceSelector().getMatchNames())
			.containsExactly(EchoReactorChart.NAMESPACE);
		assertThat(serviceMonitor.getSpec().getEndpoints()).singleElement().satisfies((endpoint) -> {
			assertThat(endpoint.getPort()).isEqualTo("http-metrics");
			assertThat(endpoint.getPath()).isEqualTo("/actuator/prometheus");
		});
		PodMonitor podMonitor = rendered.one(PodMonitor.class);
		assertThat(podMonitor.getMetadata().getLabels()).containsEntry("release", "prom");
		assertThat(rendered.deployment().getSpec().getTemplate().getMetadata().getLabels())
			.containsAllEntriesOf(podMonitor.getSpec().getSelector().getMatchLabels());
		assertThat(podMonitor.getSpec().getPodMetricsEndpoints()).singleElement().satisfies((endpoint) -> {
			assertThat(endpoint.getPort()).isEqualTo("http-metrics");
			assertThat(endpoint.getPath()).isEqualTo("/actuator/prometheus");
		});
		assertThat(rendered.one(PrometheusRule.class).getMetadata().getLabels()).containsEntry("release", "prom");
		Map<String, String> annotations = rendered.deployment().getSpec().getTemplate().getMetadata().getAnnotations();
		assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
			.containsEntry("prometheus.io/path", "/actuator/prometheus")
			.containsEntry("prometheus.io/port",
					String.valueOf(containerPort(rendered.container(), "http-metrics").getContainerPort()));
	}

	@Test
	void everyAlertHasSeveritySummaryDescriptionAndRunbook() {
		Rendered rendered = EchoReactorChart.render("prometheusRule.enabled=true",
				"prometheusRule.additionalRuleLabels.team=network",
				"prometheusRule.runbookBaseUrl=https://runbooks.example.org/echo", "tls.enabled=true",
				"tls.existingSecret=echo-tls");
		PrometheusRule rule = rendered.one(PrometheusRule.class);
		List<String> alerts = new ArrayList<>();
		rule.getSpec().getGroups().forEach((group) -> group.getRules().forEach((alert) -> {
			alerts.add(alert.getAlert());
			assertThat(alert.getExpr().getStrVal()).contains("echo_");
			assertThat(alert.getLabels()).containsKey("severity").containsEntry("team", "network");
			assertThat(alert.getAnnotations()).containsKeys("summary", "description")
				.containsEntry("runbook_url", "https://runbooks.example.org/echo#" + alert.getAlert().toLowerCase());
		}));
		assertThat(alerts).containsExactlyInAnyOrder("EchoReactorDown", "EchoReactorStalled", "EchoAcceptErrors",
				"EchoListenQueueOverflows", "EchoBackpressureSustained", "EchoConnectionsNearLimit",
				"EchoConnectionsEvicted", "EchoWriteTimeouts", "EchoUdpDropsSustained", "EchoKernelUdpReceiveErrors",
				"EchoTlsCertificateExpiring", "EchoTlsHandshakeFailures", "EchoNotReady");
	}

	@Test
	void stallAlertFiresAtTheApplicationsOwnStallTimeout() {
		assertThat(alertExpression(EchoReactorChart.render("prometheusRule.enabled=true"), "EchoReactorStalled"))
			.contains("echo_reactor_select_age_seconds")
			.endsWith(">= 10");
		assertThat(alertExpression(EchoReactorChart.render("prometheusRule.enabled=true",
				"config.echo.server.stall-timeout=2500ms"), "EchoReactorStalled"))
			.endsWith(">= 2.5");
	}

	@Test
	void alertThresholdsFollowTheirValues() {
		Rendered rendered = EchoReactorChart.render("prometheusRule.enabled=true",
				"prometheusRule.writeTimeoutRatio=0.05", "prometheusRule.udpDropRatio=0.2");
		assertThat(alertExpression(rendered, "EchoWriteTimeouts")).endsWith("> 0.05");
		assertThat(alertExpression(rendered, "EchoUdpDropsSustained")).contains("> 0.2");
	}

	@Test
	void everyRunbookHasASectionInTheChartReadme() throws IOException {
		String readme = Files.readString(EchoReactorChart.DIRECTORY.resolve("README.md"));
		PrometheusRule rule = EchoReactorChart
			.render("prometheusRule.enabled=true", "tls.enabled=true", "tls.existingSecret=echo-tls")
			.one(PrometheusRule.class);
		assertThat(rule.getSpec().getGroups()).flatExtracting((group) -> group.getRules())
			.extracting((alert) -> alert.getAlert())
			.contains("EchoTlsCertificateExpiring", "EchoTlsHandshakeFailures");
		rule.getSpec().getGroups().forEach((group) -> group.getRules().forEach((alert) -> assertThat(readme)
			.as("README section for " + alert.getAlert())
			.containsPattern("(?m)^#+ " + alert.getAlert() + "$")));
	}

	@Test
	void dashboardShipsInAConfigMapForTheGrafanaSidecar() {
		Rendered rendered = EchoReactorChart.render("grafanaDashboard.enabled=true",
				"grafanaDashboard.namespace=monitoring");
		ConfigMap dashboard = rendered.named(ConfigMap.class, EchoReactorChart.FULLNAME + "-dashboard");
		assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
		assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
		JsonNode json = JsonMapper.shared().readTree(dashboard.getData().get("echo-reactor.json"));
		assertThat(json.get("uid").asString()).isEqualTo("echo-reactor");
		List<String> titles = new ArrayList<>();
		for (JsonNode panel : json.get("panels")) {
			if (panel.get("type").asString().equals("row")) {
				continue;
			}
			titles.add(panel.get("title").asString());
			assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
			for (JsonNode target : panel.get("targets")) {
				assertThat(target.get("expr").asString()).contains("echo_");
			}
		}
		assertThat(titles).contains("Open connections per reactor", "Closed per second by cause",
				"Bytes per second each way", "Selector wakeups by cause", "wakeup() calls",
				"Empty reads (EAGAIN) as a share of reads", "Ready keys per wakeup", "Loop busy ratio",
				"Paused connections", "Listen queue overflows and drops", "Accepted and rejected per second",
				"Backpressure pauses per second", "Pending output memory", "Connections waiting for memory",
				"Evictions, write timeouts and resets per second", "Time since the last select()",
				"Selector rebuilds by cause", "UDP datagrams in and out per second", "UDP drops per second by cause",
				"UDP rate-limit buckets", "Kernel UDP errors per second", "TLS handshakes per second by result",
				"TLS handshake failures by cause", "TLS handshake time",
				"TLS connections per second by protocol and cipher", "Certificate days to expiry",
				"TLS engine work on the reactor", "PROXY headers per second by version and result",
				"Connections refused for their PROXY header");
	}

	@Test
	void dashboardPanelsHaveTheirOwnIdsAndPlacesUnderTheirRows() throws IOException {
		JsonNode json = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("files/echo-reactor-dashboard.json")));
		Set<Integer> ids = new HashSet<>();
		List<int[]> taken = new ArrayList<>();
		List<String> rows = new ArrayList<>();
		int rowY = -1;
		for (JsonNode panel : json.get("panels")) {
			String title = panel.get("title").asString();
			assertThat(ids.add(panel.get("id").asInt())).as("id of " + title + " is unique").isTrue();
			JsonNode grid = panel.get("gridPos");
			int[] box = { grid.get("x").asInt(), grid.get("y").asInt(), grid.get("w").asInt(), grid.get("h").asInt() };
			assertThat(box[0] + box[2]).as(title + " fits in 24 columns").isLessThanOrEqualTo(24);
			for (int[] other : taken) {
				boolean apart = box[0] + box[2] <= other[0] || other[0] + other[2] <= box[0]
						|| box[1] + box[3] <= other[1] || other[1] + other[3] <= box[1];
				assertThat(apart).as(title + " overlaps another panel").isTrue();
			}
			taken.add(box);
			if (panel.get("type").asString().equals("row")) {
				assertThat(box[1]).as(title + " comes after the panels above it").isGreaterThan(rowY);
				rowY = box[1];
				rows.add(title);
			}
			else {
				assertThat(box[1]).as(title + " sits below its row").isGreaterThan(rowY);
			}
		}
		assertThat(rows).contains("Memory", "Stalls", "UDP", "TLS", "PROXY protocol");
	}

	@Test
	void helmTestPodSendsARandomPayloadToTheServicesEchoPort(@TempDir Path work) throws IOException {
		String template = Files.readString(EchoReactorChart.DIRECTORY.resolve("templates/tests/test-connection.yaml"));
		assertThat(template).contains("\"helm.sh/hook\": test");
		Rendered rendered = EchoReactorChart.renderWithTestHooks(work, "service.port=7");
		Pod test = rendered.testPod();
		Container container = test.getSpec().getContainers().get(0);
		ServicePort echo = rendered.service().getSpec().getPorts().stream()
			.filter((port) -> port.getName().equals("echo"))
			.findFirst()
			.orElseThrow();
		assertThat(env(container, "ECHO_HOST")).isEqualTo(rendered.service().getMetadata().getName());
		assertThat(env(container, "ECHO_PORT")).isEqualTo(String.valueOf(echo.getPort()));
		assertThat(test.getSpec().getRestartPolicy()).isEqualTo("Never");
		String script = String.join(" ", container.getCommand());
		assertThat(script).contains("/dev/urandom").contains("nc ").contains("cmp ").contains("nc -u ");
		assertThat(env(container, "ECHO_UDP_HOST")).isEqualTo(rendered.service().getMetadata().getName());
		assertThat(env(container, "ECHO_UDP_PORT"))
			.isEqualTo(String.valueOf(servicePort(rendered.service(), "udp").getPort()));
		assertThat(env(container, "UDP_PAYLOAD_BYTES")).isEqualTo("512");
	}

	@Test
	void podsKnowTheirNameNamespaceAndNodeFromTheDownwardApi() {
		Container container = EchoReactorChart.render().container();
		Map<String, String> fields = container.getEnv().stream()
			.filter((variable) -> variable.getValueFrom() != null)
			.collect(Collectors.toMap(EnvVar::getName,
					(variable) -> variable.getValueFrom().getFieldRef().getFieldPath()));
		assertThat(fields).containsExactlyInAnyOrderEntriesOf(Map.of("POD_NAME", "metadata.name", "POD_NAMESPACE",
				"metadata.namespace", "NODE_NAME", "spec.nodeName"));
	}

	@Test
	void logsAreTextByDefaultAndStructuredJsonInTheFormatLoggingFormatNames() {
		assertThat(EchoReactorChart.render().applicationValue("logging")).as("Boot's text console log").isNull();
		assertThat(EchoReactorChart.render("logging.format=text").applicationValue("logging")).isNull();
		for (String format : new String[] { "ecs", "logstash" }) {
			Rendered rendered = EchoReactorChart.render("logging.format=" + format,
					"config.logging.level.io\\.echoreactor=debug");
			assertThat(rendered.applicationValue("logging", "structured", "format", "console")).isEqualTo(format);
			assertThat(rendered.applicationValue("logging", "level", "io.echoreactor"))
				.as("the other logging settings of config stay")
				.isEqualTo("debug");
		}
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml("logging.format=json"))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining("/logging/format");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.logging.structured.format.console=ecs"))
			.withMessageContaining("config.logging.structured.format.console is set from logging.format");
	}

	@Test
	void greetingIsOffByDefaultAndFollowsItsValue() {
		assertThat(bindEchoServer(EchoReactorChart.render()).greeting()).isEqualTo(Greeting.Mode.OFF);
		assertThat(bindEchoServer(EchoReactorChart.render("greeting=json")).greeting()).isEqualTo(Greeting.Mode.JSON);
		assertThat(bindEchoServer(EchoReactorChart.render("greeting=text")).greeting()).isEqualTo(Greeting.Mode.TEXT);
		// An unquoted off in a values file is YAML's false.
		assertThat(bindEchoServer(EchoReactorChart.render("greeting=false")).greeting()).isEqualTo(Greeting.Mode.OFF);
		assertThat(EchoReactorChart.render("greeting=off").applicationYamlText()).contains("greeting: \"off\"");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.greeting=json"))
			.withMessageContaining("config.echo.server.greeting is set from the greeting value");
	}

	@Test
	void helmTestPodSkipsTheGreetingLineBeforeComparing(@TempDir Path work) {
		Container off = EchoReactorChart.renderWithTestHooks(work.resolve("off")).testPod().getSpec().getContainers()
			.get(0);
		assertThat(off.getEnv()).extracting(EnvVar::getName).doesNotContain("GREETING");
		Container json = EchoReactorChart.renderWithTestHooks(work.resolve("json"), "greeting=json").testPod()
			.getSpec().getContainers().get(0);
		assertThat(env(json, "GREETING")).isEqualTo("json");
		assertThat(json.getCommand().get(2)).contains("head -n 1 /tmp/received").contains("cmp /tmp/sent /tmp/echoed");
	}

	@Test
	void helmTestPodSendsItsDatagramToTheUdpServiceOfItsOwn(@TempDir Path work) {
		Rendered rendered = EchoReactorChart.renderWithTestHooks(work, "service.udpSeparateService=true",
				"service.udpPort=7", "tests.udpPayloadBytes=1200");
		Container container = rendered.testPod().getSpec().getContainers().get(0);
		Service udp = rendered.named(Service.class, EchoReactorChart.FULLNAME + "-udp");
		assertThat(env(container, "ECHO_HOST")).isEqualTo(EchoReactorChart.FULLNAME);
		assertThat(env(container, "ECHO_UDP_HOST")).isEqualTo(udp.getMetadata().getName());
		assertThat(env(container, "ECHO_UDP_PORT")).isEqualTo("7");
		assertThat(env(container, "UDP_PAYLOAD_BYTES")).isEqualTo("1200");
	}

	@Test
	void everyValueIsCommentedStartingWithItsName() throws IOException {
		String valuesText = Files.readString(EchoReactorChart.DIRECTORY.resolve("values.yaml"));
		Map<String, Object> values = new Yaml().load(valuesText);
		JsonNode schema = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("values.schema.json")));
		List<String> keys = new ArrayList<>();
		collectClosedKeys("", values, schema, keys);
		assertThat(keys).contains("replicaCount", "image.repository", "prometheusRule.runbookBaseUrl");
		Set<String> commented = Pattern.compile("(?m)^\\s*# ([\\w.-]+) -- ")
			.matcher(valuesText)
			.results()
			.map((match) -> match.group(1))
			.collect(Collectors.toSet());
		assertThat(commented).containsAll(keys);
		assertThat(commented).contains("config.echo.server.max-connection-age",
				"config.echo.server.max-connection-age-jitter", "config.echo.server.max-connections-per-address",
				"config.echo.server.write-timeout", "config.echo.server.max-pending-output",
				"config.echo.server.stall-timeout", "config.echo.server.udp.enabled",
				"config.echo.server.udp.rate-limit-per-source", "config.echo.server.udp.receive-buffer-size");
	}

	@Test
	void chartVersionsFollowTheProject() throws IOException {
		Map<String, Object> chart = new Yaml().load(Files.readString(EchoReactorChart.DIRECTORY.resolve("Chart.yaml")));
		String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
		String projectVersion = Pattern.compile("</parent>.*?<version>([^<]+)</version>", Pattern.DOTALL)
			.matcher(pom)
			.results()
			.findFirst()
			.orElseThrow()
			.group(1);
		assertThat(chart).containsEntry("apiVersion", "v2").containsEntry("appVersion", projectVersion);
		assertThat(EchoReactorChart.render().container().getImage()).isEqualTo("echo-reactor:" + projectVersion);
	}

	private static void collectClosedKeys(String prefix, Map<String, Object> values, JsonNode schema,
			List<String> keys) {
		if (!isClosed(schema)) {
			return;
		}
		values.forEach((key, value) -> {
			String path = prefix.isEmpty() ? key : prefix + "." + key;
			JsonNode valueSchema = schema.path("properties").get(key);
			if (value instanceof Map<?, ?> map && isClosed(valueSchema)) {
				// A section: its keys carry the comments.
				@SuppressWarnings("unchecked")
				Map<String, Object> nested = (Map<String, Object>) map;
				collectClosedKeys(path, nested, valueSchema, keys);
			}
			else {
				keys.add(path);
			}
		});
	}

	private static boolean isClosed(JsonNode schema) {
		return schema != null && schema.path("additionalProperties").isBoolean()
				&& !schema.get("additionalProperties").asBoolean();
	}

	private static void assertLockedDown(PodSpec pod, Container container) {
		PodSecurityContext podSecurity = pod.getSecurityContext();
		SecurityContext security = container.getSecurityContext();
		assertThat(podSecurity.getRunAsNonRoot()).isTrue();
		assertThat(podSecurity.getRunAsUser()).isPositive();
		assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		assertThat(security.getAllowPrivilegeEscalation()).isFalse();
		assertThat(security.getReadOnlyRootFilesystem()).isTrue();
		assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
		assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
		if (security.getRunAsUser() != null) {
			assertThat(security.getRunAsUser()).isPositive();
		}
		VolumeMount tmp = container.getVolumeMounts().stream()
			.filter((mount) -> mount.getMountPath().equals("/tmp"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No writable /tmp"));
		assertThat(pod.getVolumes()).filteredOn((volume) -> volume.getName().equals(tmp.getName()))
			.singleElement()
			.satisfies((volume) -> assertThat(volume.getEmptyDir()).isNotNull());
	}

	/** Whether a label selector selects an object with these labels, as the API server decides it. */
	static boolean selects(LabelSelector selector, Map<String, String> labels) {
		Map<String, String> actual = (labels != null) ? labels : Map.of();
		if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
			.allMatch((entry) -> entry.getValue().equals(actual.get(entry.getKey())))) {
			return false;
		}
		List<LabelSelectorRequirement> requirements = (selector.getMatchExpressions() != null)
				? selector.getMatchExpressions() : List.of();
		return requirements.stream().allMatch((requirement) -> {
			String value = actual.get(requirement.getKey());
			return switch (requirement.getOperator()) {
				case "In" -> value != null && requirement.getValues().contains(value);
				case "NotIn" -> value == null || !requirement.getValues().contains(value);
				case "Exists" -> value != null;
				case "DoesNotExist" -> value == null;
				default -> throw new AssertionError("Unknown operator " + requirement.getOperator());
			};
		});
	}

	private static Duration preStopPause(Container container) {
		var preStop = container.getLifecycle().getPreStop();
		if (preStop.getSleep() != null) {
			return Duration.ofSeconds(preStop.getSleep().getSeconds());
		}
		List<String> command = preStop.getExec().getCommand();
		assertThat(command).hasSize(2).first().isEqualTo("sleep");
		return Duration.ofSeconds(Long.parseLong(command.get(1)));
	}

	private static String checksum(Rendered rendered) {
		return rendered.deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config");
	}

	private static ContainerPort containerPort(Container container, String name) {
		return container.getPorts().stream()
			.filter((port) -> name.equals(port.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No container port named " + name));
	}

	private static String alertExpression(Rendered rendered, String alert) {
		return rendered.one(PrometheusRule.class).getSpec().getGroups().stream()
			.flatMap((group) -> group.getRules().stream())
			.filter((rule) -> alert.equals(rule.getAlert()))
			.map((rule) -> rule.getExpr().getStrVal().strip())
			.findFirst()
			.orElseThrow(() -> new AssertionError("No alert " + alert));
	}

	private static ServicePort servicePort(Service service, String name) {
		return service.getSpec().getPorts().stream()
			.filter((port) -> name.equals(port.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No service port named " + name));
	}

	private static HTTPGetAction httpGet(Probe probe) {
		assertThat(probe).isNotNull();
		assertThat(probe.getHttpGet()).isNotNull();
		return probe.getHttpGet();
	}

	private static String env(Container container, String name) {
		return container.getEnv().stream()
			.filter((variable) -> variable.getName().equals(name))
			.map(EnvVar::getValue)
			.findFirst()
			.orElseThrow(() -> new AssertionError("No environment variable " + name));
	}

	/**
	 * A binder over what the application would read: the chart's application.yml layered
	 * over the one inside the application.
	 */
	static Binder bind(Rendered rendered) {
		try {
			YamlPropertySourceLoader loader = new YamlPropertySourceLoader();
			List<PropertySource<?>> sources = new ArrayList<>();
			sources.addAll(loader.load("chart application.yml",
					new ByteArrayResource(rendered.applicationYamlText().getBytes(StandardCharsets.UTF_8))));
			sources.addAll(loader.load("application.yml", new ClassPathResource("application.yml")));
			return new Binder(ConfigurationPropertySources.from(sources));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static EchoServerProperties bindEchoServer(Rendered rendered) {
		return bind(rendered).bindOrCreate("echo.server", EchoServerProperties.class);
	}

}

package io.echoreactor.helm;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.echoreactor.bench.BenchJobArguments;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The chart's bench Job: the load client in the image, run against the release's own
 * Service. Its arguments are parsed by the client's own parser, so they are options it
 * accepts, aimed at the Service name and port that carry the protocol.
 */
@Timeout(60)
class EchoReactorBenchJobTests {

	@Test
	void benchJobIsNotRenderedByDefault() {
		assertThat(EchoReactorChart.render().all(Job.class)).isEmpty();
		assertThat(EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls").all(Job.class))
			.isEmpty();
	}

	static Stream<Arguments> protocols() {
		return Stream.of(arguments("tcp", new String[0], EchoReactorChart.FULLNAME, "echo", "TCP"),
				arguments("udp", new String[] { "service.udpSeparateService=true", "service.udpPort=7" },
						EchoReactorChart.FULLNAME + "-udp", "udp", "UDP"),
				arguments("tls", new String[] { "tls.enabled=true", "tls.existingSecret=echo-tls",
						"service.tlsPort=443" }, EchoReactorChart.FULLNAME, "tls", "TCP"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("protocols")
	void benchJobLoadsTheReleasesServiceOnThePortOfItsProtocol(String protocol, String[] values, String serviceName,
			String portName, String portProtocol) {
		Rendered rendered = EchoReactorChart.render(with(values, "bench.enabled=true", "bench.protocol=" + protocol));
		Job job = rendered.one(Job.class);
		assertThat(job.getMetadata().getName()).isEqualTo(EchoReactorChart.FULLNAME + "-bench-1");
		Container container = benchContainer(job);
		assertThat(container.getCommand()).as("the image's ENTRYPOINT runs the jar").isNullOrEmpty();
		assertThat(container.getArgs()).first().isEqualTo("bench");
		BenchJobArguments.Options options = BenchJobArguments.parse(container.getArgs());
		Service service = rendered.named(Service.class, serviceName);
		ServicePort port = service.getSpec().getPorts().stream()
			.filter((candidate) -> candidate.getName().equals(portName))
			.findFirst()
			.orElseThrow();
		assertThat(options.host()).isEqualTo(serviceName + "." + EchoReactorChart.NAMESPACE + ".svc");
		assertThat(options.port()).isEqualTo(port.getPort());
		assertThat(port.getProtocol()).isEqualTo(portProtocol);
		assertThat(options.protocol()).isEqualTo(protocol);
		assertThat(options.json()).as("the summary as JSON, the log's last line").isTrue();
		assertThat(container.getArgs()).last().isEqualTo(options.host() + ":" + options.port());
	}

	@Test
	void benchOptionsComeFromTheValues() {
		BenchJobArguments.Options closed = options(EchoReactorChart.render("bench.enabled=true",
				"bench.connections=64", "bench.size=16K", "bench.depth=8", "bench.duration=2m", "bench.warmup=5s",
				"bench.threads=2"));
		assertThat(closed.connections()).isEqualTo(64);
		assertThat(closed.size()).isEqualTo(16 * 1024);
		assertThat(closed.depth()).isEqualTo(8);
		assertThat(closed.rate()).isZero();
		assertThat(closed.duration()).isEqualTo(Duration.ofMinutes(2));
		assertThat(closed.warmup()).isEqualTo(Duration.ofSeconds(5));
		assertThat(closed.threads()).isEqualTo(2);
		// The client refuses --depth with --rate: the open loop sends on a schedule instead.
		Rendered open = EchoReactorChart.render("bench.enabled=true", "bench.rate=50000", "bench.depth=8",
				"bench.extraArgs[0]=--timeout", "bench.extraArgs[1]=5s", "bench.proxyProtocol=v2");
		BenchJobArguments.Options options = options(open);
		assertThat(options.rate()).isEqualTo(50000);
		assertThat(options.proxyProtocol()).isEqualTo("v2");
		assertThat(benchContainer(open.one(Job.class)).getArgs()).doesNotContain("--depth")
			.containsSubsequence("--timeout", "5s");
		BenchJobArguments.Options defaults = options(EchoReactorChart.render("bench.enabled=true"));
		assertThat(defaults.connections()).isEqualTo(16);
		assertThat(defaults.size()).isEqualTo(64);
		assertThat(defaults.duration()).isEqualTo(Duration.ofSeconds(30));
		assertThat(defaults.greeting()).isFalse();
	}

	@Test
	void benchReadsTheGreetingWhenTheServerSendsOne() {
		assertThat(options(EchoReactorChart.render("bench.enabled=true", "greeting=json")).greeting()).isTrue();
		assertThat(options(EchoReactorChart.render("bench.enabled=true", "greeting=text", "bench.protocol=tls",
				"tls.enabled=true", "tls.existingSecret=echo-tls")).greeting()).isTrue();
		// UDP has no greeting.
		assertThat(options(EchoReactorChart.render("bench.enabled=true", "greeting=json", "bench.protocol=udp"))
			.greeting()).isFalse();
	}

	@Test
	void benchTrustsTheSecretsAuthorityOverTls() {
		Rendered rendered = EchoReactorChart.render("bench.enabled=true", "bench.protocol=tls", "tls.enabled=true",
				"tls.existingSecret=echo-tls");
		Job job = rendered.one(Job.class);
		BenchJobArguments.Options options = options(rendered);
		Container container = benchContainer(job);
		var mount = container.getVolumeMounts().stream()
			.filter((candidate) -> candidate.getName().equals("ca"))
			.findFirst()
			.orElseThrow();
		assertThat(options.ca()).isEqualTo(mount.getMountPath() + "/ca.crt");
		assertThat(options.insecure()).isFalse();
		Volume ca = job.getSpec().getTemplate().getSpec().getVolumes().stream()
			.filter((candidate) -> candidate.getName().equals("ca"))
			.findFirst()
			.orElseThrow();
		assertThat(ca.getSecret().getSecretName()).isEqualTo("echo-tls");
		assertThat(ca.getSecret().getItems()).as("the authority's certificate, not the server's key")
			.singleElement()
			.satisfies((item) -> {
				assertThat(item.getKey()).isEqualTo("ca.crt");
				assertThat(item.getPath()).isEqualTo("ca.crt");
			});
		Rendered insecure = EchoReactorChart.render("bench.enabled=true", "bench.protocol=tls", "tls.enabled=true",
				"tls.existingSecret=echo-tls", "bench.tlsTrust=insecure");
		assertThat(options(insecure).insecure()).isTrue();
		assertThat(insecure.one(Job.class).getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
			.containsExactly("tmp");
		BenchJobArguments.Options system = options(EchoReactorChart.render("bench.enabled=true", "bench.protocol=tls",
				"tls.enabled=true", "tls.existingSecret=echo-tls", "bench.tlsTrust=system"));
		assertThat(system.insecure()).isFalse();
		assertThat(system.ca()).isNull();
	}

	@Test
	void benchJobRunsOnceLockedDownAndOutsideTheServicesSelectors() {
		Rendered rendered = EchoReactorChart.render("bench.enabled=true", "podDisruptionBudget.enabled=true",
				"headlessService.enabled=true", "bench.ttlSecondsAfterFinished=600");
		Job job = rendered.one(Job.class);
		assertThat(job.getSpec().getBackoffLimit()).isZero();
		assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(600);
		PodSpec pod = job.getSpec().getTemplate().getSpec();
		assertThat(pod.getRestartPolicy()).isEqualTo("Never");
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
		Container container = benchContainer(job);
		assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
		assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
		assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
		assertThat(container.getVolumeMounts()).anySatisfy((mount) -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
		assertThat(container.getResources().getLimits()).containsKey("memory");
		assertThat(container.getResources().getLimits()).doesNotContainKey("cpu");
		assertThat(container.getEnv()).anySatisfy((variable) -> {
			assertThat(variable.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
			assertThat(variable.getValue()).contains("-XX:MaxDirectMemorySize=");
		});
		var labels = job.getSpec().getTemplate().getMetadata().getLabels();
		// Selected by a Service, the client would be sent the echo traffic it generates.
		for (Service service : rendered.all(Service.class)) {
			assertThat(EchoReactorChartTests.selects(
					new io.fabric8.kubernetes.api.model.LabelSelector(null, service.getSpec().getSelector()), labels))
				.as(service.getMetadata().getName())
				.isFalse();
		}
		assertThat(EchoReactorChartTests.selects(
				rendered.one(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class).getSpec().getSelector(),
				labels)).isFalse();
		assertThat(EchoReactorChartTests.selects(rendered.deployment().getSpec().getSelector(), labels)).isFalse();
		assertThat(EchoReactorChart.render("bench.enabled=true", "bench.ttlSecondsAfterFinished=null")
			.one(Job.class)
			.getSpec()
			.getTtlSecondsAfterFinished()).isNull();
	}

	@Test
	void networkPolicyLetsTheBenchJobReachTheEchoPortsWhenItNamesPeers() {
		Rendered rendered = EchoReactorChart.render("bench.enabled=true", "networkPolicy.enabled=true",
				"networkPolicy.echoFrom[0].podSelector.matchLabels.role=client");
		var labels = rendered.one(Job.class).getSpec().getTemplate().getMetadata().getLabels();
		List<NetworkPolicyPeer> peers = rendered.one(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom();
		assertThat(peers).hasSize(2)
			.anySatisfy((peer) -> assertThat(EchoReactorChartTests.selects(peer.getPodSelector(), labels)).isTrue());
		// No peers listed: every source is admitted already, the client too.
		assertThat(EchoReactorChart.render("bench.enabled=true", "networkPolicy.enabled=true")
			.one(NetworkPolicy.class)
			.getSpec()
			.getIngress()
			.get(0)
			.getFrom()).isNullOrEmpty();
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("protocolsNotServed")
	void benchProtocolsTheReleaseDoesNotServeFailTheRender(String[] values, String expected) {
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(values))
			.withMessageContaining(expected);
	}

	static Stream<Arguments> protocolsNotServed() {
		return Stream.of(
				arguments(new String[] { "bench.enabled=true", "bench.protocol=tls" }, "bench.protocol=tls needs tls.enabled"),
				arguments(new String[] { "bench.enabled=true", "bench.protocol=udp", "config.echo.server.udp.enabled=false" },
						"bench.protocol=udp needs UDP on"),
				arguments(new String[] { "bench.enabled=true", "tls.enabled=true", "tls.existingSecret=echo-tls",
						"tls.plainEnabled=false" }, "bench.protocol=tcp needs the plain echo port"));
	}

	private static BenchJobArguments.Options options(Rendered rendered) {
		return BenchJobArguments.parse(benchContainer(rendered.one(Job.class)).getArgs());
	}

	private static Container benchContainer(Job job) {
		List<Container> containers = job.getSpec().getTemplate().getSpec().getContainers();
		assertThat(containers).hasSize(1);
		return containers.get(0);
	}

	private static String[] with(String[] values, String... more) {
		return Stream.concat(Stream.of(values), Stream.of(more)).toArray(String[]::new);
	}

}

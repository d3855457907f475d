package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The chart's fault profiles (the {@code faults} value): each profile's port on the pods,
 * the Services and the NetworkPolicy, its settings in the application.yml, its name in
 * the notes, the schema's and the templates' refusals, and the dashboard's row; and
 * nothing of it when no profile is set.
 */
@Timeout(60)
class EchoReactorChartFaultsTests {

	private static final String SCHEMA_ERROR = "values don't meet the specifications of the schema";

	/** A TCP-only profile and one that serves UDP too, with every Service and the policy on. */
	private static final String TWO_PROFILES = """
			faults:
			  slow:
			    port: 7101
			    delay: 200ms
			    delay-jitter: 50ms
			  lossy:
			    port: 7103
			    reset-probability: 0.25
			    udp-drop-probability: 0.5
			    udp-delay: 20ms
			networkPolicy:
			  enabled: true
			headlessService:
			  enabled: true
			""";

	@TempDir
	Path work;

	@Test
	void eachProfileGetsAContainerPortAndUdpOnlyWhenItSetsAUdpKnob() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES);
		assertThat(rendered.container().getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort,
				ContainerPort::getProtocol)
			.contains(tuple("f-slow", 7101, "TCP"), tuple("f-lossy", 7103, "TCP"), tuple("fu-lossy", 7103, "UDP"))
			.doesNotContain(tuple("fu-slow", 7101, "UDP"));
	}

	@Test
	void theServicesCarryEachProfilesPortsToTheContainerPortsOfTheSameName() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES);
		for (Service service : List.of(rendered.service(),
				rendered.named(Service.class, EchoReactorChart.FULLNAME + "-headless"))) {
			assertThat(service.getSpec().getPorts())
				.as(service.getMetadata().getName())
				.extracting(ServicePort::getName, ServicePort::getPort, (port) -> port.getTargetPort().getStrVal(),
						ServicePort::getProtocol)
				.contains(tuple("f-slow", 7101, "f-slow", "TCP"), tuple("f-lossy", 7103, "f-lossy", "TCP"),
						tuple("fu-lossy", 7103, "fu-lossy", "UDP"));
			assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName).doesNotContain("fu-slow");
		}
	}

	@Test
	void withUdpOnAServiceOfItsOwnTheProfilesUdpPortsGoThereToo() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES,
				"service.udpSeparateService=true");
		assertThat(rendered.service().getSpec().getPorts()).extracting(ServicePort::getName)
			.contains("f-slow", "f-lossy")
			.doesNotContain("udp", "fu-lossy");
		assertThat(rendered.named(Service.class, EchoReactorChart.FULLNAME + "-udp").getSpec().getPorts())
			.extracting(ServicePort::getName, ServicePort::getProtocol)
			.containsExactly(tuple("udp", "UDP"), tuple("fu-lossy", "UDP"));
	}

	@Test
	void aProfilesUdpPortGetsTheUdpServiceEvenWithUdpEchoOff() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES,
				"service.udpSeparateService=true", "config.echo.server.udp.enabled=false");
		assertThat(rendered.named(Service.class, EchoReactorChart.FULLNAME + "-udp").getSpec().getPorts())
			.extracting(ServicePort::getName)
			.containsExactly("fu-lossy");
	}

	@Test
	void theNetworkPolicyAdmitsTheFaultPortsFromTheEchoPortsPeers() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES,
				"networkPolicy.echoFrom[0].podSelector.matchLabels.role=client");
		NetworkPolicy policy = rendered.one(NetworkPolicy.class);
		assertThat(policy.getSpec().getIngress()).hasSize(2);
		assertThat(policy.getSpec().getIngress().get(0).getPorts())
			.extracting((port) -> port.getPort().getStrVal(), NetworkPolicyPort::getProtocol)
			.containsExactly(tuple("echo", "TCP"), tuple("udp", "UDP"), tuple("f-lossy", "TCP"),
					tuple("fu-lossy", "UDP"), tuple("f-slow", "TCP"));
		assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement()
			.satisfies((peer) -> assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("role", "client"));
	}

	@Test
	void theApplicationYamlHoldsTheProfilesAsEchoServerFaults() {
		Rendered rendered = EchoReactorChart.renderWithValues(this.work, TWO_PROFILES);
		assertThat(rendered.applicationValue("echo", "server", "faults")).isEqualTo(Map.of("slow",
				Map.of("port", 7101, "delay", "200ms", "delay-jitter", "50ms"), "lossy", Map.of("port", 7103,
						"reset-probability", 0.25, "udp-drop-probability", 0.5, "udp-delay", "20ms")));
		// The echo's own ports are still the chart's.
		assertThat(rendered.applicationValue("echo", "server", "port")).isEqualTo(7007);
	}

	@Test
	void withoutProfilesNothingOfThemIsRendered() {
		String[] everythingOn = { "networkPolicy.enabled=true", "headlessService.enabled=true",
				"tls.enabled=true", "tls.existingSecret=echo-tls" };
		Rendered rendered = EchoReactorChart.render(everythingOn);
		assertThat(rendered.applicationValue("echo", "server", "faults")).isNull();
		List<String> names = new ArrayList<>();
		rendered.container().getPorts().forEach((port) -> names.add(port.getName()));
		rendered.all(Service.class)
			.forEach((service) -> service.getSpec().getPorts().forEach((port) -> names.add(port.getName())));
		rendered.one(NetworkPolicy.class)
			.getSpec()
			.getIngress()
			.forEach((rule) -> rule.getPorts().forEach((port) -> names.add(port.getPort().getStrVal())));
		assertThat(names).isNotEmpty().noneMatch((name) -> name.startsWith("f-") || name.startsWith("fu-"));
		String emptyFaults = EchoReactorChart.renderWithValues(this.work, "faults: {}\n", everythingOn).yaml();
		assertThat(emptyFaults).isEqualTo(rendered.yaml());
	}

	@Test
	void theSchemaRefusesAKnobItDoesNotKnow() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderWithValues(this.work, """
					faults:
					  slow:
					    port: 7101
					    latency: 200ms
					"""))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining("latency");
	}

	@Test
	void sizesAndTimesAreWrittenAsTheApplicationReadsThem() {
		assertThat(EchoReactorChart.render("faults.narrow.port=7102", "faults.narrow.bandwidth=64kB",
				"faults.narrow.accept-delay=1s")
			.applicationValue("echo", "server", "faults", "narrow", "bandwidth")).isEqualTo("64kB");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.narrow.port=7102", "faults.narrow.bandwidth=fast"))
			.withMessageContaining(SCHEMA_ERROR);
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.port=7101", "faults.slow.delay=a while"))
			.withMessageContaining(SCHEMA_ERROR);
	}

	@Test
	void theSchemaRefusesAProbabilityAboveOne() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderWithValues(this.work, """
					faults:
					  cut:
					    port: 7102
					    reset-probability: 2
					"""))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining("reset-probability");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderWithValues(this.work, """
					faults:
					  lossy:
					    port: 7103
					    udp-drop-probability: -0.1
					"""))
			.withMessageContaining(SCHEMA_ERROR);
	}

	@Test
	void aProbabilityGivenWithSetIsAStringWhichTheSchemaRefusesAsTheReadmeSays() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.flaky.port=7105",
					"faults.flaky.reset-probability=0.5"))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining("reset-probability");
	}

	@Test
	void theSchemaRefusesAProfileWithoutAPortOrWithOneOutOfRange() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.delay=200ms"))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining("port");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.port=65536"))
			.withMessageContaining(SCHEMA_ERROR);
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.port=0"))
			.withMessageContaining(SCHEMA_ERROR);
	}

	@Test
	void theSchemaRefusesANameThatMakesNoPortName() {
		// "f-" plus the name must fit the 15 characters of a container port's name.
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.thirteen-char.port=7101"))
			.withMessageContaining(SCHEMA_ERROR);
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.Slow.port=7101"))
			.withMessageContaining(SCHEMA_ERROR);
		assertThat(EchoReactorChart.render("faults.twelve-chars.port=7101").container().getPorts())
			.extracting(ContainerPort::getName)
			.contains("f-twelve-chars");
	}

	@Test
	void aFaultPortMayNotBeAnEchoPortOrAnotherProfiles() {
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.port=7007"))
			.withMessageContaining("faults.slow.port 7007 is already containerPorts.echo");
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml("faults.slow.port=8081"))
			.withMessageContaining("faults.slow.port 8081 is already containerPorts.http");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("tls.enabled=true", "tls.existingSecret=echo-tls",
					"faults.slow.port=7443"))
			.withMessageContaining("faults.slow.port 7443 is already containerPorts.tls");
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("faults.a.port=7101", "faults.b.port=7101"))
			.withMessageContaining("faults.b.port 7101 is already faults.a.port");
		assertThat(EchoReactorChart.renderYaml("tls.enabled=false", "faults.slow.port=7443")).contains("f-slow");
	}

	@Test
	void profilesAreSetFromTheFaultsValueNotFromConfig() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server.faults.slow.port=7101"))
			.withMessageContaining("config.echo.server.faults is set from the faults value");
	}

	@Test
	void theNotesNameEachFaultPortAndWhatItDoes() {
		String notes = EchoReactorChart.renderNotes(this.work, "faults.slow.port=7101", "faults.slow.delay=200ms",
				"faults.lossy.port=7103", "faults.lossy.udp-delay=20ms", "service.udpSeparateService=true");
		assertThat(notes).contains("Fault profiles")
			.contains("    slow: TCP 7101 (Service port \"f-slow\"): delay=200ms\n")
			.contains("    lossy: TCP 7103 (Service port \"f-lossy\") and UDP 7103 (port \"fu-lossy\" of Service "
					+ "echo-echo-reactor-udp): udp-delay=20ms\n")
			.contains("Inside the cluster on echo-echo-reactor.echo-system.svc; from your machine")
			.contains("port-forward svc/echo-echo-reactor 7103:f-lossy")
			.contains("echo_faults_injected_total");
		assertThat(EchoReactorChart.renderNotes(this.work.resolve("none"))).doesNotContain("Fault");
	}

	@Test
	void theDashboardShowsTheFaultsInjectedByProfileAndKindInARowOfTheirOwn() throws IOException {
		JsonNode dashboard = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("files/echo-reactor-dashboard.json")));
		String row = "";
		List<String> faultRow = new ArrayList<>();
		List<String> elsewhere = new ArrayList<>();
		for (JsonNode panel : dashboard.get("panels")) {
			if (panel.get("type").asString().equals("row")) {
				row = panel.get("title").asString();
				continue;
			}
			for (JsonNode target : panel.get("targets")) {
				String expr = target.get("expr").asString();
				(row.equals("Faults") ? faultRow : elsewhere).add(panel.get("title").asString() + ": " + expr);
			}
		}
		assertThat(faultRow).singleElement()
			.asString()
			.startsWith("Faults injected: sum by (profile, kind) (rate(echo_faults_injected_total{");
		assertThat(elsewhere).noneMatch((query) -> query.contains("echo_faults"));
	}

}

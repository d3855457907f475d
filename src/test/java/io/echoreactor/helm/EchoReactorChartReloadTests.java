package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import io.echoreactor.config.Applied;
import io.echoreactor.config.ConfigurationReference;
import io.echoreactor.config.ConfigurationReference.Setting;
import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for the chart's {@code config.reload}: in {@code live} the Deployment's checksum
 * leaves out the settings the pods apply themselves, which are the settings marked
 * {@link Applied.When#LIVE} in {@link EchoServerProperties} and the log levels, so that
 * only a change to anything else rolls the pods; in {@code restart} every change does.
 */
@Timeout(120)
class EchoReactorChartReloadTests {

	private static final String[] TLS = { "tls.enabled=true", "tls.existingSecret=echo-tls" };

	@Test
	void liveSettingsOfTheChartAreThoseMarkedLive(@TempDir Path work) throws IOException {
		Set<String> marked = new TreeSet<>();
		for (Setting setting : ConfigurationReference.load().settings()) {
			if (setting.applied() == Applied.When.LIVE) {
				marked.add(setting.name());
			}
		}
		assertThat(marked).as("settings marked live")
			.contains("echo.server.idle-timeout", "echo.server.ssl.client-auth",
					"echo.server.proxy-protocol.trusted-sources")
			.doesNotContain("echo.server.port", "echo.server.reactors", "echo.server.ssl.bundle");
		List<String> chart = chartLiveSettings(work);
		Set<String> missing = new TreeSet<>(marked);
		missing.removeAll(chart);
		Set<String> extra = new TreeSet<>(chart);
		extra.removeAll(marked);
		assertThat(missing.isEmpty() && extra.isEmpty())
			.as("echo-reactor.liveSettings in templates/_reload.tpl against the settings marked live: "
					+ "missing %s, not marked live %s", missing, extra)
			.isTrue();
		assertThat(chart).as("echo-reactor.liveSettings names each setting once").doesNotHaveDuplicates();
	}

	static Stream<Arguments> changesThePodsApplyThemselves() {
		return Stream.of(arguments(new String[0], new String[] { "config.echo.server.idle-timeout=5m" }),
				arguments(new String[] { "config.echo.server.idle-timeout=10m" },
						new String[] { "config.echo.server.idle-timeout=30s" }),
				arguments(new String[0], new String[] { "config.echo.server.max-connections=500" }),
				arguments(new String[0], new String[] { "config.echo.server.max-connection-age=30m",
						"config.echo.server.max-connection-age-jitter=0.2" }),
				arguments(new String[0], new String[] { "greeting=text" }),
				// A nested map with only live keys goes with them: set and unset, the checksum is the same.
				arguments(new String[0], new String[] { "config.echo.server.socket.tcp-no-delay=false" }),
				arguments(new String[0], new String[] { "config.echo.server.udp.rate-limit-per-source=10" }),
				arguments(new String[0],
						new String[] { "proxyProtocol.mode=required", "proxyProtocol.trustedSources[0]=192.0.2.10" }),
				arguments(tls("tls.clientAuth=want"), tls("tls.clientAuth=need")),
				arguments(tls(), tls("config.echo.server.ssl.handshake-timeout=3s")),
				arguments(new String[0], new String[] { "config.logging.level.io\\.echoreactor=debug" }),
				arguments(new String[] { "logging.format=ecs" },
						new String[] { "logging.format=ecs", "config.logging.level.root=warn" }));
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("changesThePodsApplyThemselves")
	void liveChangeRollsNoPodInLiveMode(String[] before, String[] after) {
		assertThat(checksum(after)).isEqualTo(checksum(before));
		assertThat(applicationYaml(after)).as("the change reaches the ConfigMap").isNotEqualTo(applicationYaml(before));
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("changesThePodsApplyThemselves")
	void liveChangeRollsThePodsInRestartMode(String[] before, String[] after) {
		assertThat(checksum(restart(after))).isNotEqualTo(checksum(restart(before)));
	}

	static Stream<Arguments> changesThatNeedARestart() {
		return Stream.of(arguments(new String[0], new String[] { "config.echo.server.reactors=4" }),
				arguments(new String[0], new String[] { "containerPorts.echo=9007" }),
				arguments(new String[0], new String[] { "config.echo.server.backlog=2048" }),
				arguments(new String[0], new String[] { "config.echo.server.socket.receive-buffer-size=1MB" }),
				arguments(new String[0], new String[] { "config.echo.server.udp.enabled=false" }),
				arguments(new String[0], new String[] { "logging.format=ecs" }),
				arguments(new String[0], new String[] { "config.spring.lifecycle.timeout-per-shutdown-phase=40s" }),
				arguments(new String[0], new String[] { "config.management.endpoints.web.exposure.include=health" }),
				// The chart knows settings by their kebab-case names; other spellings, or keys it does not
				// know, are taken as restart-only.
				arguments(new String[0], new String[] { "config.echo.server.idleTimeout=5m" }),
				arguments(new String[0], new String[] { "config.echo.server.no-such-setting=1" }),
				arguments(new String[0], new String[] { "config.logging.group.echo=io.echoreactor" }),
				arguments(new String[0], tls()),
				// The console's routes are registered when the application starts.
				arguments(new String[0], new String[] { "console.enabled=true" }),
				arguments(new String[] { "console.enabled=true" },
						new String[] { "console.enabled=true", "console.maxStreams=16" }),
				// Client certificates need the bundle's trust store, which a restart reads.
				arguments(tls(), tls("tls.clientAuth=want")));
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("changesThatNeedARestart")
	void restartChangeRollsThePodsInEitherMode(String[] before, String[] after) {
		assertThat(checksum(after)).as("live").isNotEqualTo(checksum(before));
		assertThat(checksum(restart(after))).as("restart").isNotEqualTo(checksum(restart(before)));
	}

	@Test
	void liveIsTheDefaultAndSwitchingModesRollsThePodsOnce() {
		assertThat(checksum("config.reload=live")).isEqualTo(checksum());
		assertThat(checksum("config.reload=restart")).isNotEqualTo(checksum());
		assertThat(checksum("config.reload=restart")).isEqualTo(checksum("config.reload=restart"));
	}

	@Test
	void annotationSaysWhatRollsThePods() {
		String live = deploymentYaml(EchoReactorChart.renderYaml());
		assertThat(live).contains("# config.reload=live: only a change to a restart-only setting")
			.doesNotContain("config.reload=restart");
		String restart = deploymentYaml(EchoReactorChart.renderYaml("config.reload=restart"));
		assertThat(restart).contains("# config.reload=restart: any change to the application.yml rolls the pods.")
			.doesNotContain("config.reload=live");
		assertThat(checksum()).matches("[0-9a-f]{64}");
		assertThat(checksum("config.reload=restart")).matches("[0-9a-f]{64}");
	}

	@Test
	void reloadIsTheChartsSwitchAndNotWrittenToTheApplicationYaml() {
		assertThat(EchoReactorChart.render().applicationYaml()).doesNotContainKey("reload");
		assertThat(EchoReactorChart.render("config.reload=restart").applicationYaml()).doesNotContainKey("reload");
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml("config.reload=sometimes"))
			.withMessageContaining("reload");
	}

	@Test
	void configMapIsMountedAsADirectorySoThatTheKubeletsUpdatesReachThePod() {
		Rendered rendered = EchoReactorChart.render();
		VolumeMount mount = rendered.container().getVolumeMounts().stream()
			.filter((candidate) -> candidate.getName().equals("config"))
			.findFirst()
			.orElseThrow();
		// The kubelet updates a ConfigMap volume by swapping its ..data link; a subPath mount never sees it.
		assertThat(mount.getSubPath()).isNull();
		assertThat(mount.getSubPathExpr()).isNull();
		Volume volume = rendered.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
			.filter((candidate) -> candidate.getName().equals("config"))
			.findFirst()
			.orElseThrow();
		assertThat(volume.getConfigMap().getName()).isEqualTo(EchoReactorChart.FULLNAME);
		assertThat(volume.getConfigMap().getItems()).isNullOrEmpty();
	}

	@Test
	void chartStillLintsStrictly() {
		assertThat(new Helm(EchoReactorChart.DIRECTORY).lint().strict().call().isFailed()).isFalse();
	}

	@Test
	void reloadIsDocumentedInValuesAndReadme() throws IOException {
		String values = Files.readString(EchoReactorChart.DIRECTORY.resolve("values.yaml"));
		assertThat(values).contains("# config.reload -- ").contains("kebab-case");
		String readme = Files.readString(EchoReactorChart.DIRECTORY.resolve("README.md"));
		assertThat(readme).containsPattern("(?m)^\\| `config\\.reload` \\| `\"live\"` \\| ");
	}

	private static List<String> chartLiveSettings(Path work) throws IOException {
		Path copy = work.resolve("echo-reactor");
		FileSystemUtils.copyRecursively(EchoReactorChart.DIRECTORY, copy);
		Files.writeString(copy.resolve("templates").resolve("live-settings-under-test.yaml"), """
				apiVersion: v1
				kind: ConfigMap
				metadata:
				  name: live-settings-under-test
				data:
				  settings: {{ include "echo-reactor.liveSettings" . | quote }}
				""");
		String yaml = new Helm(copy).template()
			.withName(EchoReactorChart.RELEASE)
			.withNamespace(EchoReactorChart.NAMESPACE)
			.call();
		ConfigMap settings = StrictManifests.parse(yaml).stream()
			.filter(ConfigMap.class::isInstance)
			.map(ConfigMap.class::cast)
			.filter((configMap) -> configMap.getMetadata().getName().equals("live-settings-under-test"))
			.findFirst()
			.orElseThrow();
		List<String> names = new Yaml().load(settings.getData().get("settings"));
		return names;
	}

	private static String checksum(String... sets) {
		return EchoReactorChart.render(sets)
			.deployment()
			.getSpec()
			.getTemplate()
			.getMetadata()
			.getAnnotations()
			.get("checksum/config");
	}

	private static String applicationYaml(String... sets) {
		return EchoReactorChart.render(sets).applicationYamlText();
	}

	private static String deploymentYaml(String yaml) {
		return Stream.of(yaml.split("(?m)^---$"))
			.filter((document) -> document.contains("\nkind: Deployment"))
			.findFirst()
			.orElseThrow();
	}

	private static String[] tls(String... sets) {
		List<String> all = new ArrayList<>(List.of(TLS));
		all.addAll(List.of(sets));
		return all.toArray(String[]::new);
	}

	private static String[] restart(String[] sets) {
		List<String> all = new ArrayList<>(List.of(sets));
		all.add("config.reload=restart");
		return all.toArray(String[]::new);
	}

}

package io.echoreactor.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.yaml.snakeyaml.Yaml;

import org.springframework.util.FileSystemUtils;

/**
 * The chart in {@code helm/echo-reactor}, rendered by Helm running inside the JVM
 * (helm-java) under a fixed release name and namespace, its objects parsed with
 * {@link StrictManifests}.
 */
final class EchoReactorChart {

	static final Path DIRECTORY = Path.of("helm", "echo-reactor");

	static final String RELEASE = "echo";

	static final String NAMESPACE = "echo-system";

	/** The full name the chart derives from the release name. */
	static final String FULLNAME = "echo-echo-reactor";

	private static final Pattern HOOK_ANNOTATION = Pattern.compile("(?m)^\\s*\"helm\\.sh/hook[^\"]*\":.*$\\R?");

	private EchoReactorChart() {
	}

	/**
	 * Render the chart with {@code --set} values.
	 * @param sets values in {@code key=value} form, typed as Helm's {@code --set} types them
	 * @return the rendered objects
	 */
	static Rendered render(String... sets) {
		return render(DIRECTORY, sets);
	}

	/**
	 * Render the chart and return Helm's raw output, or throw Helm's error.
	 * @param sets values in {@code key=value} form
	 * @return the rendered YAML
	 */
	static String renderYaml(String... sets) {
		return template(DIRECTORY, sets).call();
	}

	/**
	 * Render the chart with a values file, for what {@code --set} cannot type (Helm reads
	 * {@code 0.5} there as a string), and {@code --set} values over it.
	 * @param workDirectory where to write the file
	 * @param values the values file's text
	 * @param sets values in {@code key=value} form
	 * @return the rendered objects
	 */
	static Rendered renderWithValues(Path workDirectory, String values, String... sets) {
		try {
			Path file = Files.createTempFile(workDirectory, "values", ".yaml");
			Files.writeString(file, values);
			String yaml = template(DIRECTORY, sets).withValuesFile(file).call();
			return new Rendered(yaml, StrictManifests.parse(yaml));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Render the chart with its {@code helm test} hooks as ordinary templates. Helm's
	 * template command leaves hooks out of its output, so a copy of the chart gets the
	 * test templates moved next to the others with their hook annotations taken off.
	 * @param workDirectory where to put the copy
	 * @param sets values in {@code key=value} form
	 * @return the rendered objects, the test pods included
	 */
	static Rendered renderWithTestHooks(Path workDirectory, String... sets) {
		try {
			Path copy = workDirectory.resolve("echo-reactor");
			FileSystemUtils.copyRecursively(DIRECTORY, copy);
			Path tests = copy.resolve("templates").resolve("tests");
			try (Stream<Path> files = Files.list(tests)) {
				for (Path test : files.toList()) {
					String template = HOOK_ANNOTATION.matcher(Files.readString(test)).replaceAll("");
					Files.writeString(copy.resolve("templates").resolve("hook-" + test.getFileName()), template);
				}
			}
			FileSystemUtils.deleteRecursively(tests);
			return render(copy, sets);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Render the chart's NOTES.txt, which Helm's template command leaves out: a copy of the
	 * chart gets a ConfigMap template that renders the notes' text with {@code tpl}.
	 * @param workDirectory where to put the copy
	 * @param sets values in {@code key=value} form
	 * @return the notes as {@code helm install} would print them
	 */
	static String renderNotes(Path workDirectory, String... sets) {
		try {
			Path copy = workDirectory.resolve("echo-reactor");
			FileSystemUtils.copyRecursively(DIRECTORY, copy);
			// Templates are not among .Files, so the notes go to the chart's root under another name.
			Files.move(copy.resolve("templates").resolve("NOTES.txt"), copy.resolve("notes-under-test.txt"));
			Files.writeString(copy.resolve("templates").resolve("notes-under-test.yaml"), """
					apiVersion: v1
					kind: ConfigMap
					metadata:
					  name: notes-under-test
					data:
					  notes: {{ tpl (.Files.Get "notes-under-test.txt") . | quote }}
					""");
			String notes = render(copy, sets).named(ConfigMap.class, "notes-under-test").getData().get("notes");
			if (notes == null || notes.isBlank()) {
				throw new AssertionError("The notes rendered empty");
			}
			return notes;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Rendered render(Path chart, String... sets) {
		String yaml = template(chart, sets).call();
		return new Rendered(yaml, StrictManifests.parse(yaml));
	}

	private static TemplateCommand template(Path chart, String... sets) {
		TemplateCommand template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
		for (String set : sets) {
			String[] keyAndValue = set.split("=", 2);
			if (keyAndValue.length != 2) {
				throw new IllegalArgumentException("Not key=value: " + set);
			}
			template = template.set(keyAndValue[0], keyAndValue[1]);
		}
		return template;
	}

	/**
	 * The objects of one rendering.
	 *
	 * @param yaml Helm's output
	 * @param objects the parsed objects, in Helm's order
	 */
	record Rendered(String yaml, List<HasMetadata> objects) {

		<T extends HasMetadata> List<T> all(Class<T> kind) {
			return this.objects.stream().filter(kind::isInstance).map(kind::cast).toList();
		}

		<T extends HasMetadata> T one(Class<T> kind) {
			List<T> found = all(kind);
			if (found.size() != 1) {
				throw new AssertionError("Expected one " + kind.getSimpleName() + " but rendered " + found.size());
			}
			return found.get(0);
		}

		<T extends HasMetadata> T named(Class<T> kind, String name) {
			return all(kind).stream()
				.filter((object) -> object.getMetadata().getName().equals(name))
				.findFirst()
				.orElseThrow(() -> new AssertionError("No " + kind.getSimpleName() + " named " + name));
		}

		List<String> kinds() {
			return this.objects.stream().map(HasMetadata::getKind).toList();
		}

		Deployment deployment() {
			return one(Deployment.class);
		}

		Container container() {
			List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
			if (containers.size() != 1) {
				throw new AssertionError("Expected one container but rendered " + containers.size());
			}
			return containers.get(0);
		}

		Service service() {
			return named(Service.class, FULLNAME);
		}

		Pod testPod() {
			return named(Pod.class, FULLNAME + "-test-connection");
		}

		/** The application.yml the ConfigMap mounts into the pod, as text. */
		String applicationYamlText() {
			String text = named(ConfigMap.class, FULLNAME).getData().get("application.yml");
			if (text == null) {
				throw new AssertionError("The ConfigMap has no application.yml");
			}
			return text;
		}

		/** The application.yml, parsed. */
		Map<String, Object> applicationYaml() {
			Map<String, Object> yaml = new Yaml().load(applicationYamlText());
			return (yaml != null) ? yaml : Map.of();
		}

		/**
		 * A value of the application.yml by its path.
		 * @param path the keys, e.g. {@code "echo", "server", "port"}
		 * @return the value, or null
		 */
		Object applicationValue(String... path) {
			Object current = applicationYaml();
			for (String key : path) {
				if (!(current instanceof Map<?, ?> map)) {
					return null;
				}
				current = map.get(key);
			}
			return current;
		}

	}

}

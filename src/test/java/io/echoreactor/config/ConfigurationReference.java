package io.echoreactor.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.echoreactor.console.ConsoleProperties;
import org.hibernate.validator.constraints.Range;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;

/**
 * The settings of {@code echo.server.*} as one model, read from where they are declared:
 * names, types, defaults and descriptions from the configuration processor's metadata
 * ({@code META-INF/spring-configuration-metadata.json}, made from
 * {@link EchoServerProperties} at compile time), ranges from the constraint annotations
 * and when a change applies from {@link Applied}. The configuration reference
 * ({@code docs/configuration.md}) is rendered from it, and the chart's schema, values and
 * README are checked against it.
 */
public final class ConfigurationReference {

	/** The reference's file, relative to the project. */
	public static final Path FILE = Path.of("docs", "configuration.md");

	/** How to write {@link #FILE} again after a setting changed. */
	public static final String REGENERATE = "./mvnw -Dtest=ConfigurationReferenceTests "
			+ "-Dconfiguration-reference.write=true test";

	/** The system property that makes {@code ConfigurationReferenceTests} write {@link #FILE}. */
	public static final String WRITE_PROPERTY = "configuration-reference.write";

	private static final String PREFIX = "echo.server";

	private static final String MAP_OF_GROUPS = "java.util.Map<java.lang.String,"
			+ EchoServerProperties.class.getName() + "$";

	private static final String CONSOLE_PREFIX = "echo.console";

	private final List<Group> groups;

	// The console's settings, apart from the echo server's model (which the chart is
	// checked against) and rendered after it.
	private final List<Group> consoleGroups;

	private ConfigurationReference(List<Group> groups, List<Group> consoleGroups) {
		this.groups = groups;
		this.consoleGroups = consoleGroups;
	}

	/**
	 * Read the model from the compiled metadata and the declarations.
	 * @return the model
	 */
	public static ConfigurationReference load() {
		JsonNode metadata = readMetadata();
		Map<String, JsonNode> properties = byName(metadata.path("properties"));
		Map<String, JsonNode> groupEntries = byName(metadata.path("groups"));
		List<Group> groups = new ArrayList<>();
		collect(PREFIX, EchoServerProperties.class, properties, groupEntries, groups);
		List<Group> consoleGroups = new ArrayList<>();
		collect(CONSOLE_PREFIX, ConsoleProperties.class, properties, groupEntries, consoleGroups);
		return new ConfigurationReference(List.copyOf(groups), List.copyOf(consoleGroups));
	}

	/**
	 * Return the names of the {@code echo.server} properties in the metadata.
	 * @return the names, as the metadata lists them
	 */
	public static List<String> metadataPropertyNames() {
		// A map of groups is documented as the group of its values, not as a setting.
		return byName(readMetadata().path("properties")).entrySet()
			.stream()
			.filter((entry) -> entry.getKey().startsWith(PREFIX + "."))
			.filter((entry) -> !entry.getValue().path("type").asString("").startsWith(MAP_OF_GROUPS))
			.map(Map.Entry::getKey)
			.toList();
	}

	/**
	 * Return the groups: {@code echo.server} and its nested groups, in declaration order.
	 * @return the groups
	 */
	public List<Group> groups() {
		return this.groups;
	}

	/**
	 * Return every setting, in declaration order.
	 * @return the settings
	 */
	public List<Setting> settings() {
		return this.groups.stream().flatMap((group) -> group.settings().stream()).toList();
	}

	/**
	 * Return the setting of the given name.
	 * @param name the full name, such as {@code echo.server.port}
	 * @return the setting
	 * @throws IllegalArgumentException if there is none
	 */
	public Setting setting(String name) {
		return settings().stream()
			.filter((setting) -> setting.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("No setting " + name));
	}

	/**
	 * Render the reference as Markdown.
	 * @return the text of {@link #FILE}
	 */
	public String markdown() {
		StringBuilder markdown = new StringBuilder();
		markdown.append("# Configuration reference\n\n");
		markdown.append("<!-- Generated from the configuration metadata by ConfigurationReferenceTests; do not edit.\n");
		markdown.append("     Regenerate: ").append(REGENERATE).append(" -->\n\n");
		markdown.append("""
				Every setting of the echo server, under `echo.server`, as `EchoServerProperties` declares it, and
				of [its console](console.md), under `echo.console`, as `ConsoleProperties` does. Set them in
				`application.yml`, as command-line arguments (`--echo.server.max-connections=20000`), as
				environment variables in Spring Boot's form (`ECHO_SERVER_MAXCONNECTIONS=20000`), or through the
				Helm chart's `config` value (`config.echo.server.max-connections`; the console through the chart's
				`console` value). Values out of range stop the service at start-up with a message naming the
				property.

				Durations take a unit (`500ms`, `10s`, `5m`, `1h`, `365d`); sizes take one too (`64KB`, `16MB`,
				`1GB`). *Unset* means the setting has no value unless given one; its description says what that
				means.

				*Applied* says when a changed value takes effect and what it does to connections already open.
				**live** settings are applied to the running server when the configuration file changes, without
				closing a connection: *live: open connections* reaches the connections open too, from their next
				event on (a shortened idle timeout closes a connection already idle that long); *live: new
				connections* reaches the connections accepted from then on, while open ones keep what they began
				with; *live: next datagrams* reaches the datagrams received from then on. **restart** settings
				shape what the server builds when it starts (listeners, reactor threads, buffers, memory budgets,
				TLS on or off) and take effect at the next start; a change to one is reported, not applied (see
				[live settings](operations.md#live-settings)).

				""");
		List<Group> rendered = new ArrayList<>(this.groups);
		rendered.addAll(this.consoleGroups);
		for (Group group : rendered) {
			markdown.append("## `").append(group.name()).append("`\n\n");
			if (group.description() != null && !group.description().isBlank()) {
				markdown.append(capitalize(group.description())).append("\n\n");
			}
			markdown.append("| Setting | Type | Default | Range | Applied | Description |\n");
			markdown.append("| --- | --- | --- | --- | --- | --- |\n");
			for (Setting setting : group.settings()) {
				markdown.append("| `")
					.append(setting.name())
					.append("` | ")
					.append(setting.type())
					.append(" | ")
					.append(setting.defaultText().isEmpty() ? "*unset*" : "`" + setting.defaultText() + "`")
					.append(" | ")
					.append(setting.range().isEmpty() ? "" : cell(setting.range()))
					.append(" | ")
					.append(applied(setting))
					.append(" | ")
					.append(cell(capitalize(setting.description())))
					.append(" |\n");
			}
			markdown.append('\n');
		}
		return markdown.toString();
	}

	private static String cell(String text) {
		return text.replace("|", "\\|").replace("\n", " ");
	}

	private static String capitalize(String text) {
		return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	private static void collect(String prefix, Class<?> type, Map<String, JsonNode> properties,
			Map<String, JsonNode> groupEntries, List<Group> groups) {
		List<Setting> settings = new ArrayList<>();
		List<RecordComponent> nested = new ArrayList<>();
		List<RecordComponent> mapped = new ArrayList<>();
		for (RecordComponent component : type.getRecordComponents()) {
			if (isGroup(component.getType())) {
				nested.add(component);
				continue;
			}
			if (mapValueGroup(component) != null) {
				mapped.add(component);
				continue;
			}
			String name = prefix + "." + dashed(component.getName());
			JsonNode entry = properties.get(name);
			if (entry == null) {
				throw new IllegalStateException("No metadata for " + name + ": compile first");
			}
			Applied applied = component.getAnnotation(Applied.class);
			settings.add(new Setting(name, typeOf(component), defaultOf(component, entry.get("defaultValue")),
					rangeOf(type, component), (applied != null) ? applied.value() : null,
					entry.path("description").asString(""), component.getType(), minimum(type, component),
					maximum(type, component), (applied != null) ? applied.reach() : null));
		}
		JsonNode groupEntry = groupEntries.get(prefix);
		groups.add(new Group(prefix, (groupEntry != null) ? groupEntry.path("description").asString("") : "",
				List.copyOf(settings)));
		for (RecordComponent component : nested) {
			collect(prefix + "." + dashed(component.getName()), component.getType(), properties, groupEntries,
					groups);
		}
		// A map of groups (the fault profiles) is documented as one group whose key is '*';
		// its settings' metadata is written by hand, as the processor does not see into maps.
		for (RecordComponent component : mapped) {
			String name = prefix + "." + dashed(component.getName());
			int index = groups.size();
			collect(name + ".*", mapValueGroup(component), properties, groupEntries, groups);
			Group group = groups.get(index);
			groups.set(index, new Group(group.name(), properties.get(name).path("description").asString(""),
					group.settings()));
		}
	}

	private static Class<?> mapValueGroup(RecordComponent component) {
		if (component.getType() == Map.class && component.getGenericType() instanceof ParameterizedType parameterized
				&& parameterized.getActualTypeArguments()[1] instanceof Class<?> value && isGroup(value)) {
			return value;
		}
		return null;
	}

	private static boolean isGroup(Class<?> type) {
		return type.isRecord() && type.getEnclosingClass() == EchoServerProperties.class;
	}

	private static String typeOf(RecordComponent component) {
		Class<?> type = component.getType();
		if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
			return "integer";
		}
		if (type == double.class || type == Double.class) {
			return "number";
		}
		if (type == boolean.class || type == Boolean.class) {
			return "boolean";
		}
		if (type == Duration.class) {
			return "duration";
		}
		if (type == DataSize.class) {
			return "size";
		}
		if (type == InetAddress.class) {
			return "address";
		}
		if (type.isEnum()) {
			return "enum";
		}
		if (type == List.class && component.getGenericType() instanceof ParameterizedType parameterized
				&& parameterized.getActualTypeArguments()[0].getTypeName().endsWith("String")) {
			return "list of strings";
		}
		if (type == String.class) {
			return "string";
		}
		throw new IllegalStateException("No documented type for " + component);
	}

	private static String defaultOf(RecordComponent component, JsonNode value) {
		if (value == null || value.isNull()) {
			return "";
		}
		if (value.isArray()) {
			List<String> items = new ArrayList<>();
			value.forEach((item) -> items.add(item.asString()));
			return String.join(", ", items);
		}
		String text = value.asString();
		// The processor writes a list's default as the list's toString().
		if (component.getType() == List.class && text.startsWith("[") && text.endsWith("]")) {
			return text.substring(1, text.length() - 1);
		}
		return text;
	}

	private static String rangeOf(Class<?> type, RecordComponent component) {
		Field field = field(type, component);
		Range range = field.getAnnotation(Range.class);
		if (range != null) {
			return range.min() + " to " + range.max();
		}
		DataSizeRange sizes = field.getAnnotation(DataSizeRange.class);
		if (sizes != null) {
			return sizes.min() + " to " + sizes.max();
		}
		DurationRange durations = field.getAnnotation(DurationRange.class);
		if (durations != null) {
			return durations.min() + " to " + durations.max();
		}
		if (component.getType().isEnum()) {
			return Arrays.stream(component.getType().getEnumConstants())
				.map((constant) -> "`" + ((Enum<?>) constant).name().toLowerCase(Locale.ROOT) + "`")
				.collect(Collectors.joining(", "));
		}
		if (component.getAnnotatedType() instanceof AnnotatedParameterizedType parameterized
				&& parameterized.getAnnotatedActualTypeArguments()[0].isAnnotationPresent(CidrNotation.class)) {
			return "addresses or CIDR ranges, none holding every address of a family";
		}
		return "";
	}

	private static Long minimum(Class<?> type, RecordComponent component) {
		Range range = field(type, component).getAnnotation(Range.class);
		return (range != null) ? range.min() : null;
	}

	private static Long maximum(Class<?> type, RecordComponent component) {
		Range range = field(type, component).getAnnotation(Range.class);
		return (range != null) ? range.max() : null;
	}

	private static Field field(Class<?> type, RecordComponent component) {
		try {
			return type.getDeclaredField(component.getName());
		}
		catch (NoSuchFieldException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String dashed(String camelCase) {
		return camelCase.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
	}

	private static JsonNode readMetadata() {
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			return JsonMapper.shared().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Map<String, JsonNode> byName(JsonNode entries) {
		Map<String, JsonNode> byName = new LinkedHashMap<>();
		entries.forEach((entry) -> byName.put(entry.path("name").asString(), entry));
		return byName;
	}

	/**
	 * A group of settings: {@code echo.server} or one of its nested groups.
	 *
	 * @param name the group's prefix
	 * @param description its description from the metadata
	 * @param settings its own settings, not those of nested groups
	 */
	public record Group(String name, String description, List<Setting> settings) {

	}

	// Live: what a change reaches, so that the table says what it does to open connections.
	private static String applied(Setting setting) {
		if (setting.applied() == null && setting.name().startsWith(CONSOLE_PREFIX + ".")) {
			// The console's settings are read when the Actuator HTTP server starts.
			return "restart";
		}
		if (setting.applied() == null) {
			return "?";
		}
		if (setting.applied() == Applied.When.RESTART) {
			return "restart";
		}
		return "live: " + setting.reach().description();
	}

	/**
	 * One setting.
	 *
	 * @param name its full name
	 * @param type its type as the reference names it: integer, number, boolean, duration,
	 * size, address, enum, string or list of strings
	 * @param defaultText its default as the metadata writes it, empty when unset
	 * @param range its range as declared (or an enum's values), empty when unbounded
	 * @param applied when a change applies, {@code null} when unmarked
	 * @param description its description from the metadata
	 * @param javaType the declared Java type
	 * @param minimum the least value of an integer or number setting, or {@code null}
	 * @param maximum the greatest value of an integer or number setting, or {@code null}
	 * @param reach what a live change reaches, {@code null} when unmarked
	 */
	public record Setting(String name, String type, String defaultText, String range, Applied.When applied,
			String description, Class<?> javaType, Long minimum, Long maximum, Applied.Reach reach) {

		/**
		 * Return the name below {@code echo.server.}.
		 * @return the relative name, such as {@code udp.port}
		 */
		public String relativeName() {
			return this.name.substring(PREFIX.length() + 1);
		}

	}

}

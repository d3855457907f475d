package io.echoreactor.context;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * The setting names of a properties record (its components, and those of the records
 * nested in it, in kebab case), and the one nearest to a name that is none of them.
 */
public final class SettingNames {

	private final List<ConfigurationPropertyName> names;

	private final ConfigurationPropertyName prefix;

	private SettingNames(ConfigurationPropertyName prefix, List<ConfigurationPropertyName> names) {
		this.prefix = prefix;
		this.names = names;
	}

	/**
	 * The settings of a record bound under a prefix.
	 * @param prefix the prefix it is bound under
	 * @param type the record's type, or anything else for no names
	 * @return its settings
	 */
	public static SettingNames of(ConfigurationPropertyName prefix, @Nullable Class<?> type) {
		List<ConfigurationPropertyName> names = new ArrayList<>();
		if (type != null && type.isRecord()) {
			collect(prefix, type, names);
		}
		return new SettingNames(prefix, names);
	}

	private static void collect(ConfigurationPropertyName prefix, Class<?> type,
			List<ConfigurationPropertyName> names) {
		for (RecordComponent component : type.getRecordComponents()) {
			ConfigurationPropertyName name = prefix.append(DataObjectPropertyName.toDashedForm(component.getName()));
			Class<?> componentType = component.getType();
			// A group of settings is a record nested in the same properties class.
			if (componentType.isRecord() && componentType.getNestHost() == type.getNestHost()) {
				collect(name, componentType, names);
			}
			else {
				names.add(name);
			}
		}
	}

	/** @return every setting's name */
	public List<ConfigurationPropertyName> names() {
		return this.names;
	}

	/**
	 * The setting nearest to a name by edit distance, compared in a form that ignores how the
	 * words are separated, so that {@code ECHO_SERVER_IDEL_TIMEOUT} (bound as
	 * {@code echo.server.idel.timeout}) finds {@code echo.server.idle-timeout}.
	 * @param unknown a name that is no setting
	 * @return the nearest setting, or {@code null} if none is near enough to be a misspelling
	 */
	public @Nullable ConfigurationPropertyName nearest(ConfigurationPropertyName unknown) {
		String wanted = comparable(unknown);
		ConfigurationPropertyName nearest = null;
		int best = Integer.MAX_VALUE;
		for (ConfigurationPropertyName name : this.names) {
			int distance = distance(wanted, comparable(name));
			if (distance < best) {
				best = distance;
				nearest = name;
			}
		}
		// A quarter of the letters, at least two: a typo or two, not another word.
		return (best <= Math.max(2, wanted.length() / 4)) ? nearest : null;
	}

	private String comparable(ConfigurationPropertyName name) {
		String relative = name.toString();
		if (this.prefix.isAncestorOf(name)) {
			relative = relative.substring(this.prefix.toString().length() + 1);
		}
		return relative.toLowerCase(Locale.ROOT).replaceAll("[-._\\[\\]]", "");
	}

	/**
	 * The optimal string alignment distance: insertions, deletions, substitutions and
	 * transpositions of adjacent letters ({@code idel} for {@code idle}) each count one.
	 */
	static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
				int cost = (a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}

}

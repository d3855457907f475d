package io.echoreactor.config.live;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.echoreactor.config.Applied;
import io.echoreactor.config.EchoServerProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;

/**
 * The settings that differ between two sets of {@link EchoServerProperties}, by their
 * {@link Applied} mark: which of them a running server can take, and which wait for the
 * next start.
 */
final class SettingChanges {

	private static final String PREFIX = "echo.server";

	private SettingChanges() {
	}

	/**
	 * Return the names of the settings marked {@code when} whose values differ.
	 * @param from the settings before
	 * @param to the settings after
	 * @param when the mark of the settings compared
	 * @return their names in kebab case ({@code echo.server.idle-timeout}), in declaration
	 * order
	 */
	static List<String> changed(EchoServerProperties from, EchoServerProperties to, Applied.When when) {
		List<String> changed = new ArrayList<>();
		collect(PREFIX, from, to, when, changed);
		return changed;
	}

	private static void collect(String prefix, Record from, Record to, Applied.When when, List<String> changed) {
		for (RecordComponent component : from.getClass().getRecordComponents()) {
			String name = prefix + "." + DataObjectPropertyName.toDashedForm(component.getName());
			Object before = value(component, from);
			Object after = value(component, to);
			Applied applied = component.getAnnotation(Applied.class);
			// A group of settings is a record nested in the properties class; its settings carry the marks.
			if (applied == null && before instanceof Record beforeGroup && after instanceof Record afterGroup) {
				collect(name, beforeGroup, afterGroup, when, changed);
			}
			else if (applied != null && applied.value() == when && !Objects.equals(before, after)) {
				changed.add(name);
			}
		}
	}

	private static @Nullable Object value(RecordComponent component, Record record) {
		try {
			return component.getAccessor().invoke(record);
		}
		catch (IllegalAccessException | InvocationTargetException ex) {
			throw new IllegalStateException("Unable to read " + component.getName(), ex);
		}
	}

}

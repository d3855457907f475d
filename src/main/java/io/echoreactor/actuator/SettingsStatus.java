package io.echoreactor.actuator;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Where the settings' live reload stands, for the {@code echo} endpoint: since when the
 * settings in force have been, the last change refused, and the restart-only settings
 * that differ from those the server started with. Called from any thread.
 */
@FunctionalInterface
public interface SettingsStatus {

	/**
	 * Describe the settings' live reload now.
	 * @return the description
	 */
	Descriptor describe();

	/**
	 * The settings' live reload.
	 *
	 * @param liveReload how changes reach the server: the directories watched, or why
	 * nothing is
	 * @param inForceSince when the settings in force were applied (ISO-8601), the start
	 * for the settings the server started with
	 * @param pendingRestart the restart-only settings whose configured value differs from
	 * the one in force, which the next start takes
	 * @param lastRefusal the last change refused, or {@code null} if none has been
	 */
	record Descriptor(String liveReload, String inForceSince, List<String> pendingRestart,
			@Nullable Refusal lastRefusal) {

	}

	/**
	 * A change refused whole.
	 *
	 * @param at when (ISO-8601)
	 * @param property the property at fault, or {@code null} when the files could not be
	 * read
	 * @param reason why, in one line
	 */
	record Refusal(String at, @Nullable String property, String reason) {

	}

}

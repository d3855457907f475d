package io.echoreactor.config.live;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * Watches the directories of the configuration files named by
 * {@code spring.config.additional-location} and tells of a change once the directory has
 * been quiet for a moment. The directory, not the file: the kubelet updates a ConfigMap
 * volume by writing a new timestamped directory and renaming the {@code ..data} symlink
 * onto it, so the file a path names is replaced, never written; an editor often does the
 * same. A burst of events (the kubelet's few renames, an editor's save) is one change.
 *
 * <p>
 * <strong>Threading:</strong> the watch runs on a daemon thread named
 * {@value #THREAD_NAME}, which also runs what a change calls.
 */
final class ConfigLocationWatch implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConfigLocationWatch.class);

	static final String THREAD_NAME = "echo-settings-watch";

	private final List<Path> directories;

	private final Duration quietPeriod;

	private final Runnable changed;

	private @Nullable WatchService watchService;

	/**
	 * @param directories the directories to watch
	 * @param quietPeriod how long a directory must be quiet before a change is told
	 * @param changed told of each change, on the watch thread
	 */
	ConfigLocationWatch(List<Path> directories, Duration quietPeriod, Runnable changed) {
		this.directories = List.copyOf(directories);
		this.quietPeriod = quietPeriod;
		this.changed = changed;
	}

	/**
	 * Return the directories of the given locations that exist: a location that names a
	 * directory (ending with {@code /}, or one that exists) is watched itself, one that
	 * names a file is watched through its directory. Class path locations never change.
	 * @param locations the value of {@code spring.config.additional-location}, or
	 * {@code null}
	 * @return the directories to watch, without duplicates
	 */
	static List<Path> directoriesOf(@Nullable String locations) {
		Set<Path> directories = new LinkedHashSet<>();
		for (String location : StringUtils.commaDelimitedListToStringArray(locations)) {
			for (String each : location.split(";")) {
				Path directory = directoryOf(each.strip());
				if (directory != null && Files.isDirectory(directory)) {
					directories.add(directory);
				}
			}
		}
		return new ArrayList<>(directories);
	}

	private static @Nullable Path directoryOf(String location) {
		String path = location;
		if (path.startsWith("optional:")) {
			path = path.substring("optional:".length());
		}
		if (path.startsWith("file:")) {
			path = path.substring("file:".length());
		}
		// Extension hints ("[.yml]") and profile-specific wildcards are Boot's, not the path's.
		int hint = path.indexOf('[');
		if (hint >= 0) {
			path = path.substring(0, hint);
		}
		if (path.isEmpty() || path.contains(":") && !path.startsWith("/") || path.contains("*")) {
			return null;
		}
		try {
			Path resolved = Path.of(path).toAbsolutePath().normalize();
			return (path.endsWith("/") || Files.isDirectory(resolved)) ? resolved : resolved.getParent();
		}
		catch (InvalidPathException ex) {
			return null;
		}
	}

	/** @return the directories watched */
	List<Path> directories() {
		return this.directories;
	}

	/**
	 * Start watching.
	 * @throws IOException if a directory cannot be watched
	 */
	void start() throws IOException {
		WatchService watchService = FileSystems.getDefault().newWatchService();
		try {
			for (Path directory : this.directories) {
				directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
						StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
			}
		}
		catch (IOException ex) {
			watchService.close();
			throw ex;
		}
		this.watchService = watchService;
		Thread thread = new Thread(() -> watch(watchService), THREAD_NAME);
		thread.setDaemon(true);
		thread.start();
	}

	private void watch(WatchService watchService) {
		try {
			while (true) {
				drain(watchService.take());
				WatchKey more;
				while ((more = watchService.poll(this.quietPeriod.toMillis(), TimeUnit.MILLISECONDS)) != null) {
					drain(more);
				}
				try {
					this.changed.run();
				}
				catch (RuntimeException ex) {
					logger.warn("Reading the changed configuration failed: " + SettingsCandidate.oneLine(ex));
				}
			}
		}
		catch (ClosedWatchServiceException ex) {
			// Closed: the application is stopping.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void drain(WatchKey key) {
		key.pollEvents();
		key.reset();
	}

	@Override
	public void close() {
		WatchService watchService = this.watchService;
		if (watchService != null) {
			this.watchService = null;
			try {
				watchService.close();
			}
			catch (IOException ex) {
				logger.debug("Unable to close the configuration watch", ex);
			}
		}
	}

}

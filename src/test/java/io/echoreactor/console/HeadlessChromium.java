package io.echoreactor.console;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import io.echoreactor.support.RequiredTools;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium through its chromedriver, for the console's browser tests:
 * the system's binaries, named, since nothing can be downloaded; skipped with a message
 * where they are missing, failed under {@code ECHO_REQUIRE_TOOLS=true}.
 */
final class HeadlessChromium {

	private HeadlessChromium() {
	}

	/**
	 * Start a browser, or skip the test when Chromium is missing.
	 * @param javaScript whether the page may run scripts
	 * @param width the window's width in CSS pixels
	 * @param height the window's height in CSS pixels
	 * @return the browser, to be quit by the caller
	 */
	static ChromeDriver start(boolean javaScript, int width, int height) {
		Path chromium = RequiredTools.require("chromium");
		Path chromedriver = RequiredTools.require("chromedriver");
		// Selenium Manager would try to download a browser and a driver; name the system's.
		System.setProperty("SE_OFFLINE", "true");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(chromium.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--window-size=" + width + "," + height);
		if (!javaScript) {
			options.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
		}
		LoggingPreferences logging = new LoggingPreferences();
		logging.enable(LogType.BROWSER, Level.ALL);
		options.setCapability("goog:loggingPrefs", logging);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
			.build();
		return new ChromeDriver(service, options);
	}

	/**
	 * Return the errors the page wrote to the browser's console.
	 * @param browser the browser
	 * @return its console's entries at level SEVERE
	 */
	static List<LogEntry> consoleErrors(ChromeDriver browser) {
		return browser.manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
			.toList();
	}

}

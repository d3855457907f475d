package io.echoreactor.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser, Debian's headless Chromium driven through its
 * chromedriver: the page loads with no console error, its figures move while clients
 * echo, each client appears in the connections table with its bytes, without
 * JavaScript it is the plain table, and on a phone's width nothing but a wide table
 * scrolls sideways. Skipped with a message when
 * Chromium is missing; failed under {@code ECHO_REQUIRE_TOOLS=true}. Writes a screenshot
 * of the console under load to {@code target/console.png}, and with
 * {@code -Dconsole.screenshot.write=true} to {@code docs/images/console.png} as well.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "echo.server.address=127.0.0.1", "echo.server.port=0",
				"echo.server.reactors=2", "echo.console.max-streams=2" })
@Timeout(120)
class ConsoleBrowserTests {

	/** The system property that makes the test write the screenshot for the docs too. */
	static final String SCREENSHOT_WRITE_PROPERTY = "console.screenshot.write";

	private static final int SCREENSHOT_POINTS = 15;

	private static final Path DOCS_SCREENSHOT = Path.of("docs", "images", "console.png");

	@LocalServerPort
	private int httpPort;

	@Autowired
	private EchoServer echoServer;

	private ChromeDriver browser;

	@AfterEach
	void closeBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void pageLoadsWithoutConsoleErrorsAndItsFiguresMoveWhileAClientEchoes() throws Exception {
		this.browser = HeadlessChromium.start(true, 1280, 2000);
		this.browser.get(url());
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("charts")).isDisplayed()).isTrue());
		assertThat(this.browser.findElements(By.cssSelector("#chart-grid .uplot"))).hasSizeGreaterThanOrEqualTo(7);
		assertThat(this.browser.findElement(By.id("status")).getText()).startsWith("Live");
		String readsBefore = reads();
		List<Socket> clients = new ArrayList<>();
		List<Thread> load = new ArrayList<>();
		AtomicBoolean echoing = new AtomicBoolean(true);
		try {
			for (int i = 0; i < 4; i++) {
				Socket client = new Socket();
				clients.add(client);
				client.connect(new InetSocketAddress("127.0.0.1", this.echoServer.port()), 5000);
				client.setSoTimeout(5000);
				// Each client echoes a little more than the one before, so the table has an order to show.
				int size = 1024 * (i + 1);
				Thread thread = new Thread(() -> echo(client, size, echoing), "console-load-" + i);
				load.add(thread);
				thread.start();
			}
			String firstClient = "127.0.0.1:" + clients.get(0).getLocalPort();
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				assertThat(reads()).isNotEqualTo(readsBefore);
				assertThat(text("[data-k='connections']")).isEqualTo("4 connections");
				List<List<String>> rows = connectionRows(this.browser);
				assertThat(rows).hasSize(4);
				List<String> cells = rows.stream().filter((row) -> row.get(2).equals(firstClient)).findFirst().orElseThrow();
				assertThat(cells.get(0)).startsWith("echo-reactor-");
				assertThat(cells.get(1)).isEqualTo("127.0.0.1:" + this.echoServer.port());
				assertThat(cells.get(5)).isEqualTo("echo");
				assertThat(cells.get(6)).matches("[0-9.]+ (KiB|MiB|GiB)");
				assertThat(cells.get(7)).matches("[0-9.]+ (KiB|MiB|GiB)");
				assertThat(cells.get(9)).endsWith(" s");
			});
			// Enough seconds on the charts for the screenshot to show lines, not points.
			await().atMost(Duration.ofSeconds(40))
				.until(() -> Integer.parseInt(attribute("charts", "data-points", "0")) >= SCREENSHOT_POINTS);
			Files.createDirectories(Path.of("target"));
			Path screenshot = this.browser.getScreenshotAs(OutputType.FILE).toPath();
			Files.copy(screenshot, Path.of("target", "console.png"), StandardCopyOption.REPLACE_EXISTING);
			if (Boolean.getBoolean(SCREENSHOT_WRITE_PROPERTY)) {
				Files.createDirectories(DOCS_SCREENSHOT.getParent());
				Files.copy(screenshot, DOCS_SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		finally {
			echoing.set(false);
			for (Thread thread : load) {
				thread.join(10_000);
			}
			for (Socket client : clients) {
				client.close();
			}
		}
		assertThat(reads()).endsWith(" calls");
		assertThat(HeadlessChromium.consoleErrors(this.browser)).isEmpty();
	}

	@Test
	void pageWithoutJavaScriptIsThePlainTableThatReloadsItself() throws Exception {
		this.browser = HeadlessChromium.start(false, 1280, 2000);
		try (Socket client = new Socket()) {
			client.connect(new InetSocketAddress("127.0.0.1", this.echoServer.port()), 5000);
			client.setSoTimeout(5000);
			client.getOutputStream().write(new byte[3000]);
			assertThat(client.getInputStream().readNBytes(3000)).hasSize(3000);
			String peer = "127.0.0.1:" + client.getLocalPort();
			// The reactors' snapshot is up to a second old: a reload shows the connection.
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
				this.browser.get(url());
				assertThat(text("#connections tbody")).contains(peer + " - - echo 2.9 KiB 2.9 KiB 0 B");
			});
		}
		assertThat(this.browser.findElement(By.id("charts")).isDisplayed()).isFalse();
		assertThat(this.browser.findElement(By.cssSelector("#reactors tbody")).getText()).contains("echo-reactor-0",
				"echo-reactor-1");
		assertThat(text("[data-k='reactors.0.reads']")).endsWith(" calls");
		assertThat(this.browser.findElement(By.id("status")).getText()).contains("reloads every 5 s");
		assertThat(this.browser.findElement(By.cssSelector("#settings")).getText()).contains("readBufferSize");
	}

	@Test
	void onAPhoneThePageFitsItsWidthAndOnlyWideTablesScroll() {
		this.browser = HeadlessChromium.start(true, 390, 844);
		this.browser.get(url());
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("charts")).isDisplayed()).isTrue());
		long viewport = (Long) this.browser.executeScript("return document.documentElement.clientWidth;");
		long page = (Long) this.browser.executeScript("return document.documentElement.scrollWidth;");
		assertThat(page).isLessThanOrEqualTo(viewport);
		long widestChart = (Long) this.browser.executeScript("return Math.ceil(Math.max(...Array.from("
				+ "document.querySelectorAll('#chart-grid figure')).map((figure) => figure.getBoundingClientRect().right)));");
		assertThat(widestChart).isLessThanOrEqualTo(viewport);
		assertThat(HeadlessChromium.consoleErrors(this.browser)).isEmpty();
	}

	// Runs on a load thread until told to stop or its connection fails.
	private static void echo(Socket client, int size, AtomicBoolean echoing) {
		byte[] payload = new byte[size];
		try {
			OutputStream out = client.getOutputStream();
			InputStream in = client.getInputStream();
			while (echoing.get()) {
				out.write(payload);
				if (in.readNBytes(payload.length).length < payload.length) {
					return;
				}
			}
		}
		catch (IOException ex) {
			// Closed by the test's end.
		}
	}

	// Read in one script, since the live page builds the rows again every second.
	@SuppressWarnings("unchecked")
	static List<List<String>> connectionRows(ChromeDriver browser) {
		return (List<List<String>>) browser.executeScript("return Array.from(document.querySelectorAll("
				+ "'#connections tbody tr:not(.empty)')).map((row) => Array.from(row.cells).map((cell) => cell.textContent));");
	}

	private String attribute(String id, String name, String otherwise) {
		String value = this.browser.findElement(By.id(id)).getAttribute(name);
		return (value != null) ? value : otherwise;
	}

	private String reads() {
		return text("[data-k='reactors.0.reads']") + "/" + text("[data-k='reactors.1.reads']");
	}

	private String text(String selector) {
		return this.browser.findElement(By.cssSelector(selector)).getText();
	}

	private String url() {
		return "http://127.0.0.1:" + this.httpPort + "/console";
	}

}

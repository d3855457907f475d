package io.echoreactor.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The console's HTTP side, read-only, as functional routes (no controller for the
 * application's component scan to find): the page ({@code /console}), its live stream of
 * snapshots ({@code /console/stream}, server-sent events), one snapshot as JSON
 * ({@code /console/snapshot}), and its scripts and styles, uPlot's among them, all from
 * the jar.
 */
final class ConsoleRoutes {

	/** The console's path. */
	static final String PATH = "/console";

	private static final String UPLOT = "META-INF/resources/webjars/uplot/";

	private static final Map<String, MediaType> ASSETS = Map.of("console.js", MediaType.valueOf("text/javascript"),
			"console.css", MediaType.valueOf("text/css"), "uPlot.iife.min.js", MediaType.valueOf("text/javascript"),
			"uPlot.min.css", MediaType.valueOf("text/css"));

	private final Supplier<ConsoleSnapshot> snapshots;

	private final ConsoleStreams streams;

	private final String uplotVersion;

	ConsoleRoutes(Supplier<ConsoleSnapshot> snapshots, ConsoleStreams streams) {
		this.snapshots = snapshots;
		this.streams = streams;
		this.uplotVersion = uplotVersion();
	}

	RouterFunction<ServerResponse> routes() {
		return RouterFunctions.route()
			.GET(PATH, this::page)
			.GET(PATH + "/", this::page)
			.GET(PATH + "/snapshot", this::snapshot)
			.GET(PATH + "/stream", this::stream)
			.GET(PATH + "/{asset}", this::asset)
			.build();
	}

	private ServerResponse page(ServerRequest request) {
		String base = request.requestPath().contextPath().value() + PATH;
		return ServerResponse.ok()
			.cacheControl(CacheControl.noStore())
			.contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
			.body(ConsolePage.render(this.snapshots.get(), base, this.uplotVersion));
	}

	private ServerResponse snapshot(ServerRequest request) {
		return ServerResponse.ok()
			.cacheControl(CacheControl.noStore())
			.contentType(MediaType.APPLICATION_JSON)
			.body(json(this.snapshots.get()));
	}

	private ServerResponse stream(ServerRequest request) {
		ServerResponse stream = this.streams.open();
		if (stream != null) {
			return stream;
		}
		return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
			.contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8))
			.header("Retry-After", "30")
			.body("The console is open in " + this.streams.maxStreams() + " browsers already, the most "
					+ "echo.console.max-streams allows at once, so that the probes keep their threads; "
					+ "close one and reload.\n");
	}

	private ServerResponse asset(ServerRequest request) {
		String asset = request.pathVariable("asset");
		MediaType type = ASSETS.get(asset);
		if (type == null) {
			return ServerResponse.notFound().build();
		}
		String path = asset.startsWith("uPlot") ? UPLOT + this.uplotVersion + "/dist/" + asset : "console/" + asset;
		return ServerResponse.ok()
			.cacheControl(CacheControl.maxAge(Duration.ofHours(1)))
			.contentType(type)
			.body(read(path));
	}

	/**
	 * Write a snapshot as JSON on one line, as the stream sends it.
	 * @param snapshot the snapshot
	 * @return the JSON
	 */
	static String json(ConsoleSnapshot snapshot) {
		return JsonMapper.shared().writeValueAsString(snapshot);
	}

	private static byte[] read(String path) {
		try (InputStream in = new ClassPathResource(path).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String uplotVersion() {
		Properties properties = new Properties();
		try (InputStream in = new ClassPathResource("META-INF/maven/org.webjars.npm/uplot/pom.properties")
			.getInputStream()) {
			properties.load(in);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("uPlot's WebJar is missing from the class path", ex);
		}
		return properties.getProperty("version", "");
	}

}

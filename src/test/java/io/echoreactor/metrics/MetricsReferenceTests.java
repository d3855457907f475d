package io.echoreactor.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.support.DefaultSettings;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code docs/metrics.md}, the metrics reference. Its part between the
 * {@link #BEGIN} and {@link #END} markers is generated from {@link EchoReactorMeters},
 * {@link EchoUdpMeters}, {@link EchoKernelMeters} and the {@link CountedEvent} enums their
 * tags take values from; a test fails when the file differs from what they generate, and
 * leaves what they generate in {@code target/metrics.md} to copy over it.
 */
@Timeout(30)
class MetricsReferenceTests {

	static final Path REFERENCE = Path.of("docs", "metrics.md");

	static final Path GENERATED = Path.of("target", "metrics.md");

	static final String BEGIN = "<!-- Generated from the meters' enums by MetricsReferenceTests: edit those, "
			+ "not this. -->";

	static final String END = "<!-- End of the generated reference. -->";

	private static final Pattern TAG_VALUE = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

	@Test
	void theReferenceListsEveryMeterAndEveryKindOfEventAsTheEnumsDescribeThem() throws IOException {
		String reference = Files.readString(REFERENCE, StandardCharsets.UTF_8);
		assertThat(reference).contains(BEGIN).contains(END);
		String expected = reference.substring(0, reference.indexOf(BEGIN)) + render()
				+ reference.substring(reference.indexOf(END) + END.length());
		if (!expected.equals(reference)) {
			Files.createDirectories(GENERATED.getParent());
			Files.writeString(GENERATED, expected, StandardCharsets.UTF_8);
		}
		assertThat(reference)
			.as("%s is not what the meters' enums generate; copy %s over it", REFERENCE, GENERATED.toAbsolutePath())
			.isEqualTo(expected);
	}

	@Test
	void everyKindOfEventHasATagValueAndADescription() {
		for (EchoMeter meter : meters()) {
			Set<String> tags = new LinkedHashSet<>();
			for (CountedEvent event : meter.events()) {
				assertThat(event.tag()).as("%s %s", meter, event).matches(TAG_VALUE);
				assertThat(tags.add(event.tag())).as("%s: %s is used twice", meter, event.tag()).isTrue();
				assertThat(event.description()).as("%s %s", meter, event)
					.isNotBlank()
					.doesNotEndWith(".")
					.doesNotContain("{@");
			}
		}
	}

	@Test
	void everyMeterTheBindersRegisterIsInTheReference() throws IOException {
		String reference = Files.readString(REFERENCE, StandardCharsets.UTF_8);
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		EchoServer server = server();
		try {
			new EchoReactorMetrics(server, () -> true).bindTo(prometheus);
			new EchoKernelMetrics(server).bindTo(prometheus);
			PrometheusScrape scrape = PrometheusScrape.parse(prometheus.scrape());
			Set<String> documented = new LinkedHashSet<>();
			for (EchoMeter meter : meters()) {
				documented.add(meter.prometheusName());
				documented.add(meter.prometheusName() + "_max");
			}
			for (String family : scrape.families()) {
				assertThat(documented).as("%s has no constant in the meters' enums", family).contains(family);
				String name = (family.endsWith("_max") && documented.contains(family.substring(0, family.length() - 4)))
						? family.substring(0, family.length() - 4) : family;
				assertThat(reference).as(name).contains("### `" + name + "`");
			}
			for (Meter meter : prometheus.getMeters()) {
				assertThat(meters()).extracting(EchoMeter::getName).contains(meter.getId().getName());
			}
		}
		finally {
			server.stop();
		}
	}

	@Test
	void prometheusNamesAreThoseTheScrapeShows() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		EchoServer server = server();
		try {
			new EchoReactorMetrics(server, () -> true).bindTo(prometheus);
			Set<String> families = PrometheusScrape.parse(prometheus.scrape()).families();
			for (EchoMeter meter : meters()) {
				if (meter instanceof EchoReactorMeters && meter != EchoReactorMeters.TLS_CONNECTIONS
						|| meter instanceof EchoUdpMeters) {
					assertThat(families).as(meter.toString()).contains(meter.prometheusName());
				}
			}
		}
		finally {
			server.stop();
		}
	}

	static List<EchoMeter> meters() {
		return Stream.of(EchoReactorMeters.values(), EchoUdpMeters.values(), EchoKernelMeters.values(),
				EchoSettingsMeters.values(), EchoFaultMeters.values())
			.<EchoMeter>flatMap(Stream::of)
			.toList();
	}

	/**
	 * Render the generated part of the reference, markers included.
	 * @return the Markdown
	 */
	static String render() {
		StringBuilder out = new StringBuilder(BEGIN).append("\n");
		section(out, "Connections, reactors and TLS", EchoReactorMeters.values());
		section(out, "UDP", EchoUdpMeters.values());
		section(out, "The kernel's view", EchoKernelMeters.values());
		section(out, "Settings", EchoSettingsMeters.values());
		section(out, "Fault profiles", EchoFaultMeters.values());
		return out.append("\n").append(END).toString();
	}

	private static void section(StringBuilder out, String title, EchoMeter[] meters) {
		out.append("\n## ").append(title).append("\n");
		for (EchoMeter meter : meters) {
			out.append("\n### `").append(meter.prometheusName()).append("`\n\n");
			out.append(type(meter));
			out.append(" · Micrometer name `").append(meter.getName()).append('`');
			if (meter.getBaseUnit() != null) {
				out.append(" · unit: ").append(meter.getBaseUnit());
			}
			List<String> keys = meter.tagKeys();
			out.append(" · tags: ").append(keys.isEmpty() ? "none" : String.join(", ", keys.stream()
				.map((key) -> "`" + key + "`")
				.toList()));
			out.append("\n\n");
			String description = meter.getDescription();
			List<CountedEvent> events = meter.events();
			if (!events.isEmpty()) {
				String list = ": " + EchoMeter.eventList(events) + ". ";
				int at = description.indexOf(list);
				assertThat(at).as("%s lists its events", meter).isPositive();
				String key = keys.get(keys.size() - 1);
				out.append(description, 0, at).append(":\n\n");
				out.append("| `").append(key).append("` | meaning |\n|---|---|\n");
				for (CountedEvent event : events) {
					out.append("| `").append(event.tag()).append("` | ").append(event.description()).append(" |\n");
				}
				description = description.substring(at + list.length());
				out.append("\n");
			}
			int healthy = description.indexOf("Healthy:");
			assertThat(healthy).as("%s says what is healthy", meter).isNotNegative();
			if (healthy > 0) {
				out.append(description.substring(0, healthy).strip()).append("\n\n");
			}
			out.append("**Healthy:**").append(description.substring(healthy + "Healthy:".length())).append("\n");
		}
	}

	private static String type(EchoMeter meter) {
		return switch (meter.getType()) {
			case COUNTER -> "Counter";
			case GAUGE -> "Gauge";
			case TIMER -> "Timer: a histogram (`_bucket`, `_count`, `_sum`) and a `_max` gauge";
			case DISTRIBUTION_SUMMARY -> "Distribution summary: a histogram (`_bucket`, `_count`, `_sum`) and a "
					+ "`_max` gauge";
			default -> meter.getType().name();
		};
	}

	private static EchoServer server() {
		return new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.acceptStrategy(AcceptStrategy.ACCEPTOR)
			.tls(new TlsSettings(defaultTlsContext(), 0, Duration.ofSeconds(10)))
			.proxyProtocol(new ProxyProtocolSettings(ProxyProtocolSettings.Mode.OPTIONAL,
					DefaultSettings.proxyProtocol().trustedSources(), Duration.ofSeconds(5)))
			.build());
	}

	private static TlsContext defaultTlsContext() {
		try {
			return new TlsContext(SSLContext.getDefault(), null, null, TlsContext.ClientAuth.NONE);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}

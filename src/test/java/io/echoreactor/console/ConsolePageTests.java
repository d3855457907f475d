package io.echoreactor.console;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConsolePage}: units on every number, escaping, and the connections
 * table, and what it says when it has no row.
 */
class ConsolePageTests {

	@Test
	void everyNumberCarriesItsUnit() {
		assertThat(ConsolePage.format(512, "B")).isEqualTo("512 B");
		assertThat(ConsolePage.format(1536, "B")).isEqualTo("1.5 KiB");
		assertThat(ConsolePage.format(3L * 1024 * 1024 * 1024, "B")).isEqualTo("3.0 GiB");
		assertThat(ConsolePage.format(1_500_000_000L, "ns")).isEqualTo("1.500 s");
		assertThat(ConsolePage.format(2500, "ms")).isEqualTo("2.5 s");
		assertThat(ConsolePage.format(1234567, "calls")).isEqualTo("1,234,567 calls");
		assertThat(ConsolePage.format(0, "time")).isEqualTo("1970-01-01T00:00:00Z");
	}

	@Test
	void connectionsFromTheSourceAreRowsOfTheTable() {
		ConsoleSnapshot.Connection connection = new ConsoleSnapshot.Connection("echo-reactor-0", "192.0.2.1:7008",
				"192.0.2.7:50000", "198.51.100.9:443", "TLSv1.3", "echo", 4096, 4000, 96, 61_000);
		String html = ConsolePage.render(snapshot(List.of(connection), true, Map.of()), "/console", "1.6.30");
		assertThat(html).contains("<td>echo-reactor-0</td><td>192.0.2.1:7008</td><td>192.0.2.7:50000</td>"
				+ "<td>198.51.100.9:443</td><td>TLSv1.3</td><td>echo</td>"
				+ "<td>4.0 KiB</td><td>3.9 KiB</td><td>96 B</td><td>61.0 s</td>")
			.contains("<tr class=\"empty\" hidden>");
	}

	@Test
	void anEmptyTableSaysWhyAndSettingsAreEscaped() {
		String html = ConsolePage.render(snapshot(List.of(), true, Map.of("greeting", "<b>hi</b>")), "/console",
				"1.6.30");
		assertThat(html).contains("<tr class=\"empty\"><td colspan=\"10\">No open TCP connection.</td></tr>")
			.contains("<td>&lt;b&gt;hi&lt;/b&gt;</td>")
			.doesNotContain("<b>hi</b>");
		assertThat(ConsolePage.render(snapshot(List.of(), false, Map.of()), "/console", "1.6.30"))
			.contains("Not available: a reactor did not answer in time.");
	}

	@Test
	void addressesAreWrittenAsUsersWriteThem() throws Exception {
		assertThat(ConsoleSnapshot.Connection.address(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 7007)))
			.isEqualTo("192.0.2.7:7007");
		assertThat(
				ConsoleSnapshot.Connection.address(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 7007)))
			.isEqualTo("[2001:db8:0:0:0:0:0:7]:7007");
		assertThat(ConsoleSnapshot.Connection.address(null)).isEqualTo("closed");
	}

	private static ConsoleSnapshot snapshot(List<ConsoleSnapshot.Connection> connections, boolean available,
			Map<String, Object> settings) {
		ConsoleSnapshot.Reactor reactor = new ConsoleSnapshot.Reactor(0, "echo-reactor-0", "RUNNING", 1, 0, 10, 1, 10,
				100, 100, 1000, Map.of("io", 10L));
		return new ConsoleSnapshot(0, 0, "RUNNING", 7007, 1, List.of(reactor), null, null, List.of(), connections,
				available, settings);
	}

}

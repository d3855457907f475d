package io.echoreactor.bench.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyProtocolParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProxyHeaderWriter}: what it writes, the service's own parser reads back
 * exactly.
 */
class ProxyHeaderWriterTests {

	@ParameterizedTest
	@EnumSource(BenchOptions.ProxyVersion.class)
	void writesAnIpv4HeaderTheServiceReads(BenchOptions.ProxyVersion version) throws UnknownHostException {
		InetSocketAddress source = new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 40000);
		InetSocketAddress destination = new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 7007);
		ProxyHeader header = parse(ProxyHeaderWriter.header(version, source, destination));
		assertThat(header.version()).isEqualTo(version.ordinal() + 1);
		assertThat(header.command()).isEqualTo(ProxyHeader.Command.PROXY);
		assertThat(header.family()).isEqualTo(ProxyHeader.Family.TCP4);
		assertThat(header.source()).isEqualTo(source);
		assertThat(header.destination()).isEqualTo(destination);
	}

	@ParameterizedTest
	@EnumSource(BenchOptions.ProxyVersion.class)
	void writesAnIpv6HeaderTheServiceReads(BenchOptions.ProxyVersion version) throws UnknownHostException {
		InetSocketAddress source = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 1);
		InetSocketAddress destination = new InetSocketAddress(InetAddress.getByName("::1"), 65535);
		ProxyHeader header = parse(ProxyHeaderWriter.header(version, source, destination));
		assertThat(header.family()).isEqualTo(ProxyHeader.Family.TCP6);
		assertThat(header.source()).isEqualTo(source);
		assertThat(header.destination()).isEqualTo(destination);
	}

	@ParameterizedTest
	@EnumSource(BenchOptions.ProxyVersion.class)
	void leavesOutAnIpv6Scope(BenchOptions.ProxyVersion version) throws UnknownHostException {
		InetSocketAddress source = new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 1000);
		InetSocketAddress destination = new InetSocketAddress(InetAddress.getByName("fe80::2%1"), 7007);
		ByteBuffer bytes = ProxyHeaderWriter.header(version, source, destination);
		if (version == BenchOptions.ProxyVersion.V1) {
			assertThat(StandardCharsets.US_ASCII.decode(bytes.duplicate()).toString()).doesNotContain("%");
		}
		assertThat(parse(bytes).source().getPort()).isEqualTo(1000);
	}

	private static ProxyHeader parse(ByteBuffer bytes) {
		int length = bytes.remaining();
		ProxyProtocolParser.Result result = ProxyProtocolParser.parse(bytes);
		assertThat(result).isInstanceOf(ProxyProtocolParser.Result.Parsed.class);
		ProxyProtocolParser.Result.Parsed parsed = (ProxyProtocolParser.Result.Parsed) result;
		assertThat(parsed.length()).isEqualTo(length);
		return parsed.header();
	}

}

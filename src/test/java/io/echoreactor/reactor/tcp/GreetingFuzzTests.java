package io.echoreactor.reactor.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.echoreactor.fuzz.FuzzTargets;
import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.proxy.ProxyHeader.Family;
import io.echoreactor.proxy.ProxyProtocolParser;
import io.echoreactor.proxy.ProxyProtocolParser.Result;
import io.echoreactor.proxy.ProxySslTlv;
import io.echoreactor.proxy.ProxyTlv;
import io.echoreactor.proxy.ProxyV2Writer;
import io.echoreactor.support.GreetingLines;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz test for {@link Greeting}: the pod's identity and a PROXY version 2 header whose
 * TLVs (ALPN, authority, unique id, the client's TLS version, cipher and common name) hold
 * whatever a proxy, or a client it trusts too much, may put there. The header goes through
 * {@link ProxyProtocolParser} first, so only what the parser accepts reaches the greeting.
 * Whatever the values, the greeting stays one line of valid UTF-8 with no control
 * character but its final {@code \n}; the JSON form is valid JSON that gives every value
 * back exactly, the text form gives it back with control characters as spaces.
 */
class GreetingFuzzTests {

	private static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 7007);

	private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 50000);

	@FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
	void render(FuzzedDataProvider data) throws UnknownHostException, CharacterCodingException {
		Greeting.Mode mode = data.consumeBoolean() ? Greeting.Mode.JSON : Greeting.Mode.TEXT;
		Map<String, String> identity = new LinkedHashMap<>();
		// As the environment gives them: strings that UTF-8 can hold, without lone surrogates.
		identity.put("pod", utf8(data.consumeString(64)));
		identity.put("host", utf8(data.consumeString(64)));
		ProxyHeader header = header(data);
		String line = StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT)
			.decode(new Greeting(mode, identity).render(LOCAL, PEER, header, null))
			.toString();
		assertThat(line).endsWith("\n");
		String content = line.substring(0, line.length() - 1);
		assertThat(content.chars().filter(GreetingFuzzTests::breaksTheLine))
			.as("control or line-breaking characters in %s", content)
			.isEmpty();
		Map<String, Object> expected = expected(identity, header);
		if (mode == Greeting.Mode.JSON) {
			Map<String, Object> json = GreetingLines.json(content);
			@SuppressWarnings("unchecked")
			Map<String, Object> proxy = (Map<String, Object>) json.get("proxy");
			@SuppressWarnings("unchecked")
			Map<String, Object> ssl = (Map<String, Object>) proxy.get("ssl");
			expected.forEach((key, value) -> {
				Object actual = key.startsWith("proxy-ssl-") ? ssl.get(key.substring(10))
						: key.startsWith("proxy-") ? proxy.get(key.substring(6)) : json.get(key);
				assertThat(actual).as(key).isEqualTo(value);
			});
		}
		else {
			Map<String, String> text = GreetingLines.text(content);
			expected.forEach((key, value) -> assertThat(text.get(key)).as(key)
				.isEqualTo(String.valueOf(value).replaceAll("[\\p{Cc}\\u2028\\u2029]", " ")));
		}
	}

	private static ProxyHeader header(FuzzedDataProvider data) throws UnknownHostException {
		int address = data.consumeInt();
		InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(new byte[] { (byte) (address >>> 24),
				(byte) (address >>> 16), (byte) (address >>> 8), (byte) address }), data.consumeInt(0, 65535));
		byte[] ssl = ProxyV2Writer.ssl(data.consumeInt(0, 7), data.consumeInt(0, 1),
				ProxyV2Writer.subTlv(ProxyTlv.SSL_VERSION, data.consumeAsciiString(32)),
				ProxyV2Writer.subTlv(ProxyTlv.SSL_CIPHER, data.consumeAsciiString(64)),
				ProxyV2Writer.subTlv(ProxyTlv.SSL_CN, data.consumeString(64)));
		byte[] bytes = ProxyV2Writer.proxy(Family.TCP4)
			.inet(client, new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 7007))
			.tlv(ProxyTlv.ALPN, data.consumeBytes(32))
			.tlv(ProxyTlv.UNIQUE_ID, data.consumeBytes(128))
			.tlv(ProxyTlv.SSL, ssl)
			.tlv(ProxyTlv.AUTHORITY, data.consumeRemainingAsString())
			.toBytes();
		Result result = ProxyProtocolParser.parse(ByteBuffer.wrap(bytes));
		assertThat(result).isInstanceOf(Result.Parsed.class);
		return ((Result.Parsed) result).header();
	}

	private static String utf8(String value) {
		return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
	}

	// What a client should read back, by the text form's flat keys.
	private static Map<String, Object> expected(Map<String, String> identity, ProxyHeader header) {
		Map<String, Object> expected = new LinkedHashMap<>(identity);
		ProxySslTlv ssl = header.ssl().orElseThrow();
		expected.put("proxy-alpn", header.alpn().orElseThrow());
		expected.put("proxy-authority", header.authority().orElseThrow());
		expected.put("proxy-unique-id", HexFormat.of().formatHex(header.uniqueId().orElseThrow()));
		expected.put("proxy-ssl-version", ssl.version().orElseThrow());
		expected.put("proxy-ssl-cipher", ssl.cipher().orElseThrow());
		expected.put("proxy-ssl-cn", ssl.commonName().orElseThrow());
		return expected;
	}

	// Characters that end a line for some reader, or steer a terminal: C0 and C1 controls
	// (NEL, and CSI, which starts an ANSI escape sequence), DEL, and the Unicode line and
	// paragraph separators.
	private static boolean breaksTheLine(int c) {
		return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
	}

}

package io.echoreactor.reactor.tcp;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.echoreactor.proxy.ProxyHeader;
import org.jspecify.annotations.Nullable;

/**
 * The opt-in greeting ({@code echo.server.greeting}): one line the server sends when a
 * connection is ready to echo (after its PROXY header and TLS handshake), before any echo,
 * saying which pod answered and whom it saw: the pod (host name, and the pod, namespace
 * and node names where the environment gives them), the local address, the peer as the
 * socket sees it, the client as a PROXY header names it and what else the header said
 * ({@code proxy}: its version and command, and the TLVs a proxy adds: ALPN, authority,
 * unique id, and the client's TLS version, cipher and certificate common name), and the
 * negotiated TLS protocol, cipher suite and client certificate subject. Off by default,
 * so that the echo stays byte-exact RFC 862.
 *
 * <p>
 * The text form is {@code key=value} pairs separated by spaces, {@code proxy} flattened
 * into {@code proxy-version}, {@code proxy-ssl-cn} and so on; the JSON form is one object
 * on one line, {@code proxy} a nested object. Both end with {@code \n}. Fields without a
 * value are left out.
 */
public final class Greeting {

	// C0 and C1 controls and DEL (general category Cc), and the line and paragraph separators.
	private static final Pattern LINE_BREAKING = Pattern.compile("[\\p{Cc}\\u2028\\u2029]");

	private final Mode mode;

	private final Map<String, String> identity;

	/**
	 * @param mode the form, or {@link Mode#OFF}
	 * @param identity the pod's identity, in order: such as {@code pod}, {@code namespace},
	 * {@code node}, {@code host}
	 */
	public Greeting(Mode mode, Map<String, String> identity) {
		this.mode = mode;
		this.identity = Map.copyOf(identity);
		this.identityOrder = identity.keySet().toArray(String[]::new);
	}

	private final String[] identityOrder;

	/** No greeting. */
	public static final Greeting OFF = new Greeting(Mode.OFF, Map.of());

	/**
	 * Return the identity of this process from the environment: {@code POD_NAME},
	 * {@code POD_NAMESPACE} and {@code NODE_NAME} (the chart passes them through the
	 * downward API) and the host name.
	 * @param environment the environment variables
	 * @param hostName the host name
	 * @return the identity, in order, without missing values
	 */
	public static Map<String, String> identity(Map<String, String> environment, String hostName) {
		Map<String, String> identity = new LinkedHashMap<>();
		putIfPresent(identity, "pod", environment.get("POD_NAME"));
		putIfPresent(identity, "namespace", environment.get("POD_NAMESPACE"));
		putIfPresent(identity, "node", environment.get("NODE_NAME"));
		putIfPresent(identity, "host", hostName);
		return identity;
	}

	private static void putIfPresent(Map<String, String> map, String key, @Nullable String value) {
		if (value != null && !value.isBlank()) {
			map.put(key, value);
		}
	}

	/** @return whether a greeting is sent */
	public boolean enabled() {
		return this.mode != Mode.OFF;
	}

	/** @return the form */
	public Mode mode() {
		return this.mode;
	}

	/**
	 * Render the greeting for one connection.
	 * @param local the connection's local address
	 * @param peer the peer as the socket sees it
	 * @param proxy the PROXY header, or {@code null}
	 * @param tls the TLS session, or {@code null}
	 * @return the line, ready to send
	 */
	ByteBuffer render(SocketAddress local, SocketAddress peer, @Nullable ProxyHeader proxy,
			@Nullable SSLSession tls) {
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("service", "echo-reactor");
		for (String key : this.identityOrder) {
			fields.put(key, this.identity.get(key));
		}
		fields.put("local", address(local));
		fields.put("peer", address(peer));
		if (proxy != null) {
			if (proxy.source() != null) {
				fields.put("client", address(proxy.source()));
			}
			fields.put("proxy", proxyDetails(proxy));
		}
		if (tls != null) {
			fields.put("tls", tls.getProtocol());
			fields.put("cipher", tls.getCipherSuite());
			String subject = clientCertificateSubject(tls);
			if (subject != null) {
				fields.put("client-cert", subject);
			}
		}
		String line = (this.mode == Mode.JSON) ? json(fields) : text(fields);
		return ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
	}

	private static String address(SocketAddress address) {
		if (address instanceof InetSocketAddress inet) {
			String host = inet.getAddress().getHostAddress();
			return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
		}
		return String.valueOf(address);
	}

	// The TLVs are the proxy's words about the client, shown as they came: the unique id is
	// opaque bytes, so it is shown in hex.
	private static Map<String, Object> proxyDetails(ProxyHeader proxy) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("version", proxy.version());
		details.put("command", proxy.command().name().toLowerCase(Locale.ROOT));
		proxy.alpn().ifPresent((alpn) -> details.put("alpn", alpn));
		proxy.authority().ifPresent((authority) -> details.put("authority", authority));
		proxy.uniqueId().ifPresent((id) -> details.put("unique-id", HexFormat.of().formatHex(id)));
		proxy.ssl().ifPresent((ssl) -> {
			Map<String, Object> tls = new LinkedHashMap<>();
			tls.put("client-tls", ssl.connectedOverSsl());
			ssl.version().ifPresent((version) -> tls.put("version", version));
			ssl.cipher().ifPresent((cipher) -> tls.put("cipher", cipher));
			ssl.commonName().ifPresent((cn) -> tls.put("cn", cn));
			if (ssl.certificateOnConnection() || ssl.certificateInSession()) {
				tls.put("cert-verified", ssl.certificateVerified());
			}
			details.put("ssl", tls);
		});
		return details;
	}

	private static @Nullable String clientCertificateSubject(SSLSession session) {
		try {
			Certificate[] chain = session.getPeerCertificates();
			if (chain.length > 0 && chain[0] instanceof X509Certificate certificate) {
				return certificate.getSubjectX500Principal().getName();
			}
		}
		catch (SSLPeerUnverifiedException ex) {
			// No client certificate
		}
		return null;
	}

	private static String text(Map<String, Object> fields) {
		StringBuilder line = new StringBuilder();
		for (Map.Entry<String, Object> field : flatten("", fields).entrySet()) {
			if (line.length() > 0) {
				line.append(' ');
			}
			// Control characters become spaces before the value is judged, so that a line
			// break in a value cannot end the line or split the value unquoted. C1 controls
			// count too (an ALPN byte 0x85 decodes to NEL, 0x9B to CSI, a terminal's escape),
			// and so do the Unicode line and paragraph separators.
			String value = LINE_BREAKING.matcher(String.valueOf(field.getValue())).replaceAll(" ");
			line.append(field.getKey()).append('=');
			if (value.indexOf(' ') >= 0 || value.indexOf('"') >= 0 || value.isEmpty()) {
				line.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
			}
			else {
				line.append(value);
			}
		}
		return line.toString();
	}

	// Nested fields become "parent-child" keys: the text form has one level.
	private static Map<String, Object> flatten(String prefix, Map<String, Object> fields) {
		Map<String, Object> flat = new LinkedHashMap<>();
		for (Map.Entry<String, Object> field : fields.entrySet()) {
			if (field.getValue() instanceof Map<?, ?> nested) {
				@SuppressWarnings("unchecked")
				Map<String, Object> children = (Map<String, Object>) nested;
				flat.putAll(flatten(prefix + field.getKey() + "-", children));
			}
			else {
				flat.put(prefix + field.getKey(), field.getValue());
			}
		}
		return flat;
	}

	private static String json(Map<String, Object> fields) {
		StringBuilder json = new StringBuilder();
		object(json, fields);
		return json.toString();
	}

	private static void object(StringBuilder json, Map<String, Object> fields) {
		json.append('{');
		boolean first = true;
		for (Map.Entry<String, Object> field : fields.entrySet()) {
			if (!first) {
				json.append(',');
			}
			first = false;
			quote(json, field.getKey());
			json.append(':');
			Object value = field.getValue();
			if (value instanceof Map<?, ?> nested) {
				@SuppressWarnings("unchecked")
				Map<String, Object> children = (Map<String, Object>) nested;
				object(json, children);
			}
			else if (value instanceof Number || value instanceof Boolean) {
				json.append(value);
			}
			else {
				quote(json, String.valueOf(value));
			}
		}
		json.append('}');
	}

	private static void quote(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				default -> {
					if (breaksTheLine(c)) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

	private static boolean breaksTheLine(char c) {
		return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
	}

	/**
	 * The greeting's form.
	 */
	public enum Mode {

		/** No greeting: the echo is byte-exact RFC 862. */
		OFF,

		/** One line of {@code key=value} pairs. */
		TEXT,

		/** One JSON object on one line. */
		JSON

	}

}

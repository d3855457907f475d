package io.echoreactor.bench.loop;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.util.Locale;

import javax.net.ssl.SSLException;

/**
 * What went wrong, by kind, as the summary counts it. Any error fails the run. Wrong and
 * extra bytes are counted in bytes, unanswered messages in messages; the other kinds in
 * connections (UDP: datagrams).
 */
public enum ErrorKind {

	/** Echoed bytes that differ from the bytes sent (counted in bytes). */
	CORRUPT("corrupt"),

	/** Echoed bytes beyond those sent (counted in bytes). */
	EXTRA("extra"),

	/** Connections the server closed before echoing everything. */
	EOF("eof"),

	/** Connections reset, or whose writes met a closed peer. */
	RESET("reset"),

	/** Connections refused; UDP: ICMP port unreachable (nothing listens). */
	REFUSED("refused"),

	/** Connections not ready to echo within {@code --connect-timeout}. */
	CONNECT_TIMEOUT("connect-timeout"),

	/** Connections that failed to connect for another reason (no route, unknown host). */
	CONNECT("connect"),

	/** TLS handshakes that failed (an untrusted certificate, no common protocol, an alert). */
	TLS("tls"),

	/** Connections that sent no greeting line, or one over 8 KiB. */
	GREETING("greeting"),

	/** Connections that waited longer than {@code --timeout} for an echo while the load ran. */
	TIMEOUT("timeout"),

	/**
	 * Messages still not echoed {@code --timeout} after the measured window's end, when the
	 * run stops waiting (counted in messages).
	 */
	UNANSWERED("unanswered"),

	/** UDP: echoes of another length than the datagram's. */
	LENGTH("length"),

	/** UDP: echoes of datagrams this flow never sent. */
	UNKNOWN("unknown"),

	/** Any other I/O failure. */
	IO("io");

	private final String label;

	ErrorKind(String label) {
		this.label = label;
	}

	/** @return the name in the summary and the JSON */
	public String label() {
		return this.label;
	}

	/**
	 * Return what the kind counts.
	 * @param udp whether the load was UDP
	 * @return bytes, connections, flows or datagrams
	 */
	public String unit(boolean udp) {
		return switch (this) {
			case CORRUPT, EXTRA -> "bytes";
			case UNANSWERED -> "messages";
			case REFUSED, LENGTH, UNKNOWN -> udp ? "datagrams" : "connections";
			default -> udp ? "flows" : "connections";
		};
	}

	/**
	 * Classify a failed connect (or connection setup).
	 * @param ex the failure
	 * @return its kind
	 */
	public static ErrorKind ofConnect(IOException ex) {
		if (ex instanceof SSLException) {
			return TLS;
		}
		if (ex instanceof ConnectException && message(ex).contains("refused")) {
			return REFUSED;
		}
		if (ex instanceof SocketTimeoutException || message(ex).contains("timed out")) {
			return CONNECT_TIMEOUT;
		}
		if (ex instanceof ConnectException || ex instanceof NoRouteToHostException) {
			return CONNECT;
		}
		return of(ex);
	}

	/**
	 * Classify a failure on an established connection or flow.
	 * @param ex the failure
	 * @return its kind
	 */
	public static ErrorKind of(IOException ex) {
		if (ex instanceof SSLException) {
			return TLS;
		}
		if (ex instanceof PortUnreachableException) {
			return REFUSED;
		}
		String message = message(ex);
		// The JDK reports no errno: "Connection reset", "Connection reset by peer", "Broken pipe".
		if (message.contains("reset") || message.contains("broken pipe")) {
			return RESET;
		}
		if (message.contains("refused")) {
			return REFUSED;
		}
		return IO;
	}

	private static String message(IOException ex) {
		String message = ex.getMessage();
		return (message != null) ? message.toLowerCase(Locale.ROOT) : "";
	}

}

package io.echoreactor.reactor;

import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * What a TLS connection is made from: the {@link SSLContext} of the configured bundle,
 * the protocols and cipher suites it narrows to, and whether client certificates are
 * asked for. It can be {@link #update(SSLContext, List, List) updated} while the server
 * runs (a rotated certificate): new handshakes use the new context, connections already
 * open keep theirs.
 *
 * <p>
 * <strong>Threading:</strong> updated from any thread (the bundle's file watcher), read
 * by the reactors; the three parts are replaced together as one immutable value.
 */
public final class TlsContext {

	private volatile Snapshot snapshot;

	private final ClientAuth clientAuth;

	/**
	 * Create the context.
	 * @param context the SSL context
	 * @param protocols the enabled protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the enabled cipher suites, or {@code null} for the JDK's defaults
	 * @param clientAuth whether client certificates are asked for
	 */
	public TlsContext(SSLContext context, List<String> protocols, List<String> ciphers, ClientAuth clientAuth) {
		this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
		this.snapshot = new Snapshot(context, protocols, ciphers);
	}

	/**
	 * Use another context (and options) for new handshakes. Called from any thread.
	 * @param context the new SSL context
	 * @param protocols the enabled protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the enabled cipher suites, or {@code null} for the JDK's defaults
	 */
	public void update(SSLContext context, List<String> protocols, List<String> ciphers) {
		this.snapshot = new Snapshot(context, protocols, ciphers);
	}

	/** @return whether client certificates are asked for */
	public ClientAuth clientAuth() {
		return this.clientAuth;
	}

	/** @return the protocols a handshake may negotiate */
	public List<String> protocols() {
		return this.snapshot.protocols;
	}

	/** @return the cipher suites a handshake may negotiate, or {@code null} for the JDK's defaults */
	public List<String> ciphers() {
		return this.snapshot.ciphers;
	}

	/**
	 * Create a server engine for a new connection.
	 * @return the engine, not yet handshaking
	 */
	SSLEngine createEngine() {
		Snapshot snapshot = this.snapshot;
		SSLEngine engine = snapshot.context.createSSLEngine();
		engine.setUseClientMode(false);
		SSLParameters parameters = engine.getSSLParameters();
		parameters.setProtocols(snapshot.protocolArray);
		if (snapshot.cipherArray != null) {
			parameters.setCipherSuites(snapshot.cipherArray);
		}
		switch (this.clientAuth) {
			case NEED -> parameters.setNeedClientAuth(true);
			case WANT -> parameters.setWantClientAuth(true);
			case NONE -> {
				parameters.setNeedClientAuth(false);
				parameters.setWantClientAuth(false);
			}
		}
		engine.setSSLParameters(parameters);
		return engine;
	}

	/**
	 * Whether a client must, may or may not present a certificate.
	 */
	public enum ClientAuth {

		/** No client certificate is asked for. */
		NONE,

		/** A client certificate is asked for; a client without one is served. */
		WANT,

		/** A client without a trusted certificate is refused. */
		NEED

	}

	private static final class Snapshot {

		private static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

		private final SSLContext context;

		private final List<String> protocols;

		private final String[] protocolArray;

		private final List<String> ciphers;

		private final String[] cipherArray;

		Snapshot(SSLContext context, List<String> protocols, List<String> ciphers) {
			this.context = Objects.requireNonNull(context, "context");
			this.protocols = (protocols != null && !protocols.isEmpty()) ? List.copyOf(protocols) : DEFAULT_PROTOCOLS;
			this.protocolArray = this.protocols.toArray(String[]::new);
			this.ciphers = (ciphers != null && !ciphers.isEmpty()) ? List.copyOf(ciphers) : null;
			this.cipherArray = (this.ciphers != null) ? this.ciphers.toArray(String[]::new) : null;
		}

	}

}

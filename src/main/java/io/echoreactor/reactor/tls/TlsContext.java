package io.echoreactor.reactor.tls;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.echoreactor.reactor.counters.CountedEvent;
import org.jspecify.annotations.Nullable;

/**
 * What a TLS connection is made from: the {@link SSLContext} of the configured bundle,
 * the protocols and cipher suites it narrows to, and whether client certificates are
 * asked for. It can be {@link #update(SSLContext, List, List) updated} while the server
 * runs (a rotated certificate): new handshakes use the new context, connections already
 * open keep theirs. A {@link #reload(SSLContext, List, List) reload} is checked first and
 * refused whole if it cannot serve, so that a bad bundle never replaces a good one; the
 * reloads are counted by result.
 *
 * <p>
 * <strong>Threading:</strong> updated from any thread (the bundle's file watcher), read
 * by the reactors; the three parts are replaced together as one immutable value.
 */
public final class TlsContext {

	/** The protocols served when a bundle names none. */
	static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

	private volatile Snapshot snapshot;

	private volatile ClientAuth clientAuth;

	private final AtomicLongArray reloads = new AtomicLongArray(ReloadResult.values().length);

	/**
	 * Create the context.
	 * @param context the SSL context
	 * @param protocols the enabled protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the enabled cipher suites, or {@code null} for the JDK's defaults
	 * @param clientAuth whether client certificates are asked for
	 */
	public TlsContext(SSLContext context, @Nullable List<String> protocols, @Nullable List<String> ciphers, ClientAuth clientAuth) {
		this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
		this.snapshot = new Snapshot(context, protocols, ciphers);
	}

	/**
	 * Use another context (and options) for new handshakes. Called from any thread.
	 * @param context the new SSL context
	 * @param protocols the enabled protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the enabled cipher suites, or {@code null} for the JDK's defaults
	 */
	public void update(SSLContext context, @Nullable List<String> protocols, @Nullable List<String> ciphers) {
		this.snapshot = new Snapshot(context, protocols, ciphers);
	}

	/**
	 * Use a reloaded bundle's context for new handshakes if it can serve, as
	 * {@link TlsContextCheck} finds out; if it cannot, the current one stays. Counted
	 * either way. Called from any thread.
	 * @param context the new SSL context
	 * @param protocols the enabled protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the enabled cipher suites, or {@code null} for the JDK's defaults
	 * @throws UnusableTlsException if it cannot serve, and was refused
	 */
	public void reload(SSLContext context, @Nullable List<String> protocols, @Nullable List<String> ciphers)
			throws UnusableTlsException {
		try {
			TlsContextCheck.check(context, protocols, ciphers);
		}
		catch (UnusableTlsException ex) {
			reloadRefused();
			throw ex;
		}
		update(context, protocols, ciphers);
		this.reloads.incrementAndGet(ReloadResult.APPLIED.ordinal());
	}

	/**
	 * Count a reload refused before it came to a context, such as a bundle whose key
	 * material could not be read.
	 */
	public void reloadRefused() {
		this.reloads.incrementAndGet(ReloadResult.REFUSED.ordinal());
	}

	/**
	 * Return how many reloads ended with the result.
	 * @param result the result
	 * @return the count since start
	 */
	public long reloads(ReloadResult result) {
		return this.reloads.get(result.ordinal());
	}

	/**
	 * Change whether client certificates are asked for, for the handshakes that begin from
	 * now on; sessions already established keep what they agreed. Called from any thread.
	 * @param clientAuth whether client certificates are asked for
	 */
	public void setClientAuth(ClientAuth clientAuth) {
		this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
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
	public @Nullable List<String> ciphers() {
		return this.snapshot.ciphers;
	}

	/**
	 * Create a server engine for a new connection.
	 * @return the engine, not yet handshaking
	 */
	public SSLEngine createEngine() {
		Snapshot snapshot = this.snapshot;
		return serverEngine(snapshot.context, snapshot.protocolArray, snapshot.cipherArray, this.clientAuth);
	}

	// The one recipe for a server engine, which the check before a context is used follows too.
	static SSLEngine serverEngine(SSLContext context, String[] protocols, String @Nullable [] ciphers, ClientAuth clientAuth) {
		SSLEngine engine = context.createSSLEngine();
		engine.setUseClientMode(false);
		SSLParameters parameters = engine.getSSLParameters();
		parameters.setProtocols(protocols);
		if (ciphers != null) {
			parameters.setCipherSuites(ciphers);
		}
		switch (clientAuth) {
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

	/**
	 * How a reload of the bundle ended.
	 */
	public enum ReloadResult implements CountedEvent {

		/** New handshakes use the reloaded bundle. */
		APPLIED("new handshakes use the reloaded bundle"),

		/** The reloaded bundle could not serve; new handshakes keep the previous one. */
		REFUSED("it could not serve: its protocols, cipher suites or key failed a handshake in memory, "
				+ "or it could not be read; the previous bundle keeps serving and one line is logged");

		private final String description;

		ReloadResult(String description) {
			this.description = description;
		}

		@Override
		public String description() {
			return this.description;
		}

	}

	private static final class Snapshot {

		private final SSLContext context;

		private final List<String> protocols;

		private final String[] protocolArray;

		private final @Nullable List<String> ciphers;

		private final String @Nullable [] cipherArray;

		Snapshot(SSLContext context, @Nullable List<String> protocols, @Nullable List<String> ciphers) {
			this.context = Objects.requireNonNull(context, "context");
			this.protocols = (protocols != null && !protocols.isEmpty()) ? List.copyOf(protocols) : DEFAULT_PROTOCOLS;
			this.protocolArray = this.protocols.toArray(String[]::new);
			this.ciphers = (ciphers != null && !ciphers.isEmpty()) ? List.copyOf(ciphers) : null;
			this.cipherArray = (this.ciphers != null) ? this.ciphers.toArray(String[]::new) : null;
		}

	}

}

package io.echoreactor.reactor.tls;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;

/**
 * Finds out whether a TLS context, narrowed to some protocols and cipher suites, can
 * serve, before it is used: every protocol named is one this JVM supports and has not
 * disabled, every cipher suite named is one it supports, and each protocol named (or the
 * defaults together, when none is) completes a handshake with the context's key and those
 * suites. The handshake is real and in memory: a server engine made as the listener makes
 * one (client certificates aside) against a client that trusts any certificate and
 * offers the same protocols and suites. Without it, a suite list that fits neither the
 * key nor the protocols (TLS 1.2 ECDSA suites with an RSA key, TLS 1.2 suites with TLS
 * 1.3 alone) would pass every check by name and fail every client.
 */
public final class TlsContextCheck {

	// A handshake is a few flights each way; far more steps than that means no progress.
	private static final int MAX_STEPS = 200;

	private static final String SSL_V2_HELLO = "SSLv2Hello";

	private TlsContextCheck() {
	}

	/**
	 * Check that the context, narrowed as given, can serve.
	 * @param context the SSL context
	 * @param protocols the protocols, or {@code null} for TLS 1.3 and 1.2
	 * @param ciphers the cipher suites, or {@code null} for the JDK's defaults
	 * @throws UnusableTlsException if it cannot, naming the setting at fault
	 */
	public static void check(SSLContext context, @Nullable List<String> protocols, @Nullable List<String> ciphers)
			throws UnusableTlsException {
		List<String> suites = (ciphers != null && !ciphers.isEmpty()) ? ciphers : null;
		if (protocols == null || protocols.isEmpty()) {
			checkNames(context, List.of(), suites);
			probe(context, TlsContext.DEFAULT_PROTOCOLS, suites, TlsContext.DEFAULT_PROTOCOLS);
			return;
		}
		List<String> offered = protocols;
		checkNames(context, offered, suites);
		// Each protocol named has its own clients, so each must be able to serve them.
		List<String> alone = offered.stream().filter((protocol) -> !SSL_V2_HELLO.equals(protocol)).toList();
		for (String protocol : alone.isEmpty() ? offered : alone) {
			probe(context, List.of(protocol), suites, offered);
		}
	}

	private static void checkNames(SSLContext context, List<String> protocols, @Nullable List<String> ciphers)
			throws UnusableTlsException {
		SSLEngine engine = context.createSSLEngine();
		Set<String> supportedProtocols = Set.of(engine.getSupportedProtocols());
		Set<String> disabled = disabledAlgorithms();
		for (String protocol : protocols) {
			if (!supportedProtocols.contains(protocol)) {
				List<String> usable = Arrays.stream(engine.getSupportedProtocols())
					.filter((supported) -> !disabled.contains(supported.toLowerCase(Locale.ROOT)))
					.toList();
				throw new UnusableTlsException(UnusableTlsException.Setting.PROTOCOLS, String.join(",", protocols),
						protocol + " is not a protocol this JVM (" + javaVersion() + ") supports; it serves "
								+ String.join(", ", usable));
			}
			if (disabled.contains(protocol.toLowerCase(Locale.ROOT))) {
				throw new UnusableTlsException(UnusableTlsException.Setting.PROTOCOLS, String.join(",", protocols),
						protocol + " is disabled in this JVM (" + javaVersion()
								+ ") by the security property jdk.tls.disabledAlgorithms");
			}
		}
		if (ciphers != null) {
			Set<String> supported = Set.of(engine.getSupportedCipherSuites());
			List<String> unknown = ciphers.stream().filter((cipher) -> !supported.contains(cipher)).toList();
			if (!unknown.isEmpty()) {
				throw new UnusableTlsException(UnusableTlsException.Setting.CIPHERS, String.join(",", ciphers),
						String.join(", ", unknown)
								+ ((unknown.size() == 1) ? " is not a cipher suite" : " are not cipher suites")
								+ " this JVM (" + javaVersion() + ") supports");
			}
		}
	}

	private static void probe(SSLContext context, List<String> protocols, @Nullable List<String> ciphers,
			List<String> configuredProtocols) throws UnusableTlsException {
		String failure = handshake(context, protocols, ciphers).failure;
		if (failure == null) {
			return;
		}
		// Whether the key and certificate serve at all, with nothing narrowed, tells the
		// options apart from the key material, and names the key's algorithm.
		Handshake plain = handshake(context, TlsContext.DEFAULT_PROTOCOLS, null);
		if (plain.failure != null) {
			throw new UnusableTlsException(UnusableTlsException.Setting.KEY, "",
					"the bundle's certificate and private key cannot complete a TLS handshake (" + plain.failure
							+ "); check that the key belongs to the certificate");
		}
		String with = String.join(" or ", protocols) + " and the bundle's " + plain.keyAlgorithm + " key";
		if (ciphers != null) {
			throw new UnusableTlsException(UnusableTlsException.Setting.CIPHERS, String.join(",", ciphers),
					"no cipher suite in the list can be used with " + with
							+ " (suites disabled by jdk.tls.disabledAlgorithms count as unusable)");
		}
		throw new UnusableTlsException(UnusableTlsException.Setting.PROTOCOLS, String.join(",", configuredProtocols),
				String.join(" or ", protocols) + " cannot complete a handshake with the bundle's " + plain.keyAlgorithm
						+ " key (" + failure + ")");
	}

	private static Handshake handshake(SSLContext context, List<String> protocols, @Nullable List<String> ciphers) {
		SSLEngine server = null;
		SSLEngine client = null;
		try {
			String[] protocolArray = protocols.toArray(String[]::new);
			String[] cipherArray = (ciphers != null) ? ciphers.toArray(String[]::new) : null;
			server = TlsContext.serverEngine(context, protocolArray, cipherArray, TlsContext.ClientAuth.NONE);
			client = TrustingClient.CONTEXT.createSSLEngine();
			client.setUseClientMode(true);
			SSLParameters parameters = client.getSSLParameters();
			parameters.setProtocols(protocolArray);
			if (cipherArray != null) {
				parameters.setCipherSuites(cipherArray);
			}
			client.setSSLParameters(parameters);
			return exchange(client, server);
		}
		catch (SSLException | RuntimeException ex) {
			return new Handshake(describe(ex), null);
		}
		finally {
			close(client);
			close(server);
		}
	}

	private static Handshake exchange(SSLEngine client, SSLEngine server) throws SSLException {
		int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
		int application = Math.max(client.getSession().getApplicationBufferSize(),
				server.getSession().getApplicationBufferSize());
		ByteBuffer toServer = ByteBuffer.allocate(2 * packet);
		ByteBuffer toClient = ByteBuffer.allocate(2 * packet);
		ByteBuffer clientIn = ByteBuffer.allocate(application);
		ByteBuffer serverIn = ByteBuffer.allocate(application);
		client.beginHandshake();
		server.beginHandshake();
		for (int step = 0; step < MAX_STEPS; step++) {
			boolean clientMoved = step(client, toServer, toClient, clientIn);
			boolean serverMoved = step(server, toClient, toServer, serverIn);
			if (!clientMoved && !serverMoved && done(client) && done(server)) {
				Certificate[] chain = client.getSession().getPeerCertificates();
				return new Handshake(null, chain[0].getPublicKey().getAlgorithm());
			}
		}
		return new Handshake("the handshake did not finish", null);
	}

	// One move of one side: run its tasks, or send what it has, or read what it was sent.
	private static boolean step(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer application)
			throws SSLException {
		HandshakeStatus status = engine.getHandshakeStatus();
		switch (status) {
			case NEED_TASK -> {
				Runnable task;
				while ((task = engine.getDelegatedTask()) != null) {
					task.run();
				}
				return true;
			}
			case NEED_WRAP -> {
				SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
				return result.bytesProduced() > 0 || engine.getHandshakeStatus() != status;
			}
			case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
				in.flip();
				SSLEngineResult result;
				try {
					result = engine.unwrap(in, application);
				}
				finally {
					in.compact();
				}
				application.clear();
				return result.bytesConsumed() > 0 || engine.getHandshakeStatus() != status;
			}
			default -> {
				return false;
			}
		}
	}

	private static boolean done(SSLEngine engine) {
		return engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
	}

	private static void close(@Nullable SSLEngine engine) {
		if (engine != null) {
			engine.closeOutbound();
		}
	}

	private static String describe(Exception ex) {
		String message = ex.getMessage();
		return (message != null) ? message : ex.getClass().getSimpleName();
	}

	// The tokens of jdk.tls.disabledAlgorithms, lower case; constraints such as
	// "RSA keySize < 1024" name an algorithm with a condition, not a protocol.
	private static Set<String> disabledAlgorithms() {
		String property = Security.getProperty("jdk.tls.disabledAlgorithms");
		Set<String> disabled = new LinkedHashSet<>();
		if (property != null) {
			for (String entry : property.split(",")) {
				String trimmed = entry.trim();
				if (!trimmed.isEmpty() && !trimmed.contains(" ")) {
					disabled.add(trimmed.toLowerCase(Locale.ROOT));
				}
			}
		}
		return disabled;
	}

	private static String javaVersion() {
		return System.getProperty("java.version");
	}

	private record Handshake(@Nullable String failure, @Nullable String keyAlgorithm) {
	}

	// The probe's client: any certificate will do, the point is the server's side.
	private static final class TrustingClient extends X509ExtendedTrustManager {

		static final SSLContext CONTEXT = context();

		private static SSLContext context() {
			try {
				SSLContext context = SSLContext.getInstance("TLS");
				context.init(null, new TrustManager[] { new TrustingClient() }, null);
				return context;
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("No TLS client context in this JVM", ex);
			}
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

}

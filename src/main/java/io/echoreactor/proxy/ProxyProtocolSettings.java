package io.echoreactor.proxy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * The PROXY protocol: whether connections start with a header naming the client, and from
 * which sources one is believed.
 *
 * @param mode off, optional or required
 * @param trustedSources the sources whose headers are read; a header from anyone else would
 * let a client forge its address, so none may hold every address of a family
 * @param headerTimeout how long a connection may take to send its header
 */
public record ProxyProtocolSettings(Mode mode, List<CidrRange> trustedSources, Duration headerTimeout) {

	public ProxyProtocolSettings {
		trustedSources = List.copyOf(trustedSources);
		for (CidrRange range : trustedSources) {
			if (range.containsEveryAddressOfAFamily()) {
				throw new IllegalArgumentException("proxyProtocol.trustedSources must not contain every IPv4 or every "
						+ "IPv6 address, as " + range + " does");
			}
		}
		if (headerTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()) {
			throw new IllegalArgumentException("proxyProtocol.headerTimeout must be positive");
		}
	}

	/**
	 * @param address a connection's peer
	 * @return whether its PROXY header is read
	 */
	public boolean trusts(InetAddress address) {
		for (CidrRange range : this.trustedSources) {
			if (range.contains(address)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * @param peer a connection's peer
	 * @return whether the connection's client address is known only once its header is read
	 */
	public boolean readsHeaderFrom(InetAddress peer) {
		return this.mode != Mode.OFF && peer != null && trusts(peer);
	}

	/**
	 * Whether connections start with a PROXY header.
	 */
	public enum Mode {

		/** No header is read: bytes are data from the first. */
		OFF,

		/** Trusted sources may send a header; without one their bytes are data. */
		OPTIONAL,

		/** Every connection must start with a header from a trusted source; others are closed. */
		REQUIRED

	}

}

package io.echoreactor.support;

import java.util.Map;

import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.udp.UdpSettings;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The reactor's settings as the service runs them with nothing configured: bound from an
 * empty {@code echo.server} through {@link EchoServerProperties}, whose declarations hold
 * every default. Tests that build an {@link io.echoreactor.reactor.EchoServer} start from
 * these and change what they are about, so that no test repeats a default.
 */
public final class DefaultSettings {

	private static final EchoServerSettings DEFAULTS = bind(Map.of());

	private DefaultSettings() {
	}

	/**
	 * Return the settings of a server with nothing configured.
	 * @return the default settings
	 */
	public static EchoServerSettings defaults() {
		return DEFAULTS;
	}

	/**
	 * Return a builder holding the default settings.
	 * @return a new builder
	 */
	public static EchoServerSettings.Builder builder() {
		return DEFAULTS.toBuilder();
	}

	/**
	 * Return the default socket options.
	 * @return the socket options
	 */
	public static SocketSettings socket() {
		return DEFAULTS.socket();
	}

	/**
	 * Return the default UDP echo's settings.
	 * @return the UDP settings, UDP on
	 */
	public static UdpSettings udp() {
		return DEFAULTS.udp();
	}

	/**
	 * Return the default UDP echo's settings with UDP off.
	 * @return the UDP settings, UDP off
	 */
	public static UdpSettings udpDisabled() {
		UdpSettings udp = DEFAULTS.udp();
		return new UdpSettings(false, udp.port(), udp.rateLimitPerSource(), udp.maxTrackedSources(),
				udp.receiveBudget(), udp.receiveBufferSize(), udp.sendBufferSize());
	}

	/**
	 * Return the default PROXY protocol settings: off, trusting loopback.
	 * @return the PROXY protocol settings
	 */
	public static ProxyProtocolSettings proxyProtocol() {
		return DEFAULTS.proxyProtocol();
	}

	/**
	 * Bind {@code echo.server.*} properties as the application does, without a TLS
	 * listener, and return them as the reactor's settings.
	 * @param properties the properties, by their full names
	 * @return the settings
	 */
	public static EchoServerSettings bind(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties))
			.bindOrCreate("echo.server", Bindable.of(EchoServerProperties.class))
			.toSettings();
	}

}

package io.echoreactor.bench.tcp;

/**
 * Where a {@link TcpFlow}'s connection is, from before its connect to its end.
 */
enum Stage {

	NEW, CONNECTING, PROXY, HANDSHAKE, GREETING, READY, ECHO, DONE;

	boolean settingUp() {
		return ordinal() < READY.ordinal();
	}

}

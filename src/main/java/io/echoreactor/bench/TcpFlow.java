package io.echoreactor.bench;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * One TCP (or TLS) connection of the load. It connects, sends the PROXY header, shakes
 * hands and reads the greeting as asked, then echoes: message {@code m} is bytes
 * {@code [m * size, (m + 1) * size)} of the connection's {@link Payload} stream, so each
 * echoed byte is checked against the table as it arrives and nothing sent is kept.
 *
 * <p>
 * <strong>Closed loop</strong> ({@code --depth}): {@code depth} messages are in flight;
 * each completed echo releases the next, and a message's latency runs from the write that
 * took its first byte to the read that returned its last, as in the C client.
 * <strong>Open loop</strong> ({@code --rate}): the loop releases messages on a schedule,
 * whatever is in flight; a message's latency runs from its intended send time, so a
 * message sent late because the server (or this client) fell behind carries the delay.
 *
 * <p>
 * At the end it sends no more, shuts its output once all is sent (TLS: sends
 * {@code close_notify} once every echo is back) and waits for the server's end of stream:
 * anything missing then is an error. A connection that echoes a wrong byte is closed at
 * once; its stream can no longer be trusted.
 *
 * <p>
 * <strong>Reconnecting</strong> ({@code --reconnect}): each connection carries one
 * message. Once its echo is back and the server has closed, the flow opens the next
 * connection at once and goes through connect, PROXY header, handshake and greeting
 * again; it stays one flow, ready once for the loop, until the run ends. A TLS session
 * is invalidated when its connection ends, so that every handshake is a full one: what
 * is measured is what a server pays for a new client, not for a returning one. Each
 * connection allocates its socket, key and engine; the echo itself still allocates
 * nothing.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
final class TcpFlow extends Flow {

	private static final int PERIOD = Payload.PERIOD;

	private enum Stage {

		NEW, CONNECTING, PROXY, HANDSHAKE, GREETING, READY, ECHO, DONE;

		boolean settingUp() {
			return ordinal() < READY.ordinal();
		}

	}

	private final int size;

	private final int depth;

	private final boolean openLoop;

	private final boolean reconnect;

	private final int start;

	private final ByteBuffer view = Payload.view();

	// Closed loop: when each message in flight was sent, a ring by message number % depth; the
	// slots of the next message to be stamped and of the oldest in flight, kept without a division.
	private final long[] sentAt;

	private int nextSent;

	private int oldestSent;

	private Stage stage = Stage.NEW;

	private SocketChannel channel;

	private TlsClient tls;

	private ByteBuffer proxyHeader;

	// The greeting line as it arrives; null when none is expected.
	private ByteBuffer greeting;

	private boolean greetingDone;

	private long queued;

	private long sent;

	private long received;

	private long stamped;

	private long released;

	private long completed;

	private boolean running;

	private boolean outputShut;

	// Messages this connection sends: the flow's quota, or with --reconnect one while the quota lasts.
	private long limit;

	// With --reconnect: messages released on the flow's earlier connections.
	private long previous;

	// Whether the loop has heard that this flow is ready; with --reconnect only the first connection tells it.
	private boolean readied;

	private long connectStartedAt;

	private long setupDeadline;

	private long waitingSince;

	private long closingSince;

	TcpFlow(LoadLoop loop, int id, long quota) {
		super(loop, id, quota);
		BenchOptions options = loop.options;
		this.size = options.size();
		this.depth = options.depth();
		this.openLoop = options.openLoop();
		this.reconnect = options.reconnect();
		this.start = Payload.start(id);
		this.sentAt = this.openLoop ? null : new long[this.depth];
	}

	@Override
	void open(long now) {
		this.stage = Stage.CONNECTING;
		this.setupDeadline = now + this.loop.options.connectTimeoutNanos();
		InetSocketAddress address = this.loop.run.address();
		try {
			this.channel = SocketChannel.open((address.getAddress() instanceof Inet6Address)
					? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
			this.channel.configureBlocking(false);
			// Pipelined small messages leave at once instead of waiting for the previous ACK.
			this.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
			this.connectStartedAt = System.nanoTime();
			boolean connected = this.channel.connect(address);
			register(this.channel, connected ? 0 : SelectionKey.OP_CONNECT);
			if (connected) {
				connected();
			}
		}
		catch (IOException | RuntimeException ex) {
			fail(ErrorKind.ofConnect(asIOException(ex)), 1, describe(ex));
		}
	}

	@Override
	void selected(int readyOps) {
		try {
			switch (this.stage) {
				case CONNECTING -> {
					if (this.channel.finishConnect()) {
						connected();
					}
				}
				case PROXY, HANDSHAKE -> setUp();
				case GREETING, READY -> read();
				case ECHO -> {
					if ((readyOps & SelectionKey.OP_READ) != 0) {
						read();
					}
					if (this.stage == Stage.ECHO && (readyOps & SelectionKey.OP_WRITE) != 0) {
						writable();
					}
				}
				default -> {
					// Closed already
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			failed(ex);
		}
	}

	private void failed(Exception ex) {
		IOException io = asIOException(ex);
		ErrorKind kind = switch (this.stage) {
			case NEW, CONNECTING, PROXY -> ErrorKind.ofConnect(io);
			case HANDSHAKE -> ErrorKind.TLS;
			default -> ErrorKind.of(io);
		};
		fail(kind, 1, describe(ex));
	}

	private void connected() throws IOException {
		this.figures.connected(System.nanoTime() - this.connectStartedAt);
		BenchOptions options = this.loop.options;
		if (options.greeting()) {
			this.greeting = ByteBuffer.allocate(Greetings.MAX_LENGTH);
		}
		if (options.proxyProtocol() != null) {
			this.proxyHeader = ProxyHeaderWriter.header(options.proxyProtocol(),
					(InetSocketAddress) this.channel.getLocalAddress(),
					(InetSocketAddress) this.channel.getRemoteAddress());
			this.stage = Stage.PROXY;
		}
		else {
			beginTls();
		}
		setUp();
	}

	private void beginTls() throws IOException {
		ClientTls clientTls = this.loop.run.tls();
		if (clientTls == null) {
			this.stage = (this.greeting != null) ? Stage.GREETING : Stage.READY;
			return;
		}
		SSLEngine engine = clientTls.createEngine(!this.reconnect);
		this.tls = new TlsClient(engine, this.channel, this.loop.tlsBuffers(engine));
		this.tls.begin();
		this.connectStartedAt = System.nanoTime();
		this.stage = Stage.HANDSHAKE;
	}

	// Moves through the stages before the echo as far as it can without waiting.
	private void setUp() throws IOException {
		if (this.stage == Stage.PROXY) {
			this.channel.write(this.proxyHeader);
			if (this.proxyHeader.hasRemaining()) {
				interest(SelectionKey.OP_WRITE);
				return;
			}
			this.proxyHeader = null;
			beginTls();
		}
		if (this.stage == Stage.HANDSHAKE) {
			if (!this.tls.handshake(this)) {
				if (this.stage == Stage.HANDSHAKE) {
					interest(this.tls.hasPending() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
							: SelectionKey.OP_READ);
				}
				return;
			}
			SSLSession session = this.tls.engine().getSession();
			long now = System.nanoTime();
			this.loop.handshaken(now, now - this.connectStartedAt, session.getProtocol() + " " + session.getCipherSuite());
			// The greeting may have come with the handshake's last records.
			this.stage = (this.greeting != null && !this.greetingDone) ? Stage.GREETING : Stage.READY;
		}
		interest(SelectionKey.OP_READ);
		if (this.stage == Stage.READY) {
			ready();
		}
	}

	// The first connection tells the loop, which starts the echo on every flow; with --reconnect a later
	// connection of a started run echoes at once.
	private void ready() {
		if (!this.readied) {
			this.readied = true;
			this.loop.ready();
		}
		else {
			echo(System.nanoTime());
		}
	}

	/**
	 * Take plaintext from the server: the greeting, then echoes.
	 * @param data the bytes
	 * @param now when they were read
	 */
	void plaintext(ByteBuffer data, long now) {
		if (this.greeting != null && !this.greetingDone) {
			if (!readGreeting(data) || !data.hasRemaining()) {
				return;
			}
		}
		if (this.stage == Stage.ECHO) {
			received(data, now);
		}
		else if (data.hasRemaining()) {
			fail(ErrorKind.EXTRA, data.remaining(),
					"the server sent " + data.remaining() + " byte(s) before the client sent any");
		}
	}

	// Returns false once the flow has failed.
	private boolean readGreeting(ByteBuffer data) {
		while (data.hasRemaining()) {
			byte b = data.get();
			if (b == '\n') {
				this.greeting.flip();
				String line = StandardCharsets.UTF_8.decode(this.greeting).toString();
				if (line.endsWith("\r")) {
					line = line.substring(0, line.length() - 1);
				}
				this.figures.greetings.add(Greetings.key(line));
				this.greetingDone = true;
				if (this.stage == Stage.GREETING) {
					this.stage = Stage.READY;
					ready();
				}
				return true;
			}
			if (!this.greeting.hasRemaining()) {
				fail(ErrorKind.GREETING, 1, "the greeting line is longer than " + Greetings.MAX_LENGTH + " bytes");
				return false;
			}
			this.greeting.put(b);
		}
		return true;
	}

	@Override
	void start(long now) {
		if (this.stage != Stage.READY) {
			return;
		}
		if (this.loop.options.durationNanos() == 0) {
			this.stage = Stage.ECHO;
			finish();
			return;
		}
		this.running = true;
		echo(now);
	}

	// On a ready connection: the closed loop's first messages; once the run has stopped, only the end.
	private void echo(long now) {
		this.stage = Stage.ECHO;
		this.waitingSince = now;
		this.limit = this.reconnect ? Math.min(1, this.quota - this.previous) : this.quota;
		if (!this.openLoop && this.running) {
			long initial = Math.min(this.depth, this.limit);
			this.released = initial;
			this.queued = initial * this.size;
		}
		try {
			sendSome();
		}
		catch (IOException | RuntimeException ex) {
			failed(ex);
		}
	}

	@Override
	void release(long now) {
		if (this.stage != Stage.ECHO || !this.running || this.released >= this.limit) {
			return;
		}
		if (this.completed == this.released) {
			this.waitingSince = now;
		}
		this.released++;
		this.queued += this.size;
		if ((interest() & SelectionKey.OP_WRITE) == 0) {
			try {
				sendSome();
			}
			catch (IOException | RuntimeException ex) {
				failed(ex);
			}
		}
	}

	@Override
	void stop(long now) {
		this.running = false;
		if (this.stage == Stage.ECHO) {
			try {
				endIfAllSent(now);
			}
			catch (IOException | RuntimeException ex) {
				failed(ex);
			}
		}
	}

	private void read() throws IOException {
		if (this.tls != null) {
			if (this.tls.read(this) < 0) {
				endOfStream();
			}
			return;
		}
		ByteBuffer buffer = this.loop.readBuffer;
		for (;;) {
			buffer.clear();
			int read = this.channel.read(buffer);
			if (read <= 0) {
				if (read < 0) {
					endOfStream();
				}
				return;
			}
			long now = System.nanoTime();
			buffer.flip();
			plaintext(buffer, now);
			// A short read emptied the socket; the selector reports the next bytes.
			if (this.stage == Stage.DONE || read < buffer.capacity()) {
				return;
			}
		}
	}

	private void writable() throws IOException {
		if (this.tls != null && !this.tls.flush()) {
			return;
		}
		if (this.sent < this.queued) {
			sendSome();
		}
		else {
			interest(SelectionKey.OP_READ);
			endIfAllSent(System.nanoTime());
		}
	}

	private void sendSome() throws IOException {
		long now = System.nanoTime();
		ByteBuffer view = this.view;
		while (this.sent < this.queued) {
			int offset = (int) ((this.start + this.sent) % PERIOD);
			int chunk = (int) Math.min(this.queued - this.sent, PERIOD);
			view.limit(offset + chunk).position(offset);
			int written = (this.tls == null) ? this.channel.write(view) : this.tls.send(view);
			if (written > 0) {
				this.sent += written;
				if (!this.openLoop) {
					// A message is in flight from the write that took its first byte.
					while (this.stamped * this.size < this.sent) {
						this.sentAt[this.nextSent] = now;
						this.nextSent = (this.nextSent + 1 == this.depth) ? 0 : this.nextSent + 1;
						this.stamped++;
					}
				}
			}
			if (view.hasRemaining() || (this.tls != null && this.tls.hasPending())) {
				interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
				return;
			}
		}
		interest(SelectionKey.OP_READ);
		endIfAllSent(now);
	}

	// At the end, end of stream tells the server that everything has been sent; the echo must
	// then come back complete, followed by the server's own end of stream.
	private void endIfAllSent(long now) throws IOException {
		if (this.outputShut || (this.running && this.released < this.limit) || this.sent < this.queued) {
			return;
		}
		if (this.tls == null) {
			this.channel.shutdownOutput();
		}
		else {
			// TLS 1.2 servers answer close_notify by closing at once, dropping echoes not yet sent.
			if (this.completed < this.released) {
				return;
			}
			this.tls.closeOutbound();
			if (this.tls.hasPending()) {
				interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
			}
		}
		this.outputShut = true;
		this.closingSince = now;
	}

	private void received(ByteBuffer data, long now) {
		int length = data.remaining();
		long extra = this.received + length - this.sent;
		if (extra > 0) {
			length -= (int) extra;
			data.limit(data.position() + length);
		}
		if (length > 0 && !verify(data, length)) {
			return;
		}
		if (extra > 0) {
			fail(ErrorKind.EXTRA, extra, "the server echoed " + extra + " byte(s) more than were sent");
			return;
		}
		this.received += length;
		this.waitingSince = now;
		long size = this.size;
		int measuredNow = this.loop.measured(now);
		while ((this.completed + 1) * size <= this.received) {
			long latency;
			int measured;
			if (this.openLoop) {
				long intended = this.loop.intended(this.id, this.completed);
				latency = now - intended;
				measured = this.loop.measured(intended);
			}
			else {
				latency = now - this.sentAt[this.oldestSent];
				this.oldestSent = (this.oldestSent + 1 == this.depth) ? 0 : this.oldestSent + 1;
				measured = measuredNow;
			}
			this.completed++;
			this.figures.completed(now, latency, measured);
			if (!this.openLoop && this.running && this.released < this.limit) {
				// Closed loop: one message out per echo back.
				this.released++;
				this.queued += size;
			}
		}
		try {
			if (this.sent < this.queued) {
				if ((interest() & SelectionKey.OP_WRITE) == 0) {
					sendSome();
				}
			}
			else {
				endIfAllSent(now);
			}
		}
		catch (IOException | RuntimeException ex) {
			failed(ex);
		}
	}

	// Compares echoed bytes with the stream; on the first difference counts every wrong byte
	// of this read and fails the connection.
	private boolean verify(ByteBuffer data, int length) {
		ByteBuffer expected = this.loop.expected;
		int position = data.position();
		int end = position + length;
		long at = this.received;
		while (position < end) {
			int offset = (int) ((this.start + at) % PERIOD);
			int chunk = Math.min(end - position, PERIOD);
			expected.limit(offset + chunk).position(offset);
			data.limit(position + chunk).position(position);
			if (data.mismatch(expected) >= 0) {
				corrupt(data, position, end, at);
				return false;
			}
			position += chunk;
			at += chunk;
		}
		return true;
	}

	private void corrupt(ByteBuffer data, int from, int end, long streamOffset) {
		ByteBuffer table = Payload.TABLE;
		long wrong = 0;
		String first = null;
		for (int i = from; i < end; i++) {
			long at = streamOffset + (i - from);
			byte expected = table.get((int) ((this.start + at) % PERIOD));
			byte actual = data.get(i);
			if (actual != expected) {
				wrong++;
				if (first == null) {
					first = String.format("byte %d of connection %d came back as 0x%02X instead of 0x%02X", at,
							this.id, actual & 0xFF, expected & 0xFF);
				}
			}
		}
		fail(ErrorKind.CORRUPT, wrong, first);
	}

	private void endOfStream() {
		if (this.stage == Stage.ECHO && this.outputShut && this.received == this.sent) {
			if (this.reconnect && this.running && this.previous + this.released < this.quota) {
				reconnect();
			}
			else {
				finish();
			}
			return;
		}
		switch (this.stage) {
			case GREETING -> fail(ErrorKind.GREETING, 1, "the server closed the connection before its greeting line");
			case READY -> fail(ErrorKind.EOF, 1, "the server closed the connection before the load started");
			default -> fail(ErrorKind.EOF, 1,
					"the server closed the connection with " + (this.sent - this.received) + " byte(s) not echoed");
		}
	}

	@Override
	void expire(long now) {
		if (this.stage == Stage.NEW) {
			return;
		}
		if (this.stage.settingUp() || this.stage == Stage.GREETING) {
			if (now - this.setupDeadline >= 0) {
				String within = " within " + seconds(this.loop.options.connectTimeoutNanos());
				switch (this.stage) {
					case HANDSHAKE -> fail(ErrorKind.TLS, 1, "TLS handshake not complete" + within);
					case GREETING -> fail(ErrorKind.GREETING, 1, "no greeting line" + within);
					default -> fail(ErrorKind.CONNECT_TIMEOUT, 1,
							"connect to " + this.loop.options.target() + " not complete" + within);
				}
			}
			return;
		}
		if (this.stage != Stage.ECHO) {
			return;
		}
		long timeout = this.loop.options.timeoutNanos();
		if (this.outputShut) {
			if (now - this.closingSince >= timeout) {
				if (this.received == this.sent && this.completed == this.released) {
					// Every echo is back; the server only keeps its side open.
					finish();
				}
				else {
					fail(ErrorKind.TIMEOUT, 1, (this.sent - this.received) + " byte(s) not echoed "
							+ seconds(timeout) + " after the end");
				}
			}
		}
		else if (this.completed < this.released && now - this.waitingSince >= timeout) {
			fail(ErrorKind.TIMEOUT, 1, "no echo for " + seconds(timeout) + " with "
					+ (this.released - this.completed) + " message(s) in flight");
		}
	}

	@Override
	boolean isDone() {
		return this.stage == Stage.DONE;
	}

	@Override
	void abandon() {
		close();
		this.stage = Stage.DONE;
	}

	private void fail(ErrorKind kind, long count, String message) {
		if (this.stage == Stage.DONE) {
			return;
		}
		this.figures.error(kind, count, message);
		finish();
	}

	// The next connection of a reconnecting flow, once this one has echoed and ended well.
	private void reconnect() {
		if (this.tls != null) {
			// Not to be resumed by anyone (the next engine does not look it up either).
			this.tls.engine().getSession().invalidate();
		}
		close();
		this.previous += this.released;
		this.channel = null;
		this.tls = null;
		this.proxyHeader = null;
		this.greeting = null;
		this.greetingDone = false;
		this.queued = 0;
		this.sent = 0;
		this.received = 0;
		this.stamped = 0;
		this.released = 0;
		this.completed = 0;
		this.nextSent = 0;
		this.oldestSent = 0;
		this.outputShut = false;
		open(System.nanoTime());
	}

	private void finish() {
		// A flow that was ready once counts as established, whichever of its connections fails.
		boolean settingUp = !this.readied && (this.stage.settingUp() || this.stage == Stage.GREETING);
		this.stage = Stage.DONE;
		close();
		this.loop.done(settingUp);
	}

	private void close() {
		close(this.channel);
	}

	private static IOException asIOException(Exception ex) {
		return (ex instanceof IOException io) ? io : new IOException(ex.toString(), ex);
	}

	private String describe(Exception ex) {
		String message = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
		return "connection " + this.id + " to " + this.loop.options.target() + ": " + message;
	}

	private static String seconds(long nanos) {
		return String.format(Locale.ROOT, "%.3gs", nanos / 1e9);
	}

}

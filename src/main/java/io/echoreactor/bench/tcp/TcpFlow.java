package io.echoreactor.bench.tcp;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;

import javax.net.ssl.SSLSession;

import io.echoreactor.bench.loop.ErrorKind;
import io.echoreactor.bench.loop.Flow;
import io.echoreactor.bench.loop.LoadLoop;
import io.echoreactor.bench.options.BenchOptions;
import io.echoreactor.bench.tls.ClientTls;
import io.echoreactor.bench.tls.TlsClient;
import org.jspecify.annotations.Nullable;

/**
 * One TCP (or TLS) connection of the load. Over its {@link TcpTransport} it connects,
 * sends the PROXY header, shakes hands and reads the greeting as asked, then echoes
 * through its {@link TcpEcho}, which sends the messages and checks every byte that comes
 * back. At the end the echo has it shut its output (TLS: send {@code close_notify}), and
 * the server's end of stream ends it; a connection that fails is closed at once.
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
 * <strong>Keeping going</strong> ({@code --keep-going}), for servers that fail connections
 * on purpose: a connection that fails while it echoes is counted by kind and replaced at
 * once, its lost messages sent first. A failure before the echo (connect, handshake,
 * greeting) still ends the flow: a server refusing every connection is not tried in a loop.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
public final class TcpFlow extends Flow implements TlsClient.Receiver {

	/** The socket, and TLS over it. */
	final TcpTransport transport;

	private final boolean reconnect;

	private final boolean keepGoing;

	private final TcpEcho echo;

	private Stage stage = Stage.NEW;

	private @Nullable ByteBuffer proxyHeader;

	// The greeting line as it arrives; null when none is expected.
	private @Nullable ByteBuffer greeting;

	private boolean greetingDone;

	// Whether the loop has heard that this flow is ready; with --reconnect only the first connection tells it.
	private boolean readied;

	private long connectStartedAt;

	private long setupDeadline;

	/** Create connection {@code id} of {@code loop}, which sends {@code quota} messages in all. */
	public TcpFlow(LoadLoop loop, int id, long quota) {
		super(loop, id, quota);
		this.transport = new TcpTransport(this);
		this.reconnect = options().reconnect();
		this.keepGoing = options().keepGoing();
		this.echo = new TcpEcho(this);
	}

	@Override
	protected void open(long now) {
		this.stage = Stage.CONNECTING;
		this.setupDeadline = now + options().connectTimeoutNanos();
		InetSocketAddress address = address();
		try {
			this.transport.open((address.getAddress() instanceof Inet6Address) ? StandardProtocolFamily.INET6
					: StandardProtocolFamily.INET);
			this.connectStartedAt = System.nanoTime();
			if (this.transport.connect(address)) {
				connected();
			}
		}
		catch (IOException | RuntimeException ex) {
			fail(ErrorKind.ofConnect(asIOException(ex)), 1, describe("connection", ex));
		}
	}

	@Override
	protected void selected(int readyOps) {
		try {
			switch (this.stage) {
				case CONNECTING -> {
					if (this.transport.finishConnect()) {
						connected();
					}
				}
				case PROXY, HANDSHAKE -> setUp();
				case GREETING, READY -> read();
				case ECHO -> {
					SocketChannel socket = this.transport.socket();
					if ((readyOps & SelectionKey.OP_READ) != 0) {
						read();
					}
					// An end of stream may have put a new connection in this one's place (--keep-going).
					if (this.stage == Stage.ECHO && this.transport.socket() == socket
							&& (readyOps & SelectionKey.OP_WRITE) != 0) {
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

	/**
	 * Fail the connection on an exception, counted by the stage it reached.
	 * @param ex the exception
	 */
	void failed(Exception ex) {
		IOException io = asIOException(ex);
		ErrorKind kind = switch (this.stage) {
			case NEW, CONNECTING, PROXY -> ErrorKind.ofConnect(io);
			case HANDSHAKE -> ErrorKind.TLS;
			default -> ErrorKind.of(io);
		};
		fail(kind, 1, describe("connection", ex));
	}

	private void connected() throws IOException {
		this.figures.connected(readySince(this.connectStartedAt) - this.connectStartedAt);
		BenchOptions options = options();
		if (options.greeting()) {
			this.greeting = ByteBuffer.allocate(Greetings.MAX_LENGTH);
		}
		if (options.proxyProtocol() != null) {
			this.proxyHeader = ProxyHeaderWriter.header(options.proxyProtocol(), this.transport.localAddress(),
					this.transport.remoteAddress());
			this.stage = Stage.PROXY;
		}
		else {
			beginTls();
		}
		setUp();
	}

	private void beginTls() throws IOException {
		ClientTls clientTls = tls();
		if (clientTls == null) {
			this.stage = (this.greeting != null) ? Stage.GREETING : Stage.READY;
			return;
		}
		this.transport.beginTls(clientTls.createEngine(!this.reconnect));
		this.connectStartedAt = System.nanoTime();
		this.stage = Stage.HANDSHAKE;
	}

	// Moves through the stages before the echo as far as it can without waiting.
	private void setUp() throws IOException {
		if (this.stage == Stage.PROXY) {
			// Made with the stage, cleared as the stage ends.
			if (!this.transport.writeHeader(Objects.requireNonNull(this.proxyHeader, "no PROXY header"))) {
				interest(SelectionKey.OP_WRITE);
				return;
			}
			this.proxyHeader = null;
			beginTls();
		}
		if (this.stage == Stage.HANDSHAKE) {
			if (!this.transport.handshake()) {
				if (this.stage == Stage.HANDSHAKE) {
					interest(this.transport.outputPending() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
							: SelectionKey.OP_READ);
				}
				return;
			}
			SSLSession session = this.transport.session();
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
			this.stage = Stage.ECHO;
			this.echo.begin(System.nanoTime());
		}
	}

	/**
	 * Take plaintext from the server: the greeting, then echoes.
	 * @param data the bytes
	 * @param now when they were read
	 */
	@Override
	public void plaintext(ByteBuffer data, long now) {
		ByteBuffer greeting = this.greeting;
		if (greeting != null && !this.greetingDone) {
			if (!readGreeting(greeting, data) || !data.hasRemaining()) {
				return;
			}
		}
		if (this.stage == Stage.ECHO) {
			this.echo.received(data, now);
		}
		else if (data.hasRemaining()) {
			fail(ErrorKind.EXTRA, data.remaining(),
					"the server sent " + data.remaining() + " byte(s) before the client sent any");
		}
	}

	// Returns false once the flow has failed.
	private boolean readGreeting(ByteBuffer greeting, ByteBuffer data) {
		String line = Greetings.take(greeting, data);
		if (line == null) {
			if (data.hasRemaining()) {
				fail(ErrorKind.GREETING, 1, "the greeting line is longer than " + Greetings.MAX_LENGTH + " bytes");
				return false;
			}
			return true;
		}
		this.figures.greeted(Greetings.key(line));
		this.greetingDone = true;
		if (this.stage == Stage.GREETING) {
			this.stage = Stage.READY;
			ready();
		}
		return true;
	}

	@Override
	protected void start(long now) {
		if (this.stage != Stage.READY) {
			return;
		}
		if (options().durationNanos() == 0) {
			this.stage = Stage.ECHO;
			finish();
			return;
		}
		this.stage = Stage.ECHO;
		this.echo.start(now);
	}

	@Override
	protected void release(long now) {
		if (this.stage == Stage.ECHO) {
			this.echo.release(now);
		}
	}

	@Override
	protected void stop(long now) {
		this.echo.stop(now, this.stage == Stage.ECHO);
	}

	private void read() throws IOException {
		if (this.transport.read() < 0) {
			endOfStream();
		}
	}

	private void writable() throws IOException {
		if (this.transport.flush()) {
			this.echo.writable();
		}
	}

	private void endOfStream() {
		if (this.stage == Stage.ECHO && this.echo.isComplete()) {
			if (this.reconnect && this.echo.hasMoreToSend()) {
				openNext(false);
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
					"the server closed the connection with " + this.echo.unechoed() + " byte(s) not echoed");
		}
	}

	@Override
	protected void expire(long now) {
		if (this.stage == Stage.NEW) {
			return;
		}
		if (this.stage.settingUp() || this.stage == Stage.GREETING) {
			if (now - this.setupDeadline >= 0) {
				String within = " within " + TcpEcho.seconds(options().connectTimeoutNanos());
				switch (this.stage) {
					case HANDSHAKE -> fail(ErrorKind.TLS, 1, "TLS handshake not complete" + within);
					case GREETING -> fail(ErrorKind.GREETING, 1, "no greeting line" + within);
					default -> fail(ErrorKind.CONNECT_TIMEOUT, 1,
							"connect to " + options().target() + " not complete" + within);
				}
			}
			return;
		}
		if (this.stage == Stage.ECHO) {
			this.echo.expire(now);
		}
	}

	@Override
	protected void cutOff(long now) {
		if (this.stage == Stage.ECHO) {
			this.echo.cutOff();
		}
	}

	@Override
	public boolean isDone() {
		return this.stage == Stage.DONE;
	}

	@Override
	protected void abandon() {
		this.transport.close();
		this.stage = Stage.DONE;
	}

	/**
	 * Count an error and end the flow, unless it has ended already; with
	 * {@code --keep-going} a connection that echoed is replaced instead, while the run goes on.
	 * @param kind the error's kind
	 * @param count how many
	 * @param message what happened
	 */
	void fail(ErrorKind kind, long count, String message) {
		if (this.stage == Stage.DONE) {
			return;
		}
		this.figures.error(kind, count, message);
		if (this.keepGoing && this.stage == Stage.ECHO && this.echo.goesOn()) {
			openNext(true);
			return;
		}
		finish();
	}

	// The flow's next connection: after one that echoed and ended well (--reconnect), or in place of one
	// that failed (--keep-going).
	private void openNext(boolean failed) {
		this.echo.next(failed);
		this.transport.closeForNext();
		this.proxyHeader = null;
		this.greeting = null;
		this.greetingDone = false;
		open(System.nanoTime());
	}

	/** End the flow: closed, and counted as failed if it never became ready. */
	void finish() {
		// A flow that was ready once counts as established, whichever of its connections fails.
		boolean settingUp = !this.readied && (this.stage.settingUp() || this.stage == Stage.GREETING);
		this.stage = Stage.DONE;
		this.transport.close();
		this.loop.done(settingUp);
	}

}

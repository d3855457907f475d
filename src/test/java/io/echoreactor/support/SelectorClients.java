package io.echoreactor.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * Many concurrent echo clients driven by one {@link Selector} on the calling thread, so
 * that a thousand connections cost no thousand threads. Each client sends a message,
 * waits for its echo, verifies it byte by byte against its own {@link EchoPattern}
 * stream, and sends the next; after its last message it closes.
 *
 * <p>
 * <strong>Threading:</strong> {@link #run} uses only the calling thread.
 */
public final class SelectorClients {

	private final InetSocketAddress address;

	private final int clients;

	private final int messages;

	private final int maxMessageSize;

	private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

	private int finished;

	/**
	 * @param address the echo server
	 * @param clients the number of concurrent connections
	 * @param messages the messages each client echoes
	 * @param maxMessageSize the largest message; sizes vary from 1 to this
	 */
	public SelectorClients(InetSocketAddress address, int clients, int messages, int maxMessageSize) {
		this.address = address;
		this.clients = clients;
		this.messages = messages;
		this.maxMessageSize = maxMessageSize;
	}

	/** @return the bytes that {@link #run} sends, and expects back, over all clients */
	public long totalBytes() {
		long total = 0;
		for (int client = 0; client < this.clients; client++) {
			for (int message = 0; message < this.messages; message++) {
				total += messageSize(client, message);
			}
		}
		return total;
	}

	private int messageSize(int client, int message) {
		long hash = EchoPattern.mix(((long) client << 32) | message);
		return 1 + (int) Math.floorMod(hash, (long) this.maxMessageSize);
	}

	/**
	 * Connect every client at once and echo until each has finished; fail on a wrong
	 * byte, an early close or the timeout.
	 */
	public void run(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<Client> all = new ArrayList<>(this.clients);
		try (Selector selector = Selector.open()) {
			try {
				for (int i = 0; i < this.clients; i++) {
					SocketChannel channel = SocketChannel.open();
					Client client = new Client(i, channel, this.maxMessageSize);
					all.add(client);
					channel.configureBlocking(false);
					channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
					if (channel.connect(this.address)) {
						client.selectionKey = channel.register(selector, 0, client);
						startMessage(client);
					}
					else {
						client.selectionKey = channel.register(selector, SelectionKey.OP_CONNECT, client);
					}
				}
				while (this.finished < this.clients) {
					if (System.nanoTime() - deadline > 0) {
						fail("%d of %d clients finished within %s; %s", this.finished, this.clients, timeout,
								progress(all));
					}
					selector.select(100);
					for (SelectionKey key : selector.selectedKeys()) {
						handle((Client) key.attachment(), key);
					}
					selector.selectedKeys().clear();
				}
			}
			finally {
				for (Client client : all) {
					client.channel.close();
				}
			}
		}
	}

	private void handle(Client client, SelectionKey key) throws IOException {
		if (!key.isValid()) {
			return;
		}
		if (key.isConnectable()) {
			client.channel.finishConnect();
			startMessage(client);
			return;
		}
		if (key.isWritable()) {
			writeOut(client);
		}
		if (key.isValid() && key.isReadable()) {
			read(client);
		}
	}

	private void startMessage(Client client) throws IOException {
		if (client.message == this.messages) {
			client.channel.close();
			this.finished++;
			return;
		}
		int size = messageSize(client.index, client.message);
		client.out.clear();
		EchoPattern.fill(client.patternKey, client.sent, client.out.array(), 0, size);
		client.out.limit(size);
		client.messageEnd = client.sent + size;
		writeOut(client);
	}

	private void writeOut(Client client) throws IOException {
		client.sent += client.channel.write(client.out);
		client.selectionKey.interestOps(SelectionKey.OP_READ | (client.out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
	}

	private void read(Client client) throws IOException {
		ByteBuffer buffer = this.readBuffer;
		buffer.clear();
		int n = client.channel.read(buffer);
		if (n < 0) {
			fail("The server closed client %d after %d of %d messages (%d bytes echoed)", client.index, client.message,
					this.messages, client.received);
		}
		if (client.received + n > client.messageEnd) {
			fail("Client %d received %d bytes but sent only %d", client.index, client.received + n, client.messageEnd);
		}
		EchoPattern.verify(client.patternKey, client.received, buffer.array(), 0, n);
		client.received += n;
		if (client.received == client.messageEnd) {
			client.message++;
			startMessage(client);
		}
	}

	private String progress(List<Client> all) {
		long connected = all.stream().filter((client) -> client.channel.isConnected()).count();
		long messagesDone = all.stream().mapToLong((client) -> client.message).sum();
		return connected + " still connected, " + messagesDone + " of " + (long) this.clients * this.messages
				+ " messages echoed";
	}

	/**
	 * One connection's progress; touched only by the selector thread.
	 */
	private static final class Client {

		final int index;

		final SocketChannel channel;

		final ByteBuffer out;

		final long patternKey;

		SelectionKey selectionKey;

		int message;

		long sent;

		long received;

		long messageEnd;

		Client(int index, SocketChannel channel, int maxMessageSize) {
			this.index = index;
			this.channel = channel;
			this.out = ByteBuffer.allocate(maxMessageSize);
			this.patternKey = EchoPattern.key(1_000_000L + index);
		}

	}

}

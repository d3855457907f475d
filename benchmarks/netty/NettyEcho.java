import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Version;

/**
 * A Netty echo server (RFC 862), a peer for {@code benchmarks/bench.sh}: what the same job
 * costs on Netty 4.2 as most Netty users would write it, on one event loop thread.
 * Not part of the service; {@code bench.sh} fetches the Netty jars (see
 * {@code benchmarks/netty/netty-pom.xml}) and compiles this file with {@code javac}
 * against them.
 *
 * <p>
 * Modes:
 * <ul>
 * <li>{@code tcp-nio}: {@link NioServerSocketChannel} on {@link NioIoHandler} (the JDK's
 * Selector, as echo-reactor);</li>
 * <li>{@code tcp-epoll}: {@link EpollServerSocketChannel} on {@link EpollIoHandler}, Netty's
 * native epoll transport;</li>
 * <li>{@code udp-nio}: {@link NioDatagramChannel}, each datagram sent back to its sender;</li>
 * <li>{@code tls-nio}: {@code tcp-nio} with an {@code SslHandler} in front of the echo handler,
 * from {@link SslContextBuilder#forServer(File, File)} with {@link SslProvider#JDK} (the JDK's
 * {@code SSLEngine}, as echo-reactor), TLSv1.3 only and exactly one cipher suite, so that both
 * servers negotiate the same session with the same client.</li>
 * </ul>
 * The handlers are those of Netty's own examples: for TCP, {@code ctx.write(msg)} in
 * {@code channelRead} and {@code ctx.flush()} in {@code channelReadComplete}
 * ({@code io.netty.example.echo.EchoServerHandler}); for UDP, the received packet's
 * content retained and written back to its sender, flushed the same way. Everything else
 * is Netty's default, with two settings made for parity with the other servers: a backlog
 * of 1024 and TCP_NODELAY (already Netty's default for accepted channels). One addition
 * to the example: half-closure is allowed, and a client's end of input is answered by
 * closing only after every echo has been written, as RFC 862 asks and as the other
 * servers do; Netty's default closes as soon as input ends and fails any echo still in
 * its outbound buffer (one the kernel had no room for yet).
 *
 * <p>
 * A datagram channel reads into Netty's default fixed 2,048-byte buffer, so the UDP mode
 * echoes datagrams of at most 2,048 bytes whole (a longer one comes back truncated,
 * which the load client counts as an error).
 *
 * <p>
 * Under TLS a client's {@code close_notify} ends its input as a TCP end of input does: the
 * handler closes once every echo has been written, and the {@code SslHandler} sends its
 * own {@code close_notify} before the channel closes. Without that, Netty only reports the
 * {@code close_notify} as an event, and a client waiting for the end of the stream waits
 * until its own timeout.
 *
 * <p>
 * Usage: {@code java -cp <netty jars>:<classes> NettyEcho MODE PORT}, and for
 * {@code tls-nio} {@code NettyEcho tls-nio PORT CERT.pem KEY.pem CIPHER_SUITE} (the key in
 * PKCS#8 PEM, as {@code openssl req -newkey} writes it). PORT 0 picks a free port. Binds
 * 127.0.0.1 only and prints {@code listening on PORT} on stdout once bound. Ends on
 * SIGTERM or SIGINT.
 */
public final class NettyEcho {

	private NettyEcho() {
	}

	public static void main(String[] args) throws Exception {
		String mode = (args.length > 0) ? args[0] : "";
		int expected = mode.equals("tls-nio") ? 5 : 2;
		if (args.length != expected || !args[1].matches("\\d{1,5}") || Integer.parseInt(args[1]) > 65535) {
			usage();
		}
		InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
		IoHandlerFactory io = switch (mode) {
			case "tcp-nio", "udp-nio", "tls-nio" -> NioIoHandler.newFactory();
			case "tcp-epoll" -> {
				Epoll.ensureAvailability();
				yield EpollIoHandler.newFactory();
			}
			default -> {
				usage();
				yield null;
			}
		};
		// One thread, as echo-reactor with one reactor: it accepts and serves every connection.
		EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
		Thread shutdown = new Thread(() -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000),
				"netty-shutdown");
		Runtime.getRuntime().addShutdownHook(shutdown);
		SslContext tls = mode.equals("tls-nio") ? tls(new File(args[2]), new File(args[3]), args[4]) : null;
		Channel channel = mode.startsWith("udp") ? bindUdp(group, address) : bindTcp(group, address, mode, tls);
		Version version = Version.identify().get("netty-transport");
		System.err.println("Netty " + ((version != null) ? version.artifactVersion() : "(version unknown)") + " "
				+ mode + " on " + channel.localAddress()
				+ ((tls != null) ? " (" + SslProvider.JDK + " provider, TLSv1.3, " + tls.cipherSuites() + ")" : ""));
		System.out.println("listening on " + ((InetSocketAddress) channel.localAddress()).getPort());
		System.out.flush();
		channel.closeFuture().sync();
	}

	private static Channel bindTcp(EventLoopGroup group, InetSocketAddress address, String mode, SslContext tls)
			throws InterruptedException {
		Class<? extends ServerChannel> type = mode.equals("tcp-epoll") ? EpollServerSocketChannel.class
				: NioServerSocketChannel.class;
		EchoServerHandler handler = new EchoServerHandler();
		ChannelInitializer<SocketChannel> withTls = new ChannelInitializer<>() {

			@Override
			protected void initChannel(SocketChannel channel) {
				channel.pipeline().addLast(tls.newHandler(channel.alloc()), handler);
			}

		};
		return new ServerBootstrap().group(group)
			.channel(type)
			.option(ChannelOption.SO_BACKLOG, 1024)
			.childOption(ChannelOption.TCP_NODELAY, true)
			.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
			.childHandler((tls != null) ? withTls : handler)
			.bind(address)
			.sync()
			.channel();
	}

	// The JDK's SSLEngine, as echo-reactor; one protocol and one cipher suite, as the script gives both servers.
	private static SslContext tls(File certificate, File key, String cipherSuite) throws SSLException {
		return SslContextBuilder.forServer(certificate, key)
			.sslProvider(SslProvider.JDK)
			.protocols("TLSv1.3")
			.ciphers(List.of(cipherSuite))
			.build();
	}

	private static Channel bindUdp(EventLoopGroup group, InetSocketAddress address) throws InterruptedException {
		return new Bootstrap().group(group)
			.channel(NioDatagramChannel.class)
			.handler(new DatagramEchoHandler())
			.bind(address)
			.sync()
			.channel();
	}

	private static void usage() {
		System.err.println("usage: NettyEcho tcp-nio|tcp-epoll|udp-nio PORT   (0 picks a free port; binds 127.0.0.1)\n"
				+ "       NettyEcho tls-nio PORT CERT.pem KEY.pem CIPHER_SUITE   (TLSv1.3, the JDK's SSLEngine)");
		System.exit(2);
	}

	/** Netty's example echo handler, plus the end of input (TCP's, or TLS's close_notify). */
	@Sharable
	static final class EchoServerHandler extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ctx.write(msg);
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.flush();
		}

		@Override
		public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
			if (event instanceof ChannelInputShutdownEvent || event instanceof SslCloseCompletionEvent) {
				// Writes complete in order: this closes once every echo before it is out.
				ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
			}
			ctx.fireUserEventTriggered(event);
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// A reset by the client is its business; close this connection only.
			ctx.close();
		}

	}

	/** Each datagram back to its sender: the content retained, since the packet is released after this. */
	static final class DatagramEchoHandler extends SimpleChannelInboundHandler<DatagramPacket> {

		@Override
		protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
			ctx.write(new DatagramPacket(packet.content().retain(), packet.sender()));
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.flush();
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			// A failed send (an ICMP error for an earlier answer, say) is not the socket's end: go on.
		}

	}

}

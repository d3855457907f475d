package io.echoreactor;

import java.util.Arrays;

import io.echoreactor.bench.BenchCommand;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The echo-reactor service: a TCP echo server (RFC 862) on a {@code java.nio} reactor,
 * with Actuator over HTTP. With {@code bench} as its first argument the jar is instead the
 * load client ({@link BenchCommand}), which starts no Spring context and no echo server.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EchoApplication {

	public static void main(String[] args) {
		if (args.length > 0 && args[0].equals(BenchCommand.NAME)) {
			System.exit(BenchCommand.run(Arrays.copyOfRange(args, 1, args.length)));
		}
		SpringApplication.run(EchoApplication.class, args);
	}

}

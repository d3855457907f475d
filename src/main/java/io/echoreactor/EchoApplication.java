package io.echoreactor;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The echo-reactor service: a TCP echo server (RFC 862) on a {@code java.nio} reactor,
 * with Actuator over HTTP.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EchoApplication {

	public static void main(String[] args) {
		SpringApplication.run(EchoApplication.class, args);
	}

}

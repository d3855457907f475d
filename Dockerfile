# syntax=docker/dockerfile:1
# echo-reactor image: built from source with the Maven wrapper, run from Spring Boot's extracted layers on an
# Eclipse Temurin JRE as a numeric non-root user.
#
#   docker build -t echo-reactor:0.1.0 .
#   docker run --rm -p 7007:7007 -p 7007:7007/udp -p 8081:8081 echo-reactor:0.1.0
#
# The Helm chart (helm/echo-reactor) starts the container with the same arguments as CMD below and the same
# JAVA_TOOL_OPTIONS, and mounts its application.yml at /config/; a test checks that the two agree.

ARG JAVA_VERSION=17

FROM eclipse-temurin:${JAVA_VERSION}-jdk-noble AS build
WORKDIR /build
# The wrapper and the POM first, so the dependency download stays cached while only sources change.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src src
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
    && cp target/echo-reactor-*.jar application.jar
# One directory per layer, least to most often changed, with the launcher unpacked so that no jar-in-jar is read
# at start-up.
RUN java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

FROM eclipse-temurin:${JAVA_VERSION}-jre-noble
WORKDIR /application
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./
# Numeric, so that Kubernetes' runAsNonRoot can verify it without a passwd entry.
USER 10001:10001
# echo over TCP (echo.server.port) and UDP (echo.server.udp.port, the same number unless set), and HTTP for
# Actuator: health probes, metrics (server.port).
EXPOSE 7007 7007/udp 8081
# The chart's default JAVA_TOOL_OPTIONS (it repeats them, since its own replace these): the heap following the
# memory limit and direct memory (read buffers, pending output) capped beside it; two processors, and so two
# reactors and two JIT compiler threads, whatever the node has; the Serial collector, which the JVM would pick
# itself in a container this small, made explicit; Integers cached up to 65536, so that the JDK's selector boxes no
# file descriptor on the echo path; exit rather than limp on after an OutOfMemoryError; Spring's build-time (AOT)
# application context.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=96m -XX:ActiveProcessorCount=2 -XX:+UseSerialGC -XX:AutoBoxCacheMax=65536 -XX:+ExitOnOutOfMemoryError -Dspring.aot.enabled=true"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
CMD ["--spring.config.additional-location=optional:file:/config/"]

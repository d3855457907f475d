# syntax=docker/dockerfile:1
# echo-reactor image: built from source with the Maven wrapper, run on an Eclipse Temurin 25 JRE as a numeric
# non-root user, from Spring Boot's extracted jar with a JDK AOT cache that a short training run made in the build.
#
#   docker build -t echo-reactor:0.1.0 .
#   docker run --rm -p 7007:7007 -p 7007:7007/udp -p 7443:7443 -p 8081:8081 echo-reactor:0.1.0
#
# The Helm chart (helm/echo-reactor) starts the container with the same arguments as CMD below and the same
# JAVA_TOOL_OPTIONS, and mounts its application.yml at /config/; a test checks that the two agree. Why the options
# are what they are: BENCHMARKS.md, "Start-up and footprint", and the chart's README, "Memory, CPU and JVM options".

ARG JAVA_VERSION=25

FROM eclipse-temurin:${JAVA_VERSION}-jdk-noble AS build
WORKDIR /build
# The wrapper and the POM first, so the dependency download stays cached while only sources change.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/main src/main
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
    && cp target/echo-reactor-*.jar application.jar
# Extracted for `java -jar`: the application jar with its libraries beside it in lib/, so that the JDK's own class
# loader loads every class from a plain jar, which is what the AOT cache can record (it cannot record classes that
# Spring Boot's launcher loads from nested jars with a loader of its own). One directory per layer, least to most
# often changed.
RUN java -Djarmode=tools -jar application.jar extract --layers --application-filename echo-reactor.jar \
    --destination extracted
# The training workload and its script, for the runtime stage below.
COPY src/image training
RUN javac --release 17 -d training/classes training/TrainingWorkload.java

FROM eclipse-temurin:${JAVA_VERSION}-jre-noble
WORKDIR /application
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./
# The chart's default JAVA_TOOL_OPTIONS (it repeats them, since its own replace these): the heap following the
# memory limit and direct memory (read buffers, pending output) capped beside it; two processors, and so two
# reactors and two JIT compiler threads, whatever the node has; the Serial collector, which the JVM would pick
# itself in a container this small, made explicit so that the AOT cache below is made and used with the same one;
# Integers cached up to 65536, so that the JDK's selector boxes no file descriptor on the echo path; exit rather
# than limp on after an OutOfMemoryError. Not Spring's build-time (AOT) context: it would fix at build time every
# setting that decides whether a bean exists, so that such a setting in the chart's config would be ignored; its
# gain here was 9 MiB of RSS. Measurements and reasons: BENCHMARKS.md, "Start-up and footprint".
# glibc serves allocations of 32 KiB and more with mmap and gives them back to the kernel when they are freed,
# instead of keeping the memory the JIT compilers used while the service started: 20 MB less RSS at rest.
ENV MALLOC_MMAP_THRESHOLD_=32768
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=33 -XX:MaxDirectMemorySize=96m -XX:ActiveProcessorCount=2 -XX:+UseSerialGC -XX:AutoBoxCacheMax=65536 -XX:+ExitOnOutOfMemoryError"
# The AOT cache (JEP 483, 514, 515): the classes the service loads and links, and the method profiles of start-up,
# the echo path, probes and scrapes, so that a container starts without parsing, verifying and profiling them
# again. Trained here, on this JRE, with these files and these options, by starting the service with the
# ENTRYPOINT's command line, echoing over TCP and UDP, probing and scraping it, and stopping it with SIGTERM
# (src/image/train.sh); a wrong echo fails the build. The JVM checks at start-up that the cache matches and runs
# without it otherwise.
RUN --mount=type=bind,from=build,source=/build/training,target=/training \
    sh /training/train.sh /training/classes \
        java -XX:AOTCache=application.aot --finalization=disabled -jar echo-reactor.jar \
    && rm -rf /tmp/*
# Numeric, so that Kubernetes' runAsNonRoot can verify it without a passwd entry.
USER 10001:10001
# echo over TCP (echo.server.port) and UDP (echo.server.udp.port, the same number unless set), the echo through
# TLS once a certificate is configured (echo.server.ssl.port), and HTTP for Actuator: health probes, metrics
# (server.port).
EXPOSE 7007 7007/udp 7443 8081
# No finalizer thread (JEP 421): no class of the service or its libraries declares a finalizer.
ENTRYPOINT ["java", "-XX:AOTCache=application.aot", "--finalization=disabled", "-jar", "echo-reactor.jar"]
CMD ["--spring.config.additional-location=optional:file:/config/"]

package io.echoreactor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code .ci/DocCommands.java}, the step of CI that runs the README's commands, run on pages
 * of its own in a child JVM: a command that fails or prints something other than its page
 * says fails the run, and the quick start's blocks are ones it runs.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DocCommandsTests {

	private static final Path DOC_COMMANDS = Path.of(".ci", "DocCommands.java").toAbsolutePath();

	@TempDir
	Path pages;

	@Test
	void aPageWhoseCommandsWorkAndPrintWhatItSaysPasses() throws Exception {
		write("good.md", """
				```bash
				printf 'made\\n' > made.txt   # a file a command leaves is removed at the end
				cat made.txt \\
				  | tr a-z A-Z
				```

				```console
				$ printf 'hello\\n'
				hello
				$ printf 'x 1\\ny\\nz\\n'
				x ...
				...
				```

				```yaml
				not: run
				```
				""");
		Run run = run("good.md");
		assertThat(run.exitStatus()).as(run.output()).isZero();
		assertThat(run.output()).contains("4 commands run, 0 listed but not run, 0 failed");
		assertThat(this.pages.resolve("made.txt")).doesNotExist();
	}

	@Test
	void aCommandThatFailsOrPrintsSomethingElseFailsTheRun() throws Exception {
		write("bad.md", """
				```console
				$ printf 'goodbye\\n'
				hello
				```

				```bash
				false
				```
				""");
		Run run = run("bad.md");
		assertThat(run.exitStatus()).as(run.output()).isEqualTo(1);
		assertThat(run.output()).contains("FAILED bad.md:2 printf 'goodbye\\n': printed what the page does not say")
			.contains("FAILED bad.md:7 false: exit status 1")
			.contains("2 commands run, 0 listed but not run, 2 failed");
	}

	@Test
	void aBlockThatReachesAClusterIsListedNotRun() throws Exception {
		write("cluster.md", """
				```bash
				kubectl --namespace echo port-forward svc/echo-echo-reactor 8081:http-metrics
				curl -s http://127.0.0.1:8081/actuator/health/readiness
				```
				""");
		Run run = run("cluster.md");
		assertThat(run.exitStatus()).as(run.output()).isZero();
		assertThat(run.output()).contains("0 commands run, 2 listed but not run, 0 failed");
	}

	@Test
	void theQuickStartIsRunAndChecked() throws IOException {
		String readme = Files.readString(Path.of("README.md"));
		assertThat(readme).contains("```console\n$ printf 'hello\\n' | nc -N localhost 7007\nhello\n");
		Matcher blocks = Pattern.compile("(?m)^```(bash|console)$").matcher(readme);
		int runnable = 0;
		while (blocks.find()) {
			runnable++;
		}
		assertThat(runnable).isGreaterThanOrEqualTo(8);
		assertThat(Files.readString(Path.of(".ci", "run"))).contains("java .ci/DocCommands.java");
	}

	private void write(String name, String text) throws IOException {
		Files.writeString(this.pages.resolve(name), text);
	}

	private Run run(String page) throws Exception {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process process = new ProcessBuilder(List.of(java.toString(), DOC_COMMANDS.toString(), page))
			.directory(this.pages.toFile())
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(2, TimeUnit.MINUTES)).as(output).isTrue();
		return new Run(process.exitValue(), output);
	}

	private record Run(int exitStatus, String output) {
	}

}

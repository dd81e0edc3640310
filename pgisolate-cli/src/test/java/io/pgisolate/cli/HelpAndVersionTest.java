package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** --help and --version, for pgisolate and each of its subcommands: on stdout, exit 0. */
class HelpAndVersionTest {
  private static final List<String> SUBCOMMANDS =
      List.of("temp", "run", "sql", "serve", "wrap", "wrap-each", "proxy");

  @RegisterExtension final Cli cli = new Cli();

  @Test
  void everyCommandHasHelp() {
    assertThat(cli.run("--help")).isZero();
    assertThat(cli.out()).startsWith("Usage: pgisolate ").contains(SUBCOMMANDS);
    for (String sub : SUBCOMMANDS) {
      for (String help : List.of("--help", "-h")) {
        assertThat(cli.run(sub, help)).as(sub + " " + help).isZero();
        assertThat(cli.out()).startsWith("Usage: pgisolate " + sub + " ");
        assertThat(cli.err()).isEmpty();
      }
    }
  }

  @Test
  void everyCommandHasTheVersion() {
    assertThat(cli.run("--version")).isZero();
    String version = cli.out();
    assertThat(version).startsWith("pgisolate ").contains("bundled PostgreSQL 18");
    for (String sub : SUBCOMMANDS) {
      for (String flag : List.of("--version", "-V")) {
        assertThat(cli.run(sub, flag)).as(sub + " " + flag).isZero();
        assertThat(cli.out()).as(sub + " " + flag).isEqualTo(version);
        assertThat(cli.err()).isEmpty();
      }
    }
  }

  @Test
  void everyCommandsHelpListsItsExitCodes() {
    for (String sub : SUBCOMMANDS) {
      assertThat(cli.run(sub, "--help")).isZero();
      assertThat(cli.out())
          .as(sub)
          .contains(
              "Exit codes:\n",
              "  1     pgisolate failed: the message on stderr says why, with a hint\n",
              "  2     invalid command line (unknown option, bad value)\n",
              "  130   stopped by Ctrl-C (SIGINT), 143 by SIGTERM\n");
    }
    for (String sub : List.of("run", "wrap", "wrap-each")) {
      assertThat(cli.run(sub, "--help")).isZero();
      assertThat(cli.out())
          .as(sub)
          .contains(
              "  n     CMD's exit code, 128 + n when signal n killed it\n",
              "  126   CMD could not be executed (not executable, or a directory)\n",
              "  127   CMD was not found\n");
    }
  }
}

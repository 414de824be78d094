// runit as process 1 of a PID namespace (a container): the stages, the
// orphans, TERM/PWR as halt requests, CONT with stopit, INT with ctrlaltdel,
// a failing stage 2, runit-init from inside, the exit code file, the
// essential marker and restart2.

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pid1_support.hpp"
#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;
using namespace test::pid1;

namespace {

const std::vector<std::string> all_stages = {
    "- runit: $Id: HASH $: booting.",      "- runit: enter stage: /etc/runit/1",
    "- runit: leave stage: /etc/runit/1",  "- runit: enter stage: /etc/runit/2",
    "- runit: leave stage: /etc/runit/2",  "- runit: enter stage: /etc/runit/3",
    "- runit: leave stage: /etc/runit/3"};

}  // namespace

TEST_CASE("runit as PID 1 runs stages 1, 2 and 3 in order, TERM stops every service in order and "
          "exits with the code stage 3 wrote, well within 10 s",
          "[runit][pid1]") {
  container c;
  c.standard_stages("echo 7 >/run/runit.exitcode\n");
  // a's finish takes a while: a TERM/KILL sweep of the namespace would cut it short.
  c.add_service("a", polite_run(c, "a"), "sleep 0.5\n" + polite_finish(c, "a"));
  add_polite(c, "b", true);
  c.start();
  wait_text(c.mark("a"), "run\n");
  wait_text(c.mark("b"), "run\n");
  wait_contains(c, c.mark("b.log"), "hello\n");
  REQUIRE(text(c.mark("stages")) == "1\n2\n");

  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 7);
  // Every service stopped by itself: no KILL sweep was needed (no timing
  // check here: the machine is shared).
  CHECK(c.console().find("sending KILL signal") == std::string::npos);

  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  CHECK(text(c.mark("b")) == "run\nterm\nfinish\n");
  CHECK(text(c.mark("b.log")) == "hello\nbye\n");  // the logger drained what b said last
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, all_stages));
  CHECK(std::count(lines.begin(), lines.end(), "- runit: enter stage: /etc/runit/2") == 1);
  CHECK(std::none_of(lines.begin(), lines.end(), [](auto& l) { return l.find("KILL") != std::string::npos; }));
}

TEST_CASE("runit as PID 1: SIGPWR is a halt request too, without an exit code file it exits 0", "[runit][pid1]") {
  container c;
  c.standard_stages();
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGPWR);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
}

TEST_CASE("runit as PID 1: a finish script's exit code file is the container's exit code", "[runit][pid1]") {
  container c;
  c.standard_stages();
  c.add_service("a", polite_run(c, "a"), polite_finish(c, "a") + "echo 42 >/run/runit.exitcode\n");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 42);
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
}

TEST_CASE("runit (or runsvdir) as PID 1 reaps 1000 orphans of a service, no zombie remains", "[runit][pid1]") {
  const bool runsvdir_pid1 = GENERATE(false, true);
  INFO("PID 1: " << (runsvdir_pid1 ? "runsvdir" : "runit"));
  container c;
  c.standard_stages();
  std::string fifo = c.root() + "/go";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // 1000 children each blocked opening the FIFO; their parent exits, so
  // they are orphans of PID 1. They all end once the FIFO gets a writer.
  c.add_service("orphans", "sh -c 'i=0; while [ $i -lt 1000 ]; do cat " + fifo +
                               " >/dev/null & i=$((i+1)); done'\necho spawned >" + c.mark("orphans") +
                               "\nexec sleep 1000\n");
  if (runsvdir_pid1) c.start({RUNSVDIR_BIN, "-P", c.service()});
  else c.start();
  wait_text(c.mark("orphans"), "spawned\n");
  auto orphans = [&] {
    std::size_t n = 0;
    for (const auto& p : c.processes())
      if (p.ppid == c.pid1() && p.comm == "cat") ++n;
    return n;
  };
  wait_until([&] { return orphans() == 1000; }, "1000 orphans under PID 1", long_timeout,
             [&] { return std::to_string(orphans()); });
  {
    int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(fd != -1);
    ::close(fd);
  }
  auto leftovers = [&] {
    // A cat that had exec'd but not yet reached its open() when the writer
    // came and went blocks again: open and close the writer at every look,
    // so a late one is released too (under load the first pass missed some).
    int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd != -1) ::close(fd);
    std::size_t n = 0;
    for (const auto& p : c.processes())
      if (p.state == 'Z' || p.comm == "cat") ++n;
    return n;
  };
  wait_until([&] { return leftovers() == 0; }, "every orphan reaped", long_timeout,
             [&] { return std::to_string(leftovers()) + " cat or zombie processes"; });
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 0);
}

TEST_CASE("runit as PID 1: a stage 2 that exits on its own ends the container with its code after stage 3",
          "[runit][pid1]") {
  container c;
  c.standard_stages();
  c.script("2", "echo 2 >>" + c.mark("stages") + "\nexit 5\n");
  c.start();
  CHECK(exit_code_of(c) == 5);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: warning: child failed: /etc/runit/2", "- runit: leave stage: /etc/runit/2",
                         "- runit: enter stage: /etc/runit/3"}));
}

TEST_CASE("runit as PID 1: a crashing stage 2 (or exit 111) is not restarted in a container, the exit code is "
          "128+signal (or 111)",
          "[runit][pid1]") {
  auto [body, code] = GENERATE(table<std::string, int>({{"kill -SEGV $$\n", 139}, {"exit 111\n", 111}}));
  container c;
  c.standard_stages();
  c.script("2", "echo 2 >>" + c.mark("stages") + "\n" + body);
  c.start();
  CHECK(exit_code_of(c) == code);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {code == 139 ? "- runit: warning: child crashed: /etc/runit/2"
                                     : "- runit: warning: child failed: /etc/runit/2",
                         "- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3"}));
  CHECK(std::count(lines.begin(), lines.end(), "- runit: warning: restarting.") == 0);
}

TEST_CASE("runit as PID 1: with /etc/runit/restart2 a crashed stage 2 has its process group killed and is "
          "restarted after 5 s",
          "[runit][pid1]") {
  container c;
  c.standard_stages();
  write_file(c.etc() + "/restart2", "");
  // First run: leave a child in the group, then crash. Second run: exit 4.
  c.script("2", "echo 2 >>" + c.mark("stages") + "\nif [ ! -e " + c.mark("crashed") + " ]; then\n  touch " +
                    c.mark("crashed") + "\n  sleep 1001 &\n  kill -KILL $$\nfi\nexit 4\n");
  c.start();
  c.wait_console("- runit: warning: killing all processes in stage 2...");
  auto sleeper_alive = [&] {
    for (const auto& p : c.processes()) {
      auto argv = proc_cmdline(p.pid);
      if (p.state != 'Z' && argv.size() == 2 && argv[1] == "1001") return true;
    }
    return false;
  };
  wait_until([&] { return !sleeper_alive(); }, "stage 2's process group to be killed");
  CHECK(exit_code_of(c, 30s) == 4);
  CHECK(text(c.mark("stages")) == "1\n2\n2\n3\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: warning: child crashed: /etc/runit/2",
                         "- runit: warning: killing all processes in stage 2...", "- runit: warning: restarting.",
                         "- runit: enter stage: /etc/runit/2", "- runit: warning: child failed: /etc/runit/2",
                         "- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3"}));
}

TEST_CASE("runit as PID 1: TERM during stage 2's restart pause is not lost", "[runit][pid1]") {
  container c;
  c.standard_stages();
  write_file(c.etc() + "/restart2", "");
  c.script("2", "echo 2 >>" + c.mark("stages") + "\nexit 111\n");
  c.start();
  c.wait_console("- runit: warning: killing all processes in stage 2...");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c, 30s) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
}

TEST_CASE("runit as PID 1: stage 1 exit 100 skips stage 2, TERM in stage 1 skips it too, signals in stage 1 "
          "only warn",
          "[runit][pid1]") {
  container c;
  c.standard_stages();
  SECTION("exit 100") {
    c.script("1", "echo 1 >>" + c.mark("stages") + "\nexit 100\n");
    c.start();
  }
  SECTION("TERM while stage 1 runs") {
    c.script("1", "echo 1 >>" + c.mark("stages") + "\nwhile [ ! -e " + c.mark("go") + " ]; do sleep 0.05; done\n");
    c.start();
    wait_text(c.mark("stages"), "1\n");
    c.signal(SIGCONT);
    c.wait_console("- runit: warning: signals only work in stage 2.");
    c.signal(SIGTERM);
    // runit's reaction to TERM has no output; stage 1 decides when it ends.
    write_file(c.mark("go"), "");
  }
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n3\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: leave stage: /etc/runit/1", "- runit: warning: skipping stage 2...",
                         "- runit: enter stage: /etc/runit/3", "- runit: leave stage: /etc/runit/3"}));
}

TEST_CASE("runit as PID 1: CONT stops stage 2 only when stopit exists and is executable", "[runit][pid1]") {
  container c;
  c.standard_stages();
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGCONT);
  write_file(c.etc() + "/stopit", "", 0644);
  c.signal(SIGCONT);
  CHECK(holds_for([&] { return text(c.mark("stages")) == "1\n2\n"; }, 500ms));
  ::chmod((c.etc() + "/stopit").c_str(), 0100);
  c.signal(SIGCONT);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  struct stat st;
  REQUIRE(::stat((c.etc() + "/stopit").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0);  // runit took the request
}

TEST_CASE("runit as PID 1: runit-init 0 and 6 from inside halt the container", "[runit][pid1][runit-init]") {
  const char* what = GENERATE("0", "6");
  container c;
  c.standard_stages();
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  auto r = c.inside({RUNIT_INIT_BIN, what});
  INFO(r.err);
  CHECK(r.status.exit_code() == 0);
  CHECK(r.err == "");
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  struct stat st;
  REQUIRE(::stat((c.etc() + "/stopit").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0);
  if (std::string(what) == "6") {
    REQUIRE(::stat((c.etc() + "/reboot").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0100);
  } else {
    CHECK_FALSE(exists(c.etc() + "/reboot"));
  }
  // A container neither reboots nor powers off: runit just exits.
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(std::none_of(lines.begin(), lines.end(), [](auto& l) {
    return l.find("reboot") != std::string::npos || l.find("power off") != std::string::npos;
  }));
}

TEST_CASE("runit as PID 1: INT runs ctrlaltdel, then stage 2 stops as with CONT", "[runit][pid1]") {
  container c;
  c.standard_stages();
  c.script("ctrlaltdel", "echo cad >>" + c.mark("cad") + "\n: >/etc/runit/stopit\nchmod 100 /etc/runit/stopit\n");
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGINT);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("cad")) == "cad\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: enter stage: /etc/runit/2", "- runit: ctrl-alt-del request...",
                         "- runit: enter stage: /etc/runit/ctrlaltdel", "- runit: leave stage: /etc/runit/ctrlaltdel",
                         "- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3"}));
}

TEST_CASE("runit as PID 1: INT without an executable ctrlaltdel is ignored", "[runit][pid1]") {
  container c;
  c.standard_stages();
  write_file(c.etc() + "/ctrlaltdel", "#!/bin/sh\ntouch " + c.mark("cad") + "\n", 0644);
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGINT);
  CHECK(holds_for([&] { return text(c.mark("stages")) == "1\n2\n"; }, 500ms));
  CHECK_FALSE(exists(c.mark("cad")));
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 0);
}

TEST_CASE("runit as PID 1: an essential service that ends while wanted down ends the container with its code",
          "[runit][pid1][essential]") {
  auto [body, code] = GENERATE(table<std::string, int>({{"exit 3\n", 3}, {"kill -USR1 $$\n", 138}}));
  container c;
  c.standard_stages();
  add_polite(c, "other");
  std::string ess = c.add_service("ess", "echo started >>" + c.mark("ess") + "\n" + body);
  write_file(ess + "/essential", "");
  write_file(ess + "/down", "");
  c.start();
  wait_text(c.mark("other"), "run\n");
  wait_until([&] { return runsv_listening(ess); }, "runsv for ess");
  auto r = run({SV_BIN, "once", ess});
  INFO(r.out << r.err);
  REQUIRE(r.status.exit_code() == 0);
  CHECK(exit_code_of(c) == code);
  CHECK(text(c.mark("ess")) == "started\n");
  CHECK(text(c.mark("other")) == "run\nterm\nfinish\n");
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
}

TEST_CASE("runit as PID 1: an essential service that is wanted up is restarted, not the end", "[runit][pid1][essential]") {
  container c;
  c.standard_stages("echo 9 >/run/runit.exitcode\n");
  std::string ess = c.add_service("ess", "echo started >>" + c.mark("ess") + "\nexit 3\n");
  write_file(ess + "/essential", "");
  c.start();
  wait_text(c.mark("ess"), "started\nstarted\n");
  CHECK_FALSE(c.exited());
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 9);
}

TEST_CASE("runit-init as PID 1 becomes runit (/sbin/runit)", "[runit-init][pid1]") {
  // Debian's runit package (a test dependency) provides the mount point.
  INFO("needs /sbin/runit to bind over: scripts/test installs Debian's runit");
  REQUIRE(exists("/sbin/runit"));
  container c;
  c.standard_stages();
  c.bind(RUNIT_BIN, "/sbin/runit");
  c.start({RUNIT_INIT_BIN});
  c.wait_console("- runit: enter stage: /etc/runit/2");
  wait_text(c.mark("stages"), "1\n2\n");
  CHECK(proc_cmdline(c.pid1()) == std::vector<std::string>{"runit"});
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
}

TEST_CASE("runit-init as PID 1 that cannot start runit: fatal, 111", "[runit-init][pid1]") {
  // Debian's runit package (a test dependency) provides the mount point.
  INFO("needs /sbin/runit to bind over: scripts/test installs Debian's runit");
  REQUIRE(exists("/sbin/runit"));
  container c;
  c.bind("/dev/null", "/sbin/runit");
  c.start({RUNIT_INIT_BIN});
  CHECK(exit_code_of(c) == 111);
  CHECK(c.output() == "init: fatal: unable to start runit: access denied\n");
}

// runit as process 1 of a PID namespace: whether it is a container is
// decided when a TERM comes (not at boot, where /proc may not be mounted
// yet), with the $RUNIT_CONTAINER and /etc/runit/container overrides; and a
// stage 3 written for runit (Debian's: sv force-stop, then sv exit) finds
// every runsv still running.

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sys/stat.h>

#include "pid1_support.hpp"

using namespace test;
using namespace test::pid1;

namespace {

// Asks runit to halt as runit-init 0 does (the stop flag and CONT).
void request_halt(container& c) {
  write_file(c.etc() + "/stopit", "", 0100);
  c.signal(SIGCONT);
}

}  // namespace

TEST_CASE("runit as PID 1 started without /proc, mounted by stage 1: TERM halts the container", "[runit][pid1][container-mode]") {
  container c;
  c.standard_stages();
  c.script("1", "mount -t proc proc /proc\necho 1 >>" + c.mark("stages") + "\n");
  add_polite(c, "a");
  c.without_proc();
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
}

TEST_CASE("runit as PID 1 without /proc at TERM: $RUNIT_CONTAINER=1 or $container makes TERM a halt",
          "[runit][pid1][container-mode]") {
  const std::string env = GENERATE("RUNIT_CONTAINER=1", "container=docker");
  INFO(env);
  container c;
  // Stage 3 mounts /proc only for the sanitizer's exit-time check (after the
  // decision): a sanitized runit cannot end cleanly without it.
  c.standard_stages("mount -t proc proc /proc\n");
  c.without_proc();
  c.start({RUNIT_BIN}, {env});
  wait_text(c.mark("stages"), "1\n2\n");
  c.wait_console("- runit: enter stage: /etc/runit/2");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
}

TEST_CASE("runit as PID 1 told it is a real machine ($RUNIT_CONTAINER=0, /etc/runit/container 0 or no) ignores "
          "TERM, and its halt powers off",
          "[runit][pid1][container-mode]") {
  auto [env, file] = GENERATE(table<std::string, std::string>({{"RUNIT_CONTAINER=0", ""},
                                                                {"", "0\n"},
                                                                {"", "no"},
                                                                {"RUNIT_CONTAINER=no", "1\n"}}));
  INFO(env << " / " << file);
  container c;
  c.standard_stages();
  if (!file.empty()) write_file(c.etc() + "/container", file);
  write_file(c.etc() + "/nosync", "");  // no sync(2) of the host's disks
  add_polite(c, "a");
  c.start({RUNIT_BIN}, env.empty() ? std::vector<std::string>{} : std::vector<std::string>{env});
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGTERM);
  CHECK(holds_for([&] { return !c.exited() && text(c.mark("stages")) == "1\n2\n"; }, 500ms));
  CHECK(text(c.mark("a")) == "run\n");
  // runit's halt: stage 2 gets TERM, stage 3, KILL to all, power off (in a
  // PID namespace reboot(2) ends its process 1).
  request_halt(c);
  c.wait_console("- runit: power off...");
  auto st = c.wait_exit();
  REQUIRE(st.has_value());
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3",
                         "- runit: leave stage: /etc/runit/3", "- runit: sending KILL signal to all processes...",
                         "- runit: power off..."}));
}

TEST_CASE("runit as PID 1 decides at TERM, not at boot: stage 1 changing /etc/runit/container is honoured",
          "[runit][pid1][container-mode]") {
  // Row 1: booted as "a machine", stage 1 removes the file: TERM halts.
  // Row 2: booted without the file, stage 1 writes 0: TERM is ignored.
  auto [at_boot, stage1, halts] =
      GENERATE(table<std::string, std::string, bool>({{"0\n", "rm /etc/runit/container\n", true},
                                                      {"", "echo 0 >/etc/runit/container\n", false}}));
  INFO("at boot: \"" << at_boot << "\", stage 1: " << stage1);
  container c;
  c.standard_stages();
  c.script("1", stage1 + "echo 1 >>" + c.mark("stages") + "\n");
  if (!at_boot.empty()) write_file(c.etc() + "/container", at_boot);
  write_file(c.etc() + "/nosync", "");
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGTERM);
  if (halts) {
    CHECK(exit_code_of(c) == 0);
    CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  } else {
    CHECK(holds_for([&] { return !c.exited() && text(c.mark("stages")) == "1\n2\n"; }, 500ms));
  }
}

TEST_CASE("runit as PID 1 in a container halt: a stage 3 like Debian's (sv force-stop, sv exit) finds every runsv "
          "running",
          "[runit][pid1][stage3]") {
  container c;
  const std::string svc = c.service();
  c.standard_stages("cat " + c.mark("a") + " " + c.mark("b") + " " + c.mark("c") + " >" + c.mark("at3") +
                    "\nsv -w 10 force-stop " + svc + "/*\nsv exit " + svc + "/*\necho 5 >/run/runit.exitcode\n");
  // A stage 2 that takes a moment to end on TERM (as one that cleans up):
  // by then the services would be down if runit had stopped them itself.
  c.script("2", "echo 2 >>" + c.mark("stages") + "\nrunsvdir -P " + svc +
                    " &\ntrap 'sleep 0.3; kill $!; wait; exit 0' TERM\nwait\n");
  for (const char* s : {"a", "b", "c"})
    c.add_service(s, polite_run(c, s), "sleep 0.2\n" + polite_finish(c, s));
  c.start();
  for (const char* s : {"a", "b", "c"}) wait_text(c.mark(s), "run\n");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == 5);
  CHECK(text(c.mark("stages")) == "1\n2\n3\n");
  CHECK(text(c.mark("at3")) == "run\nrun\nrun\n");  // stage 3 found every service up
  const std::string console = c.console();
  INFO("console:\n" << console);
  for (const char* s : {"a", "b", "c"}) {
    CHECK(text(c.mark(s)) == "run\nterm\nfinish\n");
    CHECK(console.find("ok: down: " + svc + "/" + s + ": ") != std::string::npos);
  }
  CHECK(console.find("runsv not running") == std::string::npos);
  CHECK(console.find("fail: ") == std::string::npos);
  CHECK(console.find("KILL") == std::string::npos);
}

TEST_CASE("runit as PID 1 goes on reaping while ctrlaltdel runs, then stops stage 2 as with CONT",
          "[runit][pid1][ctrlaltdel]") {
  container c;
  c.standard_stages();
  // An orphan that exits at once (a zombie until PID 1 reaps it), then
  // ctrlaltdel waits for the test's go.
  c.script("ctrlaltdel", "sh -c 'sleep 0.1 &'\necho started >" + c.mark("cad") + "\nwhile [ ! -e " + c.mark("go") +
                             " ]; do sleep 0.05; done\n: >/etc/runit/stopit\nchmod 100 /etc/runit/stopit\n");
  add_polite(c, "a");
  c.start();
  wait_text(c.mark("a"), "run\n");
  c.signal(SIGINT);
  wait_text(c.mark("cad"), "started\n");
  auto zombies = [&] {
    std::size_t n = 0;
    for (const auto& p : c.processes())
      if (p.ppid == c.pid1() && (p.state == 'Z' || p.comm == "sleep")) ++n;
    return n;
  };
  wait_until([&] { return zombies() == 0; }, "the orphan reaped while ctrlaltdel runs", long_timeout,
             [&] { return std::to_string(zombies()) + " orphans left"; });
  write_file(c.mark("go"), "");
  CHECK(exit_code_of(c) == 0);
  CHECK(text(c.mark("a")) == "run\nterm\nfinish\n");
  auto lines = runit_lines(c.console());
  INFO(joined(lines));
  CHECK(in_order(lines, {"- runit: ctrl-alt-del request...", "- runit: enter stage: /etc/runit/ctrlaltdel",
                         "- runit: leave stage: /etc/runit/ctrlaltdel", "- runit: leave stage: /etc/runit/2",
                         "- runit: enter stage: /etc/runit/3"}));
}

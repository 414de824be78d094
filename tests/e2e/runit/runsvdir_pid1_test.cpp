// runsvdir as process 1 of a PID namespace: TERM stops every service in
// order (TERM, finish, the logger drains) and runsvdir exits with the code
// in the exit code file; the essential marker ends it too.

#include <catch2/catch.hpp>

#include <csignal>

#include "pid1_support.hpp"
#include "service.hpp"

using namespace test;
using namespace test::pid1;

namespace {

void wait_text(container& c, const std::string& path, std::string_view expected) {
  wait_until([&] { return text(path) == expected; }, path + " to hold \"" + std::string(expected) + "\"",
             long_timeout, [&] { return text(path) + "\noutput:\n" + c.output(); });
}

// A polite service with a logger; `finish_extra` runs at the end of finish.
void add_logged(const container& c, std::string_view name, std::string_view finish_extra = "") {
  std::string dir = c.add_service(name, polite_run(c, name), polite_finish(c, name) + std::string(finish_extra));
  make_dir(dir + "/log");
  write_script(dir + "/log/run", "exec cat >>" + c.mark(std::string(name) + ".log") + "\n");
}

}  // namespace

TEST_CASE("runsvdir as PID 1: TERM stops every service in order and exits with the exit code file's code",
          "[runsvdir][pid1]") {
  const bool with_code = GENERATE(true, false);
  container c;
  add_logged(c, "a", with_code ? "echo 42 >/run/runit.exitcode\n" : "");
  add_logged(c, "b");
  c.start({RUNSVDIR_BIN, "-P", c.service()});
  wait_text(c, c.mark("a.log"), "hello\n");
  wait_text(c, c.mark("b.log"), "hello\n");
  c.signal(SIGTERM);
  CHECK(exit_code_of(c) == (with_code ? 42 : 0));
  for (const char* s : {"a", "b"}) {
    CHECK(text(c.mark(s)) == "run\nterm\nfinish\n");
    CHECK(text(c.mark(std::string(s) + ".log")) == "hello\nbye\n");
  }
}

TEST_CASE("runsvdir as PID 1: an essential service that ends while wanted down ends it with its code",
          "[runsvdir][pid1][essential]") {
  container c;
  add_logged(c, "other");
  std::string ess = c.add_service("ess", "exit 6\n");
  write_file(ess + "/essential", "");
  write_file(ess + "/down", "");
  c.start({RUNSVDIR_BIN, "-P", c.service()});
  wait_text(c, c.mark("other"), "run\n");
  wait_until([&] { return runsv_listening(ess); }, "runsv for ess");
  auto r = run({SV_BIN, "once", ess});
  REQUIRE(r.status.exit_code() == 0);
  CHECK(exit_code_of(c) == 6);
  CHECK(text(c.mark("other")) == "run\nterm\nfinish\n");
}

TEST_CASE("runsvdir as PID 1: an essential service whose restart limit gives up ends it with its code",
          "[runsvdir][pid1][essential][restart-policy]") {
  container c;
  add_logged(c, "other");
  std::string ess = c.add_service("ess", "exit 9\n");
  write_file(ess + "/essential", "");
  write_file(ess + "/restart-limit", "2 60\n");
  c.start({RUNSVDIR_BIN, "-P", c.service()});
  wait_text(c, c.mark("other"), "run\n");
  // Two exits (a second apart: runit's throttle), then the limit gives up,
  // the service is down while wanted down, and the container ends with 9.
  CHECK(exit_code_of(c) == 9);
  CHECK(text(c.mark("other")) == "run\nterm\nfinish\n");
}

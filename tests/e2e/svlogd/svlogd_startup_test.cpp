// Starting svlogd on odd command lines and descriptors: runit's option
// parser, sizes it cannot allocate, closed standard descriptors, and what a
// processor inherits (spec/svlogd.md §1, §9.2; issue 12).

#include <catch2/catch.hpp>

#include <csignal>
#include <unistd.h>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

TEST_CASE("svlogd: any word starting with -- ends the options and is consumed", "[svlogd][options]") {
  for (const char* end : {"--x", "--", "--l"}) {
    log_fixture f;
    INFO(end);
    auto r = run(ours(), {"-t", end, "log"}, f.root.path(), "one\n");
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(count(f.text("current"), " one\n") == 1);
  }
}

TEST_CASE("svlogd: huge -b and -l values are numbers, never an abort", "[svlogd][options]") {
  const std::vector<std::vector<std::string>> cases = {
      {"-b", "99999999999", "log"},
      {"-b", "99999999999999999999", "log"},  // wraps modulo 2^64
      {"-l", "18446744073709551614", "-b", "18446744073709551615", "log"},
  };
  for (const auto& args : cases) {
    log_fixture f;
    INFO(Catch::Detail::stringify(args));
    auto r = run(ours(), args, f.root.path(), "first\nsecond\n");
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(f.text("current") == "first\nsecond\n");
  }
}

TEST_CASE("svlogd: a closed standard input is an empty one", "[svlogd][descriptors]") {
  log_fixture f;
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err", {}, 0);
  auto st = p.wait_exit();
  REQUIRE(st);  // not stuck reading a descriptor that is not its input
  CHECK(st->exit_code() == 0);
  CHECK(p.err().empty());
  CHECK(exists(f.at("current")));
  CHECK(f.text("current").empty());
}

TEST_CASE("svlogd: a closed standard output does not stop the -o copy's logging", "[svlogd][descriptors]") {
  log_fixture f;
  svlogd_process p(ours(), {"-o", "web", "log"}, f.root.path(), f.root / "err", {}, 1);
  p.write("one\ntwo\n");
  p.close_input();
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(p.err().empty());
  CHECK(f.text("current") == "one\ntwo\n");
}

TEST_CASE("svlogd: a closed standard error is given on to the processor as /dev/null",
          "[svlogd][descriptors][processor]") {
  log_fixture f;
  // The processor fails if it cannot write to its standard error.
  write_file(f.at("config"), "!cat; echo note >&2\n");
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err", {}, 2);
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return f.text("current").empty(); }, "the rotation");
  p.close_input();
  auto st = p.wait_exit();  // at EOF svlogd waits for a successful processor
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  auto s = masked_snapshot(f.log);
  INFO(describe(s));
  CHECK(s["@TAI.s#1"].content == "x\n");
  CHECK(s.count("@TAI.u#1") == 0);
  CHECK(f.text("current").empty());
}

TEST_CASE("svlogd: a processor has only descriptors 0, 1, 2, 4 and 5 open", "[svlogd][processor]") {
  log_fixture f;
  // ls runs as a child of the shell and lists the shell's descriptors.
  write_file(f.at("config"), "!ls /proc/$$/fd\n");
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err");
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return f.text("current").empty(); }, "the rotation");
  p.close_input();
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  auto s = masked_snapshot(f.log);
  INFO(describe(s) << p.err());
  CHECK(s["@TAI.s#1"].content == "0\n1\n2\n4\n5\n");
}

TEST_CASE("svlogd: a processor that cannot open newstate fails with runit's message and is restarted",
          "[svlogd][processor]") {
  log_fixture f;
  write_file(f.at("config"), "!cat\n");
  make_dir(f.at("newstate"));
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err");
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return count(p.err(), "processor failed, restart") >= 2; }, "two failed runs",
             default_timeout, [&] { return p.err(); });
  CHECK(p.err().find("svlogd: fatal: unable to open newstate for processor: log: is a directory\n"
                     "svlogd: warning: processor failed, restart: log\n"
                     "svlogd: fatal: unable to open newstate for processor: log: is a directory\n") == 0);
}

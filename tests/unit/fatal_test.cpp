#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "supervise/fatal.hpp"
#include "unit_support.hpp"

TEST_CASE("diagnostic: PREFIX: KIND: MSG", "[fatal]") {
  CHECK(supervise::diagnostic("runsv svc", "warning", "./log: not a directory.", 0) ==
        "runsv svc: warning: ./log: not a directory.\n");
}

TEST_CASE("diagnostic: a non-zero errno appends its runit text", "[fatal]") {
  CHECK(supervise::diagnostic("runsv svc1", "fatal", "unable to lock supervise/lock", EAGAIN) ==
        "runsv svc1: fatal: unable to lock supervise/lock: temporary failure\n");
  CHECK(supervise::diagnostic("runsv /service/missing", "fatal",
                              "unable to change to directory", ENOENT) ==
        "runsv /service/missing: fatal: unable to change to directory: file does not exist\n");
}

TEST_CASE("diagnostic: an empty prefix prints no program name (sv)", "[fatal]") {
  CHECK(supervise::diagnostic("", "fatal", "unable to change to service directory", ENOTDIR) ==
        "fatal: unable to change to service directory: not a directory\n");
}

TEST_CASE("warn: one warning line on stderr", "[fatal]") {
  unit::stderr_capture cap;
  supervise::warn("runsv svc", "unable to open supervise/stat.new", ENOENT);
  CHECK(cap.stop() == "runsv svc: warning: unable to open supervise/stat.new: file does not exist\n");
}

TEST_CASE("usage: usage line plus an empty line, returns the code", "[fatal]") {
  unit::stderr_capture cap;
  const int code = supervise::usage("runsv", "dir", 1);
  CHECK(cap.stop() == "usage: runsv dir\n\n");
  CHECK(code == 1);
}

TEST_CASE("run_main: fatal_error prints the fatal line and returns its code", "[fatal]") {
  unit::stderr_capture cap;
  const int code = supervise::run_main("runsv svc1", []() -> int {
    throw supervise::fatal_error{111, "unable to lock supervise/lock", EWOULDBLOCK};
  });
  CHECK(cap.stop() == "runsv svc1: fatal: unable to lock supervise/lock: temporary failure\n");
  CHECK(code == 111);
}

TEST_CASE("run_main: fatal_error without errno prints no errno text", "[fatal]") {
  unit::stderr_capture cap;
  const int code = supervise::run_main("runsv svc", []() -> int {
    throw supervise::fatal_error{111, "supervise/control exists but is not a fifo"};
  });
  CHECK(cap.stop() == "runsv svc: fatal: supervise/control exists but is not a fifo\n");
  CHECK(code == 111);
}

TEST_CASE("run_main: the body's return value is the exit code, nothing printed", "[fatal]") {
  unit::stderr_capture cap;
  CHECK(supervise::run_main("runsv svc", [] { return 0; }) == 0);
  CHECK(supervise::run_main("runsv svc", [] { return 42; }) == 42);
  CHECK(cap.stop().empty());
}

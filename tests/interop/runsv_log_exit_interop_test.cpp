// After 'x' with a log service that does not end at EOF, runsv waits for the
// log service with the log pipe closed. A 'u' then starts ./run again, and
// runit hands it the closed pipe: ./run fails at once with "unable to setup
// filedescriptor for ./run: file descriptor not open" and is tried again
// each second; the main service stays down. Checked on Debian's runsv and ours.

#include <catch2/catch.hpp>

#include <string>

#include "fixture.hpp"

using namespace test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void after_x_then_u(const std::string& binary) {
  INFO("runsv: " << binary);
  service_fixture f;
  write_script(f.at("run"), "echo $$ >> starts\nexec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec sleep 1000\n");
  runsv_instance::options opts;
  opts.binary = binary;
  runsv_instance rs(f.svc, opts);
  rs.wait_ready();
  wait_stat(f.svc, "run\n");
  wait_stat(f.at("log"), "run\n");
  // runsv writes "run" once ./run is forked, before its shell has written
  // its line: a TERM before that would leave no line (it failed so once).
  wait_until([&] { return f.lines("starts").size() == 1; }, "./run's line in starts", 5s);
  send_control(f.svc, "x");
  wait_stat(f.at("log"), "run, want exit\n", 5s);
  wait_stat(f.svc, "down\n");
  send_control(f.svc, "u");
  const std::string failed = "runsv svc: fatal: unable to setup filedescriptor for ./run: file descriptor not open\n";
  wait_until([&] { return count(rs.proc().err(), failed) >= 2; }, "two failed starts of ./run", 5s,
             [&] { return rs.proc().err(); });
  // Nothing but the failed starts was printed, the ./run never ran, and
  // the service is down between its tries.
  CHECK(count(rs.proc().err(), "\n") == count(rs.proc().err(), failed));
  CHECK(f.lines("starts").size() == 1);
  wait_stat(f.svc, "down\n");
  CHECK_FALSE(rs.exited());
}

}  // namespace

TEST_CASE("after x with a log service still running, u starts ./run on the closed log pipe as Debian's runsv",
          "[interop][runsv][log]") {
  after_x_then_u(reference_bin("runsv"));
  after_x_then_u(runsv_under_test());
}

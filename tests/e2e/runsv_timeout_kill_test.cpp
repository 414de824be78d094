// Beyond runit, s6-supervise's timeout-kill: milliseconds after runsv sent
// the down-signal (or TERM) to ./run, a ./run still there gets SIGKILL.
// Without the file runsv waits for ever, as runit's (the force-stop interop
// test shows Debian's and ours alike).

#include <catch2/catch.hpp>

#include "fixture.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

// A ./run that ignores TERM (the ignored disposition survives exec), and a
// ./finish that records its arguments: exit code (-1 when killed) and signal.
void term_ignoring_service(service_fixture& f) {
  write_script(f.at("run"), "trap '' TERM\necho $$ >> starts\nexec sleep 1000\n");
  write_script(f.at("finish"), "echo \"$1 $2\" >> finish.args\n");
}

}  // namespace

TEST_CASE("timeout-kill: sv down of a ./run that ignores TERM ends with SIGKILL after the timeout",
          "[runsv][extension][timeout-kill]") {
  service_fixture f;
  term_ignoring_service(f);
  write_file(f.at("timeout-kill"), "300\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return !f.lines("starts").empty(); }, "./run to start");
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(f.lines("finish.args") == std::vector<std::string>{"-1 9"});
}

TEST_CASE("timeout-kill: a restart (t with want up) of a ./run that ignores TERM kills it and starts a new one",
          "[runsv][extension][timeout-kill]") {
  service_fixture f;
  term_ignoring_service(f);
  write_file(f.at("timeout-kill"), "300\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return f.lines("starts").size() == 1; }, "./run to start");
  send_control(f.svc, "t");
  wait_until([&] { return f.lines("starts").size() == 2; }, "a second ./run", 10s,
             [&] { return "starts: " + f.text("starts") + "finish.args: " + f.text("finish.args"); });
  CHECK(f.lines("finish.args") == std::vector<std::string>{"-1 9"});
}

TEST_CASE("timeout-kill: a ./run that exits on TERM is not killed", "[runsv][extension][timeout-kill]") {
  service_fixture f;
  write_script(f.at("run"), "sleep 1000 & s=$!\ntrap 'kill $s; exit 3' TERM\necho $$ >> starts\nwait\n");
  write_script(f.at("finish"), "echo \"$1 $2\" >> finish.args\n");
  write_file(f.at("timeout-kill"), "2000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return !f.lines("starts").empty(); }, "./run to start");
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(f.lines("finish.args") == std::vector<std::string>{"3 0"});
}

TEST_CASE("timeout-kill: log/timeout-kill applies to the log service", "[runsv][extension][timeout-kill][log]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "trap '' TERM\nexec cat > /dev/null\n");
  write_file(f.at("log/timeout-kill"), "300\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));
  send_control(f.at("log"), "d");
  wait_state(f.at("log"), "down\n", flags_hex(0, 'd', 0, 0), 10s);
  // The main service is untouched.
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
}

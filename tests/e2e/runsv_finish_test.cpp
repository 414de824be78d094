// ./finish and its arguments (supervise-protocol.md §7).

#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace test;

namespace {

const char* finish_recording_args = "echo \"$0 $# $1 $2\" >> finish.args\n";

}  // namespace

TEST_CASE("finish after exit(3) gets arguments 3 0", "[runsv][finish]") {
  service_fixture f;
  write_script(f.at("run"), "echo started >> starts\nexit 3\n");
  write_script(f.at("finish"), finish_recording_args);
  write_file(f.at("down"), "");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));

  send_control(f.svc, "o");
  wait_until([&] { return f.text("finish.args") == "./finish 2 3 0\n"; }, "finish to run", default_timeout,
             [&] { return "finish.args: " + f.text("finish.args"); });
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(f.lines("starts").size() == 1);
}

TEST_CASE("finish after a KILL (k) gets arguments -1 9", "[runsv][finish]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  write_script(f.at("finish"), finish_recording_args);
  write_file(f.at("down"), "");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));

  send_control(f.svc, "o");
  wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  send_control(f.svc, "k");
  wait_until([&] { return f.text("finish.args") == "./finish 2 -1 9\n"; }, "finish to run", default_timeout,
             [&] { return "finish.args: " + f.text("finish.args"); });
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
}

TEST_CASE("finish runs between the exit of ./run and its restart", "[runsv][finish]") {
  service_fixture f;
  write_script(f.at("run"), "echo run >> events\nexec sleep 1000\n");
  write_script(f.at("finish"), "echo \"finish $1 $2\" >> events\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto first = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  // TERM only once the script has recorded its start (a TERM that comes
  // first kills the shell before it writes anything).
  wait_until([&] { return f.text("events") == "run\n"; }, "./run to record its start");

  send_control(f.svc, "t");
  wait_running_other_than(f.svc, first.pid);
  wait_until([&] { return f.lines("events").size() == 3; }, "the restart", default_timeout,
             [&] { return "events: " + f.text("events"); });
  CHECK(f.text("events") == "run\nfinish -1 15\nrun\n");
}

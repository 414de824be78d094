// Custom control scripts control/X (supervise-protocol.md §6).

#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace test;

namespace {

status_record start_recorder(service_fixture& f, runsv_instance& rs) {
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);
  return run;
}

}  // namespace

TEST_CASE("control/h exiting 0 replaces the HUP", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  make_dir(f.at("control"));
  write_script(f.at("control/h"), "echo \"h $0 $#\" >> control.log\nexit 0\n");
  runsv_instance rs(f.svc);
  start_recorder(f, rs);

  send_control(f.svc, "h");
  wait_until([&] { return f.text("control.log") == "h control/h 0\n"; }, "control/h to run");
  // runsv waits for control/h; a HUP would be sent before this ALRM.
  send_control(f.svc, "a");
  wait_signals(f.svc, "ALRM\n");
}

TEST_CASE("control/h exiting non-zero does not suppress the HUP", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  make_dir(f.at("control"));
  write_script(f.at("control/h"), "echo h >> control.log\nexit 1\n");
  runsv_instance rs(f.svc);
  start_recorder(f, rs);

  send_control(f.svc, "h");
  wait_signals(f.svc, "HUP\n");
  CHECK(f.text("control.log") == "h\n");
}

TEST_CASE("a control/X without the owner execute bit is not used", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  make_dir(f.at("control"));
  write_file(f.at("control/h"), "#!/bin/sh\necho h >> control.log\nexit 0\n", 0644);
  runsv_instance rs(f.svc);
  start_recorder(f, rs);

  send_control(f.svc, "h");
  wait_signals(f.svc, "HUP\n");
  CHECK_FALSE(exists(f.at("control.log")));
}

TEST_CASE("control/t exiting 0 makes d send no TERM but still CONT and then control/d", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  make_dir(f.at("control"));
  write_script(f.at("control/t"), "echo t >> control.log\nexit 0\n");
  write_script(f.at("control/d"), "echo d >> control.log\nexit 0\n");
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  send_control(f.svc, "d");
  auto st = wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  CHECK(st.pid == run.pid);
  wait_until([&] { return f.text("control.log") == "t\nd\n"; }, "control/t and control/d to run", default_timeout,
             [&] { return "control.log: " + f.text("control.log"); });
  wait_signals(f.svc, "CONT\n");
}

TEST_CASE("control/d runs after TERM and CONT were sent", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  make_dir(f.at("control"));
  // Records what it sees: the stat runsv wrote after TERM, and whether the
  // (previously stopped) service was already continued.
  write_script(f.at("control/d"),
               "cat supervise/stat > d.stat\n"
               "pid=$(cat supervise/pid)\n"
               "sed 's/.*) //' /proc/$pid/stat | cut -c1 > d.procstate\n"
               "exit 1\n");
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  send_control(f.svc, "p");
  wait_state(f.svc, "run, paused\n", flags_hex(1, 'u', 0, 1));
  wait_until([&] { return proc_state(static_cast<pid_t>(run.pid)) == 'T'; }, "the service to be stopped");

  send_control(f.svc, "d");
  wait_until([&] { return f.text("d.procstate").size() == 2; }, "control/d to run");
  CHECK(f.text("d.stat") == "run, paused, got TERM, want down\n");
  CHECK(f.text("d.procstate") != "T\n");
  wait_signals(f.svc, "TERM\nCONT\n");
  wait_state(f.svc, "run, paused, got TERM, want down\n", flags_hex(1, 'd', 1, 1));
}

TEST_CASE("control/u runs before every start of ./run but not on the u byte", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), "echo run >> events\nexec sleep 1000\n");
  make_dir(f.at("control"));
  write_script(f.at("control/u"), "echo \"u $0 $#\" >> events\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto first = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return f.lines("events").size() == 2; }, "the first start");

  send_control(f.svc, "k");
  auto second = wait_running_other_than(f.svc, first.pid);
  wait_until([&] { return f.lines("events").size() == 4; }, "the second start", default_timeout,
             [&] { return "events: " + f.text("events"); });
  CHECK(f.text("events") == "u control/u 0\nrun\nu control/u 0\nrun\n");

  // u while running only sets want up; o shows both were consumed.
  send_control(f.svc, "uo");
  auto once = wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  CHECK(once.pid == second.pid);
  CHECK(f.lines("events").size() == 4);
}

// Beyond runit, with s6's file names: notification-fd (readiness recorded in
// supervise/ready), down-signal, timeout-finish. Without these files runsv is
// runit's (the other runsv tests and the interop tests run without them).

#include <catch2/catch.hpp>

#include <csignal>

#include "fixture.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

TEST_CASE("notification-fd: supervise/ready appears when run writes a newline and goes with the service",
          "[runsv][extension][readiness]") {
  service_fixture f;
  write_file(f.at("notification-fd"), "3\n");
  // Ready only once the test says so, so "not ready yet" is observable.
  write_script(f.at("run"),
               "while [ ! -e go ]; do sleep 0.02; done\n"
               "echo >&3\n"
               "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  CHECK_FALSE(exists(supervise_path(f.svc, "ready")));

  write_file(f.at("go"), "");
  wait_until([&] { return exists(supervise_path(f.svc, "ready")); }, "supervise/ready");
  CHECK(f.text("supervise/ready").size() == 26);  // "@" + 24 hex + "\n"
  CHECK(f.text("supervise/ready")[0] == '@');
  // runit's status bytes are untouched by readiness.
  CHECK(read_status(f.svc)->flags_hex() == flags_hex(0, 'u', 0, 1));

  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK_FALSE(exists(supervise_path(f.svc, "ready")));
}

TEST_CASE("notification-fd: a run that closes the fd without a newline is never ready",
          "[runsv][extension][readiness]") {
  service_fixture f;
  write_file(f.at("notification-fd"), "4\n");
  write_script(f.at("run"), "exec 4>&-\necho closed > closed\nexec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return exists(f.at("closed")); }, "run to close fd 4");
  CHECK(holds_for([&] { return !exists(supervise_path(f.svc, "ready")); }, 300ms));
}

TEST_CASE("without notification-fd no ready file is written", "[runsv][extension][readiness]") {
  service_fixture f;
  write_script(f.at("run"), "echo up > up\nexec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return exists(f.at("up")); }, "run to start");
  CHECK(holds_for([&] { return !exists(supervise_path(f.svc, "ready")); }, 300ms));
}

TEST_CASE("down-signal: sv down sends that signal instead of TERM while t still sends TERM",
          "[runsv][extension][down-signal]") {
  service_fixture f;
  write_file(f.at("down-signal"), "SIGUSR1\n");
  write_script(f.at("run"),
               "trap 'echo USR1 >> signals; exit 0' USR1\n"
               "trap 'echo TERM >> signals; exit 0' TERM\n"
               "echo $$ > started\n"
               "while :; do sleep 0.02; done\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return !f.text("started").empty(); }, "run to set its traps");
  const std::string first = f.text("started");
  send_control(f.svc, "t");
  wait_until([&] { return f.text("signals") == "TERM\n"; }, "TERM from t");
  // The restarted run writes its own pid once its traps are set.
  wait_until([&] { return !f.text("started").empty() && f.text("started") != first; },
             "the restarted run to set its traps", 5s);
  send_control(f.svc, "d");
  wait_until([&] { return f.text("signals") == "TERM\nUSR1\n"; }, "USR1 from d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
}

TEST_CASE("timeout-finish: a finish running longer is killed and the service goes down",
          "[runsv][extension][timeout-finish]") {
  service_fixture f;
  write_file(f.at("timeout-finish"), "200\n");
  write_script(f.at("run"), "exec sleep 1000\n");
  write_script(f.at("finish"), "echo started >> finish.log\nsleep 30\necho ended >> finish.log\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  send_control(f.svc, "d");
  wait_until([&] { return f.text("finish.log") == "started\n"; }, "finish to start");
  // Without the limit finish would hold the finish state for 30 s.
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 5s);
  CHECK(f.text("finish.log") == "started\n");
}

TEST_CASE("restart-limit: after N exits within T seconds the service is left down as if sv down",
          "[runsv][extension][restart-policy]") {
  service_fixture f;
  write_file(f.at("restart-limit"), "3 60\n");
  write_script(f.at("run"), "echo x >> starts\nexit 7\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  // Three starts (the runit throttle spaces them a second apart), then down
  // with want down: what runit's sv shows as "down ..., normally up".
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(f.lines("starts").size() == 3);
  CHECK(holds_for([&] { return f.lines("starts").size() == 3; }, 1500ms));
  CHECK(rs.proc().err().find("restart limit reached, service left down") != std::string::npos);
  CHECK(f.text("supervise/restart-policy") == "given-up\n");
  // sv up starts it again.
  send_control(f.svc, "u");
  wait_until([&] { return f.text("supervise/restart-policy") != "given-up\n"; }, "the policy state to reset");
  wait_until([&] { return f.lines("starts").size() >= 4; }, "a start after u");
}

TEST_CASE("restart-backoff: the delay before a restart doubles", "[runsv][extension][restart-policy]") {
  service_fixture f;
  write_file(f.at("restart-backoff"), "1200 5000\n");
  write_script(f.at("run"), "date +%s%N >> starts\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return f.lines("starts").size() >= 3; }, "three starts", 15s);
  auto t = f.lines("starts");
  double gap1 = (std::stod(t[1]) - std::stod(t[0])) / 1e9;
  double gap2 = (std::stod(t[2]) - std::stod(t[1])) / 1e9;
  // Lower bounds only: runit alone would restart after 1 s each time.
  CHECK(gap1 >= 1.15);
  CHECK(gap2 >= 2.35);
  CHECK(f.text("supervise/restart-policy").rfind("exits 0 backoff ", 0) == 0);
}

TEST_CASE("restart-backoff: our sv up during the delay starts ./run at once and clears the crash record",
          "[runsv][sv][extension][restart-policy]") {
  service_fixture f;
  write_file(f.at("restart-backoff"), "30000 60000\n");
  write_script(f.at("run"), "echo start >> starts\n[ -e ok ] || exit 1\nexec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return f.lines("starts").size() == 1 && exists(supervise_path(f.svc, "crashes")); },
             "the first failure");
  wait_until([&] { return f.text("supervise/restart-policy").rfind("exits 0 backoff 30000", 0) == 0; },
             "the 30 s backoff");
  write_file(f.at("ok"), "");
  sv_spawn opts;
  opts.env = {"SVDIR=" + f.root.path()};
  // runit's sv sends nothing to a service wanted up; ours does while a
  // backoff delay holds it down, and runsv starts it at once (well within
  // the 30 s the delay would have taken).
  auto r = run_sv({sv_under_test(), "-w", "10", "up", "svc"}, opts);
  CHECK(mask_sv(r.out) == "ok: run: svc: (pid X) Xs\n");
  CHECK(r.code == 0);
  CHECK(f.lines("starts").size() == 2);
  CHECK_FALSE(exists(supervise_path(f.svc, "crashes")));
}

TEST_CASE("health-check: after FAILURES failed ./check in a row the service is restarted",
          "[runsv][extension][health]") {
  service_fixture f;
  write_file(f.at("health-check"), "1 2\n");
  write_script(f.at("check"), "echo x >> checks\nexit 1\n");
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto first = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  auto second = wait_running_other_than(f.svc, first.pid, 10s);
  CHECK(second.pid != first.pid);
  CHECK(f.lines("checks").size() >= 2);
  CHECK(rs.proc().err().find("health check failed, restarting") != std::string::npos);
}

TEST_CASE("health-check: a passing ./check leaves the service alone", "[runsv][extension][health]") {
  service_fixture f;
  write_file(f.at("health-check"), "1 1\n");
  write_script(f.at("check"), "echo x >> checks\nexit 0\n");
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return f.lines("checks").size() >= 2; }, "two checks", 10s);
  CHECK(read_status(f.svc)->pid == run.pid);
}

TEST_CASE("notification-fd end to end: our sv -v up returns only once runsv has seen readiness",
          "[runsv][sv][extension][readiness]") {
  service_fixture f;
  write_file(f.at("notification-fd"), "3\n");
  write_file(f.at("down"), "");
  write_script(f.at("run"),
               "while [ ! -e go ]; do sleep 0.02; done\n"
               "echo >&3\n"
               "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));

  sv_spawn opts;
  opts.env = {"SVDIR=" + f.root.path()};
  sv_process up({sv_under_test(), "-w", "10", "up", "svc"}, opts);
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  // Running, not ready: sv keeps waiting.
  CHECK(holds_for([&] { return proc_state(up.pid()) != 'Z' && !exists(supervise_path(f.svc, "ready")); }, 300ms));
  write_file(f.at("go"), "");
  auto r = up.finish(10s);
  CHECK(r.code == 0);
  CHECK(mask_sv(r.out) == "ok: run: svc: (pid X) Xs, normally down\n");
  CHECK(exists(supervise_path(f.svc, "ready")));
}

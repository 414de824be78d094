// supervise/stat, supervise/pid and supervise/status in each state of
// spec/test-vectors.md §2.

#include <catch2/catch.hpp>

#include <optional>

#include <csignal>
#include <ctime>

#include "fixture.hpp"

using namespace test;

TEST_CASE("running shows stat run and the pid of ./run and flags 00 u 00 01 and the start time", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  std::int64_t before = std::time(nullptr);
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto st = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  std::int64_t after = std::time(nullptr);
  wait_recorder_ready(f.svc, st.pid);

  CHECK(read_pid_file(f.svc) == std::to_string(st.pid) + "\n");
  CHECK(f.lines("starts") == std::vector<std::string>{std::to_string(st.pid)});
  CHECK(st.unix_seconds() >= before - 1);
  CHECK(st.unix_seconds() <= after + 1);
  CHECK(st.nano % 1000 == 500);
  CHECK(st.nano < 1000000000u);
}

TEST_CASE("d sends TERM then CONT and the service is down with an empty pid file and flags 00 d 00 00", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(true));
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);

  send_control(f.svc, "d");
  auto down = wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(down.pid == 0);
  CHECK(read_pid_file(f.svc) == "");
  CHECK(down.tai_seconds >= run.tai_seconds);
  CHECK(f.text("signals") == "TERM\nCONT\n");
  CHECK(f.lines("starts").size() == 1);
}

TEST_CASE("a down file keeps it down with flags 00 d 00 00 until u starts it with flags 00 u 00 01", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  write_file(f.at("down"), "");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto down = wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(down.pid == 0);
  CHECK(read_pid_file(f.svc) == "");

  // p and c are applied in any state and rewrite the status: a barrier
  // showing runsv went through its loop without starting the service.
  send_control(f.svc, "p");
  wait_state(f.svc, "down, paused\n", flags_hex(1, 'd', 0, 0));
  send_control(f.svc, "c");
  auto down2 = wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(down2.raw == down.raw);
  CHECK_FALSE(exists(f.at("starts")));

  send_control(f.svc, "u");
  auto up = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, up.pid);
  CHECK(read_pid_file(f.svc) == std::to_string(up.pid) + "\n");
}

TEST_CASE("p stops the service and sets the paused flag and c continues it with the same timestamp", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);

  send_control(f.svc, "p");
  auto paused = wait_state(f.svc, "run, paused\n", flags_hex(1, 'u', 0, 1));
  CHECK(paused.pid == run.pid);
  CHECK(paused.time_bytes() == run.time_bytes());
  wait_until([&] { return proc_state(static_cast<pid_t>(run.pid)) == 'T'; }, "the service to be stopped");

  send_control(f.svc, "c");
  auto cont = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  CHECK(cont.time_bytes() == run.time_bytes());
  wait_signals(f.svc, "CONT\n");
  CHECK(proc_state(static_cast<pid_t>(run.pid)) != 'T');
}

TEST_CASE("o on a running service sets want down and it is not restarted after it exits", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);

  send_control(f.svc, "o");
  auto once = wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  CHECK(once.pid == run.pid);
  CHECK(once.time_bytes() == run.time_bytes());
  CHECK_FALSE(exists(f.at("signals")));

  ::kill(static_cast<pid_t>(run.pid), SIGKILL);
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  send_control(f.svc, "p");
  wait_state(f.svc, "down, paused\n", flags_hex(1, 'd', 0, 0));
  CHECK(f.lines("starts").size() == 1);
}

TEST_CASE("o on a down service starts it once with want down", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  write_file(f.at("down"), "");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));

  send_control(f.svc, "o");
  auto run = wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  wait_recorder_ready(f.svc, run.pid);

  ::kill(static_cast<pid_t>(run.pid), SIGKILL);
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  send_control(f.svc, "p");
  wait_state(f.svc, "down, paused\n", flags_hex(1, 'd', 0, 0));
  CHECK(f.lines("starts").size() == 1);
}

TEST_CASE("d on a service ignoring TERM shows got TERM and want down 00 d 01 01 until k takes it down", "[runsv][state]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);

  send_control(f.svc, "d");
  auto term = wait_state(f.svc, "run, got TERM, want down\n", flags_hex(0, 'd', 1, 1));
  CHECK(term.pid == run.pid);
  CHECK(term.time_bytes() == run.time_bytes());
  wait_signals(f.svc, "TERM\nCONT\n");

  send_control(f.svc, "k");
  auto down = wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(down.pid == 0);
  CHECK(read_pid_file(f.svc) == "");
}

TEST_CASE("finish state shows 00 d 00 02 and the pid of ./finish and keeps the run timestamp and finish gets -1 15", "[runsv][state][finish]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  write_script(f.at("finish"),
               "echo $$ > finish.pid\n"
               "echo \"$0 $# $1 $2\" > finish.args\n"
               "while [ ! -e release ]; do sleep 0.02; done\n");
  write_file(f.at("down"), "");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));

  send_control(f.svc, "u");
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  send_control(f.svc, "d");
  wait_state(f.svc, "finish, want down\n", flags_hex(0, 'd', 0, 2));
  // runsv writes the finish state once with pid 0 (run reaped) and again
  // when ./finish has started: wait for the second.
  std::optional<status_record> started;
  wait_until([&] {
    started = read_status(f.svc);
    return started && started->state == 2 && started->pid != 0;
  }, "./finish to be started");
  auto fin = *started;
  wait_until([&] { return f.text("finish.pid") == std::to_string(fin.pid) + "\n"; }, "finish to record its pid",
             default_timeout, [&] { return "finish.pid: " + f.text("finish.pid"); });
  CHECK(fin.pid != run.pid);
  CHECK(fin.time_bytes() == run.time_bytes());
  CHECK(read_pid_file(f.svc) == std::to_string(fin.pid) + "\n");
  CHECK(f.text("finish.args") == "./finish 2 -1 15\n");

  write_file(f.at("release"), "");
  auto down = wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  CHECK(read_pid_file(f.svc) == "");
  CHECK(down.time_bytes() != run.time_bytes());
}

TEST_CASE("with control/t exiting 0 x leaves want exit 00 d 00 01 and k then ends runsv without finish", "[runsv][state][exit]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  write_script(f.at("finish"), "echo ran > finish.ran\n");
  make_dir(f.at("control"));
  write_script(f.at("control/t"), "exit 0\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));

  send_control(f.svc, "x");
  auto want_exit = wait_state(f.svc, "run, want exit\n", flags_hex(0, 'd', 0, 1));
  CHECK(want_exit.pid == run.pid);
  CHECK_FALSE(rs.exited());

  send_control(f.svc, "k");
  auto st = rs.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK_FALSE(exists(f.at("finish.ran")));
}

TEST_CASE("a missing run is reported on stderr by the child and the service stays down with want up", "[runsv][state]") {
  service_fixture f;
  runsv_instance rs(f.svc);
  rs.wait_ready();
  const std::string line = "runsv svc: fatal: unable to start ./run: file does not exist\n";
  wait_until([&] { return rs.proc().err().find(line) != std::string::npos; }, "the unable to start message",
             default_timeout, [&] { return "stderr: " + rs.proc().err(); });
  auto st = wait_state(f.svc, "down\n", flags_hex(0, 'u', 0, 0));
  CHECK(st.pid == 0);
  // It keeps trying (throttled): a second attempt gives a second message.
  auto only_that_line = [&](std::size_t at_least) {
    const std::string& err = rs.proc().err();
    if (err.size() < at_least * line.size() || err.size() % line.size() != 0) return false;
    for (std::size_t i = 0; i < err.size(); i += line.size())
      if (err.compare(i, line.size(), line) != 0) return false;
    return true;
  };
  wait_until([&] { return only_that_line(2); }, "a second attempt", default_timeout,
             [&] { return "stderr: " + rs.proc().err(); });
  CHECK(rs.proc().out().empty());
}

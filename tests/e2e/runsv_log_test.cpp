// The log service and the pipe runsv holds between ./run and log/run
// (supervise-protocol.md §8).

#include <catch2/catch.hpp>

#include <csignal>

#include "fixture.hpp"

using namespace test;

TEST_CASE("log/run receives the stdout of the main service", "[runsv][log]") {
  service_fixture f;
  write_script(f.at("run"), "echo hello from run\necho second line\nexec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec cat >> ../logged\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return f.text("logged") == "hello from run\nsecond line\n"; }, "the lines in the log",
             default_timeout, [&] { return "logged: " + f.text("logged"); });
  wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));
  CHECK(rs.proc().out().empty());
}

TEST_CASE("the log service is started before the main service", "[runsv][log]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec cat > /dev/null\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto main = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  auto log = wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));
  CHECK(read_pid_file(f.at("log")) == std::to_string(log.pid) + "\n");
  // Lower pid, unless the pid counter wrapped between the two forks.
  bool wrapped = main.pid < log.pid && log.pid - main.pid > 16384;
  if (!wrapped) CHECK(log.pid < main.pid);
}

TEST_CASE("restarting the logger loses no line", "[runsv][log]") {
  service_fixture f;
  // 100 lines, then (when told) 100 more while the first logger is gone.
  write_script(f.at("run"),
               "i=1; while [ $i -le 100 ]; do echo \"line $i\"; i=$((i+1)); done\n"
               "while [ ! -e go ]; do sleep 0.02; done\n"
               "while [ $i -le 200 ]; do echo \"line $i\"; i=$((i+1)); done\n"
               "exec sleep 1000\n");
  make_dir(f.at("log"));
  // The first logger takes exactly 100 lines (read consumes one line at a
  // time), then idles holding nothing unread; later ones copy everything.
  write_script(f.at("log/run"),
               "echo $$ >> ../loggers\n"
               "if [ -e ../first-logger-done ]; then exec cat >> ../logged; fi\n"
               ": > ../first-logger-done\n"
               "n=0\n"
               "while [ $n -lt 100 ] && IFS= read -r l; do echo \"$l\" >> ../logged; n=$((n+1)); done\n"
               "exec sleep 1000 </dev/null\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return f.lines("logged").size() == 100; }, "the first 100 lines", default_timeout,
             [&] { return std::to_string(f.lines("logged").size()) + " lines"; });
  auto first_logger = wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));

  write_file(f.at("go"), "");
  ::kill(static_cast<pid_t>(first_logger.pid), SIGKILL);
  wait_running_other_than(f.at("log"), first_logger.pid);
  wait_until([&] { return f.lines("logged").size() == 200; }, "all 200 lines", default_timeout,
             [&] { return std::to_string(f.lines("logged").size()) + " lines"; });
  std::vector<std::string> expected;
  for (int i = 1; i <= 200; ++i) expected.push_back("line " + std::to_string(i));
  CHECK(f.lines("logged") == expected);
  CHECK(f.lines("loggers").size() == 2);
}

TEST_CASE("the log service has no custom control scripts and no finish", "[runsv][log]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), sh::signal_recorder(false, "exec 0</dev/null\n"));
  write_script(f.at("log/finish"), "echo ran > finish.ran\n");
  make_dir(f.at("log/control"));
  write_script(f.at("log/control/h"), "echo ran > control.ran\nexit 0\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  const std::string log = f.at("log");
  auto first = wait_state(log, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(log, first.pid);

  send_control(log, "h");
  wait_signals(log, "HUP\n");
  CHECK_FALSE(exists(log + "/control.ran"));

  send_control(log, "k");
  auto second = wait_running_other_than(log, first.pid);
  wait_recorder_ready(log, second.pid);
  CHECK_FALSE(exists(log + "/finish.ran"));
  CHECK_FALSE(exists(f.at("control.ran")));
  CHECK_FALSE(exists(f.at("finish.ran")));
}

TEST_CASE("x is ignored for the log service", "[runsv][log]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), sh::signal_recorder(false, "exec 0</dev/null\n"));
  runsv_instance rs(f.svc);
  rs.wait_ready();
  const std::string log = f.at("log");
  auto run = wait_state(log, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(log, run.pid);

  send_control(log, "xo");
  auto st = wait_state(log, "run, want down\n", flags_hex(0, 'd', 0, 1));
  CHECK(st.pid == run.pid);
  CHECK_FALSE(exists(log + "/signals"));
  CHECK_FALSE(rs.exited());
  CHECK(read_stat(f.svc) == "run\n");
}

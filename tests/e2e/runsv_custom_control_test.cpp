// Custom control scripts control/X (supervise-protocol.md §6).

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.hpp"

using namespace test;

namespace {

status_record start_recorder(service_fixture& f, runsv_instance& rs) {
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);
  return run;
}

// control/t that blocks its first run on the FIFO `gate` until the test
// releases it, and exits 1 (the TERM follows) every time.
constexpr const char* hanging_control_t =
    "echo t >> control.log\n"
    "if [ \"$(wc -l < control.log)\" -eq 1 ]; then read x < gate; fi\n"
    "exit 1\n";

// Lets the control/t blocked on `gate` go on.
void release(const std::string& gate) {
  int fd = -1;
  // The script opens the FIFO right after its echo: until then there is no reader.
  wait_until([&] { return (fd = ::open(gate.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; },
             "control/t to open the gate");
  REQUIRE(::write(fd, "go\n", 3) == 3);
  ::close(fd);
}

// The service `f` gets hanging_control_t, its gate FIFO and a log service.
void with_hanging_control_t_and_log(service_fixture& f) {
  make_dir(f.at("control"));
  write_script(f.at("control/t"), hanging_control_t);
  REQUIRE(::mkfifo(f.at("gate").c_str(), 0600) == 0);
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec cat > /dev/null\n");
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

TEST_CASE("while control/t hangs runsv still restarts the log and records the exit of ./run", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), "echo $$ >> starts\nexec sleep 1000\n");
  with_hanging_control_t_and_log(f);
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  auto log = wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));
  // Past runit's one-second throttle, so that a 'u' restarts ./run at once.
  wait_until([&] { return std::time(nullptr) >= run.unix_seconds() + 2; }, "./run to have run two seconds");

  send_control(f.svc, "t");
  wait_until([&] { return f.text("control.log") == "t\n"; }, "control/t to run");

  ::kill(static_cast<pid_t>(log.pid), SIGKILL);
  wait_running_other_than(f.at("log"), log.pid);
  ::kill(static_cast<pid_t>(run.pid), SIGKILL);
  wait_state(f.svc, "down\n", flags_hex(0, 'u', 0, 0));

  // Queued while control/t runs, applied after it in order: u starts ./run
  // again, x stops it (through control/t, which no longer blocks) and ends runsv.
  send_control(f.svc, "ux");
  CHECK(f.lines("starts").size() == 1);
  release(f.at("gate"));
  auto exit = rs.wait_exit(default_timeout);
  REQUIRE(exit);
  CHECK(exit->describe() == "exit 0");
  CHECK(f.text("control.log") == "t\nt\n");
  CHECK(f.lines("starts").size() == 2);
}

TEST_CASE("a TERM that arrives while control/t runs is applied after it", "[runsv][custom-control]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  with_hanging_control_t_and_log(f);
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  auto log = wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));

  send_control(f.svc, "t");
  wait_until([&] { return f.text("control.log") == "t\n"; }, "control/t to run");
  rs.proc().signal(SIGTERM);
  // Pending together, TERM (15) is delivered before CHLD (17): once the new
  // logger shows, runsv has taken the TERM, and kept it for later.
  ::kill(static_cast<pid_t>(log.pid), SIGKILL);
  wait_running_other_than(f.at("log"), log.pid);
  auto st = read_status(f.svc);
  REQUIRE(st);
  CHECK(st->pid == run.pid);
  CHECK(st->flags_hex() == flags_hex(0, 'u', 0, 1));
  CHECK(read_stat(f.svc) == "run\n");

  release(f.at("gate"));
  auto exit = rs.wait_exit(default_timeout);
  REQUIRE(exit);
  CHECK(exit->describe() == "exit 0");
}

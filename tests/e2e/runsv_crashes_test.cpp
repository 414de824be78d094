// Beyond runit: runsv records in supervise/crashes ("COUNT UNIXSECONDS\n")
// the ends of ./run nobody asked for while the service is wanted up (read by
// sv ready). An end that a command caused (down, term, restart, kill, exit,
// hup, alarm, interrupt, quit, 1, 2), or of a service wanted down, or of
// ./finish, is none; runsv's own health-check restarting ./run is one. The
// record goes when runsv starts and when u comes while the service is wanted
// down or waits out a restart-backoff delay, which u then cuts short.

#include <catch2/catch.hpp>

#include <csignal>
#include <ctime>
#include <optional>
#include <regex>

#include "fixture.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

std::string crashes(const service_fixture& f) { return f.text("supervise/crashes"); }
bool has_crashes(const service_fixture& f) { return exists(f.at("supervise/crashes")); }

// The record's count and time; fails the test unless it is "COUNT UNIXSECONDS\n".
std::pair<long long, long long> parse_record(const service_fixture& f) {
  const std::string text = crashes(f);
  std::smatch m;
  INFO("supervise/crashes: '" << text << "'");
  REQUIRE(std::regex_match(text, m, std::regex("([1-9][0-9]*) ([1-9][0-9]*)\n")));
  return {std::stoll(m[1].str()), std::stoll(m[2].str())};
}

void wait_crashes(const service_fixture& f, long long count) {
  wait_until(
      [&] {
        const std::string text = crashes(f);
        return text.rfind(std::to_string(count) + " ", 0) == 0;
      },
      "supervise/crashes to count " + std::to_string(count), 10s, [&] { return "'" + crashes(f) + "'"; });
}

std::uint32_t running_pid(const service_fixture& f) {
  return wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1), 10s).pid;
}

// Waits until ./run is the child whose pid the run script wrote on line
// `line` (1-based) of `starts`.
void wait_start_number(const service_fixture& f, std::size_t line) {
  wait_until(
      [&] {
        auto starts = f.lines("starts");
        auto st = read_status(f.svc);
        return starts.size() == line && st && st->state == 1 && std::to_string(st->pid) == starts.back();
      },
      "start number " + std::to_string(line), 15s, [&] { return describe_state(f.svc); });
}

}  // namespace

TEST_CASE("crashes: ./run ending on its own while wanted up is recorded with count and time",
          "[runsv][extension][crashes]") {
  service_fixture f;
  // The first two runs end on their own, the third stays.
  write_script(f.at("run"),
               "echo $$ >> starts\n"
               "[ \"$(wc -l < starts)\" -gt 2 ] && exec sleep 1000\n"
               "sleep 0.1\n"
               "exit 3\n");
  const long long before = std::time(nullptr);
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_start_number(f, 3);
  auto [count, when] = parse_record(f);
  CHECK(count == 2);
  CHECK(when >= before);
  CHECK(when <= std::time(nullptr));
  // Going down on request adds nothing.
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(parse_record(f) == std::make_pair(2LL, when));
}

TEST_CASE("crashes: an end of ./run that a command caused is none, one from outside is",
          "[runsv][extension][crashes]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");  // sleep ends at every one of these signals
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto pid = running_pid(f);

  // term (and restart, its t), hup, alarm, interrupt, quit, 1, 2, kill.
  for (char byte : std::string("thaiq12k")) {
    INFO("control byte " << byte);
    send_control(f.svc, std::string(1, byte));
    pid = wait_running_other_than(f.svc, pid, 10s).pid;
    CHECK_FALSE(has_crashes(f));
  }
  // down, then up.
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  send_control(f.svc, "u");
  pid = running_pid(f);
  CHECK_FALSE(has_crashes(f));
  // Wanted down (sv once): an end from outside is none either.
  send_control(f.svc, "o");
  wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1), 10s);
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(has_crashes(f));

  // Wanted up, killed from outside: a crash.
  send_control(f.svc, "u");
  pid = running_pid(f);
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_crashes(f, 1);
  const auto record = parse_record(f);
  // exit: no crash either, and runsv leaves the record as it is.
  wait_running_other_than(f.svc, pid, 10s);
  send_control(f.svc, "x");
  auto st = rs.wait_exit(10s);
  REQUIRE(st);
  CHECK(parse_record(f) == record);
}

TEST_CASE("crashes: a control/t or control/k that ends ./run itself causes no crash either",
          "[runsv][extension][crashes][control]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("control"));
  // Each kills ./run and stays until runsv has seen it end (stat down; the
  // restart waits for the script), so the end comes while the command runs.
  // Exit 0 for t: runsv then sends no TERM; exit 1 for k: runsv's KILL finds
  // no child left.
  const std::string body =
      "kill -9 \"$(cat supervise/pid)\"\n"
      "i=0\n"
      "while [ \"$(cat supervise/stat)\" != down ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done\n"
      "echo \"$0\" >> ran\n";
  write_script(f.at("control/t"), body + "exit 0\n");
  write_script(f.at("control/k"), body + "exit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto pid = running_pid(f);
  send_control(f.svc, "t");
  pid = wait_running_other_than(f.svc, pid, 10s).pid;
  CHECK(f.lines("ran") == std::vector<std::string>{"control/t"});
  CHECK_FALSE(has_crashes(f));
  send_control(f.svc, "k");
  pid = wait_running_other_than(f.svc, pid, 10s).pid;
  CHECK(f.lines("ran") == std::vector<std::string>{"control/t", "control/k"});
  CHECK_FALSE(has_crashes(f));
  // The same end without a command is one.
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_crashes(f, 1);
}

TEST_CASE("crashes: pause and cont do not excuse a later end", "[runsv][extension][crashes]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto pid = running_pid(f);
  send_control(f.svc, "p");
  wait_state(f.svc, "run, paused\n", flags_hex(1, 'u', 0, 1), 10s);
  send_control(f.svc, "c");
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1), 10s);
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGTERM) == 0);
  wait_running_other_than(f.svc, pid, 10s);
  wait_crashes(f, 1);
}

TEST_CASE("crashes: runsv's health-check restarting ./run counts as a crash", "[runsv][extension][crashes][health]") {
  service_fixture f;
  write_file(f.at("health-check"), "1 1\n");
  write_script(f.at("check"), "exit 1\n");
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto first = running_pid(f);
  wait_running_other_than(f.svc, first, 15s);
  // (The check goes on failing: the count may have grown since.)
  wait_until([&] { return has_crashes(f); }, "supervise/crashes", 10s);
  CHECK(parse_record(f).first >= 1);
  CHECK(rs.proc().err().find("health check failed, restarting") != std::string::npos);
}

TEST_CASE("crashes: ./finish after a crash, and after sv down, adds none", "[runsv][extension][crashes]") {
  service_fixture f;
  write_script(f.at("run"),
               "echo $$ >> starts\n"
               "[ \"$(wc -l < starts)\" -gt 1 ] && exec sleep 1000\n"
               "exit 3\n");
  write_script(f.at("finish"), "echo \"$1\" >> finished\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_start_number(f, 2);
  CHECK(f.lines("finished") == std::vector<std::string>{"3"});
  CHECK(parse_record(f).first == 1);
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(f.lines("finished").size() == 2);
  CHECK(parse_record(f).first == 1);
}

TEST_CASE("crashes: the record goes when runsv starts and at u while wanted down, not at u while up nor at d",
          "[runsv][extension][crashes]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  // A record an earlier runsv left.
  make_dir(f.at("supervise"), 0700);
  write_file(f.at("supervise/crashes"), "9 1000000000\n");
  std::optional<runsv_instance> rs;
  rs.emplace(f.svc);
  rs->wait_ready();
  auto pid = running_pid(f);
  CHECK_FALSE(has_crashes(f));

  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  pid = wait_running_other_than(f.svc, pid, 10s).pid;
  wait_crashes(f, 1);
  const auto record = parse_record(f);
  // u while wanted up and running: the pause after it shows it was read.
  send_control(f.svc, "up");
  wait_state(f.svc, "run, paused\n", flags_hex(1, 'u', 0, 1), 10s);
  CHECK(parse_record(f) == record);
  send_control(f.svc, "c");
  // d keeps it; u then forgets it.
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(parse_record(f) == record);
  send_control(f.svc, "u");
  pid = running_pid(f);
  CHECK_FALSE(has_crashes(f));
  // The count starts again.
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_crashes(f, 1);
  wait_running_other_than(f.svc, pid, 10s);

  // runsv exits and leaves it; the next runsv removes it.
  send_control(f.svc, "x");
  REQUIRE(rs->wait_exit(10s));
  CHECK(has_crashes(f));
  rs.reset();
  rs.emplace(f.svc);
  rs->wait_ready();
  running_pid(f);
  CHECK_FALSE(has_crashes(f));
}

TEST_CASE("crashes: u during a restart-backoff delay starts ./run at once, the delays start again from the first",
          "[runsv][extension][crashes][restart-policy]") {
  service_fixture f;
  write_file(f.at("restart-backoff"), "5000 60000\n");
  write_script(f.at("run"), "[ -e flag ] && exec sleep 1000\necho $$ >> fails\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  // (runsv writes the crash record, then the status, then the policy.)
  wait_until([&] { return has_crashes(f) && !f.text("supervise/restart-policy").empty(); }, "the first failure",
             10s, [&] { return describe_state(f.svc); });
  CHECK(read_stat(f.svc) == "down\n");
  CHECK(f.text("supervise/restart-policy") == "exits 0 backoff 5000\n");

  write_file(f.at("flag"), "");
  send_control(f.svc, "u");
  // Well within the 5 s delay.
  wait_until(
      [&] {
        auto st = read_status(f.svc);
        return st && st->state == 1 && st->pid != 0;
      },
      "./run to start again before the backoff delay is over", 3s, [&] { return describe_state(f.svc); });
  CHECK(f.lines("fails").size() == 1);
  CHECK_FALSE(has_crashes(f));

  // The next quick end waits the first delay again, not twice it.
  auto pid = read_status(f.svc)->pid;
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_until([&] { return !f.text("supervise/restart-policy").empty() && read_stat(f.svc) == "down\n"; },
             "the restart policy after the kill", 10s, [&] { return describe_state(f.svc); });
  CHECK(f.text("supervise/restart-policy") == "exits 0 backoff 5000\n");
  wait_crashes(f, 1);
  // And u cuts that one short too.
  send_control(f.svc, "u");
  wait_running_other_than(f.svc, pid, 3s);
  CHECK_FALSE(has_crashes(f));
}

TEST_CASE("crashes: u during runit's one-second throttle still waits for it", "[runsv][extension][crashes]") {
  service_fixture f;
  write_script(f.at("run"), "date +%s%N >> starts\n[ -e flag ] && exec sleep 1000\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return has_crashes(f); }, "the first end", 10s, [&] { return describe_state(f.svc); });
  write_file(f.at("flag"), "");
  send_control(f.svc, "u");
  wait_until([&] { return f.lines("starts").size() >= 2; }, "the restart", 10s);
  auto starts = f.lines("starts");
  const double gap = (std::stod(starts[1]) - std::stod(starts[0])) / 1e9;
  CHECK(gap >= 0.95);
  // The u came while wanted up and throttled: the record stays.
  CHECK(parse_record(f).first == 1);
}

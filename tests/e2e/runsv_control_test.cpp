// The control FIFO: every command byte, unknown bytes, multi-byte writes.

#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace test;

namespace {

// Starts runsv on a signal-recording service and waits until it runs.
status_record start_recorder(service_fixture& f, runsv_instance& rs) {
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);
  return run;
}

}  // namespace

TEST_CASE("h a i q 1 2 send HUP ALRM INT QUIT USR1 USR2 to the service and change nothing else", "[runsv][control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  const std::pair<const char*, const char*> table[] = {{"h", "HUP"},  {"a", "ALRM"}, {"i", "INT"},
                                                       {"q", "QUIT"}, {"1", "USR1"}, {"2", "USR2"}};
  std::string expected;
  for (auto [byte, name] : table) {
    INFO("control byte " << byte);
    send_control(f.svc, byte);
    expected += std::string(name) + "\n";
    wait_signals(f.svc, expected);
  }
  auto st = read_status(f.svc);
  REQUIRE(st);
  CHECK(st->raw == run.raw);
  CHECK(read_stat(f.svc) == "run\n");
}

TEST_CASE("t with want up sends TERM only (no CONT) and sets got TERM", "[runsv][control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  send_control(f.svc, "t");
  auto term = wait_state(f.svc, "run, got TERM\n", flags_hex(0, 'u', 1, 1));
  CHECK(term.pid == run.pid);
  wait_signals(f.svc, "TERM\n");
  // A CONT sent by t would precede this HUP.
  send_control(f.svc, "h");
  wait_signals(f.svc, "TERM\nHUP\n");
}

TEST_CASE("k sends KILL and with want up the service is started again", "[runsv][control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  send_control(f.svc, "k");
  auto again = wait_running_other_than(f.svc, run.pid);
  wait_recorder_ready(f.svc, again.pid);
  CHECK(again.flags_hex() == flags_hex(0, 'u', 0, 1));
  CHECK_FALSE(exists(f.at("signals")));  // KILL cannot be trapped; nothing else was sent
  CHECK(proc_state(static_cast<pid_t>(run.pid)) == 0);
}

TEST_CASE("x sends TERM and CONT to the service then runsv exits 0 leaving down 00 d 00 00", "[runsv][control][exit]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(true));
  runsv_instance rs(f.svc);
  start_recorder(f, rs);

  send_control(f.svc, "x");
  auto st = rs.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(f.text("signals") == "TERM\nCONT\n");
  CHECK(read_stat(f.svc) == "down\n");
  auto down = read_status(f.svc);
  REQUIRE(down);
  CHECK(down->flags_hex() == flags_hex(0, 'd', 0, 0));
  CHECK_FALSE(runsv_listening(f.svc));
}

TEST_CASE("unknown control bytes are ignored", "[runsv][control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  // o last: its status change shows the bytes before it were consumed.
  send_control(f.svc, std::string("zXeslC?\n \0\xff", 11) + "o");
  auto st = wait_state(f.svc, "run, want down\n", flags_hex(0, 'd', 0, 1));
  CHECK(st.pid == run.pid);
  CHECK(st.time_bytes() == run.time_bytes());
  CHECK_FALSE(exists(f.at("signals")));
  CHECK(f.lines("starts").size() == 1);
  CHECK_FALSE(rs.exited());
}

TEST_CASE("a multi-byte write is applied byte by byte in order", "[runsv][control]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(false));
  runsv_instance rs(f.svc);
  auto run = start_recorder(f, rs);

  send_control(f.svc, "tcu");
  auto st = wait_state(f.svc, "run, got TERM\n", flags_hex(0, 'u', 1, 1));
  CHECK(st.pid == run.pid);
  wait_signals(f.svc, "TERM\nCONT\n");

  // Order matters: p then c leaves it running, c then p leaves it paused.
  send_control(f.svc, "pc");
  wait_signals(f.svc, "TERM\nCONT\nCONT\n");
  wait_state(f.svc, "run, got TERM\n", flags_hex(0, 'u', 1, 1));
  send_control(f.svc, "cp");
  wait_state(f.svc, "run, paused, got TERM\n", flags_hex(1, 'u', 1, 1));
  wait_until([&] { return proc_state(static_cast<pid_t>(run.pid)) == 'T'; }, "the service to be stopped");
  send_control(f.svc, "c");
  wait_state(f.svc, "run, got TERM\n", flags_hex(0, 'u', 1, 1));
}

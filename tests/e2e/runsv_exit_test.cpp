// runsv's own exit on SIGTERM (supervise-protocol.md §9).

#include <catch2/catch.hpp>

#include <csignal>

#include "fixture.hpp"

using namespace test;

TEST_CASE("SIGTERM sends TERM and CONT to the service and runs finish and runsv exits 0 after the logger saw EOF", "[runsv][exit]") {
  service_fixture f;
  write_script(f.at("run"), sh::signal_recorder(true));
  write_script(f.at("finish"), "echo \"finish $1 $2\"\necho \"$1 $2\" > finish.args\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "cat >> ../logged\necho eof >> ../logger.eof\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto run = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_recorder_ready(f.svc, run.pid);
  wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));

  rs.proc().signal(SIGTERM);
  auto st = rs.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(f.text("signals") == "TERM\nCONT\n");
  CHECK(f.text("finish.args") == "0 0\n");
  // runsv exited only after the logger read EOF (so after finish's output).
  CHECK(f.text("logger.eof") == "eof\n");
  CHECK(f.text("logged") == "finish 0 0\n");
  CHECK(read_stat(f.svc) == "down\n");
  auto main_status = read_status(f.svc);
  REQUIRE(main_status);
  CHECK(main_status->flags_hex() == flags_hex(0, 'd', 0, 0));
  auto log_status = read_status(f.at("log"));
  REQUIRE(log_status);
  CHECK(log_status->flags_hex() == flags_hex(0, 'd', 0, 0));
  CHECK(read_stat(f.at("log")) == "down\n");
}

TEST_CASE("SIGTERM without a log service: runsv exits 0 once the service is down", "[runsv][exit]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));

  rs.proc().signal(SIGTERM);
  auto st = rs.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(rs.proc().err().empty());
  CHECK(read_stat(f.svc) == "down\n");
  CHECK(read_pid_file(f.svc) == "");
}

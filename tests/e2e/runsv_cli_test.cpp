// runsv's command line, startup errors and the supervise/lock.

#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace test;

TEST_CASE("runsv without arguments prints usage and exits 1", "[runsv][cli]") {
  temp_dir root;
  const std::string bin = runsv_under_test();
  auto r = run({bin}, in_dir(root.path()));
  CHECK(r.out.empty());
  CHECK(r.err == "usage: " + bin + " dir\n\n");
  CHECK(r.status.exit_code() == 1);
}

TEST_CASE("runsv with two arguments prints usage and exits 1", "[runsv][cli]") {
  temp_dir root;
  const std::string bin = runsv_under_test();
  auto r = run({bin, "a", "b"}, in_dir(root.path()));
  CHECK(r.out.empty());
  CHECK(r.err == "usage: " + bin + " dir\n\n");
  CHECK(r.status.exit_code() == 1);
  CHECK_FALSE(exists(root / "a"));
}

TEST_CASE("runsv on a missing directory is fatal with 111", "[runsv][cli]") {
  temp_dir root;
  const std::string dir = root / "missing";
  auto r = run({runsv_under_test(), dir});
  CHECK(r.out.empty());
  CHECK(r.err == "runsv " + dir + ": fatal: unable to change to directory: file does not exist\n");
  CHECK(r.status.exit_code() == 111);
}

TEST_CASE("runsv on a regular file is fatal with 111", "[runsv][cli]") {
  temp_dir root;
  write_file(root / "notadir", "x\n");
  auto r = run({runsv_under_test(), "notadir"}, in_dir(root.path()));
  CHECK(r.out.empty());
  CHECK(r.err == "runsv notadir: fatal: unable to change to directory: not a directory\n");
  CHECK(r.status.exit_code() == 111);
}

TEST_CASE("a second runsv on the same directory fails to lock and exits 111", "[runsv][cli]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance first(f.svc);
  first.wait_ready();
  auto before = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));

  auto r = run({runsv_under_test(), "svc"}, in_dir(f.root.path()));
  CHECK(r.out.empty());
  CHECK(r.err == "runsv svc: fatal: unable to lock supervise/lock: temporary failure\n");
  CHECK(r.status.exit_code() == 111);

  // The first one is undisturbed.
  CHECK_FALSE(first.exited());
  CHECK(runsv_listening(f.svc));
  auto after = read_status(f.svc);
  REQUIRE(after);
  CHECK(after->raw == before.raw);
}

TEST_CASE("runsv started with stdin, stdout and stderr closed still supervises", "[runsv][cli]") {
  service_fixture f;
  // ./run inherits 0, 1 and 2 from runsv: /dev/null, not a file runsv opened.
  write_script(f.at("run"),
               "for n in 0 1 2; do l=$(readlink /proc/$$/fd/$n); echo \"$l\" > fd$n; done\n"
               "exec sleep 1000\n");
  runsv_instance::options o;
  o.close_std_fds = true;
  runsv_instance rs(f.svc, o);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return !f.text("fd2").empty(); }, "./run to record its descriptors");
  CHECK(f.text("fd0") == "/dev/null\n");
  CHECK(f.text("fd1") == "/dev/null\n");
  CHECK(f.text("fd2") == "/dev/null\n");

  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
  send_control(f.svc, "x");
  auto exit = rs.wait_exit(default_timeout);
  REQUIRE(exit);
  CHECK(exit->describe() == "exit 0");
}

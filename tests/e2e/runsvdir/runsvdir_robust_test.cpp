// runsvdir never blocks (a pause is a timer) and starts with its standard
// descriptors closed (spec/runsvdir.md §4, ARCHITECTURE.md "Event loops").

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

TEST_CASE("a runsvdir pausing to return to its directory still reaps and obeys TERM", "[runsvdir][signals]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  std::string home = tree.root() + "/home";
  make_dir(home);
  runsvdir_launch how;
  how.cwd = home;
  // Root passes every permission check: without capabilities it is an
  // ordinary owner, kept out of a directory without the search bit.
  if (::geteuid() == 0) how.wrapper = {"/usr/bin/setpriv", "--bounding-set=-all", "--inh-caps=-all"};
  runsvdir_instance rd(tree, {tree.service()}, how);
  pid_t a = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");

  REQUIRE(::chmod(home.c_str(), 0600) == 0);
  rd.proc().signal(SIGALRM);  // a scan now, after which runsvdir cannot return home
  const std::string pausing =
      "runsvdir " + tree.service() + ": warning: unable to change directory, pausing: access denied\n";
  wait_until([&] { return rd.proc().err().find(pausing) != std::string::npos; }, "runsvdir to pause",
             default_timeout, [&] { return "stderr: " + rd.proc().err(); });

  // Its runsv ends: runsvdir reaps it while pausing.
  send_control(tree.svc("a"), "x");
  wait_until([&] { return !read_proc_stat(a); }, "runsvdir to reap its runsv", default_timeout,
             [&] { return "runsv state: " + std::string(1, proc_state(a)); });

  rd.proc().signal(SIGTERM);
  auto st = rd.proc().wait_exit(default_timeout);
  REQUIRE(st);
  CHECK(st->describe() == "exit 0");
}

TEST_CASE("runsvdir started with stdin, stdout and stderr closed still supervises", "[runsvdir][signals]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a", "for n in 0 1; do l=$(readlink /proc/$$/fd/$n); echo \"$l\" > fd$n; done\n"
                        "exec sleep 1000\n");
  runsvdir_launch how;
  how.close_std_fds = true;
  runsvdir_instance rd(tree, {tree.service()}, how);
  pid_t a = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");
  wait_until([&] { return !read_file(tree.svc("a") + "/fd1").value_or("").empty(); },
             "./run to record its descriptors");
  for (int fd = 0; fd <= 2; ++fd)
    CHECK(read_link("/proc/" + std::to_string(rd.pid()) + "/fd/" + std::to_string(fd)) == "/dev/null");
  CHECK(read_file(tree.svc("a") + "/fd0") == "/dev/null\n");
  CHECK(read_file(tree.svc("a") + "/fd1") == "/dev/null\n");

  // And it goes on scanning: a new service gets its runsv.
  rd.barrier(tree, "b");
  CHECK(rd.runsv_for("a") == std::vector<pid_t>{a});
}

// runsvdir at the limits of the system (man/runsvdir.8, LIMITS): a fork
// that fails is reported once and tried again, the services already
// running are left alone; the soft limit on open files is raised when it
// is below what runsvdir needs.

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

// A user id no process on the machine runs as: RLIMIT_NPROC counts the
// processes of the real user id.
constexpr uid_t spare_uid = 54321;

void chown_tree(const std::string& path) {
  auto r = run({"/bin/chown", "-R", std::to_string(spare_uid) + ":" + std::to_string(spare_uid), path});
  REQUIRE(r.status.exit_code() == 0);
}

// The soft limit of `what` ("Max open files") in /proc/PID/limits.
std::string soft_limit(pid_t pid, const std::string& what) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/limits").value_or("");
  auto at = text.find(what);
  if (at == std::string::npos) return "";
  at = text.find_first_not_of(' ', at + what.size());
  return text.substr(at, text.find(' ', at) - at);
}

}  // namespace

TEST_CASE("a fork that fails is reported once, the running services stay, and it is tried again",
          "[runsvdir][limits]") {
  require_root("runsvdir is started as another user with a process limit");
  // The uid's processes of an earlier run of this test may still be going.
  std::string others;
  wait_until([&] { return (others = run({"/usr/bin/pgrep", "-U", std::to_string(spare_uid)}).out).empty(); },
             "no process running as the spare uid", default_timeout, [&] { return others; });
  runsvdir_tree tree(reference_bin("runsv"));
  tree.add_service("a");
  tree.add_service("b");
  chown_tree(tree.root());
  // runsvdir, two runsv and their two services: the fork of a third runsv fails.
  runsvdir_launch how;
  how.binary = runnable_by_all(runsvdir_under_test());
  how.wrapper = {"/usr/bin/prlimit", "--nproc=5:64", "--", "/usr/bin/setpriv", "--reuid=54321", "--regid=54321",
                 "--clear-groups"};
  runsvdir_instance rd(tree, {tree.service()}, how);
  pid_t a = rd.wait_runsv("a");
  pid_t b = rd.wait_runsv("b");
  wait_stat(tree.svc("a"), "run\n");
  wait_stat(tree.svc("b"), "run\n");

  std::string staged = tree.stage_service("c");
  chown_tree(staged);
  REQUIRE(::rename(staged.c_str(), tree.svc("c").c_str()) == 0);
  const std::string failed =
      "runsvdir " + tree.service() + ": warning: unable to fork for c: temporary failure\n";
  wait_until([&] { return rd.proc().err() == failed; }, "the fork warning", default_timeout,
             [&] { return "stderr: " + rd.proc().err(); });
  // runsvdir tries again each second, and says nothing more.
  bool once = holds_for(
      [&] {
        rd.proc().drain();
        return rd.proc().err() == failed;
      },
      2500ms);
  INFO("stderr: " << rd.proc().err());
  CHECK(once);
  CHECK(rd.runsv_for("a") == std::vector<pid_t>{a});
  CHECK(rd.runsv_for("b") == std::vector<pid_t>{b});
  CHECK(read_stat(tree.svc("a")) == "run\n");
  CHECK(read_stat(tree.svc("b")) == "run\n");

  // Room again: c is started at the next try.
  // Raised as its own user: up to the hard limit that needs no privilege.
  auto lifted = run({"/usr/bin/setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", "/usr/bin/prlimit",
                     "--pid", std::to_string(rd.pid()), "--nproc=64:64"});
  INFO(lifted.err);
  REQUIRE(lifted.status.exit_code() == 0);
  rd.wait_runsv("c");
  wait_stat(tree.svc("c"), "run\n");
  CHECK(rd.proc().err() == failed);
}

TEST_CASE("a soft limit on open files below what runsvdir needs is raised to the hard limit",
          "[runsvdir][limits]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  runsvdir_launch how;
  how.wrapper = {"/usr/bin/prlimit", "--nofile=12:4096", "--"};
  runsvdir_instance rd(tree, {tree.service()}, how);
  pid_t a = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");
  CHECK(soft_limit(rd.pid(), "Max open files") == "4096");
  CHECK(soft_limit(a, "Max open files") == "4096");
  CHECK(rd.proc().err().empty());
}

TEST_CASE("an ordinary soft limit on open files is left as it is", "[runsvdir][limits]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  runsvdir_launch how;
  how.wrapper = {"/usr/bin/prlimit", "--nofile=1024:4096", "--"};
  runsvdir_instance rd(tree, {tree.service()}, how);
  pid_t a = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");
  // Every runsv and service inherits it.
  CHECK(soft_limit(rd.pid(), "Max open files") == "1024");
  CHECK(soft_limit(a, "Max open files") == "1024");
}

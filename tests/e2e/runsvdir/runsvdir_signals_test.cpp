// runsvdir's HUP and TERM with their exit codes, -P, and the log argument
// shown in the process title.

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

TEST_CASE("on HUP every runsv gets TERM and runsvdir exits 111", "[runsvdir][signals]") {
  runsvdir_tree tree(runsv_under_test());
  std::vector<std::string> names{"a", "b", "c"};
  for (const auto& n : names) tree.add_service(n);
  runsvdir_instance rd(tree, {tree.service()});
  std::vector<pid_t> runsvs, services;
  for (const auto& n : names) {
    runsvs.push_back(rd.wait_runsv(n));
    services.push_back(static_cast<pid_t>(wait_state(tree.svc(n), "run\n", flags_hex(0, 'u', 0, 1)).pid));
  }
  rd.proc().signal(SIGHUP);
  auto st = rd.proc().wait_exit(10s);
  REQUIRE(st);
  CHECK(st->exit_code() == 111);
  // Each runsv stops its service and exits on TERM.
  for (pid_t p : runsvs) rd.wait_gone(p);
  for (pid_t p : services) rd.wait_gone(p);
  for (const auto& n : names) CHECK(read_stat(tree.svc(n)) == "down\n");
  CHECK(rd.proc().err().empty());
}

TEST_CASE("on TERM runsvdir exits 0 and leaves every runsv running", "[runsvdir][signals]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  tree.add_service("b");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t a = rd.wait_runsv("a");
  pid_t b = rd.wait_runsv("b");
  wait_stat(tree.svc("a"), "run\n");
  wait_stat(tree.svc("b"), "run\n");
  // The orphans are no longer below runsvdir: stop them by pid ourselves.
  struct guard {
    std::vector<pid_t> pids;
    ~guard() {
      for (pid_t p : pids) kill_tree(p);
    }
  } orphans{{a, b}};

  rd.proc().signal(SIGTERM);
  auto st = rd.proc().wait_exit(10s);
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(alive(a));
  CHECK(alive(b));
  CHECK(runsv_listening(tree.svc("a")));
  CHECK(read_stat(tree.svc("a")) == "run\n");
  CHECK(read_stat(tree.svc("b")) == "run\n");
  CHECK(rd.proc().err().empty());
}

TEST_CASE("SIGALRM does not end runsvdir", "[runsvdir][signals]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t a = rd.wait_runsv("a");
  for (int i = 0; i < 3; ++i) rd.proc().signal(SIGALRM);
  rd.barrier(tree, "b");
  CHECK_FALSE(rd.proc().poll_exit());
  CHECK(rd.runsv_for("a") == std::vector<pid_t>{a});
}

TEST_CASE("option -P starts each runsv in its own session and process group", "[runsvdir][options]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  runsvdir_instance rd(tree, {"-P", tree.service()});
  pid_t a = rd.wait_runsv("a");
  wait_until(
      [&] {
        auto st = read_proc_stat(a);
        return st && st->session == a;
      },
      "runsv to lead its own session");
  auto st = read_proc_stat(a);
  REQUIRE(st);
  CHECK(st->session == a);
  CHECK(st->pgrp == a);
}

TEST_CASE("without -P each runsv stays in the session of runsvdir", "[runsvdir][options]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t a = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");  // runsv has exec'd and started its service
  auto st = read_proc_stat(a);
  auto parent = read_proc_stat(rd.pid());
  REQUIRE(st);
  REQUIRE(parent);
  CHECK(st->session == parent->session);
  CHECK(st->pgrp == parent->pgrp);
  CHECK(st->session != a);
}

TEST_CASE("the log argument shows the messages of runsvdir in the process title", "[runsvdir][title]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string log = "log: " + std::string(300, 'x');
  runsvdir_instance rd(tree, {tree.service(), log});
  // The '.' written at startup scrolls in from the right.
  wait_until([&] { return rd.title() == "log: " + std::string(299, 'x') + "."; }, "the startup dot",
             default_timeout, [&] { return rd.title(); });

  REQUIRE(::symlink("/nonexistent-runsvdir-target", tree.svc("dangling").c_str()) == 0);
  const std::string warning =
      "runsvdir " + tree.service() + ": warning: unable to stat dangling: file does not exist\n";
  wait_until([&] { return rd.title().ends_with(warning); }, "the warning at the end of the title",
             15s, [&] { return rd.title(); });
  std::string t = rd.title();
  CHECK(t.size() == log.size());
  CHECK(t.starts_with("log: "));
  // runsvdir's stderr is the pipe now, so nothing reaches the original one.
  CHECK(rd.proc().err().empty());
  // Also the stderr of every runsv and of the services goes there.
  REQUIRE(::unlink(tree.svc("dangling").c_str()) == 0);
  tree.add_service("talker", "echo hello-from-the-service >&2\nexec sleep 1000\n");
  wait_until([&] { return rd.title().ends_with("hello-from-the-service\n"); },
             "the service's stderr in the title", 15s, [&] { return rd.title(); });
  CHECK(rd.title().size() == log.size());
}

TEST_CASE("the title keeps its length and its first five characters", "[runsvdir][title]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string log = "abcdefg";  // seven: the shortest accepted
  runsvdir_instance rd(tree, {tree.service(), log});
  wait_until([&] { return rd.title() == "abcdeg."; }, "the startup dot", default_timeout,
             [&] { return rd.title(); });
  tree.add_service("talker", "echo XYZ >&2\nexec sleep 1000\n");
  wait_until([&] { return rd.title() == "abcdeZ\n"; }, "the last byte only", 15s,
             [&] { return rd.title(); });
}

TEST_CASE("a log argument under seven characters is refused with two warnings", "[runsvdir][title]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service(), "short"});
  const std::string p = "runsvdir " + tree.service() + ": warning: ";
  const std::string expected = p + "log must have at least seven characters.\n" + p + "log service disabled.\n";
  wait_until([&] { return rd.proc().err() == expected; }, "the two warnings on stderr", default_timeout,
             [&] { return rd.proc().err(); });
  rd.barrier(tree, "a");
  CHECK(rd.title() == "short");
  CHECK(rd.proc().err() == expected);
}

TEST_CASE("runsvdir reports a missing directory and picks it up once it exists", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string dir = tree.root() + "/later";
  runsvdir_instance rd(tree, {dir});
  const std::string warning = "runsvdir " + dir + ": warning: unable to stat " + dir + ": file does not exist\n";
  wait_until([&] { return rd.proc().err().starts_with(warning); }, "the stat warning", default_timeout,
             [&] { return rd.proc().err(); });
  // Built elsewhere and renamed in place, with one service inside. runit
  // sees it at its next 5 s poll.
  std::string staged = tree.stage() + "/later";
  make_dir(staged);
  make_dir(staged + "/a");
  write_script(staged + "/a/run", "exec sleep 1000\n");
  REQUIRE(::rename(staged.c_str(), dir.c_str()) == 0);
  rd.wait_runsv("a", 15s);
  // From then on a new service is seen as in any other directory.
  make_dir(tree.stage() + "/b");
  write_script(tree.stage() + "/b/run", "exec sleep 1000\n");
  REQUIRE(::rename((tree.stage() + "/b").c_str(), (dir + "/b").c_str()) == 0);
  rd.wait_runsv("b", 15s);
}

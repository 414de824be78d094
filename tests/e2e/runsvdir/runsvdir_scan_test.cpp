// runsvdir's scan rules: which entries get a runsv, identity by device and
// inode, services added, removed, replaced and renamed while it runs.

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

void rename_or_fail(const std::string& from, const std::string& to) {
  INFO(from << " -> " << to);
  REQUIRE(::rename(from.c_str(), to.c_str()) == 0);
}

}  // namespace

TEST_CASE("runsvdir without a directory prints usage and exits 1", "[runsvdir][cli]") {
  const std::string bin = runsvdir_under_test();
  for (auto args : {std::vector<std::string>{bin}, std::vector<std::string>{bin, "-P"},
                    std::vector<std::string>{bin, "--"}}) {
    auto r = run(args);
    INFO("argc " << args.size());
    CHECK(r.out.empty());
    CHECK(r.err == "usage: " + bin + " [-P] dir\n\n");
    CHECK(r.status.exit_code() == 1);
  }
}

TEST_CASE("runsvdir starts one runsv per service directory in the directory", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  tree.add_service("b");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t a = rd.wait_runsv("a");
  pid_t b = rd.wait_runsv("b");
  CHECK(a != b);
  wait_stat(tree.svc("a"), "run\n");
  wait_stat(tree.svc("b"), "run\n");
  // runsv is started in DIR with the entry name as its argument.
  CHECK(read_link("/proc/" + std::to_string(a) + "/cwd") == tree.svc("a"));
  CHECK(proc_cmdline(a) == std::vector<std::string>{"runsv", "a"});
  CHECK(rd.runsv_children().size() == 2);
}

TEST_CASE("runsvdir ignores dot entries and files and dangling symlinks", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service(".hidden");
  write_file(tree.svc("plainfile"), "x\n");
  REQUIRE(::symlink("/nonexistent-runsvdir-target", tree.svc("dangling").c_str()) == 0);
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "marker");
  CHECK(rd.runsv_for(".hidden").empty());
  CHECK(rd.runsv_for("plainfile").empty());
  CHECK(rd.runsv_for("dangling").empty());
  CHECK(rd.runsv_children().size() == 1);
  CHECK_FALSE(exists(tree.svc(".hidden") + "/supervise"));
  // A dangling symlink is reported on every scan; a dot entry and a file never.
  const std::string warning =
      "runsvdir " + tree.service() + ": warning: unable to stat dangling: file does not exist\n";
  wait_until([&] { return rd.proc().err().find(warning) != std::string::npos; }, "the dangling warning");
  CHECK(rd.proc().err().find(".hidden") == std::string::npos);
  CHECK(rd.proc().err().find("plainfile") == std::string::npos);
}

TEST_CASE("a service renamed into the directory is picked up", "[runsvdir][scan][inotify]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  // Let runsvdir finish its first scan of the empty directory.
  rd.barrier(tree, "first");
  std::string svdir = tree.add_service("new");
  wait_until([&] { return runsv_listening(svdir); }, "runsv of new to open supervise/ok");
  wait_stat(svdir, "run\n");
  CHECK(rd.runsv_for("new").size() == 1);
}

TEST_CASE("a symlink to a service and a directory made in place are picked up", "[runsvdir][scan][inotify]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");

  std::string elsewhere = tree.stage_service("linked");
  REQUIRE(::symlink(elsewhere.c_str(), tree.svc("link").c_str()) == 0);
  rd.wait_runsv("link");
  wait_stat(elsewhere, "run\n");

  // mkdir, then the run script written inside: runsvdir may see the empty
  // directory first; still one runsv, and the service comes up.
  make_dir(tree.svc("inplace"));
  write_script(tree.svc("inplace") + "/run", "exec sleep 1000\n");
  wait_stat(tree.svc("inplace"), "run\n", 10s);
  CHECK(rd.runsv_for("inplace").size() == 1);
}

TEST_CASE("directories created in place never get two runsv", "[runsvdir][scan][inotify]") {
  runsvdir_tree tree(runsv_under_test());
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "first");
  constexpr int count = 20;
  for (int i = 0; i < count; ++i) {
    std::string d = tree.svc("p" + std::to_string(i));
    make_dir(d);
    make_dir(d + "/sub");  // more events inside the new directory
    write_script(d + "/run", "exec sleep 1000\n");
    write_file(d + "/down.tmp", "");
    REQUIRE(::unlink((d + "/down.tmp").c_str()) == 0);
  }
  for (int i = 0; i < count; ++i) wait_stat(tree.svc("p" + std::to_string(i)), "run\n", 10s);
  rd.barrier(tree, "last");
  auto all = rd.runsv_children();
  CHECK(all.size() == count + 2);
  for (int i = 0; i < count; ++i) {
    INFO("p" << i);
    CHECK(rd.runsv_for("p" + std::to_string(i)).size() == 1);
  }
}

TEST_CASE("the runsv of a removed service gets TERM and its service stops", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("gone");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t runsv = rd.wait_runsv("gone");
  auto st = wait_state(tree.svc("gone"), "run\n", flags_hex(0, 'u', 0, 1));
  pid_t service = static_cast<pid_t>(st.pid);

  std::string away = tree.stage() + "/gone";
  rename_or_fail(tree.svc("gone"), away);
  // runsv on TERM stops its service (TERM, CONT) and exits.
  rd.wait_gone(runsv);
  rd.wait_gone(service);
  CHECK(read_stat(away) == "down\n");
  CHECK(rd.runsv_children().empty());
  CHECK_FALSE(rd.proc().poll_exit());
}

TEST_CASE("renaming a service within the directory keeps its runsv", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("old");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t runsv = rd.wait_runsv("old");
  // runsv has gone into its directory (by the name it was given).
  wait_stat(tree.svc("old"), "run\n");
  rd.barrier(tree, "first");
  rename_or_fail(tree.svc("old"), tree.svc("renamed"));
  rd.barrier(tree, "after");
  // Identity is the inode: the runsv started as "old" carries on.
  CHECK(alive(runsv));
  CHECK(rd.runsv_for("old") == std::vector<pid_t>{runsv});
  CHECK(rd.runsv_for("renamed").empty());
  CHECK(rd.runsv_children().size() == 3);
}

TEST_CASE("two names for one directory get one runsv", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("real");
  REQUIRE(::symlink("real", tree.svc("alias").c_str()) == 0);
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "marker");
  auto a = rd.runsv_for("real");
  auto b = rd.runsv_for("alias");
  CHECK(a.size() + b.size() == 1);
  CHECK(rd.runsv_children().size() == 2);
}

TEST_CASE("a replaced directory with a new inode under the same name gets a new runsv", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("svc");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t old_runsv = rd.wait_runsv("svc");
  wait_stat(tree.svc("svc"), "run\n");

  // The new directory replaces the old one in one rename.
  std::string fresh = tree.stage_service("svc");
  std::string retired = tree.root() + "/retired";
  rename_or_fail(tree.svc("svc"), retired);
  rename_or_fail(fresh, tree.svc("svc"));
  rd.wait_gone(old_runsv);
  pid_t new_runsv = rd.wait_runsv("svc");
  CHECK(new_runsv != old_runsv);
  wait_stat(tree.svc("svc"), "run\n");
  CHECK(read_stat(retired) == "down\n");
}

TEST_CASE("a runsv that exits is started again", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("svc");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t first = rd.wait_runsv("svc");
  wait_stat(tree.svc("svc"), "run\n");
  send_control(tree.svc("svc"), "x");  // sv exit: the service stops, runsv exits
  rd.wait_gone(first);
  wait_until(
      [&] {
        auto now = rd.runsv_for("svc");
        return now.size() == 1 && now[0] != first;
      },
      "a new runsv for svc", 10s);
  wait_stat(tree.svc("svc"), "run\n");
}

TEST_CASE("SIGALRM forces a rescan that sees a service replaced behind its symlink",
          "[runsvdir][scan][signals]") {
  runsvdir_tree tree(runsv_under_test());
  std::string one = tree.stage_service("one");
  std::string two = tree.stage_service("two");
  REQUIRE(::symlink(one.c_str(), (tree.stage() + "/current").c_str()) == 0);
  REQUIRE(::symlink((tree.stage() + "/current").c_str(), tree.svc("svc").c_str()) == 0);
  runsvdir_instance rd(tree, {tree.service()});
  pid_t old_runsv = rd.wait_runsv("svc");
  wait_stat(one, "run\n");

  // Nothing in DIR changes: only a rescan can see the new target.
  std::string tmp_link = tree.stage() + "/current.new";
  REQUIRE(::symlink(two.c_str(), tmp_link.c_str()) == 0);
  rename_or_fail(tmp_link, tree.stage() + "/current");
  ::kill(rd.pid(), SIGALRM);
  rd.wait_gone(old_runsv);
  wait_stat(two, "run\n");
  CHECK(rd.runsv_for("svc").size() == 1);
  CHECK_FALSE(rd.proc().poll_exit());
}

TEST_CASE("runsvdir on a relative directory and a symlinked directory", "[runsvdir][scan]") {
  runsvdir_tree tree(runsv_under_test());
  tree.add_service("a");
  REQUIRE(::symlink("service", (tree.root() + "/link").c_str()) == 0);
  runsvdir_instance rd(tree, {"link"});  // cwd of runsvdir is tree.root()
  rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");
  tree.add_service("b");
  rd.wait_runsv("b");
  CHECK(read_link("/proc/" + std::to_string(rd.pid()) + "/cwd") == tree.root());
}

// runsvchdir: the current/previous symlinks under $RUNSVDIR, every message
// and exit code (spec/runsvchdir.md §3-§4), and a switch seen by runsvdir.

#include <catch2/catch.hpp>

#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

// BASE with the service sets default/ and single/, current -> default.
struct base_fixture {
  temp_dir base{"runsvchdir-test"};
  base_fixture() {
    make_dir(base / "default");
    make_dir(base / "single");
    REQUIRE(::symlink("default", (base / "current").c_str()) == 0);
  }
  run_result chdir_to(const std::string& name) const {
    spawn_options o;
    o.env = {"RUNSVDIR=" + base.path()};
    return run({runsvchdir_under_test(), name}, o);
  }
  std::string link(const std::string& name) const { return read_link(base / name); }
};

std::string fatal(const std::string& msg) { return runsvchdir_under_test() + ": fatal: " + msg + "\n"; }

}  // namespace

TEST_CASE("runsvchdir without an argument prints usage and exits 1", "[runsvchdir][cli]") {
  auto r = run({runsvchdir_under_test()});
  CHECK(r.out.empty());
  CHECK(r.err == "usage: " + runsvchdir_under_test() + " dir\n\n");
  CHECK(r.status.exit_code() == 1);
}

TEST_CASE("runsvchdir switches current and keeps the old link as previous", "[runsvchdir]") {
  base_fixture f;
  auto r = f.chdir_to("single");
  CHECK(r.err.empty());
  CHECK(r.out == "runsvchdir: single: now current.\n");
  CHECK(r.status.exit_code() == 0);
  CHECK(f.link("current") == "single");
  CHECK(f.link("previous") == "default");
  CHECK_FALSE(exists(f.base / "current.new"));

  r = f.chdir_to("default");
  CHECK(r.out == "runsvchdir: default: now current.\n");
  CHECK(r.status.exit_code() == 0);
  CHECK(f.link("current") == "default");
  CHECK(f.link("previous") == "single");
}

TEST_CASE("runsvchdir to the current set says so and changes nothing", "[runsvchdir]") {
  base_fixture f;
  REQUIRE(::symlink("single", (f.base / "previous").c_str()) == 0);
  auto r = f.chdir_to("default");
  CHECK(r.err.empty());
  CHECK(r.out == "runsvchdir: default: current.\n");
  CHECK(r.status.exit_code() == 0);
  CHECK(f.link("current") == "default");
  CHECK(f.link("previous") == "single");
  // Same directory by another name (device and inode decide).
  r = f.chdir_to(f.base / "default");
  CHECK(r.out == "runsvchdir: " + (f.base / "default") + ": current.\n");
  CHECK(f.link("current") == "default");
}

TEST_CASE("runsvchdir keeps the name as given as the link text", "[runsvchdir]") {
  base_fixture f;
  const std::string abs = f.base / "single";
  write_file(f.base / "current.new", "stale\n");  // a leftover is replaced
  auto r = f.chdir_to(abs);
  CHECK(r.out == "runsvchdir: " + abs + ": now current.\n");
  CHECK(r.status.exit_code() == 0);
  CHECK(f.link("current") == abs);
  CHECK_FALSE(exists(f.base / "current.new"));
}

TEST_CASE("runsvchdir refuses a name starting with a dot before anything else", "[runsvchdir]") {
  for (std::string name : {".x", ".", "..", ".hidden/dir"}) {
    INFO(name);
    spawn_options o;
    o.env = {"RUNSVDIR=/nonexistent-runsvchdir-base"};  // not even looked at
    auto r = run({runsvchdir_under_test(), name}, o);
    CHECK(r.out.empty());
    CHECK(r.err == fatal(name + ": must not start with a dot."));
    CHECK(r.status.exit_code() == 111);
  }
}

TEST_CASE("runsvchdir prints the runit message for every fatal error and exits 111", "[runsvchdir]") {
  base_fixture f;
  write_file(f.base / "plain", "x\n");

  SECTION("the base directory cannot be entered") {
    spawn_options o;
    o.env = {"RUNSVDIR=" + (f.base / "missing")};
    auto r = run({runsvchdir_under_test(), "single"}, o);
    CHECK(r.err == fatal("unable to chdir: " + (f.base / "missing") + ": file does not exist"));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("an empty RUNSVDIR is used as it is") {
    spawn_options o;
    o.env = {"RUNSVDIR="};
    auto r = run({runsvchdir_under_test(), "single"}, o);
    CHECK(r.err == fatal("unable to chdir: : file does not exist"));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("the set does not exist") {
    auto r = f.chdir_to("nosuchdir");
    CHECK(r.err == fatal("nosuchdir: file does not exist"));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("the set cannot be looked at") {
    auto r = f.chdir_to("plain/x");
    CHECK(r.err == fatal("unable to stat: plain/x: not a directory"));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("the set is not a directory (no separator, as in runit)") {
    auto r = f.chdir_to("plain");
    CHECK(r.err == fatal("plainnot a directory."));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("there is no current") {
    REQUIRE(::unlink((f.base / "current").c_str()) == 0);
    auto r = f.chdir_to("single");
    CHECK(r.err == fatal("unable to stat: current: file does not exist"));
    CHECK(r.status.exit_code() == 111);
  }
  SECTION("current.new cannot be removed") {
    make_dir(f.base / "current.new");
    auto r = f.chdir_to("single");
    CHECK(r.err == fatal("unable to unlink: current.new: is a directory"));
    CHECK(r.status.exit_code() == 111);
    CHECK(f.link("current") == "default");
  }
  SECTION("previous cannot be removed") {
    make_dir(f.base / "previous");
    auto r = f.chdir_to("single");
    CHECK(r.err == fatal("unable to unlink: previous: is a directory"));
    CHECK(r.status.exit_code() == 111);
    CHECK(f.link("current") == "default");
    CHECK(f.link("current.new") == "single");  // made before, left behind as in runit
  }
}

TEST_CASE("runsvdir on BASE/current follows a runsvchdir switch", "[runsvchdir][runsvdir][inotify]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string base = tree.root() + "/base";
  make_dir(base);
  make_dir(base + "/default");
  make_dir(base + "/single");
  for (auto [set, name] : {std::pair{"default", "d"}, std::pair{"single", "s"}}) {
    std::string staged = tree.stage_service(name);
    REQUIRE(::rename(staged.c_str(), (base + "/" + set + "/" + name).c_str()) == 0);
  }
  REQUIRE(::symlink("default", (base + "/current").c_str()) == 0);
  runsvdir_instance rd(tree, {base + "/current"});
  pid_t d = rd.wait_runsv("d");
  wait_stat(base + "/default/d", "run\n");

  spawn_options o;
  o.env = {"RUNSVDIR=" + base};
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    auto r = run({runsvchdir_under_test(), "single"}, o);
    REQUIRE(r.status.exit_code() == 0);
    rd.wait_gone(d);
    pid_t s = rd.wait_runsv("s");
    wait_stat(base + "/single/s", "run\n");
    CHECK(read_stat(base + "/default/d") == "down\n");
    r = run({runsvchdir_under_test(), "default"}, o);
    REQUIRE(r.status.exit_code() == 0);
    rd.wait_gone(s);
    d = rd.wait_runsv("d");
    wait_stat(base + "/default/d", "run\n");
  }
  CHECK(rd.runsv_children().size() == 1);
}

TEST_CASE("runsvdir keeps watching after its directory was briefly missing", "[runsvdir][inotify]") {
  // What runsvchdir does in two renames, done slowly: current is gone for a
  // moment (runsvdir warns), then points at the other set. From then on new
  // services must be seen as before; runit would see them within its 5 s
  // poll, ours at once, and at the latest at its 60 s rescan, so the
  // deadline here lies between the two.
  runsvdir_tree tree(runsv_under_test());
  const std::string base = tree.root() + "/base";
  make_dir(base);
  make_dir(base + "/default");
  make_dir(base + "/single");
  REQUIRE(::symlink("default", (base + "/current").c_str()) == 0);
  REQUIRE(::symlink("single", (base + "/current.new").c_str()) == 0);
  const std::string dir = base + "/current";
  runsvdir_instance rd(tree, {dir});
  std::string staged = tree.stage_service("d");
  REQUIRE(::rename(staged.c_str(), (base + "/default/d").c_str()) == 0);
  pid_t d = rd.wait_runsv("d");

  REQUIRE(::rename(dir.c_str(), (base + "/previous").c_str()) == 0);
  const std::string warning = "runsvdir " + dir + ": warning: unable to stat " + dir + ": file does not exist\n";
  bool warned = poll_until([&] { return rd.proc().err().find(warning) != std::string::npos; }, 10s);
  INFO("runsvdir stderr: " << rd.proc().err());
  CHECK(warned);
  REQUIRE(::rename((base + "/current.new").c_str(), dir.c_str()) == 0);
  rd.wait_gone(d, 15s);
  staged = tree.stage_service("s");
  REQUIRE(::rename(staged.c_str(), (base + "/single/s").c_str()) == 0);
  rd.wait_runsv("s", 15s);
}

TEST_CASE("runsvchdir with fd 0, 1 or 2 closed still switches, or fails with 111", "[runsvchdir]") {
  // Each compared with Debian's runsvchdir (usage, a dot name, a missing
  // set): the same exit codes and messages on what is left open.
  for (const char* redirect : {"<&-", ">&-", "2>&-"}) {
    INFO("redirect " << redirect);
    base_fixture f;
    auto via_sh = [&](const std::string& name) {
      spawn_options o;
      o.env = {"RUNSVDIR=" + f.base.path()};
      return run({"/bin/sh", "-c", std::string("exec \"$0\" \"$1\" ") + redirect, runsvchdir_under_test(), name},
                 o);
    };
    const std::string stdout_closed = redirect == std::string(">&-") ? "" : "runsvchdir: single: now current.\n";
    auto r = via_sh("single");
    CHECK(r.out == stdout_closed);
    CHECK(r.err.empty());
    CHECK(r.status.exit_code() == 0);
    CHECK(f.link("current") == "single");
    CHECK(f.link("previous") == "default");
    r = via_sh("nosuch");
    CHECK(r.out.empty());
    CHECK(r.err == (redirect == std::string("2>&-") ? "" : fatal("nosuch: file does not exist")));
    CHECK(r.status.exit_code() == 111);
    CHECK(f.link("current") == "single");
  }
}

TEST_CASE("after a runsvchdir switch runsvdir is idle again", "[runsvchdir][runsvdir][inotify][idle]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string base = tree.root() + "/base";
  make_dir(base);
  make_dir(base + "/default");
  make_dir(base + "/single");
  std::string staged_d = tree.stage_service("d");
  REQUIRE(::rename(staged_d.c_str(), (base + "/default/d").c_str()) == 0);
  REQUIRE(::symlink("default", (base + "/current").c_str()) == 0);
  runsvdir_instance rd(tree, {base + "/current"});
  rd.wait_runsv("d");
  spawn_options o;
  o.env = {"RUNSVDIR=" + base};
  auto r = run({runsvchdir_under_test(), "single"}, o);
  REQUIRE(r.status.exit_code() == 0);
  std::string staged = tree.stage_service("s");
  REQUIRE(::rename(staged.c_str(), (base + "/single/s").c_str()) == 0);
  rd.wait_runsv("s");
  wait_stat(base + "/single/s", "run\n");
  // Each watch given up at the switch must not set off another switch: a
  // runsvdir that keeps rewatching uses a CPU for nothing.
  std::uint64_t last = cpu_ticks(rd.pid()).value_or(0);
  wait_until(
      [&] {
        std::uint64_t now = cpu_ticks(rd.pid()).value_or(0);
        bool same = now == last;
        last = now;
        return same;
      },
      "runsvdir to stop using CPU");
  bool idle = holds_for([&] { return cpu_ticks(rd.pid()).value_or(0) == last; }, 1000ms);
  INFO("CPU ticks " << last << " then " << cpu_ticks(rd.pid()).value_or(0));
  CHECK(idle);
}

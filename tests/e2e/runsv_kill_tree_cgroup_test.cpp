// Beyond runit: kill-tree's cgroup v2 mode. Where runsv can make a cgroup
// v2 (root here, with cgroup2 mounted), ./run is born in
// runsv.NAME.PID below runsv's own cgroup, and the end of ./run reaches
// everything in it, a daemon that left the process group with setsid
// included; the cgroup goes when runsv exits. Where it cannot (a read-only
// or missing cgroup2 mount), the process group, without a word.
//
// These tests need cgroup v2 mounted and writable (they fail, saying so,
// where it is not); group mode alone is covered by runsv_kill_tree_test.cpp
// and by the Docker tests.

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include "fixture.hpp"
#include "kill_tree.hpp"
#include "kill_tree_support.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {



std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < line.size()) {
    std::size_t end = line.find(' ', at);
    if (end == std::string::npos) end = line.size();
    if (end > at) out.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// The first cgroup2 mount of this test's namespace: its mount point and the
// cgroup it shows (read here without runsv's parser).
struct cgroup2_mount {
  std::string point;
  std::string root;
};

cgroup2_mount find_cgroup2() {
  for (const auto& line : read_lines("/proc/self/mountinfo")) {
    auto f = split(line);
    for (std::size_t i = 6; i + 1 < f.size(); ++i)
      if (f[i] == "-" && f[i + 1] == "cgroup2") return {f[4], f[3]};
  }
  FAIL("these tests need cgroup v2: no cgroup2 mount in /proc/self/mountinfo");
  return {};
}

// The "0::" path of a process ("" when it has none).
std::string unified_of(pid_t pid) {
  for (const auto& line : read_lines("/proc/" + std::to_string(pid) + "/cgroup"))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return "";
}

// Where the cgroup `rel` is in the file system.
std::string dir_of(const cgroup2_mount& m, const std::string& rel) {
  std::string below = m.root == "/" ? rel : rel.substr(m.root.size());
  return m.point + below;
}

// The cgroup runsv `runsv` makes for the service "svc".
std::string expected_rel(pid_t runsv) {
  std::string own = unified_of(runsv);
  return (own == "/" ? "" : own) + "/runsv.svc." + std::to_string(runsv);
}

bool populated(const std::string& dir) {
  return read_file(dir + "/cgroup.events").value_or("").find("populated 1") != std::string::npos;
}

// Whatever a failed test leaves in the cgroup is killed and the cgroup
// removed. Declared before the runsv_instance: it goes after runsv.
struct cgroup_cleanup {
  std::string dir;
  ~cgroup_cleanup() {
    try {
      if (dir.empty() || !exists(dir)) return;
      int fd = ::open((dir + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!::write(fd, "1", 1);
        ::close(fd);
      }
      poll_until([&] { return !populated(dir); }, 5s);
      ::rmdir(dir.c_str());
    } catch (...) {
    }
  }
};

// A started runsv whose cgroup is known; fails unless cgroup v2 is usable.
struct cgroup_service {
  service_fixture& f;
  cgroup2_mount mount = find_cgroup2();
  cgroup_cleanup cleanup;
  runsv_instance rs{f.svc};
  std::string rel;
  std::string dir;

  explicit cgroup_service(service_fixture& fixture) : f(fixture) {
    rel = expected_rel(rs.pid());
    dir = dir_of(mount, rel);
    cleanup.dir = dir;
    rs.wait_ready();
  }
};

constexpr const char* finish_checks_kids =
    "if kill -0 $(cat kids) 2>/dev/null; then echo child alive; else echo child gone; fi >> finish.log\n";

}  // namespace

TEST_CASE("kill-tree cgroup: ./run is born in runsv.NAME.PID below runsv's cgroup, and the ./run after a restart too",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"), "grep ^0:: /proc/$$/cgroup >> cgroups\necho $$ >> starts\nexec sleep 1000\n");
  recorded_pids starts{f, "starts"};
  cgroup_service s(f);
  wait_until([&] { return starts.get().size() == 1; }, "./run to start");
  CHECK(f.lines("cgroups") == std::vector<std::string>{"0::" + s.rel});
  CHECK(exists(s.dir + "/cgroup.procs"));
  const pid_t first = starts.get().at(0);
  CHECK(read_lines(s.dir + "/cgroup.procs") == std::vector<std::string>{std::to_string(first)});
  send_control(f.svc, "t");
  wait_until([&] { return starts.get().size() == 2; }, "a second ./run", 10s);
  CHECK(f.lines("cgroups") == std::vector<std::string>{"0::" + s.rel, "0::" + s.rel});
  CHECK(s.rs.proc().err() == "");
}

TEST_CASE("kill-tree cgroup: sv down ends a grandchild that left the process group with setsid, then ./finish runs",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"), "setsid sh -c 'echo $$ >> kids; exec sleep 1000' &\nexec sleep 1001\n");
  write_script(f.at("finish"), finish_checks_kids);
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  const pid_t run = static_cast<pid_t>(wait_running_other_than(f.svc, 0, 10s).pid);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  const pid_t kid = kids.get().at(0);
  // Out of ./run's group and session: what the process group cannot reach.
  CHECK(::getsid(kid) == kid);
  CHECK(::getpgid(kid) != run);
  CHECK(unified_of(kid) == s.rel);
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(pid_exists(kid));
  CHECK(f.lines("finish.log") == std::vector<std::string>{"child gone"});
  CHECK_FALSE(populated(s.dir));
}

TEST_CASE("kill-tree cgroup: a grandchild that left the group and ignores TERM gets KILL after timeout-kill",
          "[runsv][extension][kill-tree][cgroup][timeout-kill]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_file(f.at("timeout-kill"), "300\n");
  write_script(f.at("run"), "setsid sh -c \"trap '' TERM; echo \\$\\$ >> kids; exec sleep 1000\" &\nexec sleep 1001\n");
  write_script(f.at("finish"), finish_checks_kids);
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(pid_exists(kids.get().at(0)));
  CHECK(f.lines("finish.log") == std::vector<std::string>{"child gone"});
}

TEST_CASE("kill-tree cgroup: sv kill ends at once a grandchild that left the group and ignores TERM",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  // Long enough that only sv kill's own KILL ends the grandchild in time.
  write_file(f.at("timeout-kill"), "60000\n");
  write_script(f.at("run"), "setsid sh -c \"trap '' TERM; echo \\$\\$ >> kids; exec sleep 1000\" &\n"
                            "trap '' TERM\nexec sleep 1001\n");
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  send_control(f.svc, "d");  // want down (./run ignores the TERM): no restart after the KILL
  wait_stat(f.svc, "run, got TERM, want down\n");
  // runit marks the service down at once, before ./run is reaped: only the
  // KILL itself can end the grandchild.
  send_control(f.svc, "k");
  wait_until([&] { return !pid_exists(kids.get().at(0)); }, "the grandchild to end", 10s);
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0));
}

TEST_CASE("kill-tree cgroup: timeout-kill's KILL after the down-signal ends a grandchild that left the group, not a TERM",
          "[runsv][extension][kill-tree][cgroup][timeout-kill]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_file(f.at("timeout-kill"), "300\n");
  // The grandchild records every TERM and lives on; ./run ignores TERM.
  write_script(f.at("run"),
               "setsid sh -c 'trap \"echo TERM >> kid.signals\" TERM; echo $$ >> kids;"
               " while :; do sleep 1000 & wait $!; done' &\n"
               "trap '' TERM\nexec sleep 1001\n");
  write_script(f.at("finish"), finish_checks_kids);
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(pid_exists(kids.get().at(0)));
  CHECK(f.lines("finish.log") == std::vector<std::string>{"child gone"});
  // One KILL for the whole tree at the deadline: no TERM for it after ./run's end.
  CHECK(f.lines("kid.signals").empty());
}

TEST_CASE("kill-tree cgroup: sv exit removes the cgroup, after ending what was left in it",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"), "setsid sh -c 'echo $$ >> kids; exec sleep 1000' &\nexec sleep 1001\n");
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  CHECK(exists(s.dir));
  send_control(f.svc, "x");
  auto st = s.rs.wait_exit(10s);
  REQUIRE(st);
  CHECK(st->describe() == "exit 0");
  CHECK_FALSE(pid_exists(kids.get().at(0)));
  CHECK_FALSE(exists(s.dir));
}

TEST_CASE("kill-tree cgroup: sv kill right before sv exit: the cgroup is still removed",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  // Many processes, so that dying takes a while.
  write_script(f.at("run"), "trap '' TERM\nfor i in $(seq 100); do sleep 1000 & done\n"
                            "setsid sh -c 'echo $$ >> kids; exec sleep 1000' &\nexec sleep 1001\n");
  recorded_pids kids{f, "kids"};
  cgroup_service s(f);
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  // The KILL marks the service down at once: runsv exits while the tree dies.
  send_control(f.svc, "dkx");
  auto st = s.rs.wait_exit(10s);
  REQUIRE(st);
  CHECK(st->describe() == "exit 0");
  CHECK_FALSE(exists(s.dir));
  // Dead, and reaped by whoever inherited it from runsv.
  wait_until([&] { return !pid_exists(kids.get().at(0)); }, "the grandchild to be gone");
}

TEST_CASE("kill-tree cgroup: without kill-tree no cgroup is made, as with runit",
          "[runsv][extension][kill-tree][cgroup]") {
  service_fixture f;
  write_script(f.at("run"), "grep ^0:: /proc/$$/cgroup >> cgroups\nexec sleep 1000\n");
  cgroup_service s(f);
  wait_until([&] { return f.lines("cgroups").size() == 1; }, "./run to start");
  CHECK(f.lines("cgroups") == std::vector<std::string>{"0::" + unified_of(s.rs.pid())});
  CHECK_FALSE(exists(s.dir));
}

TEST_CASE("kill-tree cgroup: with cgroup v2 read-only or not mounted, the process group, without a word",
          "[runsv][extension][kill-tree][cgroup]") {
  const auto mount = find_cgroup2();
  // runsv in a mount namespace of its own where the cgroup2 mount is
  // read-only (as in most containers), or is not there at all.
  const std::string how = GENERATE(as<std::string>{}, "mount -o remount,bind,ro", "umount");
  INFO(how);
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"),
               "grep ^0:: /proc/$$/cgroup >> cgroups\n"
               "sleep 1000 & echo $! >> kids\n"
               "setsid sh -c 'echo $$ >> escaped; exec sleep 1002' &\n"
               "exec sleep 1001\n");
  write_script(f.at("wrapped-runsv"),
               "exec unshare --mount --propagation private /bin/sh -c '" + how +
                   " \"$0\" || exit 99; exec \"$1\" \"$2\"' " + mount.point + " " + runsv_under_test() + " \"$1\"\n");
  recorded_pids kids{f, "kids"};
  recorded_pids escaped{f, "escaped"};
  cgroup_cleanup cleanup;
  runsv_instance::options o;
  o.binary = f.at("wrapped-runsv");
  runsv_instance rs(f.svc, o);
  cleanup.dir = dir_of(mount, expected_rel(rs.pid()));
  rs.wait_ready();
  wait_until([&] { return kids.get().size() == 1 && escaped.get().size() == 1; }, "the children");
  // ./run stays in runsv's cgroup, and none was made.
  CHECK(f.lines("cgroups") == std::vector<std::string>{"0::" + unified_of(rs.pid())});
  CHECK_FALSE(exists(cleanup.dir));
  const pid_t run = static_cast<pid_t>(wait_running_other_than(f.svc, 0).pid);
  CHECK(::getpgid(run) == run);
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(pid_exists(kids.get().at(0)));
  // The limit of group mode: what left the group lives on.
  CHECK(pid_exists(escaped.get().at(0)));
  CHECK(rs.proc().err() == "");
}

// runsv's own view of the system, from the files' texts: rows of
// /proc/self/mountinfo and /proc/self/cgroup.
TEST_CASE("kill-tree cgroup: runsv finds its cgroup v2 directory from mountinfo and /proc/self/cgroup",
          "[runsv][extension][kill-tree][cgroup]") {
  const std::string hybrid =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
  const std::string pure = "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
  // A container without a cgroup namespace: the mount shows its own subtree.
  const std::string subtree = "30 23 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n";
  const std::string escaped = "30 23 0:26 / /mnt/cg\\040v2 rw - cgroup2 none rw\n";
  const std::string v1_only = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
  struct row {
    std::string mountinfo, proc_cgroup;
    std::optional<std::string> dir;
  };
  const row rows[] = {
      {hybrid, "9:name=systemd:/\n4:memory:/x\n0::/\n", "/sys/fs/cgroup/unified"},
      {hybrid, "4:memory:/x\n0::/system.slice/runit.service\n", "/sys/fs/cgroup/unified/system.slice/runit.service"},
      {pure, "0::/init.scope\n", "/sys/fs/cgroup/init.scope"},
      {subtree, "0::/docker/abc\n", "/sys/fs/cgroup"},
      {subtree, "0::/docker/abc/runsvdir\n", "/sys/fs/cgroup/runsvdir"},
      {subtree, "0::/docker/abcd\n", std::nullopt},
      {subtree, "0::/other\n", std::nullopt},
      {escaped, "0::/a\n", "/mnt/cg v2/a"},
      {v1_only, "4:memory:/\n0::/\n", std::nullopt},
      {pure, "4:memory:/\n", std::nullopt},
      {"", "0::/\n", std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.mountinfo << r.proc_cgroup);
    CHECK(runsv::cgroup2_dir_of(r.mountinfo, r.proc_cgroup) == r.dir);
  }
  CHECK(runsv::unified_path_of("1:cpu:/\n0::/a b\n") == std::optional<std::string>{"/a b"});
  CHECK(runsv::unified_path_of("1:cpu:/\n") == std::nullopt);
}

TEST_CASE("kill-tree cgroup: the cgroup's name is runsv.BASENAME.PID, one plain path component",
          "[runsv][extension][kill-tree][cgroup]") {
  CHECK(runsv::service_cgroup_name("/etc/sv/getty-5", 42) == "runsv.getty-5.42");
  CHECK(runsv::service_cgroup_name("/etc/sv/web/", 7) == "runsv.web.7");
  CHECK(runsv::service_cgroup_name("svc", 7) == "runsv.svc.7");
  CHECK(runsv::service_cgroup_name("/srv/a b\nc:d", 7) == "runsv.a_b_c_d.7");
  CHECK(runsv::service_cgroup_name("/", 1) == "runsv..1");
  CHECK(runsv::service_cgroup_name("/x/" + std::string(300, 'n'), 1) == "runsv." + std::string(200, 'n') + ".1");
}

TEST_CASE("kill-tree cgroup: only Linux 5.7 and later start ./run in a cgroup (clone3's CLONE_INTO_CGROUP)",
          "[runsv][extension][kill-tree][cgroup]") {
  CHECK(runsv::clone_into_cgroup_release("5.7.0"));
  CHECK(runsv::clone_into_cgroup_release("5.10.0-28-amd64"));
  CHECK(runsv::clone_into_cgroup_release("6.1.0"));
  CHECK_FALSE(runsv::clone_into_cgroup_release("5.6.19"));
  CHECK_FALSE(runsv::clone_into_cgroup_release("4.18.0-553.el8_10.x86_64"));
  CHECK_FALSE(runsv::clone_into_cgroup_release(""));
  CHECK_FALSE(runsv::clone_into_cgroup_release("garbage"));
}

// chpst mode, each option checked from inside the exec'd program (the probe).
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chpst_support.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace chpst_test;
using strings = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

test::run_result chpst(const strings& args, const test::spawn_options& o = {}) {
  strings argv{our_chpst()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, quiet_sanitizer(o));
}

}  // namespace

TEST_CASE("chpst -u: ids and exactly the resolved groups, from /proc/self/status", "[chpst][e2e]") {
  test::require_root("uid and group changes");
  struct row { const char* spec; const char* uid; const char* gid; const char* groups; };
  // The kernel lists the supplementary groups sorted.
  for (auto r : {row{"nobody", "65534", "65534", "65534"}, row{"nobody:adm", "65534", "4", "4"},
                 row{"nobody:adm:daemon", "65534", "4", "1 4"}, row{":1:2:3:4", "1", "2", "2 3 4"},
                 row{":1:", "1", "0", "0"}}) {
    INFO(r.spec);
    auto res = chpst({"-u", r.spec, probe(), "status", "ids"});
    REQUIRE(res.status.exit_code() == 0);
    std::string u = r.uid, g = r.gid;
    CHECK(lines_with(res.out, "Uid:") == strings{"Uid:\t" + u + "\t" + u + "\t" + u + "\t" + u});
    CHECK(lines_with(res.out, "Gid:") == strings{"Gid:\t" + g + "\t" + g + "\t" + g + "\t" + g});
    CHECK(lines_with(res.out, "Groups:") == strings{std::string("Groups:\t") + r.groups + " "});
  }
}

TEST_CASE("chpst -U: GID and UID in the environment, ids unchanged", "[chpst][e2e]") {
  auto res = chpst({"-U", "nobody:adm:daemon", probe(), "env", "ids"});
  REQUIRE(res.status.exit_code() == 0);
  CHECK(lines_with(res.out, "env=GID=") == strings{"env=GID=4"});
  CHECK(lines_with(res.out, "env=UID=") == strings{"env=UID=65534"});
  auto uid = std::to_string(::getuid());
  CHECK(lines_with(res.out, "uid=").at(0).substr(0, 4 + uid.size()) == "uid=" + uid);
  auto numeric = chpst({"-U", ":5:6:7", probe(), "env"});
  CHECK(lines_with(numeric.out, "env=GID=") == strings{"env=GID=6"});
  CHECK(lines_with(numeric.out, "env=UID=") == strings{"env=UID=5"});
}

TEST_CASE("chpst -b: argv0 replaced, the file run is still the program", "[chpst][e2e]") {
  auto res = chpst({"-b", "foo", probe(), "argv0"});
  CHECK(res.status.exit_code() == 0);
  CHECK(res.out == "argv0=foo\n");
}

TEST_CASE("chpst -e: the envdir rules, seen in the program's environment", "[chpst][e2e]") {
  using namespace std::string_literals;
  test::temp_dir dir;
  std::string ed = dir / "env";
  test::make_dir(ed);
  test::write_file(ed + "/A", "hello world  \t \nsecond line\n");
  test::write_file(ed + "/B", "a\0b\0c"s);
  test::write_file(ed + "/C", "");
  test::write_file(ed + "/D", "\n");
  test::write_file(ed + "/F", " lead");
  test::write_file(ed + "/G", "cr\r\n");
  test::write_file(ed + "/.hidden", "x");
  test::write_file(ed + "/N=X", "v");
  test::make_dir(ed + "/SUB");
  test::spawn_options o;
  o.env = {"C=was-set", "N=old"};
  auto res = chpst({"-e", ed, probe(), "env"}, o);
  REQUIRE(res.status.exit_code() == 0);
  CHECK(res.err.empty());
  CHECK(lines_with(res.out, "env=A=") == strings{"env=A=hello world"});
  CHECK(res.out.find("env=B=a\nb\nc\n") != std::string::npos);
  CHECK(lines_with(res.out, "env=C=").empty());
  CHECK(lines_with(res.out, "env=D=") == strings{"env=D="});
  CHECK(lines_with(res.out, "env=F=") == strings{"env=F= lead"});
  CHECK(lines_with(res.out, "env=G=") == strings{"env=G=cr\r"});
  CHECK(lines_with(res.out, "env=.hidden").empty());
  CHECK(lines_with(res.out, "env=N=") == strings{"env=N=X=v"});
  CHECK(lines_with(res.out, "env=SUB").empty());
  auto verbose = chpst({"-v", "-e", "env", probe()}, test::in_dir(dir.path()));
  CHECK(verbose.status.exit_code() == 0);
  CHECK(verbose.err == "chpst: warning: unable to read env/SUB: is a directory\n");
}

TEST_CASE("chpst -/ and -C: root and working directory", "[chpst][e2e]") {
  test::require_root("chroot");
  test::temp_dir dir;
  std::string newroot = dir / "root";
  test::make_dir(newroot);
  test::make_dir(newroot + "/sub");
  test::write_file(newroot + "/marker", "");
  test::write_file(newroot + "/probe", test::read_file(probe()).value(), 0755);
  auto res = chpst({"-/", newroot, "/probe", "cwd", "exists:/marker", "exists:/etc/passwd"});
  CHECK(res.status.exit_code() == 0);
  CHECK(res.out == "cwd=/\nexists=/marker:1\nexists=/etc/passwd:0\n");
  auto sub = chpst({"-/", newroot, "-C", "sub", "/probe", "cwd"});
  CHECK(sub.out == "cwd=/sub\n");
  auto plain = chpst({"-C", newroot + "/sub", probe(), "cwd"});
  CHECK(plain.out == "cwd=" + newroot + "/sub\n");
}

TEST_CASE("chpst -n: the nice value", "[chpst][e2e]") {
  CHECK(chpst({"-n", "+5", probe(), "nice"}).out == "nice=5\n");
  CHECK(chpst({"-n", "", probe(), "nice"}).out == "nice=0\n");
}

TEST_CASE("chpst -n: a negative nice value", "[chpst][e2e]") {
  test::require_root("a negative nice value");
  CHECK(chpst({"-n", "-3", probe(), "nice"}).out == "nice=-3\n");
}

TEST_CASE("chpst -P: a new session and process group", "[chpst][e2e]") {
  CHECK(chpst({"-P", probe(), "session"}).out == "sid_is_pid=1 pgrp_is_pid=1\n");
  CHECK(chpst({probe(), "session"}).out == "sid_is_pid=0 pgrp_is_pid=0\n");
  // Already a session leader: setsid fails and is ignored.
  test::spawn_options leader;
  leader.new_session = true;
  CHECK(chpst({"-P", probe(), "session"}, leader).status.exit_code() == 0);
}

TEST_CASE("chpst -0 -1 -2: the descriptors are closed in the program", "[chpst][e2e]") {
  test::temp_dir dir;
  std::string out = dir / "out";
  auto res = chpst({"-0", "-2", probe(), "fds", "out:" + out});
  CHECK(res.status.exit_code() == 0);
  CHECK(test::read_file(out) == "fd0=closed fd1=open fd2=closed\n");
  chpst({"-1", probe(), "fds", "out:" + out});
  CHECK(test::read_file(out) == "fd0=open fd1=closed fd2=open\n");
}

TEST_CASE("chpst: -0/-1 on an already closed descriptor", "[chpst][e2e]") {
  auto in = test::run({"/bin/sh", "-c", our_chpst() + " -0 true <&-"});
  CHECK(in.status.exit_code() == 111);
  CHECK(in.err == "chpst: fatal: unable to close stdin: file descriptor not open\n");
  auto out = test::run({"/bin/sh", "-c", our_chpst() + " -1 true >&-"});
  CHECK(out.status.exit_code() == 111);
  CHECK(out.err == "chpst: fatal: unable to close stdout: file descriptor not open\n");
}

TEST_CASE("chpst limits: each option sets its soft limit (/proc/self/limits)", "[chpst][e2e]") {
  auto res = chpst({"-m", "100000000", "-d", "200000000", "-o", "100", "-p", "50", "-f", "10240", "-c", "0",
                    "-r", "5000", "-t", "7", probe(), "limits"});
  REQUIRE(res.status.exit_code() == 0);
  const std::string& l = res.out;
  CHECK(soft_limit(l, "Max data size") == "200000000");
  CHECK(soft_limit(l, "Max stack size") == "100000000");
  CHECK(soft_limit(l, "Max address space") == "100000000");
  CHECK(soft_limit(l, "Max open files") == "100");
  CHECK(soft_limit(l, "Max processes") == "50");
  CHECK(soft_limit(l, "Max file size") == "10240");
  CHECK(soft_limit(l, "Max core file size") == "0");
  CHECK(soft_limit(l, "Max resident set") == "5000");
  CHECK(soft_limit(l, "Max cpu time") == "7");
  struct rlimit ml;
  ::getrlimit(RLIMIT_MEMLOCK, &ml);
  std::string memlock = ml.rlim_max == RLIM_INFINITY ? "100000000"
                        : std::to_string(std::min<rlim_t>(ml.rlim_max, 100000000));
  CHECK(soft_limit(l, "Max locked memory") == memlock);
}

TEST_CASE("chpst limits: a value above the hard limit is clamped to it", "[chpst][e2e]") {
  struct rlimit nofile;
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  auto res = chpst({"-o", "99999999999", probe(), "limits"});
  CHECK(res.status.exit_code() == 0);
  std::string hard = nofile.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(nofile.rlim_max);
  CHECK(soft_limit(res.out, "Max open files") == hard);
}

TEST_CASE("chpst -L: the lock is held by the program, a second -L fails at once", "[chpst][e2e]") {
  test::temp_dir dir;
  std::string lk = dir / "lk";
  auto res = chpst({"-L", lk, probe(), "lock:" + lk});
  CHECK(res.status.exit_code() == 0);
  CHECK(res.out == "lock=held-elsewhere\n");
  struct stat st;
  REQUIRE(::stat(lk.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  auto free_now = chpst({probe(), "lock:" + lk});
  CHECK(free_now.out == "lock=free\n");

  test::process holder({our_chpst(), "-L", lk, "/bin/sleep", "30"});
  test::wait_until([&] { return chpst({probe(), "lock:" + lk}).out == "lock=held-elsewhere\n"; },
                   "the holder to take the lock");
  auto busy = chpst({"-L", lk, "/bin/true"});
  CHECK(busy.status.exit_code() == 111);
  CHECK(busy.err == "chpst: fatal: unable to lock: " + lk + ": temporary failure\n");

  // -l waits until the holder is gone.
  test::process waiter({our_chpst(), "-l", lk, probe(), "lock:" + lk});
  CHECK(test::holds_for([&] { return !waiter.poll_exit(); }, 300ms));
  holder.signal(SIGKILL);
  auto st2 = waiter.wait_exit(5s);
  REQUIRE(st2);
  CHECK(st2->exit_code() == 0);
  CHECK(waiter.out() == "lock=held-elsewhere\n");
}

TEST_CASE("chpst -l: an unopenable lock file", "[chpst][e2e]") {
  auto res = chpst({"-l", "/nonexistent/lk", "/bin/true"});
  CHECK(res.status.exit_code() == 111);
  CHECK(res.err == "chpst: fatal: unable to open lock: /nonexistent/lk: file does not exist\n");
}

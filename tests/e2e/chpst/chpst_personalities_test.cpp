// The personalities, through the links the build puts next to chpst.
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

#include "chpst_support.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace chpst_test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

test::run_result as(std::string_view name, const strings& args, const test::spawn_options& o = {}) {
  strings argv{personality(name)};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, quiet_sanitizer(o));
}

void expect(const test::run_result& r, int code, const std::string& err) {
  CHECK(r.status.exit_code() == code);
  CHECK(r.err == err);
}

const std::string softlimit_usage =
    "[-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] "
    "[-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";

}  // namespace

TEST_CASE("personalities: usage lines and exit 100", "[chpst][personality][e2e]") {
  expect(as("envdir", {}), 100, usage("envdir", "dir child"));
  expect(as("envdir", {"dir"}), 100, usage("envdir", "dir child"));
  expect(as("envuidgid", {"nobody"}), 100, usage("envuidgid", "account child"));
  expect(as("pgrphack", {}), 100, usage("pgrphack", "child"));
  expect(as("setlock", {"f"}), 100, usage("setlock", "[ -nNxX ] file program [ arg ... ]"));
  expect(as("setlock", {"-q", "f", "true"}), 100,
         "setlock: illegal option -- q\n" + usage("setlock", "[ -nNxX ] file program [ arg ... ]"));
  expect(as("setuidgid", {"nobody"}), 100, usage("setuidgid", "account child"));
  expect(as("softlimit", {}), 100, usage("softlimit", softlimit_usage));
  expect(as("softlimit", {"-x", "true"}), 100, "softlimit: illegal option -- x\n" + usage("softlimit", softlimit_usage));
  // A bad value prints chpst's main usage under the softlimit name.
  expect(as("softlimit", {"-o", "abc", "true"}), 100, usage_main("softlimit"));
  test::temp_dir dir;
  auto denvdir = link_as(dir, "denvdir", our_chpst());
  expect(test::run({denvdir}), 100, usage("envdir", "dir child"));
}

TEST_CASE("setuidgid: the account's uid, gid and only its primary group", "[chpst][personality][e2e]") {
  test::require_root("uid changes");
  auto r = as("setuidgid", {"nobody", probe(), "ids"});
  CHECK(r.status.exit_code() == 0);
  CHECK(r.out == "uid=65534/65534/65534 gid=65534/65534/65534 groups=65534\n");
  expect(as("setuidgid", {"nobody:adm", "/bin/true"}), 111, "chpst: fatal: unknown account: nobody:adm\n");
  expect(as("setuidgid", {"-u", "/bin/true"}), 111, "chpst: fatal: unknown account: -u\n");
}

TEST_CASE("envuidgid: UID and GID of the account, plain form only", "[chpst][personality][e2e]") {
  auto r = as("envuidgid", {"nobody", probe(), "env"});
  CHECK(lines_with(r.out, "env=GID=") == strings{"env=GID=65534"});
  CHECK(lines_with(r.out, "env=UID=") == strings{"env=UID=65534"});
  expect(as("envuidgid", {":1", "env"}), 111, "chpst: fatal: unknown account: :1\n");
}

TEST_CASE("envdir: sets variables, a subdirectory is fatal", "[chpst][personality][e2e]") {
  test::temp_dir dir;
  test::make_dir(dir / "ed");
  test::write_file(dir / "ed/A", "1 \n");
  test::write_file(dir / "ed/RM", "");
  test::spawn_options o = test::in_dir(dir.path());
  o.env = {"RM=x"};
  auto r = as("envdir", {"ed", probe(), "env"}, o);
  CHECK(r.status.exit_code() == 0);
  CHECK(lines_with(r.out, "env=A=") == strings{"env=A=1"});
  CHECK(lines_with(r.out, "env=RM").empty());
  test::make_dir(dir / "ed/SUB");
  expect(as("envdir", {"ed", probe()}, o), 111, "chpst: fatal: unable to read ed/SUB: is a directory\n");
  expect(as("envdir", {"/nonexist", "true"}), 111,
         "chpst: fatal: unable to switch to directory: /nonexist: file does not exist\n");
}

TEST_CASE("pgrphack: a new session", "[chpst][personality][e2e]") {
  CHECK(as("pgrphack", {probe(), "session"}).out == "sid_is_pid=1 pgrp_is_pid=1\n");
  expect(as("pgrphack", {"nonexist"}), 111, "chpst: fatal: unable to run: nonexist: file does not exist\n");
}

TEST_CASE("setlock: runit's semantics: no wait by default, -n waits, -x is silent", "[chpst][personality][e2e]") {
  test::temp_dir dir;
  std::string lk = dir / "L";
  auto own = as("setlock", {lk, probe(), "lock:" + lk});
  CHECK(own.out == "lock=held-elsewhere\n");
  test::process holder({our_chpst(), "-L", lk, "/bin/sleep", "30"});
  test::wait_until([&] { return test::run({probe(), "lock:" + lk}).out == "lock=held-elsewhere\n"; },
                   "the holder to take the lock");
  std::string busy = "chpst: fatal: unable to lock: " + lk + ": temporary failure\n";
  expect(as("setlock", {lk, "/bin/true"}), 111, busy);
  expect(as("setlock", {"-N", lk, "/bin/true"}), 111, busy);
  expect(as("setlock", {"-x", lk, "/bin/true"}), 0, "");
  expect(as("setlock", {"-x", "-X", lk, "/bin/true"}), 111, busy);
  expect(as("setlock", {"-x", "/nonexist/lk", "/bin/true"}), 0, "");
  expect(as("setlock", {"/nonexist/lk", "/bin/true"}), 111,
         "chpst: fatal: unable to open lock: /nonexist/lk: file does not exist\n");
  test::process waiter({personality("setlock"), "-n", lk, probe(), "exit:7"});
  CHECK(test::holds_for([&] { return !waiter.poll_exit(); }, 300ms));
  holder.signal(SIGKILL);
  auto st = waiter.wait_exit(5s);
  REQUIRE(st);
  CHECK(st->exit_code() == 7);
  std::string free_lock = dir / "F";
  expect(as("setlock", {"-x", free_lock, "/nonexistentprog"}), 0, "");
  expect(as("setlock", {free_lock, "/nonexistentprog"}), 111,
         "chpst: fatal: unable to run: /nonexistentprog: file does not exist\n");
}

TEST_CASE("softlimit: each option, and = for the hard limit", "[chpst][personality][e2e]") {
  auto r = as("softlimit", {"-a", "300000000", "-s", "1000000", "-l", "4096", "-r", "5000", "-c", "0", "-f", "10240",
                            "-t", "7", "-p", "100", "-d", "400000000", "-o", "64", probe(), "limits"});
  REQUIRE(r.status.exit_code() == 0);
  CHECK(soft_limit(r.out, "Max address space") == "300000000");
  CHECK(soft_limit(r.out, "Max stack size") == "1000000");
  CHECK(soft_limit(r.out, "Max locked memory") == "4096");
  CHECK(soft_limit(r.out, "Max resident set") == "5000");
  CHECK(soft_limit(r.out, "Max core file size") == "0");
  CHECK(soft_limit(r.out, "Max file size") == "10240");
  CHECK(soft_limit(r.out, "Max cpu time") == "7");
  CHECK(soft_limit(r.out, "Max processes") == "100");
  CHECK(soft_limit(r.out, "Max data size") == "400000000");
  CHECK(soft_limit(r.out, "Max open files") == "64");
  struct rlimit nofile;
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  std::string hard = nofile.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(nofile.rlim_max);
  auto eq = test::run({personality("softlimit"), "-o", "=", probe(), "limits"});
  CHECK(soft_limit(eq.out, "Max open files") == hard);
  auto m = as("softlimit", {"-m", "200000000", probe(), "limits"});
  CHECK(soft_limit(m.out, "Max data size") == "200000000");
  CHECK(soft_limit(m.out, "Max stack size") == "200000000");
  CHECK(soft_limit(m.out, "Max address space") == "200000000");
}

// The same invocations through Debian's chpst (runit 2.1.2) and ours: the
// same stdout, stderr and exit code, and the same process state as the exec'd
// probe reports it. Debian's personalities are links to its chpst (Debian
// ships envdir & co. from daemontools, not runit).
#include <catch2/catch.hpp>

#include <unistd.h>

#include "../../e2e/chpst/chpst_support.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace chpst_test;
using strings = std::vector<std::string>;

namespace {

// Debian's usage line lacks 2.3.0's " [-C pwd]"; -V's $Id line differs.
std::string normalize(std::string text) {
  for (std::string_view cpwd = " [-C pwd]"; text.find(cpwd) != std::string::npos;)
    text.erase(text.find(cpwd), cpwd.size());
  if (text.rfind("$Id: ", 0) == 0) text.erase(0, text.find('\n') + 1);
  return text;
}

struct side {
  test::temp_dir links{"chpst-diff"};
  std::string chpst;
  explicit side(const std::string& binary) : chpst(binary) {
    for (auto name : {"envdir", "envuidgid", "pgrphack", "setlock", "setuidgid", "softlimit", "dchpst"})
      link_as(links, name, binary);
  }
  std::string bin(const std::string& name) const { return name == "chpst" ? chpst : links / name; }
};

// Runs argv[0] (a program name) with the rest on both sides; compares.
// Returns Debian's result.
test::run_result same(const strings& argv, const std::string& cwd = "", bool compare_out = true) {
  static side debian(debian_chpst());
  static side ours(our_chpst());
  test::spawn_options o = quiet_sanitizer(test::in_dir(cwd));
  strings a = argv, b = argv;
  a[0] = debian.bin(argv[0]);
  b[0] = ours.bin(argv[0]);
  auto ra = test::run(a, o);
  auto rb = test::run(b, o);
  std::string shown;
  for (const auto& s : argv) shown += s + " ";
  INFO(shown);
  CHECK(rb.status.describe() == ra.status.describe());
  CHECK(normalize(rb.err) == normalize(ra.err));
  if (compare_out) CHECK(rb.out == ra.out);
  return ra;
}

}  // namespace

TEST_CASE("differential: usage and option errors", "[chpst][interop]") {
  same({"chpst"});
  same({"chpst", "-V", "true"});
  same({"chpst", "-u"});
  same({"chpst", "-x", "true"});
  same({"chpst", "-n", "5x", "true"});
  same({"chpst", "-m", "10k", "true"});
  same({"chpst", "-l", "a", "-L", "b", "true"});
  same({"chpst", "-v"});
  same({"dchpst", "-x", "true"});
  for (auto name : {"envdir", "envuidgid", "pgrphack", "setlock", "setuidgid", "softlimit"}) same({name});
  same({"setlock", "-q", "f", "true"});
  same({"softlimit", "-x", "true"});
  same({"softlimit", "-o", "abc", "true"});
  same({"setuidgid", "nobody"});
}

TEST_CASE("differential: fatal errors", "[chpst][interop]") {
  test::temp_dir dir;
  test::write_file(dir / "noshebang", "true\n", 0755);
  test::make_dir(dir / "ed");
  test::make_dir(dir / "ed/SUB");
  for (const strings& args : std::vector<strings>{
           {"chpst", "nonexist-prog"}, {"chpst", "/etc/passwd"}, {"chpst", "/tmp"}, {"chpst", dir / "noshebang"},
           {"chpst", "-b", "foo", "/nonexistent"}, {"chpst", "-/", "/nonexist", "true"},
           {"chpst", "-e", "/nonexist", "true"}, {"chpst", "-u", ":1", "id"}, {"chpst", "-u", ":1:x", "id"},
           {"chpst", "-u", ":x", "id"}, {"chpst", "-u", ":", "id"}, {"chpst", "-u", "nosuchuser", "id"},
           {"chpst", "-u", "nobody:nosuchgroup", "id"}, {"chpst", "-u", "nobody:", "id"}, {"chpst", "-U", ":x", "true"},
           {"setuidgid", "nobody:adm", "id"}, {"envuidgid", ":1", "env"}, {"pgrphack", "nonexist"},
           {"chpst", "-l", "/nonexist/lk", "true"}, {"setlock", "/nonexist/lk", "true"},
           {"setlock", "-x", "/nonexist/lk", "true"}, {"chpst", "-", "true"}, {"chpst", "--foo", "true"}})
    same(args);
  same({"chpst", "-v", "-e", "ed", "true"}, dir.path());
  same({"envdir", "ed", "true"}, dir.path());
}

// -C is 2.3.0's (Debian's 2.1.2 rejects it): it is checked in the e2e tests only.
TEST_CASE("differential: process state seen by the program", "[chpst][interop]") {
  test::temp_dir dir;
  test::make_dir(dir / "ed");
  test::write_file(dir / "ed/A", "hello world  \t \nsecond\n");
  test::write_file(dir / "ed/B", std::string("a\0b", 3));
  test::write_file(dir / "ed/PATH", "/nonexistent\n");
  test::write_file(dir / "ed/HOME", "");
  std::string p = probe();
  std::vector<strings> cases{
      {"chpst", "-U", "nobody:adm:daemon", p, "env"},
      {"chpst", "-e", "ed", p, "env"},
      {"chpst", "-e", "ed", "-U", ":5:6:7", p, "env"},
      {"chpst", "-b", "foo", p, "argv0"},
      {"chpst", "-P", p, "session"},
      {"chpst", "-n", "+5", p, "nice"},
      {"chpst", "-m", "100000000", "-d", "200000000", "-o", "99999999999", "-p", "50", "-f", "1000", "-c", "0",
       "-r", "5000", "-t", "5", p, "limits"},
      {"envuidgid", "nobody", p, "env"},
      {"envdir", "ed", p, "env"},
      {"pgrphack", p, "session"},
      {"softlimit", "-a", "300000000", "-s", "1000000", "-l", "4096", "-o", "=", "-t", "7", p, "limits"},
      {"softlimit", "-m", "=", p, "limits"},
  };
  for (const auto& c : cases) CHECK(same(c, dir.path()).status.exit_code() == 0);
}

TEST_CASE("differential: uid, groups and negative nice seen by the program", "[chpst][interop]") {
  test::require_root("uid, group and nice changes");
  test::temp_dir dir;
  // The probe is a copy every user can run: a failure to exec it would be
  // the same on both sides, hence the exit code check.
  std::string p = probe();
  std::vector<strings> cases;
  for (auto spec : {"nobody", "nobody:adm", "nobody:adm:daemon", ":1:2:3:4", ":1:"})
    cases.push_back({"chpst", "-u", spec, p, "ids", "status"});
  cases.push_back({"setuidgid", "nobody", p, "ids", "status"});
  cases.push_back({"chpst", "-n", "-3", p, "nice"});
  for (const auto& c : cases) CHECK(same(c, dir.path()).status.exit_code() == 0);
}

TEST_CASE("differential: locks", "[chpst][interop]") {
  test::temp_dir dir;
  std::string lk = dir / "L";
  same({"chpst", "-L", lk, probe(), "lock:" + lk});
  same({"setlock", lk, probe(), "lock:" + lk});
  test::process holder({our_chpst(), "-L", lk, "/bin/sleep", "30"});
  REQUIRE(test::poll_until([&] { return test::run({probe(), "lock:" + lk}).out == "lock=held-elsewhere\n"; }));
  same({"chpst", "-L", lk, "true"});
  same({"setlock", lk, "true"});
  same({"setlock", "-N", lk, "true"});
  same({"setlock", "-x", lk, "true"});
}

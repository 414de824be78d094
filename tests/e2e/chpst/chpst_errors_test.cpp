// chpst mode: usage, exec failures, order of operations, and privilege drops
// that fail and must stop before the program runs.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "chpst_support.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace chpst_test;
using strings = std::vector<std::string>;

namespace {

test::run_result run_as(const std::string& bin, const strings& args, test::spawn_options o = {}) {
  strings argv{bin};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, quiet_sanitizer(std::move(o)));
}
test::run_result chpst(const strings& args, const test::spawn_options& o = {}) {
  return run_as(our_chpst(), args, o);
}

void expect(const test::run_result& r, int code, const std::string& err) {
  CHECK(r.status.exit_code() == code);
  CHECK(r.err == err);
}

}  // namespace

TEST_CASE("chpst usage errors exit 100 with the usage line", "[chpst][e2e]") {
  expect(chpst({}), 100, usage_main());
  expect(chpst({"-v"}), 100, usage_main());
  expect(chpst({"-u"}), 100, "chpst: option requires an argument -- u\n" + usage_main());
  expect(chpst({"-x", "true"}), 100, "chpst: illegal option -- x\n" + usage_main());
  expect(chpst({"-n", "5x", "true"}), 100, usage_main());
  expect(chpst({"-m", "10k", "true"}), 100, usage_main());
  expect(chpst({"-l", "a", "-L", "b", "true"}), 100, usage_main());
  auto v = chpst({"-V", "/bin/true"});
  CHECK(v.status.exit_code() == 100);
  CHECK(v.err.substr(0, 5) == "$Id: ");
  CHECK(v.err.substr(v.err.find('\n') + 1) == usage_main());
}

TEST_CASE("chpst: the name in usage lines drops one leading d", "[chpst][e2e]") {
  test::temp_dir dir;
  expect(run_as(link_as(dir, "dchpst", our_chpst()), {"-x", "true"}), 100,
         "dchpst: illegal option -- x\n" + usage_main("chpst"));
}

// Not for the multi-call binary, where any name but the programs' is sv's
// (scripts/test leaves this test out of its multi-call pass).
TEST_CASE("chpst: any other name runs chpst mode, the usage line shows it", "[chpst][e2e]") {
  test::temp_dir dir;
  expect(run_as(link_as(dir, "xchpst", our_chpst()), {}), 100, usage_main("xchpst"));
}

TEST_CASE("chpst: operands after the program are its own", "[chpst][e2e]") {
  CHECK(chpst({"--", "/bin/true"}).status.exit_code() == 0);
  CHECK(chpst({probe(), "-u", "x", "exit:3"}).status.exit_code() == 3);
  expect(chpst({"-", "true"}), 111, "chpst: fatal: unable to run: -: file does not exist\n");
}

TEST_CASE("chpst: exec failures", "[chpst][e2e]") {
  test::temp_dir dir;
  test::write_file(dir / "noshebang", "true\n", 0755);
  expect(chpst({"nonexist-prog"}), 111, "chpst: fatal: unable to run: nonexist-prog: file does not exist\n");
  expect(chpst({"/etc/passwd"}), 111, "chpst: fatal: unable to run: /etc/passwd: access denied\n");
  expect(chpst({"/tmp"}), 111, "chpst: fatal: unable to run: /tmp: access denied\n");
  expect(chpst({dir / "noshebang"}), 111,
         "chpst: fatal: unable to run: " + (dir / "noshebang") + ": exec format error\n");
  expect(chpst({"-b", "foo", "/nonexistent"}), 111, "chpst: fatal: unable to run: foo: file does not exist\n");
}

TEST_CASE("chpst: PATH lookup uses chpst's own PATH, empty element is .", "[chpst][e2e]") {
  test::temp_dir dir;
  REQUIRE(::symlink(probe().c_str(), (dir / "myprobe").c_str()) == 0);
  test::spawn_options o = test::in_dir(dir.path());
  o.env = {"PATH=/nonexistent:"};
  CHECK(chpst({"myprobe", "argv0"}, o).out == "argv0=myprobe\n");
  test::make_dir(dir / "ep");
  test::write_file(dir / "ep/PATH", "/elsewhere\n");
  auto r = chpst({"-e", "ep", "myprobe", "env"}, o);
  CHECK(r.status.exit_code() == 0);
  CHECK(lines_with(r.out, "env=PATH=") == strings{"env=PATH=/elsewhere"});
  auto unset = test::run({"/usr/bin/env", "-u", "PATH", our_chpst(), "true"});
  CHECK(unset.status.exit_code() == 0);
}

TEST_CASE("chpst: -e and -U values, -U wins over the envdir", "[chpst][e2e]") {
  test::temp_dir dir;
  test::make_dir(dir / "ed");
  test::write_file(dir / "ed/UID", "fromdir\n");
  auto r = chpst({"-e", dir / "ed", "-U", ":5:6", probe(), "env"});
  CHECK(lines_with(r.out, "env=UID=") == strings{"env=UID=5"});
  expect(chpst({"-e", "/nonexist", "true"}), 111,
         "chpst: fatal: unable to switch to directory: /nonexist: file does not exist\n");
}

TEST_CASE("chpst: user/group lookup errors", "[chpst][e2e]") {
  expect(chpst({"-u", ":1", "true"}), 111, "chpst: fatal: invalid uid/gids: 1\n");
  expect(chpst({"-u", ":", "true"}), 111, "chpst: fatal: invalid uid/gids: \n");
  expect(chpst({"-U", ":x", "true"}), 111, "chpst: fatal: invalid uid/gids: x\n");
  expect(chpst({"-u", "nosuchuser", "true"}), 111, "chpst: fatal: unknown user/group: nosuchuser\n");
  expect(chpst({"-u", "nobody:nosuchgroup", "true"}), 111,
         "chpst: fatal: unknown user/group: nobody:nosuchgroup\n");
  expect(chpst({"-u", "nobody:", "true"}), 111, "chpst: fatal: unknown user/group: nobody:\n");
  expect(chpst({"-/", "/nonexist", "true"}), 111,
         "chpst: fatal: unable to change directory: /nonexist: file does not exist\n");
}

TEST_CASE("chpst: order of operations around a chroot", "[chpst][e2e]") {
  test::require_root("chroot and uid changes");
  test::temp_dir dir;
  std::string root = dir / "root";
  test::make_dir(root);
  test::make_dir(root + "/etc");
  test::make_dir(root + "/sub", 0777);
  test::write_file(root + "/etc/passwd", "cuser:x:777:778::/:/bin/sh\n");
  test::write_file(root + "/etc/group", "cgroup:x:779:\n");
  test::write_file(root + "/probe", test::read_file(probe()).value(), 0755);
  test::make_dir(dir / "ed2");
  test::write_file(dir / "ed2/V", "fromhost\n");
  test::spawn_options here = test::in_dir(dir.path());

  // -e is read before the chroot, relative to the starting directory.
  auto e = chpst({"-e", "ed2", "-/", "root", "/probe", "env", "cwd"}, here);
  CHECK(lines_with(e.out, "env=V=") == strings{"env=V=fromhost"});
  CHECK(lines_with(e.out, "cwd=") == strings{"cwd=/"});
  // Names are looked up inside the new root.
  auto u = chpst({"-/", "root", "-u", "cuser:cgroup", "/probe", "ids"}, here);
  CHECK(u.out == "uid=777/777/777 gid=779/779/779 groups=779\n");
  auto uu = chpst({"-/", "root", "-U", "cuser", "/probe", "env"}, here);
  CHECK(lines_with(uu.out, "env=GID=") == strings{"env=GID=778"});
  expect(chpst({"-/", "root", "-u", "nobody", "/probe"}, here), 111, "chpst: fatal: unknown user/group: nobody\n");
  // The lock is taken after the uid change, relative to the new directory.
  auto lk = chpst({"-/", "root", "-C", "sub", "-u", "cuser", "-L", "lockfile", "/probe", "lock:/sub/lockfile"}, here);
  CHECK(lk.out == "lock=held-elsewhere\n");
  struct stat st;
  REQUIRE(::stat((root + "/sub/lockfile").c_str(), &st) == 0);
  CHECK(st.st_uid == 777);
  expect(chpst({"-/", "root", "-u", "cuser", "-L", "lockfile2", "/probe"}, here), 111,
         "chpst: fatal: unable to open lock: lockfile2: access denied\n");
}

TEST_CASE("chpst: a failed privilege step stops before the program runs", "[chpst][e2e]") {
  test::require_root("to become nobody first");
  test::temp_dir dir;
  ::chmod(dir.path().c_str(), 0777);
  std::string out = dir / "ran";
  // Our chpst, already running as nobody, cannot change its groups or ids.
  auto as_nobody = [&](strings args) {
    strings full{"-u", "nobody", our_chpst_for_all()};
    full.insert(full.end(), args.begin(), args.end());
    return chpst(full);
  };
  expect(as_nobody({"-u", "daemon", probe(), "out:" + out}), 111,
         "chpst: fatal: unable to setgroups: permission denied\n");
  expect(as_nobody({"-n", "-5", probe(), "out:" + out}), 111,
         "chpst: fatal: unable to set nice level: permission denied\n");
  expect(as_nobody({"-/", "/tmp", probe(), "out:" + out}), 111,
         "chpst: fatal: unable to change root directory: permission denied\n");
  CHECK_FALSE(test::exists(out));
}

// utmpset's logout on temporary utmp/wtmp files (utmpset::logout takes the
// paths), and the parts of runit and runit-init that run outside process 1.

#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "../unit_support.hpp"
#include "pid1_support.hpp"
#include "runit_init.hpp"
#include "init.hpp"
#include "supervise/container.hpp"
#include "supervise/fatal.hpp"
#include "utmpset.hpp"

using test::pid1::utmp_fields;
using test::pid1::utmp_record;
using test::pid1::utmp_records;

namespace {

constexpr short dead = 8, user = 7, login = 6;

std::string sample() {
  return utmp_record({login, 100, "tty1", "1", "LOGIN", "", 2}) +
         utmp_record({user, 101, "tty2", "2", "alice", "example.org", 3}) +
         utmp_record({user, 102, "tty5", "5", "bob", "a.example", 4}) +
         utmp_record({user, 103, "tty5", "5", "carol", "b.example", 5}) +
         utmp_record({dead, 104, "tty6", "6", "", "", 6}) +
         utmp_record({user, 105, std::string(32, 'L'), "7", "dave", "", 7});
}

struct outcome {
  int code;
  std::string err;
};

outcome logout(const std::string& line, const std::string& utmp, const char* wtmp) {
  unit::stderr_capture cap;
  int code = 0;
  try {
    code = utmpset::logout(line, utmp.c_str(), wtmp);
  } catch (const supervise::fatal_error& e) {
    cap.stop();
    return {e.exit_code, supervise::diagnostic("utmpset", "fatal", e.message, e.err)};
  }
  return {code, cap.stop()};
}

// Index of the records whose user changed.
std::vector<std::size_t> changed(const std::string& before, const std::string& after) {
  auto b = utmp_records(before), a = utmp_records(after);
  REQUIRE(a.size() == b.size());
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].user != b[i].user || a[i].type != b[i].type) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("utmpset logs out the first live record of the line only", "[utmpset]") {
  unit::temp_dir dir;
  unit::write_file(dir / "utmp", sample());
  auto r = logout("tty5", dir / "utmp", nullptr);
  CHECK(r.code == 0);
  CHECK(r.err == "");
  auto after = unit::read_file(dir / "utmp");
  CHECK(changed(sample(), after) == std::vector<std::size_t>{2});
  auto rec = utmp_records(after)[2];
  CHECK(rec.user == "");
  CHECK(rec.host == "");
  CHECK(rec.type == dead);
  CHECK(rec.pid == 102);
  CHECK(rec.id == "5");
  CHECK(rec.line == "tty5");
  CHECK(rec.seconds >= ::time(nullptr) - 5);
  CHECK(utmp_records(after)[3].user == "carol");
  // A second call finds carol.
  CHECK(logout("tty5", dir / "utmp", nullptr).code == 0);
  CHECK(changed(sample(), unit::read_file(dir / "utmp")) == std::vector<std::size_t>{2, 3});
}

TEST_CASE("utmpset: no live record of the line is a warning and exit 111", "[utmpset]") {
  auto line = GENERATE(as<std::string>{}, "tty9", "tty", "tty55", "tty6", std::string(31, 'L'));
  unit::temp_dir dir;
  unit::write_file(dir / "utmp", sample());
  auto r = logout(line, dir / "utmp", (dir / "wtmp").c_str());
  CHECK(r.code == 111);
  CHECK(r.err == "utmpset: warning: unable to logout line " + line + " in utmp: no such entry\n");
  CHECK(unit::read_file(dir / "utmp") == sample());
  CHECK_FALSE(unit::exists(dir / "wtmp"));  // wtmp is only written after utmp succeeded
}

TEST_CASE("utmpset: a line filling ut_line matches, a longer one is fatal (name too long)", "[utmpset]") {
  REQUIRE(test::pid1::utmp_line_size() == 32);
  unit::temp_dir dir;
  unit::write_file(dir / "utmp", sample());
  CHECK(logout(std::string(32, 'L'), dir / "utmp", nullptr).code == 0);
  CHECK(changed(sample(), unit::read_file(dir / "utmp")) == std::vector<std::size_t>{5});
  auto r = logout(std::string(33, 'L'), dir / "utmp", nullptr);
  CHECK(r.code == 111);
  CHECK(r.err == "utmpset: fatal: unable to logout line " + std::string(33, 'L') + " in utmp: name too long\n");
}

TEST_CASE("utmpset -w appends one DEAD_PROCESS record for the line to wtmp, creating it 0600", "[utmpset]") {
  unit::temp_dir dir;
  unit::write_file(dir / "utmp", sample());
  SECTION("wtmp missing") {
    unit::umask_guard um(0);
    REQUIRE(logout("tty2", dir / "utmp", (dir / "wtmp").c_str()).code == 0);
    CHECK((unit::mode_of(dir / "wtmp") & 07777) == 0600);
    auto recs = utmp_records(unit::read_file(dir / "wtmp"));
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].line == "tty2");
    CHECK(recs[0].type == dead);
    CHECK(recs[0].user == "");
    CHECK(recs[0].pid == 0);
    CHECK(recs[0].seconds >= ::time(nullptr) - 5);
  }
  SECTION("wtmp with records") {
    std::string old = utmp_record({login, 9, "tty3", "3", "LOGIN", "", 1});
    unit::write_file(dir / "wtmp", old, 0664);
    const mode_t mode = unit::mode_of(dir / "wtmp") & 07777;
    REQUIRE(logout("tty2", dir / "utmp", (dir / "wtmp").c_str()).code == 0);
    auto bytes = unit::read_file(dir / "wtmp");
    REQUIRE(bytes.size() == 2 * test::pid1::utmp_size());
    CHECK(bytes.substr(0, old.size()) == old);
    CHECK(utmp_records(bytes)[1].line == "tty2");
    CHECK((unit::mode_of(dir / "wtmp") & 07777) == mode);  // left alone
  }
}

TEST_CASE("utmpset: an unreadable utmp or wtmp is fatal (111) with runit's wording", "[utmpset]") {
  unit::temp_dir dir;
  auto r = logout("tty1", dir / "utmp", nullptr);
  CHECK(r.code == 111);
  CHECK(r.err == "utmpset: fatal: unable to open " + (dir / "utmp") + ": file does not exist\n");
  unit::write_file(dir / "utmp", sample());
  r = logout("tty2", dir / "utmp", (dir / "no/wtmp").c_str());
  CHECK(r.code == 111);
  CHECK(r.err == "utmpset: fatal: unable to open " + (dir / "no/wtmp") + ": file does not exist\n");
}

namespace {

// utmpset::main in this process, for the arguments that never reach utmp.
outcome utmpset_main(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  unit::stderr_capture cap;
  int code = utmpset::main(static_cast<int>(args.size()), argv.data());
  return {code, cap.stop()};
}

}  // namespace

TEST_CASE("utmpset options: runit's parser, any word starting with -- ends them", "[utmpset]") {
  const std::string usage = "usage: utmpset [-w] line\n\n";
  struct row {
    std::vector<std::string> argv;
    std::string err;
  };
  // Each compared with Debian's /sbin/utmpset: all exit 1.
  const std::vector<row> rows = {
      {{"utmpset"}, usage},
      {{"utmpset", "-w"}, usage},
      {{"utmpset", "--"}, usage},
      {{"utmpset", "--x"}, usage},
      {{"utmpset", "-w", "--w"}, usage},
      {{"utmpset", "-x", "tty1"}, "utmpset: illegal option -- x\n" + usage},
      {{"utmpset", "-wq", "tty1"}, "utmpset: illegal option -- q\n" + usage},
      // The option lines name argv[0]'s basename, the usage line argv[0].
      {{"/tmp/xyz", "-x", "tty1"}, "xyz: illegal option -- x\nusage: /tmp/xyz [-w] line\n\n"},
  };
  for (const auto& r : rows) {
    std::string joined;
    for (const auto& a : r.argv) joined += a + " ";
    INFO("argv: " << joined);
    auto o = utmpset_main(r.argv);
    CHECK(o.code == 1);
    CHECK(o.err == r.err);
  }
  auto v = utmpset_main({"utmpset", "-V", "tty1"});
  CHECK(v.code == 1);
  CHECK(v.err.rfind("$Id: ", 0) == 0);
  REQUIRE(v.err.size() > usage.size());
  CHECK(v.err.substr(v.err.size() - usage.size()) == usage);
}

TEST_CASE("runit refuses to run unless it is process 1 (111)", "[runit]") {
  unit::stderr_capture cap;
  char name[] = "runit";
  char* argv[] = {name, nullptr};
  int code = runit::main(1, argv);
  CHECK(cap.stop() == "- runit: fatal: must be run as process no 1.\n");
  CHECK(code == 111);
}

TEST_CASE("runit-init prints its usage and exits 0 for anything but 0 and 6", "[runit-init]") {
  auto arg = GENERATE(as<std::string>{}, "", "1", "x", "-", "-x", "9", "-6");
  unit::stderr_capture cap;
  char name[] = "runit-init";
  std::string a = arg;
  char* argv[] = {name, a.data(), nullptr};
  int code = runit::init_main(2, argv);
  CHECK(cap.stop() == "usage: runit-init 0|6\n\n");
  CHECK(code == 0);
}

TEST_CASE("runit-init -V prints the version line, an empty line, then the usage", "[runit-init]") {
  unit::stderr_capture cap;
  char name[] = "runit-init";
  char v[] = "-V";
  char* argv[] = {name, v, nullptr};
  CHECK(runit::init_main(2, argv) == 0);
  auto err = test::pid1::mask_id(cap.stop());
  CHECK(err == "$Id: HASH $\n\nusage: runit-init 0|6\n\n");
}

TEST_CASE("a container's exit code: the exit code, or 128 + the signal", "[runit][container]") {
  CHECK(supervise::exit_code_of(0) == 0);
  CHECK(supervise::exit_code_of(7 << 8) == 7);
  CHECK(supervise::exit_code_of(255 << 8) == 255);
  CHECK(supervise::exit_code_of(SIGKILL) == 137);
  CHECK(supervise::exit_code_of(SIGTERM | 0x80) == 143);  // with a core dump
}

TEST_CASE("a process in the initial PID namespace is not in a container", "[runit][container]") {
  // The test runs in the host's namespace (CI) or in a container; either
  // way it is not PID 1, so it is never a container's init.
  CHECK_FALSE(supervise::in_container());
}

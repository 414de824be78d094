// runit, runit-init and utmpset next to Debian's (/sbin/runit,
// /lib/runit/runit-init, /usr/sbin/utmpset) where the paths do not matter:
// the same messages and exit codes, the same flag files, the same utmp bytes.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "pid1_support.hpp"

using namespace test;
using namespace test::pid1;

namespace {

constexpr const char* debian_runit = "/sbin/runit";
constexpr const char* debian_runit_init = "/lib/runit/runit-init";
constexpr const char* debian_utmpset = "/usr/sbin/utmpset";

// Debian's binary is installed where these tests run (CI installs runit).
void require_reference(const char* path) {
  INFO("Debian's " << path << " must be installed");
  REQUIRE(::access(path, X_OK) == 0);
}

// stderr with the program path shown as ARGV0 and the version hash masked,
// then stdout and the exit code.
std::string describe(const run_result& r, const std::string& argv0) {
  std::string err = mask_id(r.err);
  for (std::size_t at; (at = err.find(argv0)) != std::string::npos;) err.replace(at, argv0.size(), "ARGV0");
  return "stderr: " + err + "|stdout: " + r.out + "|" + r.status.describe();
}

std::string both(const std::string& ours, const std::string& debian, const std::vector<std::string>& args) {
  std::vector<std::string> a{ours}, b{debian};
  a.insert(a.end(), args.begin(), args.end());
  b.insert(b.end(), args.begin(), args.end());
  spawn_options opts;
  opts.env = {"ASAN_OPTIONS=detect_leaks=0"};
  auto ra = run(a, opts), rb = run(b, opts);
  std::string da = describe(ra, ours), db = describe(rb, debian);
  INFO("ours:   " << da << "\ndebian: " << db);
  CHECK(da == db);
  return da;
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : static_cast<mode_t>(-1);
}

}  // namespace

TEST_CASE("runit refuses to run unless it is process 1, as Debian's", "[runit][interop]") {
  require_reference(debian_runit);
  auto d = both(RUNIT_BIN, debian_runit, {});
  CHECK(d == "stderr: - runit: fatal: must be run as process no 1.\n|stdout: |exit 111");
  both(RUNIT_BIN, debian_runit, {"-V"});
}

TEST_CASE("runit-init usage and -V, as Debian's (exit 0)", "[runit-init][interop]") {
  require_reference(debian_runit_init);
  auto args = GENERATE(as<std::vector<std::string>>{}, std::vector<std::string>{}, std::vector<std::string>{""},
                       std::vector<std::string>{"1"}, std::vector<std::string>{"x0"},
                       std::vector<std::string>{"-"}, std::vector<std::string>{"-V"},
                       std::vector<std::string>{"-Vx", "0"}, std::vector<std::string>{"--", "0"});
  auto d = both(RUNIT_INIT_BIN, debian_runit_init, args);
  CHECK(d.find("usage: ARGV0 0|6\n\n") != std::string::npos);
  CHECK(d.find("exit 0") != std::string::npos);
}

TEST_CASE("runit-init 0 and 6 leave the same flag files as Debian's (in their own paths)", "[runit-init][interop]") {
  require_reference(debian_runit_init);
  const std::string what = GENERATE("0", "6", "0abc");
  container c;
  // The reboot flags exist beforehand, executable: 0 must clear them.
  write_file(c.etc() + "/reboot", "x", 0755);
  write_file(c.run() + "/runit.reboot", "x", 0755);
  write_file(c.etc() + "/stopit", "old", 0644);
  write_file(c.run() + "/runit.stopit", "old", 0644);
  // PID 1 is a shell without a CONT handler: the kill(1, SIGCONT) is harmless.
  c.start({"/bin/sh", "-c",
           std::string(RUNIT_INIT_BIN) + " " + what + " 2>" + c.mark("ours.err") + "; echo $? >" +
               c.mark("ours.rc") + "; " + debian_runit_init + " " + what + " 2>" + c.mark("debian.err") +
               "; echo $? >" + c.mark("debian.rc")});
  auto st = c.wait_exit();
  REQUIRE(st);
  CHECK(read_file(c.mark("ours.rc")) == "0\n");
  CHECK(read_file(c.mark("debian.rc")) == "0\n");
  CHECK(read_file(c.mark("ours.err")) == "");
  CHECK(read_file(c.mark("debian.err")) == "");
  CHECK(mode_of(c.etc() + "/stopit") == 0100);
  CHECK(mode_of(c.run() + "/runit.stopit") == 0100);
  CHECK(read_file(c.etc() + "/stopit") == "");
  CHECK(read_file(c.run() + "/runit.stopit") == "");
  const mode_t reboot = what == "6" ? 0100 : 0;
  CHECK(mode_of(c.etc() + "/reboot") == reboot);
  CHECK(mode_of(c.run() + "/runit.reboot") == reboot);
  CHECK(read_file(c.etc() + "/reboot") == read_file(c.run() + "/runit.reboot"));
}

TEST_CASE("runit-init that cannot create its stop flag: the same message as Debian's, 111", "[runit-init][interop]") {
  require_reference(debian_runit_init);
  container c;
  c.start({"/bin/sh", "-c",
           "mount -o remount,bind,ro /etc/runit && mount -o remount,bind,ro /run && " +
               std::string(RUNIT_INIT_BIN) + " 0 2>" + c.mark("ours.err") + "; echo $? >" + c.mark("ours.rc") +
               "; " + debian_runit_init + " 0 2>" + c.mark("debian.err") + "; echo $? >" + c.mark("debian.rc")});
  REQUIRE(c.wait_exit());
  INFO(c.output());
  CHECK(read_file(c.mark("ours.rc")) == "111\n");
  CHECK(read_file(c.mark("debian.rc")) == "111\n");
  CHECK(read_file(c.mark("ours.err")) == "init: fatal: unable to create /etc/runit/stopit: read-only file system\n");
  // Debian's runit-init names the wrong reason here ("file descriptor not
  // open": its errno is overwritten before it is printed); the rest agrees.
  CHECK(read_file(c.mark("debian.err")).value_or("").rfind("init: fatal: unable to create /run/runit.stopit: ", 0) == 0);
}

TEST_CASE("runit-init as PID 1 without a runnable /sbin/runit: the same message as Debian's, 111",
          "[runit-init][interop][pid1]") {
  require_reference(debian_runit_init);
  std::string out[2];
  int i = 0;
  for (const char* bin : {RUNIT_INIT_BIN, debian_runit_init}) {
    container c;
    c.bind("/dev/null", "/sbin/runit");
    c.start({bin});
    auto st = c.wait_exit();
    REQUIRE(st);
    out[i++] = c.output() + st->describe();
  }
  CHECK(out[0] == "init: fatal: unable to start runit: access denied\nexit 111");
  CHECK(out[0] == out[1]);
}

TEST_CASE("utmpset usage, -V and illegal options, as Debian's (exit 1)", "[utmpset][interop]") {
  require_reference(debian_utmpset);
  auto args = GENERATE(as<std::vector<std::string>>{}, std::vector<std::string>{},
                       std::vector<std::string>{"-w"}, std::vector<std::string>{"-V"},
                       std::vector<std::string>{"-wV", "tty1"}, std::vector<std::string>{"-x", "tty1"},
                       std::vector<std::string>{"-wq", "tty1"}, std::vector<std::string>{"--"});
  auto d = both(UTMPSET_BIN, debian_utmpset, args);
  CHECK(d.find("usage: ARGV0 [-w] line\n\n") != std::string::npos);
  CHECK(d.find("exit 1") != std::string::npos);
}

namespace {

// One utmpset run on a fresh copy of `utmp` (and `wtmp`, unless nullopt),
// with /run and /var/log replaced by temporary directories.
struct utmp_run {
  run_result result;
  std::optional<std::string> utmp, wtmp;
  mode_t wtmp_mode = 0;
};

utmp_run run_utmpset(const std::string& binary, const std::vector<std::string>& args,
                     const std::optional<std::string>& utmp, const std::optional<std::string>& wtmp) {
  temp_dir dir("utmpset-test");
  make_dir(dir / "run");
  make_dir(dir / "log");
  if (utmp) write_file(dir / "run/utmp", *utmp, 0664);
  if (wtmp) write_file(dir / "log/wtmp", *wtmp, 0664);
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  utmp_run r;
  r.result = run_with_binds({{dir / "run", "/var/run"}, {dir / "log", "/var/log"}}, argv);
  r.utmp = read_file(dir / "run/utmp");
  r.wtmp = read_file(dir / "log/wtmp");
  struct stat st;
  if (::stat((dir / "log/wtmp").c_str(), &st) == 0) r.wtmp_mode = st.st_mode & 07777;
  return r;
}

std::string sample_utmp() {
  return utmp_record({1, 0, "~", "~~", "runlevel", "", 1}) +
         utmp_record({6, 100, "tty1", "1", "LOGIN", "", 2}) +
         utmp_record({7, 101, "tty2", "2", "alice", "example.org", 3}) +
         utmp_record({7, 102, "tty5", "5", "bob", "a.example", 4}) +
         utmp_record({7, 103, "tty5", "5", "carol", "b.example", 5}) +
         utmp_record({8, 104, "tty6", "6", "", "", 6}) +
         utmp_record({7, 105, std::string(32, 'L'), "7", "dave", "", 7});
}

}  // namespace

TEST_CASE("utmpset on utmp and wtmp files: the same bytes (times aside), messages and exit codes as Debian's",
          "[utmpset][interop]") {
  require_reference(debian_utmpset);
  using args_t = std::vector<std::string>;
  auto [args, wtmp] = GENERATE(table<args_t, std::optional<std::string>>({
      {args_t{"tty5"}, std::nullopt},
      {args_t{"-w", "tty5"}, std::nullopt},
      {args_t{"-w", "tty2"}, utmp_record({8, 1, "tty3", "", "", "", 1})},
      {args_t{"tty9"}, std::nullopt},
      {args_t{"-w", "tty"}, std::nullopt},
      {args_t{"tty6"}, std::nullopt},
      // A line filling ut_line: no match for Debian (#15), see the unit tests.
  }));
  auto ours = run_utmpset(UTMPSET_BIN, args, sample_utmp(), wtmp);
  auto debian = run_utmpset(debian_utmpset, args, sample_utmp(), wtmp);
  INFO("ours: " << describe(ours.result, UTMPSET_BIN) << "\ndebian: " << describe(debian.result, debian_utmpset));
  CHECK(describe(ours.result, UTMPSET_BIN) == describe(debian.result, debian_utmpset));
  REQUIRE(ours.utmp);
  REQUIRE(debian.utmp);
  CHECK(mask_utmp_times(*ours.utmp) == mask_utmp_times(*debian.utmp));
  CHECK(ours.wtmp.has_value() == debian.wtmp.has_value());
  if (ours.wtmp && debian.wtmp) {
    CHECK(mask_utmp_times(*ours.wtmp) == mask_utmp_times(*debian.wtmp));
    CHECK(ours.wtmp_mode == debian.wtmp_mode);
  }
  if (ours.result.status.exit_code() == 0) {
    // And what changed is what runit documents: the first live match only.
    auto before = utmp_records(sample_utmp());
    auto after = utmp_records(*ours.utmp);
    REQUIRE(after.size() == before.size());
    int changed = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
      if (after[i].user == before[i].user) continue;
      ++changed;
      CHECK(after[i].line == args.back());
      CHECK(after[i].user == "");
      CHECK(after[i].host == "");
      CHECK(after[i].type == 8);  // DEAD_PROCESS
      CHECK(after[i].pid == before[i].pid);
      CHECK(after[i].id == before[i].id);
      CHECK(after[i].seconds > 1000000000);
    }
    CHECK(changed == 1);
  }
}

TEST_CASE("utmpset without a utmp file: the same fatal message as Debian's, 111", "[utmpset][interop]") {
  require_reference(debian_utmpset);
  auto ours = run_utmpset(UTMPSET_BIN, {"tty1"}, std::nullopt, std::nullopt);
  auto debian = run_utmpset(debian_utmpset, {"tty1"}, std::nullopt, std::nullopt);
  CHECK(describe(ours.result, UTMPSET_BIN) ==
        "stderr: utmpset: fatal: unable to open /var/run/utmp: file does not exist\n|stdout: |exit 111");
  CHECK(describe(ours.result, UTMPSET_BIN) == describe(debian.result, debian_utmpset));
}

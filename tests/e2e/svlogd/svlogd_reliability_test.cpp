// No line lost or duplicated: rotation, HUP and ALRM storms while input
// flows, a processor that fails every other run, svlogd SIGKILLed and
// restarted under runsv, and a full disk (spec/svlogd.md §7-§9, §8.2, §11).

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.hpp"
#include "process.hpp"
#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

TEST_CASE("svlogd: 1000 rotations under HUP and ALRM storms lose and duplicate nothing",
          "[svlogd][reliability]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  // ~12 bytes a line, 24000 lines: about 1000 size rotations; n0 keeps all.
  write_file(root / "log/config", "s250\nn0\n");
  svlogd_process p(ours(), {"-l", "20", "-b", "64", "log"}, root.path(), root / "err");
  // Its handlers are set once current exists; a signal before would kill it.
  wait_until([&] { return exists(root / "log/current"); }, "svlogd to open log");
  constexpr std::size_t total = 24000, chunk = 500;
  for (std::size_t first = 1; first <= total; first += chunk) {
    p.write(numbered_lines(first, chunk));
    p.signal((first / chunk) % 2 ? SIGHUP : SIGALRM);
    p.signal(SIGALRM);
  }
  p.close_input();
  auto st = p.wait_exit(30s);
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(p.err().empty());
  CHECK(rotated(root / "log").size() >= 1000);
  CHECK(check_numbered(concatenated_log(root / "log"), 1, total) == "");
}

TEST_CASE("svlogd: a processor failing every other run loses nothing", "[svlogd][reliability][processor]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  // Odd runs (counted in ../runs) fail after writing garbage to stdout.
  write_file(root / "log/config",
             "s200\nn0\n!n=$(cat ../runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > ../runs; "
             "if [ $((n % 2)) -eq 1 ]; then echo garbage; exit 1; fi; cat\n");
  svlogd_process p(ours(), {"-l", "20", "-b", "64", "log"}, root.path(), root / "err");
  wait_until([&] { return exists(root / "log/current"); }, "svlogd to open log");
  constexpr std::size_t total = 2000, chunk = 100;
  for (std::size_t first = 1; first <= total; first += chunk) {
    p.write(numbered_lines(first, chunk));
    p.signal(SIGALRM);
  }
  p.close_input();
  auto st = p.wait_exit(60s);
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  auto names = rotated(root / "log");
  for (const auto& n : names) CHECK(n.back() == 's');
  std::size_t runs = std::stoul(read_file(root / "runs").value_or("0"));
  CHECK(runs == 2 * names.size());
  CHECK(count(p.err(), "svlogd: warning: processor failed, restart: log\n") == names.size());
  CHECK(check_numbered(concatenated_log(root / "log"), 1, total) == "");
}

TEST_CASE("svlogd: SIGKILLed and restarted under runsv, it loses and duplicates nothing",
          "[svlogd][reliability][runsv]") {
  service_fixture f;
  constexpr int total = 6000;
  // The writer paces itself in bursts so that svlogd is often idle.
  write_script(f.at("run"),
               "i=1\nwhile [ $i -le " + std::to_string(total) +
                   " ]; do echo \"line $i\"; i=$((i+1)); "
                   "if [ $((i % 20)) -eq 0 ]; then sleep 0.01; fi; done\nexec sleep 1000\n");
  make_dir(f.at("log"));
  make_dir(f.at("log/main"));
  write_file(f.at("log/main/config"), "s2000\nn0\n");
  write_script(f.at("log/run"), "exec " + ours() + " main\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto logged = [&] { return concatenated_log(f.at("log/main")); };
  int kills = 0;
  std::uint32_t last = 0;
  while (kills < 5) {
    auto log = wait_running_other_than(f.at("log"), last, 10s);
    // Kill only while it waits for input: a SIGKILL between a read and its
    // write would lose that read, in runit as here.
    if (!poll_until([&] {
          auto sc = read_file("/proc/" + std::to_string(log.pid) + "/syscall").value_or("");
          return sc.rfind("232 ", 0) == 0 || sc.rfind("7 ", 0) == 0 || sc.rfind("281 ", 0) == 0;
        }, 5s))
      FAIL("svlogd never waited for input");
    ::kill(static_cast<pid_t>(log.pid), SIGKILL);
    last = log.pid;
    ++kills;
  }
  wait_until([&] { return logged().find("line " + std::to_string(total) + "\n") != std::string::npos; },
             "every line", 30s, [&] { return describe(snapshot(f.at("log/main"))); });
  CHECK(check_numbered(logged(), 1, total) == "");
  // The killed svlogd left an unclean current, renamed to .u by the next one.
  std::size_t u = 0;
  for (const auto& n : rotated(f.at("log/main"))) u += n.back() == 'u';
  CHECK(u >= 1);
}

TEST_CASE("svlogd: a full disk pauses svlogd, after space is freed every line is logged",
          "[svlogd][reliability][diskfull]") {
  test::require_root("a mount namespace with a small tmpfs");
  temp_dir root("svlogd-test");
  make_dir(root / "mnt");
  // A private tmpfs of 64 KiB: the log directory and a filler fill it.
  write_file(root / "start.sh",
             "mount -t tmpfs -o size=64k tmpfs \"$1\" || exit 99\n"
             "mkdir \"$1/d\" && cd \"$1\" || exit 98\n"
             "printf 'n10\\nN10\\n' > d/config\n"
             "dd if=/dev/zero of=filler bs=4096 count=16 2>/dev/null\n"
             "exec \"$2\" d\n");
  svlogd_process p("/usr/bin/unshare", {"--mount", "--propagation", "private", "/bin/sh", root / "start.sh",
                                        root / "mnt", ours()},
                   root.path(), root / "err");
  p.write(numbered_lines(1, 2000));
  wait_until([&] { return count(p.err(), "svlogd: pausing: unable to write to current: d: out of disk space\n") >= 1; },
             "the pause message", 10s, [&] { return p.err(); });
  CHECK(p.running());
  // Through svlogd's own view of the mount namespace.
  std::string inside = "/proc/" + std::to_string(p.pid()) + "/root" + root.path() + "/mnt";
  REQUIRE(::unlink((inside + "/filler").c_str()) == 0);
  p.write(numbered_lines(2001, 1000));
  wait_until([&] { return read_file(inside + "/d/current").value_or("").find("line 3000\n") != std::string::npos; },
             "every line after the pause", 15s);
  CHECK(check_numbered(read_file(inside + "/d/current").value_or(""), 1, 3000) == "");
  p.close_input();
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  std::string err = p.err();
  const std::string pause = "svlogd: pausing: unable to write to current: d: out of disk space\n";
  CHECK(count(err, pause) * pause.size() == err.size());
}

TEST_CASE("svlogd: a full disk with N < n deletes the oldest logs (§16.10)", "[svlogd][reliability][diskfull]") {
  test::require_root("a mount namespace with a small tmpfs");
  temp_dir root("svlogd-test");
  make_dir(root / "mnt");
  write_file(root / "start.sh",
             "mount -t tmpfs -o size=40k tmpfs \"$1\" || exit 99\n"
             "mkdir \"$1/d\" && cd \"$1\" || exit 98\n"
             "printf 's5000\\nn10\\nN2\\n' > d/config\n"
             "exec \"$2\" d\n");
  svlogd_process p("/usr/bin/unshare", {"--mount", "--propagation", "private", "/bin/sh", root / "start.sh",
                                        root / "mnt", ours()},
                   root.path(), root / "err");
  // ~60 KB of lines: more than fits, so old logs must go.
  p.write(numbered_lines(1, 5000));
  p.close_input();
  auto st = p.wait_exit(20s);
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  std::string err = p.err();
  INFO(err);
  CHECK(count(err, "svlogd: warning: out of disk space, delete: d/@") >= 1);
  CHECK(count(err, "pausing") == 0);
}

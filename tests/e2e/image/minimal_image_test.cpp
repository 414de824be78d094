// A minimal container image booted with our static runit as PID 1: a root
// holding only busybox-static and our static binaries, with /etc/runit and
// /etc/service from examples/image/. Checked from inside (probes entering the
// image's namespaces and root): every service in its state, `sv status` and
// `sv check` (./check gates readiness), the services' user, the ticker's log
// written and rotated by svlogd; then a TERM to PID 1 stops everything in
// order and the container ends with the exit code the ticker's finish left
// in /run/runit.exitcode. The hardened run does the same on a read-only root
// with the supervise directories in a /run tmpfs.

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <regex>
#include <sys/stat.h>

#include "image_support.hpp"
#include "runsvdir_support.hpp"

using namespace test;
using namespace test::minimal;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& re) {
  return std::regex_search(text, std::regex(re, std::regex::multiline));
}

std::string listing(const std::string& dir) {
  std::string out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    struct stat st{};
    ::lstat(e.path().c_str(), &st);
    out += e.path().filename().string() + " " + std::to_string(st.st_size) + "\n";
  }
  return out;
}

// The rotated logs (@TAI64N.s) of a log directory, oldest first.
std::vector<std::string> rotated(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() == 27 && n[0] == '@' && n.substr(25) == ".s") names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string content(const std::string& path) { return read_file(path).value_or(""); }

// Waits until the probe's output matches every pattern (and it exits 0).
std::string wait_probe(image& img, const std::string& script, const std::vector<std::string>& patterns,
                       const std::string& what) {
  std::string last;
  wait_until(
      [&] {
        auto r = img.probe(script);
        last = r.out + r.err;
        if (r.status.exit_code() != 0) return false;
        return std::all_of(patterns.begin(), patterns.end(), [&](const auto& p) { return has(last, p); });
      },
      what, long_timeout, [&] { return "last probe:\n" + last + "\nconsole:\n" + img.console(); });
  return last;
}

// The ticker's log after the stop: svlogd (as nobody) drained everything
// and closed current cleanly (mode 0744); rotated files (exactly three once
// pruning was seen) of at most 2048 bytes; every line stamped; the ticks
// consecutive up to the ticker's last words.
void check_log_after_stop(const std::string& logdir, bool pruned) {
  {
    INFO(listing(logdir));
    auto names = rotated(logdir);
    if (pruned) CHECK(names.size() == 3);
    else CHECK(names.size() <= 3);
    std::vector<std::string> files;
    for (const auto& n : names) files.push_back(logdir + "/" + n);
    files.push_back(logdir + "/current");
    struct stat cur{};
    REQUIRE(::stat((logdir + "/current").c_str(), &cur) == 0);
    CHECK((cur.st_mode & 07777) == 0744);
    std::vector<std::string> lines;
    for (const auto& f : files) {
      struct stat s{};
      REQUIRE(::stat(f.c_str(), &s) == 0);
      CHECK(s.st_uid == 65534u);
      if (f != logdir + "/current") CHECK(s.st_size <= 2048);
      auto text = content(f);
      CHECK((text.empty() || text.back() == '\n'));
      for (auto& l : lines_of(text)) lines.push_back(l);
    }
    REQUIRE(lines.size() > (pruned ? 20u : 2u));
    static const std::regex stamped(R"(^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d{5} (.*)$)");
    static const std::regex tick(R"(^tick (\d+) \.+$)");
    long previous = -1;
    std::size_t bad_lines = 0, gaps = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::smatch m;
      if (!std::regex_match(lines[i], m, stamped)) {
        ++bad_lines;
        UNSCOPED_INFO("not stamped: " << lines[i]);
        continue;
      }
      const std::string body = m[1];
      if (i + 1 == lines.size()) {
        CHECK(body == "ticker: got TERM, exiting 7");
        continue;
      }
      if (i == 0 && body == "ticker: started as uid 65534") continue;  // not pruned yet
      std::smatch t;
      if (!std::regex_match(body, t, tick)) {
        ++bad_lines;
        UNSCOPED_INFO("not a tick: " << body);
        continue;
      }
      long n = std::stol(t[1]);
      if (previous != -1 && n != previous + 1) ++gaps;
      previous = n;
    }
    CHECK(bad_lines == 0);
    CHECK(gaps == 0);
  }
}

void boot_and_check(bool hardened) {
  image img(hardened);

  // Nothing dynamic in the image: no loader, no libc, every ELF static.
  {
    auto found = dynamic_leftovers(img.root());
    std::string all;
    for (const auto& f : found) all += f + "\n";
    INFO(all);
    CHECK(found.empty());
    auto runit = elf_of(img.root() + "/sbin/runit");
    REQUIRE(runit);
    CHECK((runit->elf64 && !runit->interp && !runit->dynamic));
  }

  const auto booted = std::chrono::steady_clock::now();
  img.start();
  img.wait_console("- runit: enter stage: /etc/runit/2");

  // Every service in its state: ticker and slowstart up, oneshot ran once
  // and stays down.
  const std::string status = wait_probe(
      img, "sv status /etc/service/*",
      {R"(^run: /etc/service/ticker: \(pid \d+\) \d+s; run: log: \(pid \d+\) \d+s$)",
       R"(^run: /etc/service/slowstart: \(pid \d+\) \d+s$)", R"(^down: /etc/service/oneshot: \d+s, normally up$)"},
      "every service in its state");
  INFO("sv status:\n" << status);

  // sv check waits for ./check: slowstart is ready only once its marker
  // exists, which its run script creates a second after it starts.
  {
    auto r = img.probe("sv -w 15 check ticker slowstart; echo rc=$?; test -e /tmp/slowstart.ready && echo ready");
    INFO(r.out << r.err);
    // As runit's sv, the "ok: " line shows the main service only.
    CHECK(has(r.out, R"(^ok: run: ticker: \(pid \d+\) \d+s$)"));
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, std::regex(R"(ok: run: slowstart: \(pid \d+\) (\d+)s)")));
    CHECK(std::stoi(m[1]) >= 1);
    CHECK(has(r.out, "^rc=0$"));
    CHECK(has(r.out, "^ready$"));
  }
  // ... and fails while ./check fails, passes again once it passes.
  {
    auto r = img.probe(
        "rm /tmp/slowstart.ready; sv -w 1 check slowstart; echo rc=$?\n"
        ": > /tmp/slowstart.ready; sv -w 5 check slowstart; echo rc=$?\n");
    INFO(r.out << r.err);
    CHECK(has(r.out, R"(^timeout: run: slowstart: \(pid \d+\) \d+s\nrc=1\nok: run: slowstart: \(pid \d+\) \d+s\nrc=0$)"));
  }

  // The task ran exactly once, as nobody; the services run as nobody;
  // runit is PID 1 inside.
  {
    auto r = img.probe(
        "sv status oneshot; cat /tmp/oneshot.out\n"
        "for s in ticker ticker/log slowstart; do echo \"$s $(grep ^Uid: /proc/$(cat /etc/service/$s/supervise/pid)/status)\"; done\n"
        "echo \"pid1 $(cat /proc/1/comm)\"\n");
    INFO(r.out << r.err);
    CHECK(has(r.out, R"(^down: oneshot: \d+s, normally up\noneshot: ran as uid 65534\n)"));
    for (const char* s : {"ticker", "ticker/log", "slowstart"})
      CHECK(has(r.out, std::string("^") + s + R"( Uid:\s+65534\s+65534\s+65534\s+65534$)"));
    CHECK(has(r.out, "^pid1 runit$"));
  }

  // Seen from outside: runit, runsvdir, three runsv, one svlogd.
  {
    auto procs = img.processes();
    auto count = [&](const char* comm) {
      return std::count_if(procs.begin(), procs.end(), [&](const ns_proc& p) { return p.comm == comm; });
    };
    std::string all;
    for (const auto& p : procs) all += std::to_string(p.pid) + " " + std::to_string(p.ppid) + " " + p.comm + "\n";
    INFO(all);
    REQUIRE(!procs.empty());
    CHECK(procs.front().comm == "runit");
    CHECK(count("runsvdir") == 1);
    CHECK(count("runsv") == 3);
    CHECK(count("svlogd") == 1);
  }

  // Where the supervise directories are.
  if (hardened) {
    auto r = img.probe(
        "touch /etc/probe; echo rc=$?\n"
        "for s in ticker ticker/log slowstart; do readlink /etc/service/$s/supervise; done\n"
        "ls /run/sv | tr '\\n' ' '; echo\n"
        "test -p /run/sv/ticker/control && test -p /run/sv/ticker.log/control && echo fifos\n");
    INFO(r.out << r.err);
    CHECK(has(r.err, "Read-only file system"));
    CHECK(has(r.out, "^rc=1$"));
    CHECK(has(r.out, "^/run/sv/ticker\n/run/sv/ticker.log\n/run/sv/slowstart$"));
    CHECK(has(r.out, "^oneshot slowstart ticker ticker.log $"));
    CHECK(has(r.out, "^fifos$"));
  } else {
    auto r = img.probe(
        "for s in ticker ticker/log oneshot slowstart; do test -d /etc/service/$s/supervise -a ! -L "
        "/etc/service/$s/supervise && echo \"$s dir\"; done\n");
    INFO(r.out << r.err);
    CHECK(r.out == "ticker dir\nticker/log dir\noneshot dir\nslowstart dir\n");
  }

  // The ticker's log is written and rotated (s2048, n3): three rotated files
  // remain and the oldest ones, with the ticker's first line, are gone.
  const std::string logdir = img.logs() + "/ticker";
  wait_until(
      [&] {
        img.console();
        auto names = rotated(logdir);
        if (names.size() != 3) return false;
        for (const auto& n : names)
          if (content(logdir + "/" + n).find("ticker: started") != std::string::npos) return false;
        return true;
      },
      "three rotated logs, the first ones pruned", long_timeout, [&] { return listing(logdir); });

  // The task is still down: it ran once only.
  {
    auto r = img.probe("sv status oneshot; wc -l < /tmp/oneshot.out");
    INFO(r.out << r.err);
    CHECK(has(r.out, R"(^down: oneshot: \d+s, normally up\n\s*1$)"));
  }

  // TERM to PID 1, as `docker stop` does: stage 2 and every runsv get TERM,
  // the ticker exits 7 and its finish records that, stage 3 runs, and runit
  // exits with the recorded code once everything is gone.
  const auto procs = img.processes();
  const auto stop = std::chrono::steady_clock::now();
  img.signal(SIGTERM);
  auto st = img.wait_exit(long_timeout);
  const auto took = std::chrono::steady_clock::now() - stop;
  const std::string console = img.console();
  INFO("console:\n" << console << "\noutput:\n" << img.output());
  REQUIRE(st);
  CHECK(st->describe() == "exit 7");
  CHECK(took < std::chrono::seconds(8));  // no process waited for its KILL
  for (const auto& p : procs) CHECK(!alive(p.pid));
  for (const char* line : {"- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3",
                           "- runit: leave stage: /etc/runit/3"})
    CHECK(console.find(line) != std::string::npos);
  for (const char* bad : {"sending KILL", "not terminated", "warning: child", "fatal"})
    CHECK(console.find(bad) == std::string::npos);
  INFO("run time: " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - booted).count()
                    << " ms");

  check_log_after_stop(logdir, true);
}

}  // namespace

TEST_CASE("minimal image: busybox and our static binaries boot with runit as PID 1, serve, log, rotate and stop "
          "on TERM with the exit code a finish script left",
          "[image][pid1]") {
  boot_and_check(false);
}

TEST_CASE("minimal image, hardened: read-only root, supervise directories in a /run tmpfs, services as nobody",
          "[image][pid1][hardened]") {
  boot_and_check(true);
}

#endif

#ifdef STATIC_BINDIR
TEST_CASE("minimal image: runsvdir -P /etc/service as PID 1 starts every service and stops them in order on TERM",
          "[image][pid1][runsvdir]") {
  image img(false);
  img.start({"/usr/bin/runsvdir", "-P", "/etc/service"});
  const std::string status = wait_probe(
      img, "sv status /etc/service/*",
      {R"(^run: /etc/service/ticker: \(pid \d+\) \d+s; run: log: \(pid \d+\) \d+s$)",
       R"(^run: /etc/service/slowstart: \(pid \d+\) \d+s$)", R"(^down: /etc/service/oneshot: \d+s, normally up$)"},
      "every service in its state");
  INFO("sv status:\n" << status);
  {
    auto r = img.probe("sv -w 15 check ticker slowstart; echo rc=$?; echo \"pid1 $(cat /proc/1/comm)\"");
    INFO(r.out << r.err);
    CHECK(has(r.out, R"(^ok: run: slowstart: \(pid \d+\) [1-9]\d*s\nrc=0\npid1 runsvdir$)"));
  }
  const auto stop = std::chrono::steady_clock::now();
  img.signal(SIGTERM);
  auto st = img.wait_exit(long_timeout);
  const auto took = std::chrono::steady_clock::now() - stop;
  INFO("output:\n" << img.output());
  REQUIRE(st);
  CHECK(st->describe() == "exit 7");
  CHECK(took < std::chrono::seconds(8));
  check_log_after_stop(img.logs() + "/ticker", false);
}
#endif

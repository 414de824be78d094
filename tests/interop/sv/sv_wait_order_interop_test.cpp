// Our sv and Debian's on what runit's sv reads literally and on when it
// looks: a want byte that is neither 'u' nor 'd', -w 0, and the order of the
// lines when several services finish (spec/sv.md §6, §7).

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sv_interop.hpp"
#include "temp_dir.hpp"

using namespace svinterop;

namespace {

// A service directory with no runsv: supervise/ok and supervise/control are
// FIFOs that the test holds open for reading, so sv takes it for a running
// runsv, and supervise/status holds whatever bytes the test writes.
class fake_supervise {
 public:
  explicit fake_supervise(const std::string& svdir) : svdir_(svdir) {
    make_dir(svdir);
    make_dir(svdir + "/supervise");
    make_fifo(svdir + "/supervise/ok");
    make_fifo(svdir + "/supervise/control");
    ok_ = ::open((svdir + "/supervise/ok").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    control_ = ::open((svdir + "/supervise/control").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(ok_ >= 0);
    REQUIRE(control_ >= 0);
  }
  ~fake_supervise() {
    ::close(ok_);
    ::close(control_);
  }
  fake_supervise(const fake_supervise&) = delete;
  fake_supervise& operator=(const fake_supervise&) = delete;

  // The status record runsv would write 5 s ago, with these four flag bytes.
  void status(std::uint32_t pid, unsigned char want, unsigned char term, unsigned char state) {
    const std::uint64_t tai = (std::uint64_t{1} << 62) + 10 + static_cast<std::uint64_t>(::time(nullptr) - 5);
    std::string bytes;
    for (int shift = 56; shift >= 0; shift -= 8) bytes += static_cast<char>((tai >> shift) & 0xff);
    bytes += std::string(4, '\0');  // nanoseconds
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((pid >> (8 * i)) & 0xff);
    bytes += std::string{'\0', static_cast<char>(want), static_cast<char>(term), static_cast<char>(state)};
    write_file(svdir_ + "/supervise/status", bytes);
  }

  // What sv wrote to supervise/control since the last call.
  std::string sent() {
    std::string got;
    char buf[64];
    for (ssize_t n; (n = ::read(control_, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    return got;
  }

 private:
  std::string svdir_;
  int ok_ = -1;
  int control_ = -1;
};

std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// Counts sv's reads of svdir/supervise/status (their IN_CLOSE_NOWRITE;
// runsv only writes status.new and renames it).
class status_reads {
 public:
  explicit status_reads(const std::string& svdir) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd_ >= 0);
    REQUIRE(::inotify_add_watch(fd_, (svdir + "/supervise").c_str(), IN_CLOSE_NOWRITE) >= 0);
  }
  ~status_reads() { ::close(fd_); }
  status_reads(const status_reads&) = delete;
  status_reads& operator=(const status_reads&) = delete;

  // Waits until `n` reads were seen. Returns the last instant at which
  // fewer had been made: the n-th read happened after it.
  std::chrono::steady_clock::time_point wait_for(int n) {
    auto not_yet = std::chrono::steady_clock::now();
    wait_until(
        [&] {
          auto before = std::chrono::steady_clock::now();
          drain();
          if (count_ >= n) return true;
          not_yet = before;
          return false;
        },
        "sv's reads of supervise/status", 10s);
    return not_yet;
  }

 private:
  void drain() {
    alignas(inotify_event) char buf[4096];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;)
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        if (ev->len > 0 && std::string(ev->name) == "status") ++count_;
        p += sizeof(inotify_event) + ev->len;
      }
  }
  int fd_ = -1;
  int count_ = 0;
};

}  // namespace

TEST_CASE("sv interop: want, TERM and state bytes runit never writes are taken literally, never as another state",
          "[interop][sv]") {
  // (pid, want byte, TERM byte, state byte, arguments)
  struct row {
    std::uint32_t pid;
    unsigned char want, term, state;
    std::vector<std::string> args;
  };
  const std::vector<row> rows = {
      {123, 'x', 0, 1, {"status", "s"}},
      {123, 0, 0, 1, {"status", "s"}},
      {123, 'U', 1, 2, {"status", "s"}},
      {0, 'x', 0, 0, {"status", "s"}},
      {0, 'U', 0, 0, {"status", "s"}},
      {123, 'd', 0, 1, {"status", "s"}},
      {0, 'u', 0, 0, {"status", "s"}},
      // runit's sv leaves out a command whose first byte is the want byte.
      {123, 'x', 0, 1, {"exit", "s"}},
      {123, 'o', 0, 1, {"once", "s"}},
      {123, 't', 0, 1, {"term", "s"}},
      {123, 'p', 0, 1, {"pause", "s"}},
      {123, 'k', 1, 1, {"kill", "s"}},
      {123, 'x', 0, 1, {"down", "s"}},
      {123, 'x', 0, 1, {"up", "s"}},
      {0, 'U', 0, 0, {"up", "s"}},
      // The wait checks: neither want up nor want down.
      {123, 'x', 0, 1, {"-w", "0", "-v", "once", "s"}},
      {0, 'x', 0, 0, {"-w", "0", "-v", "term", "s"}},
      {123, 'x', 0, 1, {"-w", "0", "-v", "up", "s"}},
      // A TERM byte above 1 is "got TERM" when printed, but down is sent
      // again unless it is exactly 1.
      {123, 'd', 2, 1, {"status", "s"}},
      {123, 'd', 2, 1, {"down", "s"}},
      {123, 'd', 0xff, 1, {"down", "s"}},
      {123, 'd', 1, 1, {"down", "s"}},
      // A state byte above 2: no name, no colon before the label, the pid shown.
      {123, 'u', 0, 3, {"status", "s"}},
      {0, 'u', 1, 0xff, {"status", "s"}},
  };
  temp_dir root("sv-want-byte");
  fake_supervise fake(root / "s");
  for (const auto& r : rows) {
    std::string step;
    for (const auto& a : r.args) step += " " + a;
    INFO("pid " << r.pid << ", want byte " << int{r.want} << ", TERM byte " << int{r.term} << ", state byte "
                << int{r.state} << ": sv" << step);
    std::string transcript[2];
    const std::string svs[2] = {reference_bin("sv"), sv_under_test()};
    for (int i = 0; i < 2; ++i) {
      fake.status(r.pid, r.want, r.term, r.state);
      fake.sent();
      std::vector<std::string> argv{svs[i]};
      argv.insert(argv.end(), r.args.begin(), r.args.end());
      sv_spawn sp;
      sp.env = {"SVDIR=" + root.path()};
      transcript[i] = describe_sv(run_sv(argv, sp)) + "sent: " + printable(fake.sent()) + "\n";
    }
    CHECK(transcript[1] == transcript[0]);
  }
}

TEST_CASE("sv interop: -w 0 looks again one pass later, so a service that stops promptly is ok", "[interop][sv]") {
  scenario sc;
  sc.service("svc");
  sc.start("svc", running("svc"));
  sc.sv({"-w", "0", "-v", "down", "svc"}, down("svc"));
  step_options old;
  old.before = aged("svc");  // past runsv's one-second restart throttle
  sc.sv({"-w", "0", "-v", "up", "svc"}, running("svc"), old);
  sc.sv({"-w", "0", "force-stop", "svc"}, down("svc"));
  sc.compare();
}

namespace {

// One side for the order tests: an sv, a runsv per service a..e whose run
// ignores TERM (so a stop leaves it running until the test kills it).
struct order_side {
  std::string sv, runsv;
};

const std::vector<order_side> order_sides() {
  return {{reference_bin("sv"), reference_bin("runsv")},
          {sv_under_test(), reference_bin("runsv")},
          {sv_under_test(), runsv_under_test()}};
}

// Runs `sv ARGS a b c d e` on each side; once sv's first pass has looked at
// every service, kills the services of `kill` one by one in that order, each
// after the previous one is down. runit's sv prints the lines of one 420 ms
// pass in argument order, and its second pass starts at least 420 ms after
// the first one ended: when all of `kill` are down within that, the second
// pass sees them all, so the output does not depend on when sv looks. An
// attempt slower than that (a loaded machine) is made again.
void check_order(const std::vector<std::string>& args, const std::vector<std::string>& kill,
                 const std::string& expected) {
  const std::vector<std::string> names = {"a", "b", "c", "d", "e"};
  for (const auto& side : order_sides()) {
    INFO(side.sv << " with " << side.runsv);
    bool checked = false;
    for (int attempt = 0; attempt < 5 && !checked; ++attempt) {
      temp_dir root("sv-order");
      std::vector<std::unique_ptr<runsv_instance>> runsvs;
      for (const auto& n : names) {
        make_dir(root / n);
        write_script(root / (n + "/run"), "trap '' TERM\nexec sleep 1000\n");
        runsv_instance::options o;
        o.binary = side.runsv;
        runsvs.push_back(std::make_unique<runsv_instance>(root / n, o));
      }
      for (std::size_t i = 0; i < names.size(); ++i) {
        runsvs[i]->wait_ready();
        wait_state(root / names[i], "run\n", flags_hex(0, 'u', 0, 1), 10s);
      }
      status_reads reads(root / "e");
      std::vector<std::string> argv{side.sv};
      argv.insert(argv.end(), args.begin(), args.end());
      argv.insert(argv.end(), names.begin(), names.end());
      sv_spawn sp;
      sp.env = {"SVDIR=" + root.path()};
      sv_process proc(argv, sp);
      // e's status is read once to send, then once in the first pass, the
      // last service that pass looks at.
      const auto first_pass_ended = reads.wait_for(2);
      for (const auto& n : kill) {
        const std::string dir = root / n;
        wait_state(dir, "run, got TERM, want down\n", flags_hex(0, 'd', 1, 1), 10s);
        REQUIRE(::kill(static_cast<pid_t>(status_pid(dir)), SIGKILL) == 0);
        wait_state(dir, "down\n", flags_hex(0, 'd', 0, 0), 10s);
      }
      const bool one_pass = std::chrono::steady_clock::now() - first_pass_ended < 420ms;
      sv_result r = proc.finish(30s);
      for (const auto& n : names)  // a service left running, by its pid
        if (auto pid = status_pid(root / n); pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
      if (!one_pass) {
        WARN("attempt " << attempt << ": the services did not stop within one pass; again");
        continue;
      }
      CHECK(describe_sv(r, root.path()) == expected);
      checked = true;
    }
    CHECK(checked);
  }
}

}  // namespace

TEST_CASE("sv interop: services that stop in reverse order are reported in argument order", "[interop][sv]") {
  // What Debian's /etc/runit/3 runs at shutdown.
  check_order({"-w", "15", "force-stop"}, {"e", "d", "c", "b", "a"},
              "stdout: ok: down: a: Xs, normally up|ok: down: b: Xs, normally up|ok: down: c: Xs, normally up|"
              "ok: down: d: Xs, normally up|ok: down: e: Xs, normally up|\nstderr: \nexit 0\n");
}

TEST_CASE("sv interop: a service that times out in the middle is reported after the others, in its pass", "[interop][sv]") {
  // The others' lines are not held until the end: they come in the pass
  // that saw them, c's in the pass that found its time over.
  check_order({"-w", "1", "down"}, {"e", "d", "b", "a"},
              "stdout: ok: down: a: Xs, normally up|ok: down: b: Xs, normally up|ok: down: d: Xs, normally up|"
              "ok: down: e: Xs, normally up|timeout: run: c: (pid X) Xs, want down, got TERM|\nstderr: \nexit 1\n");
  check_order({"-w", "1", "force-stop"}, {"e", "d", "b", "a"},
              "stdout: ok: down: a: Xs, normally up|ok: down: b: Xs, normally up|ok: down: d: Xs, normally up|"
              "ok: down: e: Xs, normally up|kill: run: c: (pid X) Xs, want down, got TERM|\nstderr: \nexit 1\n");
}

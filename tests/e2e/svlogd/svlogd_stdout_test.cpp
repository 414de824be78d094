// svlogd -o NAME (not in runit): every line also goes to standard output as
// "[stamp ]NAME: line" (issue 9, item 6: logs in `docker logs`). Real
// processes: svlogd's stdin is a file, its stdout a pipe we read (or a pipe
// with no reader, or /dev/full), its stderr a file.

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

constexpr std::string_view usage_tail = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...\n\n";

// svlogd with stdin from a file, stdout on out_fd, stderr to a file.
class child {
 public:
  child(const std::vector<std::string>& args, const std::string& cwd, const std::string& input_file, int out_fd,
        std::string err_file)
      : err_file_(std::move(err_file)) {
    std::vector<std::string> argv{ours()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    int in = ::open(input_file.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(in >= 0);
    int err = ::open(err_file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(err >= 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      if (::chdir(cwd.c_str()) == -1 || ::dup2(in, 0) == -1 || ::dup2(out_fd, 1) == -1 || ::dup2(err, 2) == -1)
        ::_exit(127);
      ::execv(c_argv[0], c_argv.data());
      ::_exit(127);
    }
    ::close(in);
    ::close(err);
  }
  ~child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  bool exited() {
    if (reaped_) return true;
    int ws;
    if (::waitpid(pid_, &ws, WNOHANG) != pid_) return false;
    reaped_ = true;
    code_ = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    return true;
  }
  int wait() {
    wait_until([&] { return exited(); }, "svlogd to exit");
    return code_;
  }
  std::string err() const { return read_file(err_file_).value_or(""); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int code_ = -1;
  std::string err_file_;
};

// Reads fd until EOF (every writer gone), within the deadline.
std::string read_to_eof(int fd, std::chrono::milliseconds timeout = default_timeout) {
  std::string out;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) FAIL("timed out reading svlogd's standard output; got " << out.size() << " bytes");
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    else if (n == 0) return out;
    else if (errno != EINTR && errno != EAGAIN) FAIL("read: " << errno);
  }
}

struct fixture {
  temp_dir root{"svlogd-stdout"};
  std::string log = root / "log";
  std::string input = root / "input";
  std::string errf = root / "stderr";
  fixture() { make_dir(log); }
};

struct outcome {
  std::string out, err;
  int code = -1;
};

// Runs svlogd over `input` with stdout on a pipe; returns what it wrote.
outcome run_stdout(fixture& f, const std::vector<std::string>& args, std::string_view input) {
  write_file(f.input, input);
  ::unlink(f.errf.c_str());
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  outcome o;
  {
    child c(args, f.root.path(), f.input, p[1], f.errf);
    ::close(p[1]);
    o.out = read_to_eof(p[0]);
    ::close(p[0]);
    o.code = c.wait();
    o.err = c.err();
  }
  return o;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> v;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) nl = text.size();
    v.emplace_back(text.substr(0, nl));
    text.remove_prefix(std::min(text.size(), nl + 1));
  }
  return v;
}

}  // namespace

TEST_CASE("svlogd -o: lines on standard output with the name, no directory needed", "[svlogd][stdout]") {
  fixture f;
  auto o = run_stdout(f, {"-o", "web"}, "one\ntwo\n\nthree\n");
  CHECK(o.code == 0);
  CHECK(o.err == "");
  CHECK(o.out == "web: one\nweb: two\nweb: \nweb: three\n");
  // An empty name: the lines as they are.
  o = run_stdout(f, {"-o", ""}, "one\ntwo\n");
  CHECK(o.code == 0);
  CHECK(o.out == "one\ntwo\n");
  // Attached value, grouped with -t; a last line without newline is dropped, as for the logs.
  o = run_stdout(f, {"-tto", "db"}, "a\nb");
  CHECK(o.code == 0);
  CHECK(mask(o.out) == "STAMP db: a\n");
}

TEST_CASE("svlogd -o: timestamps as in the log files", "[svlogd][stdout]") {
  fixture f;
  auto o = run_stdout(f, {"-t", "-o", "web"}, "x\n");
  CHECK(mask(o.out) == "@TAI web: x\n");
  o = run_stdout(f, {"-tt", "-o", "web"}, "x\n");
  CHECK(mask(o.out) == "STAMP web: x\n");
  CHECK(o.out[10] == '_');
  o = run_stdout(f, {"-ttt", "-o", "web"}, "x\n");
  CHECK(mask(o.out) == "STAMP web: x\n");
  CHECK(o.out[10] == 'T');
  // The very same stamp as the log's line.
  o = run_stdout(f, {"-tt", "-o", "web", "log"}, "y\n");
  auto cur = read_file(f.log + "/current").value_or("");
  REQUIRE(cur.size() > 26);
  CHECK(o.out == cur.substr(0, 26) + "web: " + cur.substr(26));
}

TEST_CASE("svlogd -o with a directory: both get every line, none lost", "[svlogd][stdout]") {
  fixture f;
  auto input = numbered_lines(1, 1000);
  auto o = run_stdout(f, {"-tt", "-o", "web", "log"}, input);
  CHECK(o.code == 0);
  CHECK(o.err == "");
  auto log = concatenated_log(f.log);
  auto out = lines_of(o.out);
  auto logged = lines_of(log);
  REQUIRE(out.size() == 1000);
  REQUIRE(logged.size() == 1000);
  for (std::size_t i = 0; i < out.size(); ++i) {
    INFO("line " << i + 1);
    REQUIRE(logged[i].substr(26) == "line " + std::to_string(i + 1));
    REQUIRE(out[i] == logged[i].substr(0, 26) + "web: " + logged[i].substr(26));
  }
  // Without -t: exactly the input with the prefix.
  o = run_stdout(f, {"-o", "web", "log"}, input);
  CHECK(check_numbered(o.out, 1, 1000, "web: line ") == "");
}

TEST_CASE("svlogd -o: long lines whole, replacement as in the log", "[svlogd][stdout]") {
  fixture f;
  std::string line(10240, 'x');
  line[5] = '\x01';
  line[5000] = '\x02';  // beyond -l: the log keeps it, so does stdout
  auto o = run_stdout(f, {"-r", ".", "-o", "web", "log"}, line + "\nshort\n");
  CHECK(o.code == 0);
  std::string expect = line;
  expect[5] = '.';
  CHECK(o.out == "web: " + expect + "\nweb: short\n");
  CHECK(read_file(f.log + "/current").value_or("") == expect + "\nshort\n");
  // Longer than one read (128 KiB), no directory.
  std::string huge(300 * 1024, 'y');
  o = run_stdout(f, {"-o", "big"}, huge + "\nend\n");
  CHECK(o.code == 0);
  CHECK(o.out == "big: " + huge + "\nbig: end\n");
}

TEST_CASE("svlogd -o: usage rules", "[svlogd][stdout][cli]") {
  fixture f;
  // Without -o a directory is still required (runit).
  auto o = run_stdout(f, {"-tt"}, "x\n");
  CHECK(o.code == 111);
  CHECK(o.out == "");
  CHECK(o.err == "usage: " + ours() + std::string(usage_tail));
  o = run_stdout(f, {"-o"}, "x\n");
  CHECK(o.code == 111);
  CHECK(o.err == "svlogd: option requires an argument -- o\nusage: " + ours() + std::string(usage_tail));
  o = run_stdout(f, {"-o", "web", "-l", "5000"}, "x\n");
  CHECK(o.code == 111);
}

TEST_CASE("svlogd without -o leaves standard output alone (runit)", "[svlogd][stdout]") {
  fixture f;
  auto o = run_stdout(f, {"-v", "log"}, numbered_lines(1, 100));
  CHECK(o.code == 0);
  CHECK(o.out == "");
  CHECK(check_numbered(concatenated_log(f.log), 1, 100) == "");
}

TEST_CASE("svlogd -o: no reader on stdout (EPIPE): one warning, the directory keeps logging", "[svlogd][stdout]") {
  fixture f;
  write_file(f.input, numbered_lines(1, 1000));
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  ::close(p[0]);
  {
    child c({"-o", "web", "log"}, f.root.path(), f.input, p[1], f.errf);
    CHECK(c.wait() == 0);
    CHECK(c.err() == "svlogd: warning: unable to write to standard output, stopping the copy: broken pipe\n");
  }
  CHECK(check_numbered(concatenated_log(f.log), 1, 1000) == "");
  // With no directory left, nothing can log: fatal, as runit without directories.
  ::unlink(f.errf.c_str());
  {
    child c({"-o", "web"}, f.root.path(), f.input, p[1], f.errf);
    CHECK(c.wait() == 111);
    CHECK(c.err() ==
          "svlogd: warning: unable to write to standard output, stopping the copy: broken pipe\n"
          "svlogd: fatal: no functional log directories.\n");
  }
  ::close(p[1]);
}

TEST_CASE("svlogd -o: a full non-blocking stdout waits, nothing is lost", "[svlogd][stdout]") {
  fixture f;
  // About 300 KB: several times a pipe's capacity.
  auto input = numbered_lines(1, 1000, std::string(290, 'z') + " ");
  write_file(f.input, input);
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  REQUIRE(::fcntl(p[1], F_SETFL, ::fcntl(p[1], F_GETFL) | O_NONBLOCK) == 0);
  child c({"-o", "web", "log"}, f.root.path(), f.input, p[1], f.errf);
  ::close(p[1]);
  // svlogd fills the pipe and must wait (not exit, not drop) until we read.
  int capacity = ::fcntl(p[0], F_GETPIPE_SZ);
  REQUIRE(capacity > 0);
  wait_until([&] {
    int n = 0;
    return ::ioctl(p[0], FIONREAD, &n) == 0 && n >= capacity - 4096;
  }, "svlogd to fill its stdout pipe");
  CHECK(!c.exited());
  auto out = read_to_eof(p[0]);
  ::close(p[0]);
  CHECK(c.wait() == 0);
  CHECK(c.err() == "");
  CHECK(check_numbered(out, 1, 1000, "web: " + std::string(290, 'z') + " ") == "");
  CHECK(check_numbered(concatenated_log(f.log), 1, 1000, std::string(290, 'z') + " ") == "");
}

TEST_CASE("svlogd -o: a failing stdout pauses and retries, as for current", "[svlogd][stdout]") {
  fixture f;
  write_file(f.input, "x\n");
  int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  INFO("needs /dev/full");
  REQUIRE(full >= 0);
  child c({"-o", "web", "log"}, f.root.path(), f.input, full, f.errf);
  ::close(full);
  wait_until([&] { return c.err().find("svlogd: pausing: unable to write to standard output: ") == 0; },
             "the pausing message", default_timeout, [&] { return c.err(); });
  CHECK(!c.exited());  // it keeps the line and retries; the destructor kills it
}

#include "process.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test {

bool wait_status::exited() const noexcept { return WIFEXITED(raw); }
int wait_status::exit_code() const noexcept { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }
bool wait_status::signaled() const noexcept { return WIFSIGNALED(raw); }
int wait_status::term_signal() const noexcept { return WIFSIGNALED(raw) ? WTERMSIG(raw) : 0; }

std::string wait_status::describe() const {
  if (exited()) return "exit " + std::to_string(exit_code());
  if (signaled()) return "signal " + std::to_string(term_signal());
  return "wait status " + std::to_string(raw);
}

namespace {

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& x : extra)
      if (std::string_view(x).substr(0, x.find('=')) == name) replaced = true;
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

bool read_available(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

process::process(const std::vector<std::string>& argv_in, const spawn_options& opts) {
  REQUIRE(!argv_in.empty());
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> env = merged_environment(opts.env);
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);

  int out_pipe[2], err_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(devnull >= 0);
  const char* cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  const std::vector<int>& closed = opts.closed_fds;

  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
    if (opts.new_session) ::setsid();
    ::umask(opts.umask);
    if (::dup2(devnull, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0) ::_exit(126);
    if (cwd != nullptr && ::chdir(cwd) != 0) {
      static const char msg[] = "test spawn: chdir failed\n";
      (void)!::write(2, msg, sizeof msg - 1);
      ::_exit(126);
    }
    for (int fd : closed) ::close(fd);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    static const char msg[] = "test spawn: execve failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(devnull);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (pid < 0) {
    close_pipes();
    FAIL("fork: " << std::strerror(fork_errno));
  }
  pid_ = pid;
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

process::process(process&& other) noexcept
    : pid_(other.pid_), out_fd_(other.out_fd_), err_fd_(other.err_fd_),
      out_(std::move(other.out_)), err_(std::move(other.err_)), status_(other.status_) {
  other.pid_ = -1;
  other.out_fd_ = other.err_fd_ = -1;
}

process::~process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  close_pipes();
}

void process::close_pipes() noexcept {
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  out_fd_ = err_fd_ = -1;
}

void process::drain() {
  if (out_fd_ >= 0 && !read_available(out_fd_, out_)) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
  if (err_fd_ >= 0 && !read_available(err_fd_, err_)) {
    ::close(err_fd_);
    err_fd_ = -1;
  }
}

const std::string& process::out() {
  drain();
  return out_;
}

const std::string& process::err() {
  drain();
  return err_;
}

bool process::poll_exit() {
  if (status_) return true;
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r;
  do r = ::waitpid(pid_, &st, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid_) {
    status_ = wait_status{st};
    // Everything the child wrote before exiting is in the pipes now.
    drain();
    return true;
  }
  return false;
}

std::optional<wait_status> process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll_exit()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    pollfd fds[2];
    nfds_t n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    // Short timeout: the exit itself is noticed by waitpid, not by poll.
    ::poll(fds, n, 10);
    drain();
  }
  return status_;
}

void process::signal(int sig) noexcept {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

void skip_test(std::string_view why) {
  std::string line = std::string(skip_marker) + ": " + std::string(why) + "\n";
  // Straight to fd 1: the marker must reach ctest whatever Catch prints.
  (void)!::write(1, line.data(), line.size());
  FAIL(skip_marker << ": " << why);
  std::abort();  // not reached: FAIL throws
}

void require_root(std::string_view why) {
  if (::geteuid() != 0) skip_test("needs root: " + std::string(why));
}

run_result run(const std::vector<std::string>& argv, const spawn_options& opts,
               std::chrono::milliseconds timeout) {
  process p(argv, opts);
  auto st = p.wait_exit(timeout);
  if (!st) {
    INFO("stdout so far: " << p.out());
    INFO("stderr so far: " << p.err());
    FAIL(argv[0] << " did not exit within " << timeout.count() << " ms");
  }
  return run_result{p.out(), p.err(), *st};
}

}  // namespace test

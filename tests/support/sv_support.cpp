#include "sv_support.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace test {

std::string sv_under_test() {
  const char* env = std::getenv("SV_UNDER_TEST");
  if (env != nullptr && *env != '\0') return env;
  return SV_BIN;
}

namespace {

std::vector<std::string> sv_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == "SVDIR" || name == "SVWAIT") continue;
    bool replaced = false;
    for (const auto& x : extra)
      if (std::string_view(x).substr(0, x.find('=')) == name) replaced = true;
    if (!replaced) env.emplace_back(entry);
  }
  // Of several extra entries for one name, the last wins.
  for (std::size_t i = 0; i < extra.size(); ++i) {
    std::string_view name = std::string_view(extra[i]).substr(0, extra[i].find('='));
    bool overridden = false;
    for (std::size_t j = i + 1; j < extra.size(); ++j)
      if (std::string_view(extra[j]).substr(0, extra[j].find('=')) == name) overridden = true;
    if (!overridden) env.push_back(extra[i]);
  }
  return env;
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

sv_process::sv_process(const std::vector<std::string>& argv_in, const sv_spawn& opts) {
  REQUIRE(!argv_in.empty());
  std::vector<std::string> argv = argv_in;
  // Another user may not reach the build tree: run a copy, under the same
  // argv[0] (an init-script link's name is what sv reads).
  const std::string file = opts.uid != 0 ? runnable_by_all(argv[0]) : argv[0];
  std::vector<std::string> env = sv_environment(opts.env);
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);
  int out_pipe[2], err_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(devnull >= 0);
  const char* cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  const uid_t uid = opts.uid;
  started_ = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
    ::umask(022);
    if (::dup2(devnull, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0) ::_exit(126);
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    if (uid != 0 && (::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
    ::execve(file.c_str(), c_argv.data(), c_env.data());
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
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  if (pid < 0) FAIL("fork: " << std::strerror(fork_errno));
  pid_ = pid;
}

sv_process::~sv_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void sv_process::drain() {
  if (out_fd_ >= 0 && !read_available(out_fd_, out_)) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
  if (err_fd_ >= 0 && !read_available(err_fd_, err_)) {
    ::close(err_fd_);
    err_fd_ = -1;
  }
}

sv_result sv_process::finish(std::chrono::milliseconds timeout) {
  REQUIRE(pid_ > 0);
  const auto deadline = started_ + timeout;
  for (;;) {
    int st = 0;
    rusage ru{};
    pid_t r = ::wait4(pid_, &st, WNOHANG, &ru);
    if (r < 0 && errno == EINTR) continue;
    if (r == pid_) {
      sv_result res;
      res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      pid_ = -1;
      drain();
      res.out = out_;
      res.err = err_;
      res.status = wait_status{st};
      res.code = res.status.exit_code();
      res.cpu_seconds = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
      return res;
    }
    REQUIRE(r == 0);
    if (std::chrono::steady_clock::now() >= deadline) {
      drain();
      INFO("stdout so far: " << out_);
      INFO("stderr so far: " << err_);
      FAIL("pid " << pid_ << " did not exit within " << timeout.count() << " ms");
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    ::poll(fds, n, 5);  // the exit itself is seen by wait4
    drain();
  }
}

sv_result run_sv(const std::vector<std::string>& argv, const sv_spawn& opts, std::chrono::milliseconds timeout) {
  sv_process p(argv, opts);
  return p.finish(timeout);
}

std::string mask_sv(std::string_view in, std::string_view root) {
  std::string text;
  if (root.empty()) {
    text = std::string(in);
  } else {
    for (std::size_t i = 0; i < in.size();) {
      if (in.compare(i, root.size(), root) == 0) {
        text += "ROOT";
        i += root.size();
      } else {
        text += in[i++];
      }
    }
  }
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 5, "$Id: ") == 0) {
      std::size_t end = text.find(" $", i + 5);
      if (end != std::string::npos) {
        out += "$Id: HASH $";
        i = end + 2;
        continue;
      }
    }
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    bool pid = out.size() >= 5 && out.compare(out.size() - 5, 5, "(pid ") == 0;
    bool secs = j < text.size() && text[j] == 's' && (j + 1 == text.size() || !std::isalnum(static_cast<unsigned char>(text[j + 1]))) &&
                !out.empty() && out.back() == ' ';
    out += (pid || secs) ? std::string("X") : text.substr(i, j - i);
    i = j;
  }
  return out;
}

std::string describe_sv(const sv_result& r, std::string_view root) {
  auto one_line = [](std::string s) {
    for (char& c : s)
      if (c == '\n') c = '|';
    return s;
  };
  return "stdout: " + one_line(mask_sv(r.out, root)) + "\nstderr: " + one_line(mask_sv(r.err, root)) + "\n" +
         r.status.describe() + "\n";
}

std::string lsb_link(const std::string& dir, const std::string& name, const std::string& target) {
  std::string initd = dir + "/init.d";
  struct stat st;
  if (::stat(initd.c_str(), &st) != 0) make_dir(initd);
  std::string link = initd + "/" + name;
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  return link;
}

void make_fifo(const std::string& path) {
  INFO("mkfifo " << path);
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
}

std::uint32_t status_pid(const std::string& svdir) {
  auto st = read_status(svdir);
  return st ? st->pid : 0;
}

void wait_aged(const std::string& svdir, std::chrono::milliseconds timeout) {
  wait_until(
      [&] {
        auto st = read_status(svdir);
        if (!st) return false;
        timeval now{};
        ::gettimeofday(&now, nullptr);
        double then = static_cast<double>(st->unix_seconds()) + st->nano / 1e9;
        return seconds_of(now) - then > 1.1;
      },
      "the status of " + svdir + " to be more than 1.1 s old", timeout, [&] { return describe_state(svdir); });
}

}  // namespace test

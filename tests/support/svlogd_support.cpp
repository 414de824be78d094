#include "svlogd_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace test::svlogd {

std::string ours() { return SVLOGD_BIN; }
std::string debian() { return std::string(REFERENCE_BINDIR) + "/svlogd"; }

svlogd_process::svlogd_process(const std::string& binary, const std::vector<std::string>& args,
                               const std::string& cwd, std::string err_file,
                               const std::vector<std::string>& env, int closed_fd)
    : err_file_(std::move(err_file)) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; e && *e; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> c_env;
  for (auto& e : envs) c_env.push_back(e.data());
  c_env.push_back(nullptr);

  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  int err = ::open(err_file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(err >= 0);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(null >= 0);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::umask(022);
    if (::dup2(p[0], 0) == -1 || ::dup2(null, 1) == -1 || ::dup2(err, 2) == -1) ::_exit(126);
    if (!cwd.empty() && ::chdir(cwd.c_str()) == -1) ::_exit(126);
    // Only 0, 1 and 2, whatever the test runner leaked (its jobserver, say),
    // so that what a processor inherits is svlogd's doing.
    ::close_range(3, ~0U, 0);
    if (closed_fd >= 0) ::close(closed_fd);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  ::close(p[0]);
  ::close(err);
  ::close(null);
  in_ = p[1];
  // A writer that outlives svlogd must see EPIPE, not die of SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

svlogd_process::~svlogd_process() {
  if (in_ >= 0) ::close(in_);
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    while (::waitpid(pid_, &st, 0) == -1 && errno == EINTR) {
    }
  }
}

void svlogd_process::write(std::string_view data, std::chrono::milliseconds timeout) {
  REQUIRE(in_ >= 0);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int flags = ::fcntl(in_, F_GETFL);
  ::fcntl(in_, F_SETFL, flags | O_NONBLOCK);
  while (!data.empty()) {
    ssize_t n = ::write(in_, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n == -1 && errno == EINTR) continue;
    // svlogd is gone (a usage error, say): what happens then is for the
    // caller to check through its exit status and output.
    if (n == -1 && errno == EPIPE) return;
    if (n == -1 && errno != EAGAIN) FAIL("write to svlogd's stdin: " << std::strerror(errno));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) FAIL("svlogd did not take its input in time; " << data.size() << " bytes left");
    pollfd pfd{in_, POLLOUT, 0};
    ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
  }
}

void svlogd_process::close_input() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

void svlogd_process::signal(int sig) noexcept {
  if (!status_ && pid_ > 0) ::kill(pid_, sig);
}

bool svlogd_process::running() {
  if (status_) return false;
  int st;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = wait_status{st};
    return false;
  }
  return true;
}

std::optional<wait_status> svlogd_process::wait_exit(std::chrono::milliseconds timeout) {
  poll_until([&] { return !running(); }, timeout);
  return status_;
}

std::size_t svlogd_process::unread() const {
  int n = 0;
  if (in_ < 0 || ::ioctl(in_, FIONREAD, &n) == -1) return 0;
  return static_cast<std::size_t>(n);
}

bool svlogd_process::idle() const { return unread() == 0 && proc_state(pid_) == 'S'; }

std::string svlogd_process::err() const { return read_file(err_file_).value_or(""); }

result run(const std::string& binary, const std::vector<std::string>& args, const std::string& cwd,
           std::string_view input, std::chrono::milliseconds timeout, int closed_fd) {
  std::string err_file = cwd + "/.svlogd-stderr";
  ::unlink(err_file.c_str());
  result r;
  {
    svlogd_process p(binary, args, cwd, err_file, {}, closed_fd);
    if (closed_fd != 0) p.write(input, timeout);
    p.close_input();
    auto st = p.wait_exit(timeout);
    if (!st) FAIL("svlogd did not exit; stderr: " << p.err());
    r.code = st->exit_code();
    r.err = p.err();
  }
  ::unlink(err_file.c_str());
  return r;
}

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DD?HH:MM:SS.fffff" with ? '_' or 'T'.
bool is_date_stamp(std::string_view s) {
  static constexpr std::string_view shape = "dddd-dd-dd?dd:dd:dd.ddddd";
  if (s.size() < shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    char c = shape[i];
    if (c == 'd' && !is_digit(s[i])) return false;
    if (c == '?' && s[i] != '_' && s[i] != 'T') return false;
    if (c != 'd' && c != '?' && s[i] != c) return false;
  }
  return true;
}

bool is_rotated(std::string_view name) {
  if (name.size() != 27 || name[0] != '@' || name[25] != '.') return false;
  return std::all_of(name.begin() + 1, name.begin() + 25, is_hex);
}

}  // namespace

std::string mask(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '@' && i + 25 <= text.size() &&
        std::all_of(text.begin() + static_cast<long>(i) + 1, text.begin() + static_cast<long>(i) + 25, is_hex)) {
      out += "@TAI";
      i += 25;
    } else if (is_digit(text[i]) && is_date_stamp(text.substr(i))) {
      out += "STAMP";
      i += 25;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::map<std::string, file_info> snapshot(const std::string& dir) {
  std::map<std::string, file_info> files;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) == -1 || !S_ISREG(st.st_mode)) continue;
    files[name] = {static_cast<mode_t>(st.st_mode & 07777), read_file(path).value_or("")};
  }
  ::closedir(d);
  return files;
}

std::map<std::string, file_info> masked_snapshot(const std::string& dir) {
  std::map<std::string, file_info> out;
  std::map<char, int> seen;
  for (auto& [name, info] : snapshot(dir)) {
    std::string key = name;
    if (is_rotated(name)) key = "@TAI." + std::string(1, name[26]) + "#" + std::to_string(++seen[name[26]]);
    out[key] = {info.mode, mask(info.content)};
  }
  return out;
}

std::string describe(const std::map<std::string, file_info>& files) {
  std::string s;
  for (const auto& [name, info] : files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.mode));
    std::string content = info.content.size() > 200 ? info.content.substr(0, 200) + "..." : info.content;
    s += name + " " + mode + " [" + content + "]\n";
  }
  return s;
}

std::vector<std::string> rotated(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = ::readdir(d))
    if (is_rotated(e->d_name)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string concatenated_log(const std::string& dir) {
  std::string all;
  for (const auto& n : rotated(dir)) all += read_file(dir + "/" + n).value_or("");
  all += read_file(dir + "/current").value_or("");
  return all;
}

std::string numbered_lines(std::size_t first, std::size_t count, std::string_view prefix) {
  std::string s;
  for (std::size_t i = first; i < first + count; ++i) {
    s += prefix;
    s += std::to_string(i);
    s += '\n';
  }
  return s;
}

std::string check_numbered(std::string_view log, std::size_t first, std::size_t last, std::string_view prefix) {
  std::size_t expect = first;
  std::size_t lineno = 0;
  while (!log.empty()) {
    auto nl = log.find('\n');
    if (nl == std::string_view::npos) return "an unterminated last line: " + std::string(log.substr(0, 80));
    std::string_view line = log.substr(0, nl);
    log.remove_prefix(nl + 1);
    ++lineno;
    std::string want = std::string(prefix) + std::to_string(expect);
    if (line != want)
      return "line " + std::to_string(lineno) + " is [" + std::string(line.substr(0, 80)) + "], expected [" + want +
             "]";
    ++expect;
  }
  if (expect != last + 1)
    return "the log ends after " + std::string(prefix) + std::to_string(expect - 1) + ", expected up to " +
           std::to_string(last);
  return "";
}

std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace test::svlogd

#include "cgroup.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace runsv {

namespace {

// cgroup.procs is read again after signalling, as long as new pids turn up
// (a process may fork meanwhile), at most this many times.
constexpr int signal_passes = 8;

// The next line of `text` from `at`, without its "\n".
std::string_view next_line(std::string_view text, std::size_t& at) {
  const std::size_t end = std::min(text.find('\n', at), text.size());
  std::string_view line = text.substr(at, end - at);
  at = end + 1;
  return line;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + i + 1, s.begin() + i + 4, [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    std::size_t end = std::min(line.find(' ', at), line.size());
    if (end > at) out.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// `path` below `root` (both cgroup paths): "/x" for "/a/x" below "/a", ""
// for the root itself; nullopt when it is not below.
std::optional<std::string> below(std::string_view path, std::string_view root) {
  if (root == "/") return path == "/" ? std::string{} : std::string(path);
  if (path == root) return std::string{};
  if (path.size() > root.size() && path.substr(0, root.size()) == root && path[root.size()] == '/')
    return std::string(path.substr(root.size()));
  return std::nullopt;
}

// Reads what a non-blocking inotify descriptor holds: the events only wake
// runsv up, what counts is read from cgroup.events.
void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

std::optional<std::string> unified_path_of(std::string_view proc_cgroup) {
  for (std::size_t at = 0; at < proc_cgroup.size();) {
    std::string_view line = next_line(proc_cgroup, at);
    if (line.substr(0, 3) == "0::" && line.size() > 3 && line[3] == '/') return std::string(line.substr(3));
  }
  return std::nullopt;
}

std::optional<std::string> cgroup2_dir_of(std::string_view mountinfo, std::string_view proc_cgroup) {
  auto own = unified_path_of(proc_cgroup);
  if (!own) return std::nullopt;
  for (std::size_t at = 0; at < mountinfo.size();) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    auto f = fields_of(next_line(mountinfo, at));
    auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    if (dash - f.begin() < 6 || dash + 1 >= f.end()) continue;
    if (dash[1] != "cgroup2") continue;
    // A mount shows the hierarchy from its root (a container's own subtree).
    auto rel = below(*own, unescape(f[3]));
    if (!rel) continue;
    std::string mount = unescape(f[4]);
    if (mount == "/") return rel->empty() ? mount : *rel;
    return mount + *rel;
  }
  return std::nullopt;
}

std::string service_cgroup_name(std::string_view svdir, pid_t runsv_pid) {
  while (svdir.size() > 1 && svdir.back() == '/') svdir.remove_suffix(1);
  const std::size_t slash = svdir.rfind('/');
  std::string_view base = slash == std::string_view::npos ? svdir : svdir.substr(slash + 1);
  std::string name = "runsv.";
  for (char c : base.substr(0, 200)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    name += plain ? c : '_';
  }
  return name + "." + std::to_string(runsv_pid);
}

bool clone_into_cgroup_release(std::string_view release) {
  char* end = nullptr;
  const std::string text(release);
  const long major = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '.') return false;
  const char* minor_at = end + 1;
  const long minor = std::strtol(minor_at, &end, 10);
  if (end == minor_at) return false;
  return major > 5 || (major == 5 && minor >= 7);
}

service_cgroup::service_cgroup(boost::asio::io_context& io, std::string path, std::string rel)
    : path_(std::move(path)), rel_(std::move(rel)), events_(io) {
  if (::mkdir(path_.c_str(), 0755) == -1 && errno != EEXIST) return;
  dir_ = supervise::open_fd(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // A cgroup v2 has a cgroup.procs, that we may write to move a process in.
  if (!dir_ || ::faccessat(dir_.get(), "cgroup.procs", W_OK, 0) == -1) {
    const int err = errno;
    dir_.close();
    ::rmdir(path_.c_str());
    errno = err;
    return;
  }
  // The kernel signals a change of cgroup.events (populated 0/1) to inotify.
  const int in = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (in == -1) return;
  if (::inotify_add_watch(in, (path_ + "/cgroup.events").c_str(), IN_MODIFY) == -1) {
    ::close(in);
    return;
  }
  events_.assign(in);
}

service_cgroup::~service_cgroup() {
  if (dir_) ::rmdir(path_.c_str());
}

void service_cgroup::wait_empty(std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (populated() && events_.is_open()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{events_.native_handle(), POLLIN, 0};
    // The dying orphans are runsv's children: SIGCHLD interrupts.
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n == 0 || (n == -1 && errno != EINTR)) return;
    drain(events_.native_handle());
  }
}

bool service_cgroup::holds(pid_t pid) const {
  auto text = supervise::read_file(("/proc/" + std::to_string(pid) + "/cgroup").c_str());
  return text && unified_path_of(*text) == rel_;
}

bool service_cgroup::populated() const {
  // Unreadable counts as empty: waiting for ever would be worse.
  auto text = supervise::read_file((path_ + "/cgroup.events").c_str());
  return text && text->find("populated 1") != std::string::npos;
}

std::vector<pid_t> service_cgroup::procs() const {
  std::vector<pid_t> out;
  auto text = supervise::read_file((path_ + "/cgroup.procs").c_str());
  if (!text) return out;
  for (std::size_t at = 0; at < text->size();) {
    std::string_view line = next_line(*text, at);
    const long pid = std::strtol(std::string(line).c_str(), nullptr, 10);
    if (pid > 0) out.push_back(static_cast<pid_t>(pid));
  }
  return out;
}

void service_cgroup::signal(int sig) const {
  if (sig == SIGKILL) {
    // Atomic against forks, where the kernel has it.
    supervise::fd kill = supervise::fd{::openat(dir_.get(), "cgroup.kill", O_WRONLY | O_CLOEXEC)};
    if (kill && supervise::write_all(kill.get(), "1")) return;
  }
  std::vector<pid_t> sent;
  for (int pass = 0; pass < signal_passes; ++pass) {
    bool more = false;
    for (pid_t pid : procs()) {
      if (std::find(sent.begin(), sent.end(), pid) != sent.end()) continue;
      ::kill(pid, sig);
      sent.push_back(pid);
      more = true;
    }
    if (!more) return;
  }
}

bool service_cgroup::on_change(std::function<void()> then) {
  if (!events_.is_open()) return false;
  events_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                     [this, then = std::move(then)](const boost::system::error_code& ec) {
                       if (ec) return;
                       drain(events_.native_handle());
                       then();
                     });
  return true;
}

}  // namespace runsv

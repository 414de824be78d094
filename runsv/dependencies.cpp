#include "dependencies.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "supervise/client.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"
#include "supervise/inotify.hpp"
#include "supervise/spawn.hpp"

namespace runsv {

namespace {

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A dependency's ./check that fails is run again after this long.
constexpr std::chrono::milliseconds check_retry{250};
// A supervise/ directory that cannot be watched yet (its runsv has not made
// it) is looked at again after this long.
constexpr std::chrono::milliseconds watch_retry{100};

}  // namespace

dependencies::dependencies(boost::asio::io_context& io, std::string prefix, std::string scan_dir, std::string self,
                           std::function<void()> changed)
    : io_(io),
      prefix_(std::move(prefix)),
      scan_dir_(std::move(scan_dir)),
      self_(std::move(self)),
      changed_(std::move(changed)),
      retry_(io) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd == -1) {
    supervise::warn(prefix_, "unable to watch dependencies", errno);
    return;
  }
  inotify_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  arm();
}

dependencies::~dependencies() = default;

// The names in a dependencies.d directory (dot files left out), sorted.
std::vector<std::string> dependencies::names_in(const std::string& dir) const {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return names;
  while (dirent* e = ::readdir(d.get()))
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  std::sort(names.begin(), names.end());
  return names;
}

// Whether `name` leads back to this service through dependencies.d files.
bool dependencies::in_cycle(const std::string& name) const {
  std::set<std::string> seen;
  std::vector<std::string> todo{name};
  while (!todo.empty()) {
    std::string s = todo.back();
    todo.pop_back();
    if (s == self_) return true;
    if (!seen.insert(s).second || seen.size() > 10000) continue;
    for (auto& next : names_in(scan_dir_ + "/" + s + "/dependencies.d")) todo.push_back(next);
  }
  return false;
}

void dependencies::report_once(const std::string& key, const std::string& text) {
  if (reported_.insert(key).second) supervise::warn(prefix_, text);
}

bool dependencies::must_wait(bool publish) {
  std::string waiting;
  for (const auto& name : names_in("dependencies.d")) {
    const std::string dir = scan_dir_ + "/" + name;
    if (name == self_) {
      report_once("self " + name, "dependency " + name + ": the service itself, not waited for");
      continue;
    }
    if (!is_dir(dir)) {
      report_once("missing " + name, "dependency " + name + ": no such service in " + scan_dir_ + ", not waited for");
      continue;
    }
    if (in_cycle(name)) {
      report_once("cycle " + name, "dependency " + name + ": a dependency cycle, not waited for");
      continue;
    }
    watch(name);
    if (!ready(name)) waiting += name + "\n";
  }
  const bool wait = !waiting.empty();
  if (!publish) waiting.clear();
  if (waiting != waiting_written_) {
    if (waiting.empty()) ::unlink("supervise/waiting");
    else supervise::replace_file("supervise/waiting", waiting);
    waiting_written_ = waiting;
  }
  return wait;
}

bool dependencies::clear() {
  if (!waiting_written_.empty()) {
    ::unlink("supervise/waiting");
    waiting_written_.clear();
  }
  return false;
}

// Running, and ready where the dependency says when it is.
bool dependencies::ready(const std::string& name) {
  const std::string dir = scan_dir_ + "/" + name;
  supervise::status st;
  if (supervise::read_status(dir, st, nullptr) != supervise::read_result::ok) return false;
  if (st.pid == 0 || st.state != supervise::state::run) return false;
  if (exists(dir + "/notification-fd") && !exists(dir + "/supervise/ready")) return false;
  return check_passes(name, st.pid);
}

// A dependency's ./check, run as sv runs it (in its directory, output
// discarded), once per pid of the dependency until it passes.
bool dependencies::check_passes(const std::string& name, std::uint32_t pid) {
  const std::string dir = scan_dir_ + "/" + name;
  if (!exists(dir + "/check")) return true;
  auto& c = checks_[name];
  if (c.passed_for == pid) return true;
  if (c.running != 0) return false;
  supervise::spawn_spec spec;
  spec.argv = {"./check"};
  spec.chdir_to = dir.c_str();  // dir outlives the spawn
  spec.prefix = prefix_;
  spec.kind = "warning";
  spec.exec_failed = "unable to run " + name + "/check";
  spec.chdir_failed = "unable to change directory to " + dir;
  spec.reset_signals = {SIGCHLD, SIGTERM};
  supervise::spawn_open devnull;
  devnull.path = "/dev/null";
  devnull.flags = O_WRONLY;
  devnull.target = 1;
  spec.opens.push_back(devnull);
  pid_t child = supervise::spawn(spec);
  if (child == -1) {
    supervise::warn(prefix_, "unable to fork for " + name + "/check", errno);
    retry_later(check_retry);
    return false;
  }
  c.running = child;
  c.running_for = pid;
  return false;
}

bool dependencies::reaped(pid_t pid, int wait_status) {
  for (auto& [name, c] : checks_) {
    if (c.running != pid) continue;
    c.running = 0;
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
      c.passed_for = c.running_for;
      notify();
    } else {
      retry_later(check_retry);
    }
    return true;
  }
  return false;
}

void dependencies::watch(const std::string& name) {
  if (!inotify_ || watches_.count(name)) return;
  const std::string dir = scan_dir_ + "/" + name + "/supervise";
  int wd = ::inotify_add_watch(inotify_->native_handle(), dir.c_str(),
                               IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_CLOSE_NOWRITE | IN_DELETE_SELF);
  if (wd == -1) {
    retry_later(watch_retry);  // its runsv has not made supervise/ yet
    return;
  }
  watches_[name] = wd;
}

void dependencies::arm() {
  inotify_->async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    bool relevant = false;
    supervise::drain_inotify(inotify_->native_handle(), [&](const supervise::inotify_event_view& ev) {
      if (ev.mask & (IN_DELETE_SELF | IN_IGNORED)) {
        for (auto it = watches_.begin(); it != watches_.end(); ++it)
          if (it->second == ev.wd) {
            watches_.erase(it);
            break;
          }
        relevant = true;
      }
      if (ev.name == "status" || ev.name == "ready" || ev.name == "ok" || ev.name == "control") relevant = true;
    });
    if (relevant) notify();
    arm();
  });
}

void dependencies::retry_later(std::chrono::milliseconds delay) {
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_.expires_after(delay);
  retry_.async_wait([this](const boost::system::error_code& ec) {
    retry_armed_ = false;
    if (!ec) notify();
  });
}

void dependencies::notify() { boost::asio::post(io_, changed_); }

}  // namespace runsv

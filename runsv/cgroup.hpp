#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "supervise/fd.hpp"

// The cgroup v2 of one service, for kill-tree (kill_tree.hpp): where
// runsv's own cgroup is, the service cgroup's name, and the cgroup itself.

namespace runsv {

// Where runsv's own cgroup v2 directory is, from the texts of
// /proc/self/mountinfo and /proc/self/cgroup: below the first cgroup2
// mount that shows its "0::" path. nullopt without one.
std::optional<std::string> cgroup2_dir_of(std::string_view mountinfo, std::string_view proc_cgroup);

// The "0::" path of a /proc/PID/cgroup text; nullopt without that line.
std::optional<std::string> unified_path_of(std::string_view proc_cgroup);

// "runsv.BASENAME.PID" for the service directory `svdir`, each byte of its
// basename outside [A-Za-z0-9._-] made '_' (a cgroup name is one path
// component without a newline).
std::string service_cgroup_name(std::string_view svdir, pid_t runsv_pid);

// True for a kernel release ("6.1.0-13-amd64") of Linux 5.7 or later,
// which has clone3's CLONE_INTO_CGROUP.
bool clone_into_cgroup_release(std::string_view release);

// A cgroup v2 directory runsv made (or took over) for one service.
class service_cgroup {
 public:
  // mkdir `path` (an existing one is taken over), `rel` its "0::" path.
  // !ok() with errno set when it cannot be made or is no cgroup v2.
  service_cgroup(boost::asio::io_context& io, std::string path, std::string rel);
  // rmdir: the kernel removes only an empty cgroup.
  ~service_cgroup();
  service_cgroup(const service_cgroup&) = delete;
  service_cgroup& operator=(const service_cgroup&) = delete;

  bool ok() const noexcept { return static_cast<bool>(dir_); }
  const std::string& path() const noexcept { return path_; }
  // The O_DIRECTORY descriptor that spawn_spec::cgroup_fd takes.
  int fd() const noexcept { return dir_.get(); }
  // /proc/PID/cgroup names this cgroup.
  bool holds(pid_t pid) const;
  // A process is in it (cgroup.events "populated 1").
  bool populated() const;
  // `sig` to every process in it; KILL through cgroup.kill (Linux 5.14).
  void signal(int sig) const;
  // Blocks until it is empty, at most `limit` (not at all without inotify).
  void wait_empty(std::chrono::milliseconds limit);
  // Calls `then` at the next change of cgroup.events (inotify); false,
  // `then` dropped, without inotify: the caller polls.
  bool on_change(std::function<void()> then);

 private:
  std::vector<pid_t> procs() const;

  std::string path_;
  std::string rel_;
  supervise::fd dir_;
  boost::asio::posix::stream_descriptor events_;  // inotify on cgroup.events
};

}  // namespace runsv

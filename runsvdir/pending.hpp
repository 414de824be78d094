#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "service_table.hpp"
#include "supervise/fd.hpp"

// New services that are not complete yet (service_check.hpp), beyond runit.
// Each one's directory (and its log/) is watched with inotify: the creation
// of run, the close of its writer, a chmod wake it up. It is started once it
// is complete and nothing has happened in it for settle_time. One that never
// becomes complete is started anyway by the next full scan, as runit would
// start it, once it has waited notice_after and its run is not being
// written. At most max_watched directories are watched at a time; the others
// are looked at every unwatched_recheck, their file times standing in for
// the events.

namespace runsvdir {

inline constexpr std::chrono::milliseconds settle_time{100};
inline constexpr std::chrono::milliseconds notice_after{1000};
inline constexpr std::chrono::milliseconds unwatched_recheck{1000};
inline constexpr std::size_t max_watched = 1024;

class pending_services {
 public:
  using clock = std::chrono::steady_clock;
  // `dir` as given to runsvdir (paths of the watches), `dir_fd` its open
  // directory (the checks), `ready` starts a service that left this set.
  pending_services(boost::asio::io_context& io, std::string dir, std::string prefix, service_table& table,
                   const supervise::fd& dir_fd, std::function<void(const service_key&)> ready);
  pending_services(const pending_services&) = delete;
  pending_services& operator=(const pending_services&) = delete;

  // Starts waiting for `key`, whose entry is in the table with a name.
  void add(const service_key& key);
  // Stops waiting (the service is gone); no-op if it is not waiting.
  void remove(const service_key& key);
  // A full scan: starts every service that has waited notice_after, has
  // been quiet for settle_time and whose run is not being written.
  void regular_scan();
  std::size_t size() const noexcept { return waiting_.size(); }

 private:
  struct waiting {
    explicit waiting(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    clock::time_point since, last_event;
    int wd = -1, log_wd = -1;
    bool armed = false;
    bool noticed = false;
  };

  const std::string* name_of(const service_key& key);
  void watch(const service_key& key, waiting& w);
  void watch_log(const service_key& key, waiting& w);
  void drop_watch(int& wd, const service_key& key);
  void arm_inotify();
  void on_events();
  void touched(const service_key& key, bool log_changed);
  void arm(const service_key& key, waiting& w, clock::time_point when);
  void evaluate(const service_key& key);
  void start(const service_key& key);

  boost::asio::io_context& io_;
  std::string dir_;
  std::string prefix_;
  service_table& table_;
  const supervise::fd& dir_fd_;
  std::function<void(const service_key&)> ready_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::unordered_map<service_key, waiting, service_key_hash> waiting_;
  std::unordered_map<int, std::vector<service_key>> owners_;  // watch -> services
  std::size_t watched_ = 0;
};

}  // namespace runsvdir

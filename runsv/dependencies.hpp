#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include <chrono>
#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

// Beyond runit, s6-rc's convention: a directory dependencies.d in the service
// directory holds one file per service this one needs, named as the sibling
// service directory. ./run is started only once every dependency runs and
// is ready (supervise/ready for one with a notification-fd file; its ./check
// passing for one with a check script); runsv writes the names it waits for
// to supervise/waiting (runit's tools see a service down and wanted up).
// The order of a whole tree's stop is runsvdir's (it knows every service).
// A dependency that does not exist, on the service itself or in a cycle is
// reported once and not waited for. Changes are seen through inotify on the
// siblings' supervise directories.

namespace runsv {

class dependencies {
 public:
  // `scan_dir`: the directory holding this service and its siblings;
  // `self`: this service's name there. `changed` is called (posted) when a
  // sibling's state may have changed.
  dependencies(boost::asio::io_context& io, std::string prefix, std::string scan_dir, std::string self,
               std::function<void()> changed);
  ~dependencies();
  dependencies(const dependencies&) = delete;
  dependencies& operator=(const dependencies&) = delete;

  // Whether ./run would have to wait for a dependency; with `publish` the
  // names go to supervise/waiting, else the file is removed.
  bool must_wait(bool publish);
  // Not about to start: no supervise/waiting. Returns false.
  bool clear();
  // A child was reaped: true if it was a dependency's ./check.
  bool reaped(pid_t pid, int wait_status);

 private:
  struct check_state {
    pid_t running = 0;             // the ./check being run, 0 if none
    std::uint32_t running_for = 0; // the dependency's pid that check is about
    std::uint32_t passed_for = 0;  // the dependency's pid its ./check last passed for
  };

  std::vector<std::string> names_in(const std::string& dir) const;
  bool in_cycle(const std::string& name) const;
  bool ready(const std::string& name);
  bool check_passes(const std::string& name, std::uint32_t pid);
  void report_once(const std::string& key, const std::string& text);
  void watch(const std::string& name);
  void arm();
  void retry_later(std::chrono::milliseconds delay);
  void notify();

  boost::asio::io_context& io_;
  std::string prefix_;
  std::string scan_dir_;
  std::string self_;
  std::function<void()> changed_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::map<std::string, int> watches_;  // sibling name -> watch on its supervise/
  std::map<std::string, check_state> checks_;
  std::set<std::string> reported_;
  boost::asio::steady_timer retry_;
  bool retry_armed_ = false;
  std::string waiting_written_;  // what supervise/waiting holds ("" : no file)
};

}  // namespace runsv

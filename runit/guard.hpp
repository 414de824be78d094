#pragma once

#include <functional>

#include <boost/asio/signal_set.hpp>
#include <boost/system/error_code.hpp>

// Process 1 must outlive every handler it runs: an exception in a signal or
// timer handler is reported and swallowed, and the signal wait goes on.

namespace runit {

// Runs fn. An exception is printed as "- runit: warning: WHAT" (WHAT from
// supervise::describe_exception) and swallowed. False if fn threw.
bool guarded(const std::function<void()>& fn) noexcept;

// A timer completion handler that runs fn guarded, unless the wait was
// cancelled.
inline auto on_timer(std::function<void()> fn) {
  return [fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) guarded(fn);
  };
}

// Keeps a signal_set waiting: each signal runs on_signal(sig) guarded, and
// the next wait is armed before it runs, so a handler that throws never ends
// the watch. on_failure (if set) runs guarded after a handler threw.
class signal_watch {
 public:
  signal_watch(boost::asio::signal_set& set, std::function<void(int)> on_signal,
               std::function<void()> on_failure = {});
  // Arms the wait unless it is armed.
  void arm();
  bool armed() const noexcept { return armed_; }

 private:
  boost::asio::signal_set& set_;
  std::function<void(int)> on_signal_;
  std::function<void()> on_failure_;
  bool armed_ = false;
};

}  // namespace runit

#include "guard.hpp"

#include <exception>
#include <string>

#include <boost/asio/error.hpp>

#include "supervise/fatal.hpp"

namespace runit {

bool guarded(const std::function<void()>& fn) noexcept {
  try {
    fn();
    return true;
  } catch (...) {
    // Reporting may itself run out of memory: then a fixed line.
    try {
      supervise::write_stderr("- runit: warning: " + supervise::describe_exception(std::current_exception()) + "\n");
    } catch (...) {
      supervise::write_stderr("- runit: warning: out of memory\n");
    }
    return false;
  }
}

signal_watch::signal_watch(boost::asio::signal_set& set, std::function<void(int)> on_signal,
                           std::function<void()> on_failure)
    : set_(set), on_signal_(std::move(on_signal)), on_failure_(std::move(on_failure)) {}

void signal_watch::arm() {
  if (armed_) return;
  set_.async_wait([this](const boost::system::error_code& ec, int sig) {
    armed_ = false;
    if (ec == boost::asio::error::operation_aborted) return;
    arm();
    if (ec) return;
    if (!guarded([&] { on_signal_(sig); }) && on_failure_) guarded(on_failure_);
  });
  armed_ = true;
}

}  // namespace runit

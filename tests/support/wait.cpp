#include "wait.hpp"

#include <catch2/catch.hpp>

#include <thread>

namespace test {

bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(poll_interval);
  }
}

void wait_until(const std::function<bool()>& pred, std::string_view what,
                std::chrono::milliseconds timeout, const std::function<std::string()>& observed) {
  if (poll_until(pred, timeout)) return;
  std::string msg = "timed out after " + std::to_string(timeout.count()) + " ms waiting for " +
                    std::string(what);
  if (observed) msg += "\nlast observed: " + observed();
  FAIL(msg);
}

bool holds_for(const std::function<bool()>& pred, std::chrono::milliseconds duration) {
  auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!pred()) return false;
    std::this_thread::sleep_for(poll_interval);
  }
  return pred();
}

}  // namespace test

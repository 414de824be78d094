#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

// Waiting on conditions with deadlines instead of sleeping.

namespace test {

using namespace std::chrono_literals;

// Generous enough for a sanitized build on a busy two-core machine.
inline constexpr std::chrono::milliseconds default_timeout = 5s;
inline constexpr std::chrono::milliseconds poll_interval = 10ms;

// Polls pred about every 10 ms; true as soon as it holds, false at the deadline.
bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = default_timeout);

// As poll_until, but fails the test at the deadline with "timed out waiting
// for WHAT" and, if given, the last observed state (e.g. the stat file).
void wait_until(const std::function<bool()>& pred, std::string_view what,
                std::chrono::milliseconds timeout = default_timeout,
                const std::function<std::string()>& observed = {});

// True if pred holds at every poll for the whole duration (for "nothing else
// happens" checks, which can only be observed over a span of time).
bool holds_for(const std::function<bool()>& pred, std::chrono::milliseconds duration);

}  // namespace test

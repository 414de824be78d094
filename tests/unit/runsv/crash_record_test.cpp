// Beyond runit: runsv's core records the ends of ./run that nobody asked for
// while the service is wanted up (supervise/crashes, read by sv ready), and
// an explicit up cuts a restart-backoff delay short.

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <string>

#include "core.hpp"

namespace {

using runsv::action;
using runsv::which;
using kind = action::kind;

struct harness {
  runsv::core core{false, supervise::want::up, supervise::want::up, supervise::tai64n::from_unix(1000)};
  pid_t next_pid = 100;
  pid_t run_pid = 0;
  runsv::restart_config policy;
  std::chrono::steady_clock::time_point steady{};
  std::int64_t unix_now = 1000;

  // Performs what the supervisor would, answering spawns at once; returns
  // every action seen.
  runsv::actions drive(runsv::actions list) {
    runsv::actions seen;
    while (!list.empty()) {
      action a = list.front();
      list.erase(list.begin());
      seen.push_back(a);
      runsv::actions more;
      if (a.what == kind::spawn_run) {
        run_pid = next_pid++;
        more = core.spawned(which::main, run_pid, supervise::tai64n::from_unix(unix_now), steady);
      } else if (a.what == kind::run_control) {
        more = core.script_done(false, false);
      }
      list.insert(list.begin(), more.begin(), more.end());
    }
    return seen;
  }
  runsv::actions settle() { return drive(core.settle()); }
  runsv::actions start() {
    auto seen = drive(core.begin(which::main));
    auto more = settle();
    seen.insert(seen.end(), more.begin(), more.end());
    return seen;
  }
  runsv::actions byte(char b) {
    auto seen = drive(core.control(which::main, b));
    auto more = settle();
    seen.insert(seen.end(), more.begin(), more.end());
    return seen;
  }
  // ./run ends (exit 1), `seconds` after it started.
  runsv::actions run_ends(int seconds) {
    unix_now += seconds;
    steady += std::chrono::seconds(seconds);
    runsv::exit_facts f;
    f.wait_status = 1 << 8;
    f.now = supervise::tai64n::from_unix(unix_now);
    f.steady_now = steady;
    f.policy = policy;
    auto seen = drive(core.child_exit(run_pid, f));
    auto more = settle();
    seen.insert(seen.end(), more.begin(), more.end());
    return seen;
  }
  runsv::actions throttle_over() {
    auto seen = drive(core.throttle_expired(which::main));
    auto more = settle();
    seen.insert(seen.end(), more.begin(), more.end());
    return seen;
  }
};

std::vector<std::string> of_kind(const runsv::actions& seen, kind k) {
  std::vector<std::string> texts;
  for (const auto& a : seen)
    if (a.what == k) texts.push_back(a.text);
  return texts;
}

bool has(const runsv::actions& seen, kind k) {
  return std::any_of(seen.begin(), seen.end(), [&](const action& a) { return a.what == k; });
}

}  // namespace

TEST_CASE("runsv core: ./run ending on its own while wanted up is recorded as a crash, with count and time",
          "[runsv][unit][crashes]") {
  harness h;
  h.start();
  REQUIRE(h.run_pid != 0);
  auto seen = h.run_ends(5);
  CHECK(of_kind(seen, kind::write_crashes) == std::vector<std::string>{"1 1005\n"});
  h.throttle_over();  // (ran 5 s: no throttle; harmless)
  seen = h.run_ends(7);
  CHECK(of_kind(seen, kind::write_crashes) == std::vector<std::string>{"2 1012\n"});
}

TEST_CASE("runsv core: an end that a command asked for is no crash", "[runsv][unit][crashes]") {
  for (char command : {'d', 't', 'k', 'h', 'i', 'q', 'a', '1', '2', 'x'}) {
    INFO("sv command byte " << command);
    harness h;
    h.start();
    h.run_ends(5);  // one crash first: the counter must not move
    h.throttle_over();
    h.byte(command);
    auto seen = h.run_ends(2);
    CHECK_FALSE(has(seen, kind::write_crashes));
  }
}

TEST_CASE("runsv core: pause and cont do not excuse the next end", "[runsv][unit][crashes]") {
  harness h;
  h.start();
  h.byte('p');
  h.byte('c');
  auto seen = h.run_ends(3);
  CHECK(of_kind(seen, kind::write_crashes) == std::vector<std::string>{"1 1003\n"});
}

TEST_CASE("runsv core: a service wanted down by sv once is no crash when it ends", "[runsv][unit][crashes]") {
  harness h;
  h.start();
  h.byte('o');
  CHECK_FALSE(has(h.run_ends(3), kind::write_crashes));
}

TEST_CASE("runsv core: sv up after the restart limit gave up forgets the crashes", "[runsv][unit][crashes]") {
  harness h;
  h.policy.limit = std::make_pair(2L, 60L);
  h.start();
  h.run_ends(2);
  h.throttle_over();
  auto seen = h.run_ends(2);
  CHECK(has(seen, kind::write_policy));
  CHECK(h.core.service(which::main).status.wants == supervise::want::down);
  seen = h.byte('u');
  CHECK(has(seen, kind::reset_crashes));
  CHECK(has(seen, kind::spawn_run));
  // Another sv up while it runs and wants up changes nothing more.
  CHECK_FALSE(has(h.byte('u'), kind::reset_crashes));
}

TEST_CASE("runsv core: sv up during a restart-backoff delay starts ./run at once and the delays start again",
          "[runsv][unit][crashes][restart-policy]") {
  harness h;
  h.policy.backoff = std::make_pair(4000L, 60000L);
  h.start();
  auto seen = h.run_ends(0);
  // Waits 4 s (the backoff), not runit's 1 s.
  auto delay = std::find_if(seen.begin(), seen.end(), [](const action& a) { return a.what == kind::throttle; });
  REQUIRE(delay != seen.end());
  CHECK(delay->delay == std::chrono::milliseconds(4000));
  seen = h.byte('u');
  CHECK(has(seen, kind::spawn_run));
  CHECK(has(seen, kind::reset_crashes));
  // The old timer firing later starts nothing more.
  CHECK_FALSE(has(h.throttle_over(), kind::spawn_run));
  seen = h.run_ends(0);
  delay = std::find_if(seen.begin(), seen.end(), [](const action& a) { return a.what == kind::throttle; });
  REQUIRE(delay != seen.end());
  CHECK(delay->delay == std::chrono::milliseconds(4000));  // from the first delay again, not 8 s
}

TEST_CASE("runsv core: sv up during runit's one-second throttle still waits for it", "[runsv][unit][crashes]") {
  harness h;
  h.start();
  h.run_ends(0);  // ran under a second: runit waits a second before the restart
  CHECK_FALSE(has(h.byte('u'), kind::spawn_run));
  CHECK(has(h.throttle_over(), kind::spawn_run));
}

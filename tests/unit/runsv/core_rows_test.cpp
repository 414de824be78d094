// runsv's core, one row of tests/data/runsv_transitions.tsv at a time: the
// core is driven through the row's setup and byte by a simulated world (the
// children and control scripts of the row's service, answering at once),
// and its actions and the resulting observation must be the row's. The
// same rows are replayed on Debian's runsv by
// tests/interop/runsv_rows_interop_test.cpp.
//
// RUNSV_ROWS_WRITE=FILE writes the table from the core instead of checking
// it (after a deliberate change of behaviour; the interop test then says
// whether Debian's runsv agrees).

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "runsv_rows.hpp"
#include "runsv_world.hpp"

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s;
}

test::transition_row compute(const std::string& config, const std::string& setup, char byte) {
  test::runsv_world w(test::parse_config(config));
  for (char b : setup) w.send(b, nullptr);
  std::vector<std::string> trace;
  w.send(byte, &trace);
  return {config, setup, byte, join(trace), w.seen()};
}

// The services and states of the table: each configuration with the bytes
// that lead to the state. ./run ends only on KILL, so "d" leaves it running
// with TERM sent, "x" with want exit, "k" restarts it (or runs ./finish).
struct start_state {
  std::string config;
  std::string setup;
};

std::vector<start_state> start_states() {
  std::vector<start_state> s;
  for (std::string variant : {"-", "log", "c0", "c1"}) {
    auto with = [&](std::string extra) {
      if (variant == "-") return extra.empty() ? std::string("-") : extra;
      return extra.empty() ? variant : variant + " " + extra;
    };
    s.push_back({with(""), ""});        // run
    s.push_back({with(""), "p"});       // run, paused
    s.push_back({with(""), "d"});       // run, got TERM, want down
    s.push_back({with(""), "x"});       // run, got TERM, want exit
    s.push_back({with("down"), ""});    // down, want down
    s.push_back({with("finish"), "k"}); // finish, want up
    s.push_back({with("finish"), "dk"});// finish, want down
    s.push_back({with("k0"), "k"});     // down, want up, the ./run that 'k' left kept
  }
  return s;
}

}  // namespace

TEST_CASE("runsv's core does what each row of the transition table says", "[unit][runsv][rows]") {
  if (const char* out = std::getenv("RUNSV_ROWS_WRITE")) {
    std::vector<test::transition_row> rows;
    for (const auto& st : start_states())
      for (const std::string& bytes : {std::string(test::control_bytes), std::string(test::event_bytes)})
        for (char b : bytes) rows.push_back(compute(st.config, st.setup, b));
    test::save_transitions(out, rows);
    WARN("wrote " << rows.size() << " rows to " << out);
    return;
  }
  auto rows = test::load_transitions();
  REQUIRE(rows.size() >= 400);
  for (const auto& r : rows) {
    INFO("config \"" << r.config << "\", setup \"" << r.setup << "\", byte " << r.byte);
    auto got = compute(r.config, r.setup, r.byte);
    CHECK(got.actions == r.actions);
    CHECK(got.seen == r.seen);
  }
}

TEST_CASE("the transition table covers every control byte and event in every start state", "[unit][runsv][rows]") {
  auto rows = test::load_transitions();
  std::map<std::string, std::string> bytes;  // config + setup -> bytes seen
  for (const auto& r : rows) bytes[r.config + " / " + r.setup] += r.byte;
  for (const auto& st : start_states()) {
    INFO("config \"" << st.config << "\", setup \"" << st.setup << "\"");
    auto& b = bytes[st.config + " / " + st.setup];
    std::sort(b.begin(), b.end());
    std::string want = std::string(test::control_bytes) + test::event_bytes;
    std::sort(want.begin(), want.end());
    CHECK(b == want);
  }
}

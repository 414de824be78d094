// The restart throttle (supervise-protocol.md §7) and our extension: a
// throttled service still obeys its control FIFO at once.

#include <catch2/catch.hpp>

#include <sys/time.h>

#include "fixture.hpp"

using namespace test;

namespace {

double now_unix() {
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

double status_time(const status_record& st) {
  return static_cast<double>(st.unix_seconds()) + static_cast<double>(st.nano) / 1e9;
}

}  // namespace

TEST_CASE("a run that exits at once is not restarted immediately as the down state lasts", "[runsv][throttle]") {
  service_fixture f;
  write_script(f.at("run"), "echo $$ >> starts\ndate +%s.%N >> start.times\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();

  std::vector<double> down_times;
  for (std::size_t round = 1; round <= 2; ++round) {
    INFO("start " << round);
    wait_until([&] { return f.lines("start.times").size() >= round; }, "a start", default_timeout,
               [&] { return describe_state(f.svc); });
    // Down with want up, and it stays so across many polls: without the
    // throttle the next start would follow within a millisecond.
    wait_state(f.svc, "down\n", flags_hex(0, 'u', 0, 0));
    auto down = read_status(f.svc);
    REQUIRE(down);
    down_times.push_back(status_time(*down));
    CHECK(holds_for([&] { return read_stat(f.svc) == "down\n" && f.lines("starts").size() == round; }, 200ms));
  }
  // The second start came about a second after the first down. Only a
  // generous lower bound: a slow machine makes it later, never sooner.
  auto times = f.lines("start.times");
  REQUIRE(times.size() >= 2);
  double second_start = std::stod(times[1]);
  CHECK(second_start - down_times[0] >= 0.5);
}

TEST_CASE("extension d during the restart throttle takes effect at once", "[runsv][throttle][extension]") {
  service_fixture f;
  write_script(f.at("run"), "echo $$ >> starts\nexit 1\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();

  // Send d right after a down is written (retrying on the next cycle if this
  // test itself was too slow to notice it), then require the effect well
  // before runit's blocking one-second sleep would end.
  bool sent = false;
  double down_at = 0, sent_at = 0;
  for (int attempt = 0; attempt < 5 && !sent; ++attempt) {
    std::optional<status_record> st;
    std::size_t starts = f.lines("starts").size();
    wait_until(
        [&] {
          st = read_status(f.svc);
          return st && st->state == 0 && f.lines("starts").size() > starts;
        },
        "the service to go down after a start", default_timeout, [&] { return describe_state(f.svc); });
    down_at = status_time(*st);
    sent_at = now_unix();
    if (sent_at - down_at < 0.2) {
      send_control(f.svc, "d");
      sent = true;
    }
  }
  REQUIRE(sent);
  std::size_t starts = f.lines("starts").size();
  // Down and wanted down, with no start in between: a runsv that slept
  // through its throttle (runit's) would have started ./run once more
  // before reading the d. No deadline on the effect itself (no timing
  // assertion): the count of starts tells which came first.
  wait_until(
      [&] {
        auto st = read_status(f.svc);
        return st && st->flags_hex() == flags_hex(0, 'd', 0, 0) && read_stat(f.svc) == "down\n";
      },
      "down, wanted down", default_timeout, [&] { return describe_state(f.svc); });
  INFO("d sent " << (sent_at - down_at) << " s after the down; now " << describe_state(f.svc));
  CHECK(f.lines("starts").size() == starts);
  // And the throttled restart does not come later either (it was due one
  // second after the down).
  CHECK(holds_for([&] { return f.lines("starts").size() == starts; }, 1500ms));
}

// runit's guarded dispatch: an exception in a handler is a warning, and the
// signal wait goes on (process 1 must outlive its handlers).

#include <catch2/catch.hpp>

#include <csignal>
#include <new>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "guard.hpp"
#include "../unit_support.hpp"

using namespace std::chrono_literals;

TEST_CASE("guarded runs the function and reports whether it threw", "[runit-guard]") {
  int calls = 0;
  unit::stderr_capture err;
  CHECK(runit::guarded([&] { ++calls; }));
  CHECK(err.stop() == "");
  CHECK(calls == 1);
}

TEST_CASE("guarded turns an exception into a runit warning and swallows it", "[runit-guard]") {
  auto [thrower, line] = GENERATE(table<std::function<void()>, std::string>({
      {[] { throw std::runtime_error("boom"); }, "- runit: warning: boom\n"},
      {[] { throw std::bad_alloc(); }, "- runit: warning: out of memory\n"},
      {[] { throw 42; }, "- runit: warning: unexpected error\n"},
  }));
  unit::stderr_capture err;
  CHECK_FALSE(runit::guarded(thrower));
  CHECK(err.stop() == line);
}

TEST_CASE("on_timer runs its function guarded, and not when the wait is cancelled", "[runit-guard]") {
  boost::asio::io_context io;
  boost::asio::steady_timer fired(io), cancelled(io);
  int runs = 0;
  fired.expires_after(0ms);
  fired.async_wait(runit::on_timer([&] {
    ++runs;
    throw std::runtime_error("timer handler failed");
  }));
  cancelled.expires_after(1h);
  cancelled.async_wait(runit::on_timer([&] { runs += 100; }));
  cancelled.cancel();
  unit::stderr_capture err;
  CHECK_NOTHROW(io.run());
  CHECK(err.stop() == "- runit: warning: timer handler failed\n");
  CHECK(runs == 1);
}

TEST_CASE("signal_watch keeps waiting after a handler throws, and runs on_failure", "[runit-guard]") {
  boost::asio::io_context io;
  boost::asio::signal_set set(io, SIGUSR1);
  int seen = 0, failures = 0;
  runit::signal_watch watch(
      set,
      [&](int sig) {
        CHECK(sig == SIGUSR1);
        if (++seen == 1) throw std::runtime_error("handler failed");
      },
      [&] { ++failures; });
  watch.arm();
  CHECK(watch.armed());
  unit::stderr_capture err;
  ::raise(SIGUSR1);
  for (int i = 0; i < 500 && seen < 1; ++i) io.run_one_for(10ms);
  REQUIRE(seen == 1);
  CHECK(watch.armed());  // re-armed although the handler threw
  ::raise(SIGUSR1);
  for (int i = 0; i < 500 && seen < 2; ++i) io.run_one_for(10ms);
  CHECK(seen == 2);
  CHECK(failures == 1);
  CHECK(err.stop() == "- runit: warning: handler failed\n");
  CHECK(watch.armed());
}

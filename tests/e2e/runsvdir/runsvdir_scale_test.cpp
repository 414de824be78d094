// runsvdir past runit's limit of 1000 services, and what it costs while idle.

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <thread>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

// Polls every 200 ms: one look at 2000+ processes is not free.
bool poll_slowly(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

}  // namespace

TEST_CASE("1200 services are started and stopped without one lost or doubled", "[runsvdir][scale]") {
  constexpr int count = 1200;  // past runit's limit of 1000
  // Our runsvdir with Debian's runsv: what is tested is the scan, and 1200
  // sanitizer-built runsv would cost gigabytes.
  runsvdir_tree tree(reference_bin("runsv"));
  runsvdir_instance rd(tree, {tree.service()});
  rd.barrier(tree, "s0");
  // One run script for all; each service is built in the stage and renamed in.
  write_script(tree.root() + "/run", "exec sleep 1000\n");
  for (int i = 1; i < count; ++i) {
    std::string name = "s" + std::to_string(i);
    std::string staged = tree.stage() + "/" + name;
    make_dir(staged);
    REQUIRE(::symlink((tree.root() + "/run").c_str(), (staged + "/run").c_str()) == 0);
    REQUIRE(::rename(staged.c_str(), tree.svc(name).c_str()) == 0);
  }

  std::map<std::string, int> seen;
  auto census = [&] {
    rd.proc().drain();
    seen.clear();
    for (const auto& [name, pid] : rd.runsv_children()) ++seen[name];
  };
  auto describe = [&] {
    int doubled = 0;
    for (const auto& [name, n] : seen)
      if (n > 1) ++doubled;
    return std::to_string(seen.size()) + " names with a runsv, " + std::to_string(doubled) +
           " doubled; runsvdir stderr: " + rd.proc().err().substr(0, 2000);
  };
  bool all_up = poll_slowly(
      [&] {
        census();
        return seen.size() == count;
      },
      60s);
  INFO(describe());
  REQUIRE(all_up);
  for (const auto& [name, n] : seen) {
    INFO(name);
    CHECK(n == 1);
  }
  // Every one of them runs its service.
  bool all_run = poll_slowly(
      [&] {
        for (int i = 0; i < count; ++i)
          if (read_stat(tree.svc("s" + std::to_string(i))) != "run\n") return false;
        return true;
      },
      60s);
  CHECK(all_run);
  census();
  CHECK(seen.size() == count);
  CHECK(rd.proc().err().empty());

  // Stop them all by moving every service out.
  std::vector<pid_t> runsvs;
  for (const auto& [name, pid] : rd.runsv_children()) runsvs.push_back(pid);
  for (int i = 0; i < count; ++i) {
    std::string name = "s" + std::to_string(i);
    REQUIRE(::rename(tree.svc(name).c_str(), (tree.stage() + "/" + name).c_str()) == 0);
  }
  bool all_gone = poll_slowly(
      [&] {
        census();
        if (!seen.empty()) return false;
        for (pid_t p : runsvs)
          if (alive(p)) return false;
        return true;
      },
      60s);
  INFO(describe());
  CHECK(all_gone);
  bool all_down = poll_slowly(
      [&] {
        for (int i = 0; i < count; ++i)
          if (read_stat(tree.stage() + "/s" + std::to_string(i)) != "down\n") return false;
        return true;
      },
      60s);
  CHECK(all_down);
  CHECK_FALSE(rd.proc().poll_exit());
}

TEST_CASE("idle runsvdir and runsv do not wake up", "[runsvdir][idle]") {
  constexpr int count = 10;
  runsvdir_tree tree(runsv_under_test());
  for (int i = 0; i < count; ++i) tree.add_service("s" + std::to_string(i));
  runsvdir_instance rd(tree, {tree.service()});
  for (int i = 0; i < count; ++i) {
    rd.wait_runsv("s" + std::to_string(i));
    wait_stat(tree.svc("s" + std::to_string(i)), "run\n");
  }
  std::vector<pid_t> watched{rd.pid()};
  for (const auto& [name, pid] : rd.runsv_children()) watched.push_back(pid);
  REQUIRE(watched.size() == count + 1);
  // The services have just started; let every runsv reach its idle wait
  // (after a start runsv has nothing left to do but wait).
  auto sample = [&] {
    std::vector<std::uint64_t> v;
    for (pid_t p : watched) v.push_back(context_switches(p).value_or(0));
    return v;
  };
  auto before = sample();
  wait_until(
      [&] {
        auto now = sample();
        bool same = now == before;
        before = now;
        return same;
      },
      "the tree to settle");

  // The measurement: a fixed window, not a wait for something to happen.
  // runit's runsvdir polls every 5 s, so 6 s always holds one of its wakeups;
  // ours wakes only for events and for its 60 s rescan, which lies outside
  // this window (runsvdir started less than 60 s ago).
  before = sample();
  std::this_thread::sleep_for(6s);
  auto after = sample();
  std::uint64_t woke = 0;
  for (std::size_t i = 0; i < watched.size(); ++i) {
    INFO("pid " << watched[i] << (i == 0 ? " (runsvdir)" : " (runsv)"));
    CHECK(after[i] == before[i]);
    woke += after[i] - before[i];
  }
  CHECK(woke == 0);
}

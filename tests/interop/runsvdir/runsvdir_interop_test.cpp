// runsvdir and runsv across implementations: Debian's runsv and sv under
// our runsvdir, our runsv under Debian's runsvdir, and the same steps run
// with both runsvdir compared.

#include <catch2/catch.hpp>

#include <filesystem>

#include <csignal>
#include <thread>
#include <unistd.h>

#include "runsvdir_support.hpp"
#include "service.hpp"

using namespace test;

namespace {

struct pairing {
  const char* what;
  std::string runsvdir;
  std::string runsv;
};

std::vector<pairing> pairings() {
  return {{"our runsvdir, Debian's runsv", runsvdir_under_test(), reference_bin("runsv")},
          {"Debian's runsvdir, our runsv", reference_bin("runsvdir"), runsv_under_test()},
          {"our runsvdir, our runsv", runsvdir_under_test(), runsv_under_test()}};
}

// Debian's runsvdir polls every 5 s (plus a second for a change in the
// current second): deadlines for its pickups.
constexpr auto pickup = 15s;

}  // namespace

TEST_CASE("services come and go under each runsvdir with each runsv", "[runsvdir][interop]") {
  for (const auto& p : pairings()) {
    SECTION(p.what) {
      runsvdir_tree tree(p.runsv);
      tree.add_service("a");
      runsvdir_instance rd(tree, {tree.service()}, p.runsvdir);
      pid_t a = rd.wait_runsv("a", pickup);
      wait_stat(tree.svc("a"), "run\n", pickup);
      // The file itself: the program may be a link (the multi-call build's).
      CHECK(read_link("/proc/" + std::to_string(a) + "/exe") ==
            std::filesystem::canonical(tree.bin() + "/runsv").string());

      tree.add_service("b");
      rd.wait_runsv("b", pickup);
      wait_stat(tree.svc("b"), "run\n", pickup);

      REQUIRE(::rename(tree.svc("a").c_str(), (tree.stage() + "/a").c_str()) == 0);
      rd.wait_gone(a, pickup);
      CHECK(read_stat(tree.stage() + "/a") == "down\n");
      CHECK(rd.runsv_for("b").size() == 1);
      CHECK(rd.runsv_children().size() == 1);
    }
  }
}

TEST_CASE("Debian sv controls services under our runsvdir and Debian runsv", "[runsvdir][interop]") {
  runsvdir_tree tree(reference_bin("runsv"));
  tree.add_service("a");
  runsvdir_instance rd(tree, {tree.service()});
  pid_t first = rd.wait_runsv("a");
  wait_stat(tree.svc("a"), "run\n");
  const std::string sv = reference_bin("sv");
  spawn_options o;
  o.env = {"SVDIR=" + tree.service()};

  auto r = run({sv, "-w", "5", "down", "a"}, o);
  CHECK(r.status.exit_code() == 0);
  CHECK(r.out.starts_with("ok: down: a: "));
  r = run({sv, "-w", "5", "up", "a"}, o);
  CHECK(r.status.exit_code() == 0);
  CHECK(r.out.starts_with("ok: run: a: "));

  // sv exit ends runsv; runsvdir starts a new one, and sv sees it.
  r = run({sv, "exit", "a"}, o);
  CHECK(r.status.exit_code() == 0);
  rd.wait_gone(first);
  wait_until(
      [&] {
        auto now = rd.runsv_for("a");
        return now.size() == 1 && now[0] != first;
      },
      "runsvdir to start runsv a again", 10s);
  wait_stat(tree.svc("a"), "run\n");
  r = run({sv, "status", "a"}, o);
  CHECK(r.status.exit_code() == 0);
  CHECK(r.out.starts_with("run: a: (pid "));
}

TEST_CASE("HUP and TERM exit codes agree with Debian runsvdir", "[runsvdir][interop][signals]") {
  for (auto [sig, code] : {std::pair{SIGHUP, 111}, std::pair{SIGTERM, 0}}) {
    for (const auto& bin : {runsvdir_under_test(), reference_bin("runsvdir")}) {
      INFO(bin << " signal " << sig);
      runsvdir_tree tree(reference_bin("runsv"));
      tree.add_service("a");
      runsvdir_instance rd(tree, {tree.service()}, bin);
      pid_t a = rd.wait_runsv("a", pickup);
      wait_stat(tree.svc("a"), "run\n", pickup);
      rd.proc().signal(sig);
      auto st = rd.proc().wait_exit(15s);
      REQUIRE(st);
      CHECK(st->exit_code() == code);
      if (sig == SIGHUP) {
        rd.wait_gone(a);
      } else {
        CHECK(alive(a));
        kill_tree(a);
      }
    }
  }
}

TEST_CASE("runsvdir usage agrees with Debian runsvdir", "[runsvdir][interop][cli]") {
  for (auto args : {std::vector<std::string>{}, std::vector<std::string>{"-P"}}) {
    std::vector<std::string> ours{runsvdir_under_test()}, theirs{reference_bin("runsvdir")};
    ours.insert(ours.end(), args.begin(), args.end());
    theirs.insert(theirs.end(), args.begin(), args.end());
    auto a = run(ours);
    auto b = run(theirs);
    INFO("argc " << ours.size());
    CHECK(a.status.exit_code() == b.status.exit_code());
    CHECK(a.err == "usage: " + ours[0] + " [-P] dir\n\n");
    CHECK(b.err == "usage: " + theirs[0] + " [-P] dir\n\n");
    CHECK(a.out == b.out);
  }
}

TEST_CASE("the title after the first scan shows its messages and then the first dot as Debian runsvdir does",
          "[runsvdir][interop][title]") {
  // runit writes the first '.' at the end of its first loop iteration, after
  // the first scan, so with a dangling symlink present at startup the title
  // ends with the warning followed by the dot.
  const std::string log = "log: " + std::string(120, 'x');
  const std::string warning = "runsvdir service: warning: unable to stat dangling: file does not exist\n";
  std::string all = log.substr(5) + warning + ".";
  const std::string expected = "log: " + all.substr(all.size() - (log.size() - 5));
  for (const auto& bin : {reference_bin("runsvdir"), runsvdir_under_test()}) {
    INFO(bin);
    runsvdir_tree tree(runsv_under_test());
    REQUIRE(::symlink("/nonexistent-runsvdir-target", tree.svc("dangling").c_str()) == 0);
    // The same DIR text on both sides ("service", relative): it is part of the message.
    runsvdir_instance rd(tree, {"service", log}, bin);
    std::string first;
    wait_until(
        [&] {
          first = rd.title();
          return first.find("exist") != std::string::npos;
        },
        "the warning in the title", pickup, [&] { return rd.title(); });
    // Debian repeats the warning only at its next poll, 5 s on; ours scans
    // again only on events. What the title shows after the first scan:
    bool as_runit = poll_until([&] { return rd.title() == expected; }, 2s);
    INFO("title: " << rd.title());
    CHECK(as_runit);
    CHECK(rd.title().size() == log.size());
  }
}

TEST_CASE("the idle measurement sees the poll of Debian runsvdir", "[runsvdir][interop][idle]") {
  // The counterpart of the e2e idle test: the same 6 s window over Debian's
  // runsvdir must count its 5 s poll, or the e2e test would prove nothing.
  runsvdir_tree tree(reference_bin("runsv"));
  tree.add_service("a");
  runsvdir_instance rd(tree, {tree.service()}, reference_bin("runsvdir"));
  rd.wait_runsv("a", pickup);
  wait_stat(tree.svc("a"), "run\n", pickup);
  auto before = context_switches(rd.pid());
  REQUIRE(before);
  std::this_thread::sleep_for(6s);  // the measurement window, as in the e2e test
  auto after = context_switches(rd.pid());
  REQUIRE(after);
  CHECK(*after > *before);
}

// Beyond runit: dependencies.d (s6-rc's convention). A service starts only
// once every sibling named in its dependencies.d runs and is ready; runsv
// says what it waits for in supervise/waiting, shown by our sv; a missing
// dependency or a cycle is reported once and not waited for; a whole-tree
// stop by runsvdir (HUP here; a container's TERM in the PID 1 tests) stops
// dependants before what they depend on.

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include "fixture.hpp"
#include "runsvdir_support.hpp"
#include "service.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

void depends(const runsvdir_tree& tree, const std::string& stage_dir, const std::string& on) {
  make_dir(stage_dir + "/dependencies.d");
  write_file(stage_dir + "/dependencies.d/" + on, "");
  (void)tree;
}

// db <- app <- web in the tree's service directory: each records its TERM
// in ROOT/order, takes a moment to stop, then records its end (its
// background sleep killed too: nothing outlives the test). Returns the path
// of that file.
std::string stop_chain(const runsvdir_tree& tree) {
  const std::string order = tree.root() + "/order";
  auto body = [&](const std::string& name) {
    return "sleep 1000 & s=$!\ntrap 'echo " + name + " term >> " + order + "; sleep 0.3; echo " + name + " end >> " +
           order + "; kill $s; exit 0' TERM\nwait\n";
  };
  for (std::string n : {"db", "app", "web"}) tree.stage_service(n, body(n));
  depends(tree, tree.stage() + "/app", "db");
  depends(tree, tree.stage() + "/web", "app");
  for (std::string n : {"db", "app", "web"}) ::rename((tree.stage() + "/" + n).c_str(), tree.svc(n).c_str());
  return order;
}

sv_result our_sv(const runsvdir_tree& tree, std::vector<std::string> args) {
  sv_spawn opts;
  opts.env = {"SVDIR=" + tree.service()};
  args.insert(args.begin(), sv_under_test());
  return run_sv(args, opts);
}

}  // namespace

TEST_CASE("dependencies.d: a service starts only once its dependency runs and has signalled readiness",
          "[runsv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  // db is ready once the test creates db/go; web records whether db was
  // ready when web started.
  auto db = tree.stage_service("db", "while [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000\n");
  write_file(db + "/notification-fd", "3\n");
  auto web = tree.stage_service(
      "web", "if [ -e ../db/supervise/ready ]; then echo db-ready; else echo db-not-ready; fi >> started\n"
             "exec sleep 1000\n");
  depends(tree, web, "db");
  ::rename(db.c_str(), tree.svc("db").c_str());
  ::rename(web.c_str(), tree.svc("web").c_str());
  runsvdir_instance rd(tree, {tree.service()});
  wait_state(tree.svc("db"), "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return read_file(tree.svc("web") + "/supervise/waiting").value_or("") == "db\n"; },
             "web to wait for db");
  CHECK(read_stat(tree.svc("web")) == "down\n");
  auto st = our_sv(tree, {"status", "web"});
  CHECK(mask_sv(st.out) == "down: web: Xs, normally up, want up, waiting for db\n");
  auto js = our_sv(tree, {"-j", "status", "web"});
  CHECK(js.out.find("\"waiting_for\":[\"db\"]") != std::string::npos);
  auto ready = our_sv(tree, {"ready", "web"});
  CHECK(mask_sv(ready.out) == "fail: down: web: Xs, normally up, want up, waiting for db\n");

  write_file(tree.svc("db") + "/go", "");
  wait_state(tree.svc("web"), "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return !read_lines(tree.svc("web") + "/started").empty(); }, "web's ./run to write");
  CHECK(read_lines(tree.svc("web") + "/started") == std::vector<std::string>{"db-ready"});
  CHECK_FALSE(exists(tree.svc("web") + "/supervise/waiting"));
  CHECK(mask_sv(our_sv(tree, {"status", "web"}).out) == "run: web: (pid X) Xs\n");
}

TEST_CASE("dependencies.d: a dependency with a ./check is ready once its check passes",
          "[runsv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  auto db = tree.stage_service("db");
  write_script(db + "/check", "exec test -e go\n");
  auto web = tree.stage_service("web", "echo started >> started\nexec sleep 1000\n");
  depends(tree, web, "db");
  ::rename(db.c_str(), tree.svc("db").c_str());
  ::rename(web.c_str(), tree.svc("web").c_str());
  runsvdir_instance rd(tree, {tree.service()});
  wait_state(tree.svc("db"), "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return read_file(tree.svc("web") + "/supervise/waiting").value_or("") == "db\n"; },
             "web to wait for db's check");
  CHECK_FALSE(exists(tree.svc("web") + "/started"));
  write_file(tree.svc("db") + "/go", "");
  wait_state(tree.svc("web"), "run\n", flags_hex(0, 'u', 0, 1));
}

TEST_CASE("dependencies.d: sv once waits for the dependencies too", "[runsv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  auto db = tree.stage_service("db");
  write_file(db + "/down", "");
  auto job = tree.stage_service("job", "echo ran >> ran\nexec sleep 1000\n");
  write_file(job + "/down", "");
  depends(tree, job, "db");
  ::rename(db.c_str(), tree.svc("db").c_str());
  ::rename(job.c_str(), tree.svc("job").c_str());
  runsvdir_instance rd(tree, {tree.service()});
  wait_state(tree.svc("db"), "down\n", flags_hex(0, 'd', 0, 0));
  wait_state(tree.svc("job"), "down\n", flags_hex(0, 'd', 0, 0));
  send_control(tree.svc("job"), "o");
  wait_until([&] { return read_file(tree.svc("job") + "/supervise/waiting").value_or("") == "db\n"; },
             "job to wait for db");
  CHECK_FALSE(exists(tree.svc("job") + "/ran"));
  send_control(tree.svc("db"), "u");
  wait_state(tree.svc("job"), "run, want down\n", flags_hex(0, 'd', 0, 1));
}

TEST_CASE("dependencies.d: a missing dependency and a cycle are reported once and not waited for",
          "[runsv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  auto lone = tree.stage_service("lone");
  depends(tree, lone, "nosuch");
  auto a = tree.stage_service("a");
  depends(tree, a, "b");
  auto b = tree.stage_service("b");
  depends(tree, b, "a");
  for (std::string n : {"lone", "a", "b"}) ::rename((tree.stage() + "/" + n).c_str(), tree.svc(n).c_str());
  runsvdir_instance rd(tree, {tree.service()});
  for (std::string n : {"lone", "a", "b"}) wait_state(tree.svc(n), "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return count_of(rd.proc().err(), "a dependency cycle") == 2; }, "both cycle warnings", 10s,
             [&] { return "stderr: " + rd.proc().err(); });
  const std::string err = rd.proc().err();
  INFO("stderr: " << err);
  CHECK(count_of(err, "runsv lone: warning: dependency nosuch: no such service in " + tree.service() +
                          ", not waited for\n") == 1);
  CHECK(count_of(err, "runsv a: warning: dependency b: a dependency cycle, not waited for\n") == 1);
  CHECK(count_of(err, "runsv b: warning: dependency a: a dependency cycle, not waited for\n") == 1);
}

TEST_CASE("dependencies.d: runsvdir's HUP stops dependants first, then what they need, and exits 111",
          "[runsv][runsvdir][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string order = stop_chain(tree);
  runsvdir_instance rd(tree, {tree.service()});
  for (std::string n : {"db", "app", "web"}) wait_state(tree.svc(n), "run\n", flags_hex(0, 'u', 0, 1));
  rd.proc().signal(SIGHUP);
  auto st = rd.proc().wait_exit(15s);
  REQUIRE(st);
  CHECK(st->exit_code() == 111);
  CHECK(read_lines(order) ==
        std::vector<std::string>{"web term", "web end", "app term", "app end", "db term", "db end"});
}

TEST_CASE("dependencies.d: a dependency taken down later leaves its dependant running, and the dependant's next start waits",
          "[runsv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  auto db = tree.stage_service("db");
  auto web = tree.stage_service("web");
  depends(tree, web, "db");
  ::rename(db.c_str(), tree.svc("db").c_str());
  ::rename(web.c_str(), tree.svc("web").c_str());
  runsvdir_instance rd(tree, {tree.service()});
  auto first = wait_state(tree.svc("web"), "run\n", flags_hex(0, 'u', 0, 1));
  send_control(tree.svc("db"), "d");
  wait_state(tree.svc("db"), "down\n", flags_hex(0, 'd', 0, 0));
  // No cascade: web goes on (the decision documented in runsv.8).
  CHECK(read_status(tree.svc("web"))->pid == first.pid);
  CHECK(read_stat(tree.svc("web")) == "run\n");
  // Restarted (sv restart), web waits for db again.
  send_control(tree.svc("web"), "t");
  wait_until([&] { return read_file(tree.svc("web") + "/supervise/waiting").value_or("") == "db\n"; },
             "web to wait for db again");
  CHECK(read_stat(tree.svc("web")) == "down\n");
  send_control(tree.svc("db"), "u");
  auto second = wait_state(tree.svc("web"), "run\n", flags_hex(0, 'u', 0, 1));
  CHECK(second.pid != first.pid);
}

TEST_CASE("dependencies.d: sv -w force-stop of a whole tree (runit's stage 3) stops dependants first",
          "[runsv][sv][extension][dependencies]") {
  runsvdir_tree tree(runsv_under_test());
  const std::string order = stop_chain(tree);
  runsvdir_instance rd(tree, {tree.service()});
  for (std::string n : {"db", "app", "web"}) wait_state(tree.svc(n), "run\n", flags_hex(0, 'u', 0, 1));
  // In runit's order of arguments (a glob sorts them: app db web).
  auto r = our_sv(tree, {"-w", "10", "force-stop", tree.svc("app"), tree.svc("db"), tree.svc("web")});
  CHECK(r.code == 0);
  CHECK(read_lines(order) ==
        std::vector<std::string>{"web term", "web end", "app term", "app end", "db term", "db end"});
  // Each layer's lines: web, then app, then db.
  CHECK(mask_sv(r.out, tree.root()) == "ok: down: ROOT/service/web: Xs, normally up\n"
                                       "ok: down: ROOT/service/app: Xs, normally up\n"
                                       "ok: down: ROOT/service/db: Xs, normally up\n");
}

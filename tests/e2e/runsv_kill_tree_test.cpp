// Beyond runit: kill-tree. With the file, every end of ./run reaches the
// processes it started (its process group): what is left once ./run exited
// gets TERM, then KILL after timeout-kill, and ./finish runs only once the
// group is gone. Without it, runit's behaviour: only ./run's pid is signalled.

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>

#include "fixture.hpp"
#include "kill_tree_support.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

bool group_alive(pid_t pgid) { return pgid > 0 && (::kill(-pgid, 0) == 0 || errno != ESRCH); }

pid_t main_pid(service_fixture& f) {
  auto st = wait_running_other_than(f.svc, 0, 10s);
  return static_cast<pid_t>(st.pid);
}

}  // namespace

TEST_CASE("kill-tree: sv down ends a pipeline and a background child that ./run started",
          "[runsv][extension][kill-tree]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  // ./run is the shell; sleep and cat are its children, in its group.
  write_script(f.at("run"), "sleep 1000 & echo $! >> kids\nsleep 1001 | cat\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  pid_t run = main_pid(f);
  wait_until([&] { return kids.get().size() == 1; }, "the background child");
  CHECK(::getpgid(run) == run);  // a group (and session) of its own
  CHECK(::getsid(run) == run);
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK_FALSE(group_alive(run));
  CHECK_FALSE(pid_exists(kids.get().at(0)));
}

TEST_CASE("kill-tree: a child that ignores TERM gets KILL after timeout-kill, and ./finish runs after it is gone",
          "[runsv][extension][kill-tree][timeout-kill]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_file(f.at("timeout-kill"), "300\n");
  write_script(f.at("run"), "(trap '' TERM; exec sleep 1000) & echo $! >> kids\nwait\n");
  write_script(f.at("finish"),
               "if kill -0 $(cat kids) 2>/dev/null; then echo child alive; else echo child gone; fi >> finish.log\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  main_pid(f);
  wait_until([&] { return kids.get().size() == 1; }, "the background child");
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(f.lines("finish.log") == std::vector<std::string>{"child gone"});
  CHECK_FALSE(pid_exists(kids.get().at(0)));
}

TEST_CASE("kill-tree: an npm-style chain sh -> sh -> sleep is ended by a restart, and the new ./run starts after",
          "[runsv][extension][kill-tree]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  // Neither shell execs: the grandchild is two levels down.
  write_script(f.at("run"), "echo $$ >> starts\nsh -c 'sh -c \"echo \\$\\$ >> kids; sleep 1000\"; true'\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return kids.get().size() == 1; }, "the grandchild");
  const pid_t first = kids.get().at(0);
  send_control(f.svc, "t");  // restart: want up
  wait_until([&] { return kids.get().size() == 2; }, "a second grandchild", 10s);
  CHECK_FALSE(pid_exists(first));
  CHECK(f.lines("starts").size() == 2);
}

TEST_CASE("kill-tree: a ./run that ends on its own leaves nothing behind before the restart",
          "[runsv][extension][kill-tree]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"), "sleep 1000 & echo $! >> kids\nexec sleep 0.2\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return kids.get().size() >= 2; }, "a restart", 10s);
  CHECK_FALSE(pid_exists(kids.get().at(0)));
}

TEST_CASE("kill-tree: sv exit with a log service: the background child holding the log pipe is ended and runsv exits",
          "[runsv][extension][kill-tree][log]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  // The background sleep keeps the log pipe (its stdout) open.
  write_script(f.at("run"), "sleep 1000 & echo $! >> kids\nexec sleep 1001\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec cat > /dev/null\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_until([&] { return kids.get().size() == 1; }, "the background child");
  send_control(f.svc, "x");
  auto st = rs.wait_exit(10s);
  REQUIRE(st);
  CHECK(st->describe() == "exit 0");
  CHECK_FALSE(pid_exists(kids.get().at(0)));
}

TEST_CASE("without kill-tree a background child of ./run survives sv down, as with runit",
          "[runsv][extension][kill-tree]") {
  service_fixture f;
  write_script(f.at("run"), "sleep 1000 & echo $! >> kids\nexec sleep 1001\n");
  recorded_pids kids{f, "kids"};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  pid_t run = main_pid(f);
  wait_until([&] { return kids.get().size() == 1; }, "the background child");
  CHECK(::getpgid(run) != run);
  send_control(f.svc, "d");
  wait_state(f.svc, "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(pid_exists(kids.get().at(0)));
}

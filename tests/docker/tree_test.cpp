// dependencies.d, kill-tree and timeout-kill (man/runsv.8, EXTENSIONS) end
// to end in a real Docker container (issue 17), each test in its own
// container of the image of examples/image with its services replaced:
// a service waits for the one it needs to be ready (sv status shows it
// waiting); `docker stop` stops dependants first, with our runit as
// process 1 (stage 3's `sv -w 7 force-stop /etc/service/*` goes in layers)
// and with `runsvdir -P` as process 1 (its ORDER OF A STOP); `sv down` of a
// kill-tree service ends every process its ./run started before ./finish
// runs (and, without kill-tree, leaves them, as runit does), and so does
// `docker stop`; timeout-kill's SIGKILL ends a ./run that ignores TERM.
//
// The engine gives cgroup v1 only here: kill-tree's tree is ./run's process
// group (the cgroup v2 mode applies only where a cgroup2 mount is
// writable), silently, which the kill-tree test checks in docker logs. The
// tests find a service's processes by an environment variable its ./run
// and all it starts carry, whatever the mode.

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "docker_support.hpp"
#include "example_image.hpp"
#include "image_support.hpp"

using namespace test;
using namespace docker_test;
namespace fs = std::filesystem;

namespace {

// Removes examples/image's services from the root: the test's own only.
void clear_services(const std::string& root) {
  for (const auto& e : fs::directory_iterator(root + "/etc/service")) fs::remove_all(e.path());
}

// ROOT/etc/service/NAME with ./run and more files (name, content); a
// trailing "/" in a name makes a directory.
void add_service(const std::string& root, const std::string& name, const std::string& run,
                 const std::vector<std::pair<std::string, std::string>>& files = {}) {
  const std::string dir = root + "/etc/service/" + name;
  make_dir(dir);
  write_script(dir + "/run", run);
  for (const auto& [file, content] : files) {
    if (file.back() == '/') make_dir(dir + "/" + file.substr(0, file.size() - 1));
    else if (file == "finish" || file == "check") write_script(dir + "/" + file, content);
    else write_file(dir + "/" + file, content);
  }
}

// Waits until `sv status SERVICES` (docker exec, $SVDIR is /etc/service)
// matches every pattern; returns its output.
std::string wait_sv(const docker::container& c, const std::string& services, const std::vector<std::string>& patterns,
                    const std::string& what) {
  std::string last;
  wait_until(
      [&] {
        auto r = c.exec("sv status " + services);
        last = r.out + r.err;
        for (const auto& p : patterns)
          if (!has(last, p)) return false;
        return true;
      },
      what, docker::long_timeout, [&] { return "sv status:\n" + last + "\n" + state_of(c); });
  return last;
}

// The lines of FILE in the stopped (or running) container.
std::vector<std::string> file_lines(const docker::container& c, const std::string& file) {
  temp_dir out("docker-tree");
  REQUIRE(c.copy_out(file, out / "file"));
  return read_lines(out / "file");
}

// docker logs' lines with a warning or worse, but runit's about
// /dev/console (a container has none).
std::string complaints(const std::string& logs) {
  std::string out;
  for (const auto& line : minimal::lines_of(logs))
    if ((has(line, "warning|fatal|unable|timeout|KILL") || line.find("cgroup") != std::string::npos) &&
        line != "- runit: warning: unable to open /dev/console: file does not exist")
      out += line + "\n";
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

// db <- app <- web: each needs the one before (dependencies.d), takes
// 0.2 s to be ready and says so (db and web by notification-fd, app by its
// ./check passing once ./run made /run/app.ready), notes its start, its
// readiness, its TERM, its end 0.2 s later and its ./finish in /run/order,
// and exits 3 on TERM. db's ./finish leaves its exit code in the exit code
// file: the container's.
void add_chain(const std::string& root) {
  const std::vector<std::pair<std::string, std::string>> chain = {{"db", ""}, {"app", "db"}, {"web", "app"}};
  for (const auto& [name, needs] : chain) {
    std::vector<std::pair<std::string, std::string>> files = {
        {"finish", "echo \"" + name + " finish $1 $2\" >>/run/order\n" +
                       (name == "db" ? "echo \"$1\" >/run/runit.exitcode\n" : "")}};
    if (name == "app") files.push_back({"check", "exec test -e /run/app.ready\n"});
    else files.push_back({"notification-fd", "3\n"});
    if (!needs.empty()) {
      files.push_back({"dependencies.d/", ""});
      files.push_back({"dependencies.d/" + needs, ""});
    }
    add_service(root, name,
                "exec 2>&1\n"
                "n=" + name + "\n"
                "echo \"$n start\" >>/run/order\n"
                "trap 'echo \"$n term\" >>/run/order; sleep 0.2; echo \"$n end\" >>/run/order; kill $child; exit 3' "
                "TERM\n"
                "sleep 2147483647 &\n"
                "child=$!\n"
                "sleep 0.2\n"
                "echo \"$n ready\" >>/run/order\n" +
                    (name == "app" ? ": >/run/app.ready\n" : "echo >&3\nexec 3>&-\n") +
                    "wait\n",
                files);
  }
}

// What /run/order holds after the chain started and docker stop stopped it.
std::vector<std::string> expected_chain_order() {
  return {"db start",  "db ready",  "app start",       //
          "app ready", "web start", "web ready",       //
          "web term",  "web end",   "web finish 3 0",  //
          "app term",  "app end",   "app finish 3 0",  //
          "db term",   "db end",    "db finish 3 0"};
}

// Waits until db, app and web run and web said it is ready.
void wait_chain_up(const docker::container& c) {
  wait_sv(c, "db app web",
          {R"(^run: db: \(pid \d+\) \d+s$)", R"(^run: app: \(pid \d+\) \d+s$)", R"(^run: web: \(pid \d+\) \d+s$)"},
          "db, app and web running");
  std::string order;
  wait_until(
      [&] {
        order = c.exec("cat /run/order").out;
        return has(order, "^web ready$");
      },
      "web ready", docker::long_timeout, [&] { return "/run/order:\n" + order + state_of(c); });
}

// The kill-tree services' scripts. ./run execs itself again with
// KILL_TREE_TEST=NAME in its environment, so that it and every process it
// starts carry it in /proc/PID/environ; it records its pid and that of
// a child that ignores TERM, and waits on a pipeline (sleep | cat).
// ./finish records its arguments, whether that child is still there, and
// every process still carrying the variable (none: "none").
const std::string marked_fn =
    "marked() { grep -lsa \"KILL_TREE_TEST=$1\" /proc/[0-9]*/environ | sed 's|^/proc/\\([0-9]*\\)/environ$|\\1|' |"
    " while read p; do printf ' %s(%s)' $p \"$(cat /proc/$p/comm 2>/dev/null)\"; done; }\n";

std::string tree_run(const std::string& name) {
  return "exec 2>&1\n"
         "[ \"$KILL_TREE_TEST\" = " + name + " ] || exec env KILL_TREE_TEST=" + name + " ./run\n"
         "echo $$ >/run/" + name + ".run\n"
         "(trap '' TERM; exec sleep 2147483647) &\n"
         "echo $! >/run/" + name + ".child\n"
         "sleep 2147483647 | cat\n";
}

std::string tree_finish(const std::string& name) {
  return "exec 2>&1\n" + marked_fn +
         "child=$(cat /run/" + name + ".child)\n"
         "if [ -e /proc/$child ]; then c=alive; else c=gone; fi\n"
         "left=$(marked " + name + ")\n"
         "echo \"finish $1 $2: child $c, left:${left:- none}\" >>/run/" + name + ".finish\n";
}

// The processes carrying KILL_TREE_TEST=NAME in the container, as
// " PID(comm)..." ("" for none).
std::string marked(const docker::container& c, const std::string& name) {
  auto r = c.exec(marked_fn + "marked " + name);
  INFO(r.out << r.err);
  REQUIRE(r.status.exit_code() == 0);
  return r.out;
}

// A run of a kill-tree service: the pids of its ./run (a shell, whose
// comm is "run") and of its child that ignores TERM.
struct tree_pids {
  std::string run, child;
};

// Waits until NAME's ./run, other than `old`, runs with its child and its
// pipeline: the recorded ./run and child, a sleep and a cat carrying the
// variable. Returns their pids.
tree_pids wait_tree_running(const docker::container& c, const std::string& name, const tree_pids& old = {}) {
  tree_pids now;
  std::string procs;
  wait_until(
      [&] {
        auto r = c.exec("cat /run/" + name + ".run /run/" + name + ".child 2>/dev/null");
        const auto lines = minimal::lines_of(r.out);
        if (lines.size() < 2) return false;
        now = {lines[0], lines[1]};
        if (now.run == old.run || now.child == old.child) return false;
        procs = marked(c, name);
        return procs.find(" " + now.run + "(run)") != std::string::npos &&
               procs.find(" " + now.child + "(sleep)") != std::string::npos &&
               has(procs, R"( \d+\(sleep\).* \d+\(sleep\))") && has(procs, R"(\(cat\))");
      },
      name + "'s ./run, its child and its pipeline running", docker::long_timeout,
      [&] { return "./run " + now.run + ", child " + now.child + ", processes:" + procs + "\n" + state_of(c); });
  return now;
}

}  // namespace

TEST_CASE("dependencies.d: web waits, sv status showing 'waiting for db', while db runs but is not ready, and starts "
          "once db says it is ready (notification-fd), finding db/supervise/ready there",
          "[docker][tree][dependencies]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    clear_services(root);
    // db is ready once the test creates /run/db.go.
    add_service(root, "db",
                "exec 2>&1\n"
                "until [ -e /run/db.go ]; do sleep 0.05; done\n"
                "echo >&3\n"
                "exec 3>&-\n"
                "exec sleep 2147483647\n",
                {{"notification-fd", "3\n"}});
    add_service(root, "web",
                "exec 2>&1\n"
                "if [ -e /etc/service/db/supervise/ready ]; then r=yes; else r=no; fi\n"
                "echo \"web started, db ready: $r\" >>/run/web.record\n"
                "exec sleep 2147483647\n",
                {{"dependencies.d/", ""}, {"dependencies.d/db", ""}});
    minimal::link_supervise_into_run(root);
  });
  docker::container c(img.get());

  const std::string waiting = wait_sv(
      c, "db web", {R"(^run: db: \(pid \d+\) \d+s$)", R"(^down: web: \d+s, normally up, want up, waiting for db$)"},
      "web down and waiting for db, db running");
  INFO("sv status while waiting:\n" << waiting);
  auto r = c.exec("cat /run/web.record 2>&1; sv -j status web");
  INFO(r.out << r.err);
  CHECK(has(r.out, "No such file or directory"));
  CHECK(has(r.out, R"("waiting_for": ?\["db"\])"));

  REQUIRE(c.exec("touch /run/db.go").status.exit_code() == 0);
  const std::string up = wait_sv(c, "db web", {R"(^run: db: \(pid \d+\) \d+s$)", R"(^run: web: \(pid \d+\) \d+s$)"},
                                 "web running once db is ready");
  INFO("sv status once db is ready:\n" << up);
  r = c.exec("cat /run/web.record; ls /etc/service/db/supervise/ready /etc/service/web/supervise/waiting 2>&1");
  INFO(r.out << r.err);
  CHECK(has(r.out, "^web started, db ready: yes\n(?!web)"));
  CHECK(has(r.out, "^/etc/service/db/supervise/ready$"));
  CHECK(has(r.out, "waiting: No such file or directory"));
}

TEST_CASE("dependencies.d: docker stop with our runit as process 1 stops web, then app, then db (stage 3's sv -w 7 "
          "force-stop in layers), each ./finish before the next TERM, and the container exits with db's code (3)",
          "[docker][tree][dependencies][stop]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    clear_services(root);
    add_chain(root);
    minimal::link_supervise_into_run(root);
  });
  docker::container c(img.get());
  wait_chain_up(c);

  CHECK(stop_before_kill(c, 5s) == 3);
  const auto order = file_lines(c, "/run/order");
  const std::string logs = c.logs();
  INFO("/run/order:\n" << joined(order) << "docker logs:\n" << logs);
  CHECK(order == expected_chain_order());
  CHECK(logs.find("- runit: leave stage: /etc/runit/3") != std::string::npos);
  CHECK(complaints(logs).empty());
}

TEST_CASE("dependencies.d: docker stop with runsvdir -P as process 1 stops web, then app, then db (ORDER OF A STOP), "
          "each ./finish before the next TERM, and the container exits with db's code (3)",
          "[docker][tree][dependencies][stop][runsvdir]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    clear_services(root);
    add_chain(root);
  });
  docker::container c(img.get(), {}, {"/usr/bin/runsvdir", "-P", "/etc/service"});
  wait_chain_up(c);
  REQUIRE(c.exec("cat /proc/1/comm").out == "runsvdir\n");

  CHECK(stop_before_kill(c, 5s) == 3);
  const auto order = file_lines(c, "/run/order");
  const std::string logs = c.logs();
  INFO("/run/order:\n" << joined(order) << "docker logs:\n" << logs);
  CHECK(order == expected_chain_order());
  CHECK(complaints(logs).empty());
}

TEST_CASE("kill-tree: sv down ends every process ./run started (a pipeline, a child ignoring TERM: KILL after "
          "timeout-kill) before ./finish, where without kill-tree they survive as with runit, and docker stop ends "
          "them too",
          "[docker][tree][kill-tree]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    clear_services(root);
    add_service(root, "tree", tree_run("tree"),
                {{"kill-tree", ""}, {"timeout-kill", "300\n"}, {"finish", tree_finish("tree")}});
    add_service(root, "plain", tree_run("plain"), {{"timeout-kill", "300\n"}, {"finish", tree_finish("plain")}});
    minimal::link_supervise_into_run(root);
  });
  docker::container c(img.get());
  // The tests pass in either mode of kill-tree: this engine's containers
  // have no cgroup2 mount (cgroup v1), so it is the process group here.
  auto env =
      c.exec("grep '^0::' /proc/self/cgroup; echo \"cgroup2 mounts: $(grep -c ' - cgroup2 ' /proc/self/mountinfo)\"");
  INFO("the container's cgroup v2:\n" << env.out << env.err);

  // Without kill-tree: ./run (the shell) gets TERM and goes, the rest stays.
  const tree_pids plain = wait_tree_running(c, "plain");
  auto r = c.exec("sv -w 5 down plain");
  INFO("sv -w 5 down plain: " << r.out << r.err);
  CHECK(r.status.exit_code() == 0);
  CHECK(has(r.out, R"(^ok: down: plain: \d+s, normally up$)"));
  std::string left = marked(c, "plain");
  INFO("plain's processes left: " << left);
  CHECK(left.find(" " + plain.child + "(sleep)") != std::string::npos);
  CHECK(has(left, R"( \d+\(sleep\).* \d+\(sleep\))"));
  CHECK(has(left, R"(\(cat\))"));
  CHECK(left.find(" " + plain.run + "(") == std::string::npos);
  CHECK(has(joined(file_lines(c, "/run/plain.finish")), R"(^finish -1 15: child alive, left: \d+)"));

  // With kill-tree: the pipeline gets TERM once ./run is gone, the child
  // KILL 300 ms later, and only then ./finish runs.
  const tree_pids tree = wait_tree_running(c, "tree");
  const auto start = std::chrono::steady_clock::now();
  r = c.exec("sv -w 5 down tree");
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("sv -w 5 down tree: " << r.out << r.err << " in "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(r.status.exit_code() == 0);
  CHECK(has(r.out, R"(^ok: down: tree: \d+s, normally up$)"));
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(marked(c, "tree").empty());
  CHECK(c.exec("test -e /proc/" + tree.child).status.exit_code() == 1);
  CHECK(file_lines(c, "/run/tree.finish") == std::vector<std::string>{"finish -1 15: child gone, left: none"});

  // docker stop: stage 3's force-stop reaches the whole tree as well, and
  // runit finds nothing left to kill after stage 3 (plain's leftovers are
  // killed first).
  auto killed = c.exec(marked_fn + "for p in $(marked plain | sed 's/([^)]*)//g'); do kill -9 $p; done");
  REQUIRE(killed.status.exit_code() == 0);
  wait_until([&] { return marked(c, "plain").empty(); }, "plain's leftovers gone", docker::long_timeout);
  REQUIRE(c.exec("sv up tree").status.exit_code() == 0);
  wait_tree_running(c, "tree", tree);
  CHECK(stop_before_kill(c, 5s) == 0);
  const auto finished = file_lines(c, "/run/tree.finish");
  INFO("tree's ./finish:\n" << joined(finished));
  REQUIRE(finished.size() == 2);
  CHECK(finished.back() == "finish -1 15: child gone, left: none");
  const std::string logs = c.logs();
  INFO("docker logs:\n" << logs);
  CHECK(complaints(logs).empty());
  CHECK(logs.find("kill-tree") == std::string::npos);
}

TEST_CASE("timeout-kill: sv -w 5 down of a ./run that ignores TERM answers ok: it gets SIGKILL after 300 ms and "
          "./finish gets '-1 9'",
          "[docker][tree][timeout-kill]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    clear_services(root);
    add_service(root, "stubborn", "exec 2>&1\ntrap '' TERM\nexec sleep 2147483647\n",
                {{"timeout-kill", "300\n"}, {"finish", "echo \"$1 $2\" >>/run/stubborn.finish\n"}});
    minimal::link_supervise_into_run(root);
  });
  docker::container c(img.get());
  wait_sv(c, "stubborn", {R"(^run: stubborn: \(pid \d+\) \d+s$)"}, "stubborn running");
  // TERM is ignored by sleep itself (bit 15 - 1 of SigIgn).
  auto r = c.exec("awk '/^SigIgn:/ { print $2 }' /proc/$(cat /run/sv/stubborn/pid)/status");
  INFO("SigIgn of ./run: " << r.out << r.err);
  REQUIRE(r.status.exit_code() == 0);
  CHECK((std::stoull(r.out, nullptr, 16) & (1ULL << (SIGTERM - 1))) != 0);
  const auto start = std::chrono::steady_clock::now();
  r = c.exec("sv -w 5 down stubborn");
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("sv -w 5 down stubborn: " << r.out << r.err << " in "
                                 << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(r.status.exit_code() == 0);
  CHECK(has(r.out, R"(^ok: down: stubborn: \d+s, normally up$)"));
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(file_lines(c, "/run/stubborn.finish") == std::vector<std::string>{"-1 9"});
}

#endif

// Docker's HEALTHCHECK with `sv ready` as the probe, under a real Docker
// engine (issue 16): the health goes starting -> healthy only once a
// service's ./check passes, and unhealthy when a service is down; a service
// left down by its restart-limit, one waiting on its restart-backoff, and
// one in runit's plain restart loop make the container unhealthy while it
// keeps running, and `sv up` after a fix makes it healthy again.
//
// Why `sv ready` and not `sv check`: `sv check` keeps runit's meaning, "in
// the state it is wanted in", so a service that `sv down` (or its restart
// limit) left down is wanted down and passes; a probe must fail then.
//
// The probes run every second (Docker 20.10 takes intervals below a second
// too; 1 s keeps the probes' load small on two cores) and two failures in a
// row make the container unhealthy.

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "docker_support.hpp"
#include "example_image.hpp"
#include "image_support.hpp"

using namespace test;
using namespace docker_test;
namespace fs = std::filesystem;

namespace {

// Every second, unhealthy after 2 failures in a row; `sv ready` alone
// answers for every service of $SVDIR (/etc/service).
const std::string healthcheck = R"(HEALTHCHECK --interval=1s --timeout=5s --retries=2 CMD ["sv","ready"])";

// One probe as `docker inspect` keeps it (the last five are kept).
struct probe {
  int exit_code = 0;
  std::string output;
};

// What `docker inspect` shows of a container's health.
struct health {
  std::string status;  // starting, healthy, unhealthy
  int failing_streak = 0;
  std::vector<probe> log;  // oldest first
  std::string text;        // as inspect printed it, for failure messages
};

// A JSON string (as the template's `json` prints it) as text.
std::string unjson(const std::string& s) {
  std::string out;
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return s;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] != '\\' || i + 2 >= s.size()) {
      out += s[i];
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'u':
        out += static_cast<char>(std::stoi(s.substr(i + 1, 4), nullptr, 16));
        i += 4;
        break;
      default: out += e; break;  // \" \\ \/
    }
  }
  return out;
}

health health_of(const docker::container& c) {
  health h;
  h.text = c.inspect(
      R"({{.State.Health.Status}} {{.State.Health.FailingStreak}}{{range .State.Health.Log}})"
      R"({{"\n"}}{{.ExitCode}} {{json .Output}}{{end}})");
  std::istringstream in(h.text);
  std::string line;
  std::getline(in, line);
  std::istringstream head(line);
  head >> h.status >> h.failing_streak;
  while (std::getline(in, line)) {
    const auto space = line.find(' ');
    if (space == std::string::npos) continue;
    h.log.push_back({std::stoi(line.substr(0, space)), unjson(line.substr(space + 1))});
  }
  return h;
}

// Waits until the health satisfies `pred`; returns it. `seen` gets each
// status observed meanwhile (consecutive repeats once).
health wait_health(const docker::container& c, const std::function<bool(const health&)>& pred,
                   const std::string& what, std::vector<std::string>* seen = nullptr,
                   std::chrono::milliseconds timeout = docker::long_timeout) {
  health h;
  wait_until(
      [&] {
        h = health_of(c);
        if (seen && (seen->empty() || seen->back() != h.status)) seen->push_back(h.status);
        return pred(h);
      },
      what, timeout, [&] { return "health: " + h.text + "\n" + state_of(c); });
  return h;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " -> ") + s;
  return out;
}

// The image's services plus `app`: ./run notes its start (the container's
// uptime) in /tmp/app.starts, then runs only if /tmp/app.ok exists, else
// says why and exits 1 at once. Its log service writes /var/log/app. Extra
// files (restart-limit, restart-backoff) from `files`. Supervise
// directories linked into /run, as the image has them.
void add_app(const std::string& root, const std::map<std::string, std::string>& files) {
  const std::string dir = root + "/etc/service/app";
  make_dir(dir);
  make_dir(dir + "/log");
  write_script(dir + "/run",
               "exec 2>&1\n"
               "read up idle </proc/uptime\n"
               "echo \"$up\" >>/tmp/app.starts\n"
               "if [ -e /tmp/app.ok ]; then echo 'app: running'; exec sleep 2147483647; fi\n"
               "echo 'app: no /tmp/app.ok, exit 1'\n"
               "exit 1\n");
  write_script(dir + "/log/run", "mkdir -p /var/log/app\nexec svlogd -tt /var/log/app\n");
  for (const auto& [name, content] : files) write_file(dir + "/" + name, content);
  minimal::link_supervise_into_run(root);
}

// The start times (seconds of the container's uptime) in FILE.
// Waits until `sv ready NAME` in the container exits 0; returns its output.
std::string wait_ready_passes(docker::container& c, const std::string& name) {
  std::string last;
  wait_until(
      [&] {
        auto r = c.exec("sv ready " + name);
        last = r.out + r.err;
        return r.status.exit_code() == 0;
      },
      "sv ready " + name + " to pass", 10s, [&] { return last + state_of(c); });
  return last;
}

std::vector<double> starts_of(const docker::container& c, const std::string& file) {
  auto r = c.exec("cat " + file + " 2>/dev/null; true");
  std::vector<double> out;
  for (const auto& line : minimal::lines_of(r.out))
    if (!line.empty()) out.push_back(std::stod(line));
  return out;
}

std::string describe_starts(const std::vector<double>& v) {
  std::string out = std::to_string(v.size()) + " starts at uptime";
  for (double t : v) out += " " + std::to_string(t);
  return out;
}

bool probe_says(const health& h, const std::string& re) {
  return !h.log.empty() && has(h.log.back().output, re);
}

}  // namespace

// Proves: the image's HEALTHCHECK (`sv ready slowstart ticker`) keeps the
// container starting while slowstart's ./check fails (its probes fail,
// "check failed", and do not count within the start period), turns healthy
// once it passes, unhealthy after `sv down ticker` with the failing line in
// the probe's output, and healthy again after `sv up ticker`.
// The probe names the long-running services: `sv ready` alone lets a
// service wanted down pass (so that a task such as oneshot, down after its
// run, does not fail it), and so does `sv check`; both are shown here.
TEST_CASE("HEALTHCHECK sv ready: starting while slowstart's ./check fails, healthy once it passes, unhealthy after "
          "sv down ticker with the failing line in the probe's output",
          "[docker][health]") {
  docker::require_engine();
  example_image img(
      [](const std::string& root) {
        // slowstart gets ready after 3 s instead of 1 s: two probes (at 1 s
        // and 2 s) see its ./check fail before one sees it pass.
        const std::string run = root + "/etc/service/slowstart/run";
        std::string text = *read_file(run);
        const auto at = text.find("sleep 1;");
        REQUIRE(at != std::string::npos);
        text.replace(at, 8, "sleep 3;");
        write_file(run, text, 0755);
        minimal::link_supervise_into_run(root);
      },
      {"HEALTHCHECK --interval=1s --timeout=5s --start-period=60s --retries=2 "
       R"(CMD ["sv","ready","slowstart","ticker"])"});
  docker::container c(img.get());
  REQUIRE(c.inspect("{{json .Config.Healthcheck.Test}}") == R"(["CMD","sv","ready","slowstart","ticker"])");

  // The first probe comes a second after the start: starting until then,
  // and still starting while the probes fail within the start period.
  std::vector<std::string> seen;
  auto h = health_of(c);
  seen.push_back(h.status);
  h = wait_health(c, [](const health& x) { return x.status == "healthy"; }, "health to become healthy", &seen);
  INFO("health: " << h.text);
  CHECK(joined(seen) == "starting -> healthy");
  CHECK(h.failing_streak == 0);
  // What the probes said before: slowstart ran but its ./check failed.
  REQUIRE(h.log.size() >= 2);
  CHECK(h.log.back().exit_code == 0);
  CHECK(has(h.log.back().output, R"(^ok: run: slowstart: \(pid \d+\) \d+s\nok: run: ticker: \(pid \d+\) \d+s\n$)"));
  const auto failed = std::count_if(h.log.begin(), h.log.end() - 1, [](const probe& p) {
    return p.exit_code == 1 && has(p.output, R"(^fail: run: slowstart: \(pid \d+\) \d+s, check failed$)") &&
           has(p.output, R"(^ok: run: ticker: )");
  });
  CHECK(failed >= 1);

  // sv down ticker: the next two probes fail, naming the ticker.
  auto down = c.exec("sv down ticker");
  REQUIRE(down.status.exit_code() == 0);
  seen.clear();
  h = wait_health(c, [](const health& x) { return x.status == "unhealthy"; }, "health to become unhealthy", &seen);
  INFO("health: " << h.text);
  CHECK(joined(seen) == "healthy -> unhealthy");
  CHECK(h.failing_streak >= 2);
  CHECK(h.log.back().exit_code == 1);
  CHECK(has(h.log.back().output, R"(^ok: run: slowstart: \(pid \d+\) \d+s\nfail: down: ticker: \d+s, normally up\n$)"));
  CHECK(c.inspect("{{.State.Running}}") == "true");

  // Neither sv check nor sv ready without names would have noticed: ticker
  // is down and wanted down.
  auto others = c.exec("sv check ticker; echo check=$?; sv ready; echo ready=$?");
  INFO(others.out << others.err);
  CHECK(has(others.out, R"(^ok: down: ticker: \d+s, normally up\ncheck=0$)"));
  CHECK(has(others.out, R"(^ok: down: ticker: \d+s, normally up\nready=0$)"));

  // sv up ticker: healthy at the next probe (an sv down is no crash).
  REQUIRE(c.exec("sv up ticker").status.exit_code() == 0);
  h = wait_health(c, [](const health& x) { return x.status == "healthy"; }, "health to be healthy again");
  CHECK(h.log.back().exit_code == 0);
}

// Proves: a service that keeps failing at start-up is started exactly
// restart-limit's N (3) times and left down (want down, restart-policy
// given-up, runsv's warning in docker logs) while the container and its
// other services keep running; its log can be read with docker exec; the
// HEALTHCHECK (`sv ready`) turns unhealthy ("restart limit reached"); and
// once fixed, `sv up app` runs it again and the container is healthy.
TEST_CASE("restart-limit: an app failing at start is started 3 times and left down, the container keeps running and "
          "turns unhealthy, and after a fix sv up app makes it healthy",
          "[docker][health][restart-limit]") {
  docker::require_engine();
  example_image img([](const std::string& root) { add_app(root, {{"restart-limit", "3 60\n"}}); }, {healthcheck});
  docker::container c(img.get());

  // Given up after its third exit.
  std::string policy;
  wait_until(
      [&] {
        policy = c.exec("cat /etc/service/app/supervise/restart-policy").out;
        return policy == "given-up\n";
      },
      "app's restart policy to say given-up", docker::long_timeout,
      [&] { return "restart-policy: " + policy + "\n" + describe_starts(starts_of(c, "/tmp/app.starts")) + "\n" +
                   state_of(c); });
  // And never started again.
  CHECK(holds_for([&] { return starts_of(c, "/tmp/app.starts").size() == 3; }, 1500ms));
  INFO(describe_starts(starts_of(c, "/tmp/app.starts")));
  auto st = c.exec("sv status app");
  INFO(st.out << st.err);
  CHECK(has(st.out, R"(^down: app: \d+s, normally up; run: log: \(pid \d+\) \d+s\n$)"));
  CHECK(has(c.logs(), "^runsv app: warning: restart limit reached, service left down$"));

  // The container and the other services run on; the app's log tells why.
  CHECK(c.inspect("{{.State.Running}}") == "true");
  wait_examples_up(c);
  auto log = c.exec("cat /var/log/app/current");
  INFO("/var/log/app/current:\n" << log.out << log.err);
  const auto log_lines = minimal::lines_of(log.out);
  CHECK(std::count_if(log_lines.begin(), log_lines.end(), [](const std::string& l) {
          return has(l, R"(^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d{5} app: no /tmp/app\.ok, exit 1$)");
        }) == 3);

  // Unhealthy, and sv ready app says why.
  auto h = wait_health(c, [](const health& x) { return x.status == "unhealthy"; }, "health to become unhealthy");
  INFO("health: " << h.text);
  CHECK(probe_says(h, R"(^fail: down: app: \d+s, normally up, restart limit reached$)"));
  CHECK(probe_says(h, R"(^ok: run: ticker: \(pid \d+\) \d+s$)"));
  auto ready = c.exec("sv ready app");
  INFO(ready.out << ready.err);
  CHECK(ready.status.exit_code() == 1);
  CHECK(has(ready.out, R"(^fail: down: app: \d+s, normally up, restart limit reached\n$)"));

  // Fixed: sv up app starts it (a fourth time) and it is ready at once.
  REQUIRE(c.exec("touch /tmp/app.ok && sv up app").status.exit_code() == 0);
  std::string last = wait_ready_passes(c, "app");
  CHECK(has(last, R"(^ok: run: app: \(pid \d+\) \d+s\n$)"));
  CHECK(starts_of(c, "/tmp/app.starts").size() == 4);
  CHECK(c.exec("cat /etc/service/app/supervise/restart-policy 2>&1").status.exit_code() != 0);
  h = wait_health(c, [](const health& x) { return x.status == "healthy"; }, "health to be healthy again");
  CHECK(probe_says(h, R"(^ok: run: app: \(pid \d+\) \d+s$)"));
}

// Proves: with restart-backoff "1000 30000" a service failing at start is
// retried after 1, 2, 4 s (the gaps between its starts at least double),
// never given up, while the container runs and is unhealthy; once fixed,
// `sv up app` cuts the 8 s delay short (it starts at once) and clears the
// crash record, so `sv ready app` passes and the container is healthy
// again well within the minute a crash otherwise counts.
TEST_CASE("restart-backoff: an app failing at start is retried with doubling delays, the container keeps running and "
          "is unhealthy, and after a fix sv up app starts it at once and it is healthy",
          "[docker][health][restart-backoff]") {
  docker::require_engine();
  example_image img([](const std::string& root) { add_app(root, {{"restart-backoff", "1000 30000\n"}}); },
                    {healthcheck});
  docker::container c(img.get());

  std::vector<double> starts;
  wait_until(
      [&] {
        starts = starts_of(c, "/tmp/app.starts");
        return starts.size() >= 4;
      },
      "app to be started 4 times", docker::long_timeout, [&] { return describe_starts(starts) + "\n" + state_of(c); });
  INFO(describe_starts(starts));
  // Started at 0, 1, 3 and 7 s: each delay twice the one before (runit's
  // own throttle alone would restart it every second).
  REQUIRE(starts.size() == 4);
  CHECK(starts[1] - starts[0] >= 0.95);
  CHECK(starts[2] - starts[1] >= 1.95);
  CHECK(starts[3] - starts[2] >= 3.95);

  // Now waiting 8 s before the fifth start: down, wanted up, not given up.
  std::string status;
  wait_until(
      [&] {
        status = c.exec("sv status app").out;
        return has(status, R"(^down: app: \d+s, normally up, want up; run: log: )");
      },
      "app to be down, waiting on its backoff", 5s, [&] { return status + state_of(c); });
  CHECK(c.inspect("{{.State.Running}}") == "true");
  auto h = wait_health(c, [](const health& x) { return x.status == "unhealthy"; }, "health to become unhealthy");
  INFO("health: " << h.text);
  CHECK(probe_says(h, R"(^fail: (down: app: \d+s, normally up, want up|)"
                      R"(run: app: \(pid \d+\) \d+s, crashed \d+s ago \(\d+ times\))$)"));
  CHECK(probe_says(h, R"(^ok: run: ticker: \(pid \d+\) \d+s$)"));

  // Fixed: sv up app starts it now, not 8 s after the fourth start.
  REQUIRE(c.exec("touch /tmp/app.ok && sv up app").status.exit_code() == 0);
  wait_until(
      [&] {
        starts = starts_of(c, "/tmp/app.starts");
        return starts.size() >= 5;
      },
      "app's fifth start", docker::long_timeout, [&] { return describe_starts(starts) + "\n" + state_of(c); });
  INFO(describe_starts(starts));
  CHECK(starts.size() == 5);
  CHECK(starts[4] - starts[3] < 7.5);
  // Its crash record is gone: ready at once, healthy at the next probes.
  std::string last = wait_ready_passes(c, "app");
  CHECK(has(last, R"(^ok: run: app: \(pid \d+\) \d+s\n$)"));
  h = wait_health(c, [](const health& x) { return x.status == "healthy"; }, "health to be healthy again");
  CHECK(probe_says(h, R"(^ok: run: app: \(pid \d+\) \d+s$)"));
}

// Proves: a service in runit's plain restart loop (no restart policy: its
// ./run exits after 0.2 s, runsv restarts it a second later) makes the
// container unhealthy and keeps it so, every probe failing, although the
// service is in state run at moments (`sv ready` then fails on its crash
// record: "crashed Ns ago") and docker ps shows the container Up.
TEST_CASE("restart loop: a service whose ./run keeps exiting makes the container unhealthy for good, although it is "
          "in state run at moments and the container is Up",
          "[docker][health][restart-loop]") {
  docker::require_engine();
  example_image img(
      [](const std::string& root) {
        const std::string dir = root + "/etc/service/loop";
        make_dir(dir);
        write_script(dir + "/run",
                     "read up idle </proc/uptime\necho \"$up\" >>/tmp/loop.starts\nsleep 0.2\nexit 1\n");
        minimal::link_supervise_into_run(root);
      },
      {healthcheck});
  docker::container c(img.get());

  // Unhealthy, then five failed probes in a row (a passing one would reset
  // the streak), the status unhealthy all along.
  std::vector<std::string> seen;
  auto h = wait_health(c, [](const health& x) { return x.status == "unhealthy" && x.failing_streak >= 5; },
                       "five failed probes in a row", &seen);
  INFO("health: " << h.text);
  CHECK(joined(seen) == "starting -> unhealthy");
  REQUIRE(h.log.size() == 5);
  for (const auto& p : h.log) {
    INFO("probe output: " << p.output);
    CHECK(p.exit_code != 0);  // the number of services not ready: loop's, maybe slowstart's
    CHECK(has(p.output, R"(^fail: (down: loop: \d+s, normally up, want up|)"
                        R"(run: loop: \(pid \d+\) \d+s, crashed \d+s ago \(\d+ times?\))$)"));
    CHECK(has(p.output, R"(^ok: run: ticker: )"));
  }
  // It keeps being restarted, and Docker sees the container up.
  CHECK(starts_of(c, "/tmp/loop.starts").size() >= 4);
  CHECK(c.inspect("{{.State.Running}}") == "true");
  auto ps = docker::run({"ps", "--filter", "name=^/" + c.name() + "$", "--format", "{{.Status}}"});
  INFO(ps.out << ps.err);
  CHECK(has(ps.out, R"(^Up .*\(unhealthy\)$)"));

  // Caught in state run, sv ready still fails: it crashed a moment ago.
  auto r = c.exec(
      "i=0\n"
      "while [ $i -lt 300 ]; do\n"
      "  out=$(sv ready loop)\n"
      "  case $out in 'fail: run: '*) echo \"$out\"; exit 0 ;; 'ok: '*) echo \"$out\"; exit 2 ;; esac\n"
      "  i=$((i + 1)); sleep 0.02\n"
      "done\n"
      "echo 'never seen in state run' >&2; exit 1\n",
      60s);
  INFO(r.out << r.err);
  CHECK(r.status.exit_code() == 0);
  CHECK(has(r.out, R"(^fail: run: loop: \(pid \d+\) 0s, crashed \d+s ago \(\d+ times\)\n$)"));
  // And still unhealthy.
  h = health_of(c);
  INFO("health: " << h.text);
  CHECK(h.status == "unhealthy");
  CHECK(h.failing_streak >= 5);
}

#endif  // STATIC_BINDIR

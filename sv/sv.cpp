#include "sv.hpp"

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <memory>
#include <chrono>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "status_line.hpp"
#include "supervise/client.hpp"
#include "supervise/errstr.hpp"
#include "supervise/fatal.hpp"
#include "supervise/getopt.hpp"
#include "supervise/inotify.hpp"
#include "supervise/spawn.hpp"

namespace sv {

using supervise::errstr;
using supervise::state;

namespace {

std::int64_t now_unix() { return supervise::tai64n::now().unix_seconds(); }

// supervise/waiting (runsv, beyond runit): the dependencies a service that
// is down and wanted up waits for, one per line.
std::vector<std::string> read_waiting() {
  std::vector<std::string> names;
  auto text = supervise::read_file("supervise/waiting", O_RDONLY | O_NONBLOCK);
  if (!text) return names;
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    if (end > start) names.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return names;
}

// ", waiting for a, b" for a service held back by its dependencies.
std::string waiting_suffix(const supervise::status& st) {
  if (st.pid != 0) return {};
  std::string out;
  for (const auto& name : read_waiting()) out += (out.empty() ? ", waiting for " : ", ") + name;
  return out;
}

// sv ready fails for this long after a crash of the service.
constexpr long long crash_window_seconds = 60;

// supervise/crashes, "COUNT UNIXSECONDS" (runsv, beyond runit): how many
// times ./run ended on its own while wanted up, and when it last did.
std::optional<std::pair<long long, std::int64_t>> read_crashes() {
  auto text = supervise::read_file("supervise/crashes", O_RDONLY | O_NONBLOCK);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long long count = std::strtoll(text->c_str(), &end, 10);
  const long long when = std::strtoll(end, nullptr, 10);
  if (count <= 0 || when <= 0) return std::nullopt;
  return std::make_pair(count, static_cast<std::int64_t>(when));
}

// runit's sv compares the want byte itself (offset 17) with act characters.
char want_char(const supervise::status& s) { return static_cast<char>(supervise::want_byte(s)); }

}  // namespace

controller::controller(options o, command c) : opt_(std::move(o)), cmd_(std::move(c)) {}

void controller::out(std::string_view text) { buffer_ += text; }

void controller::report(const char* kind, const std::string& label, const std::string& text) {
  if (json()) last_error_ = text;
  else out(std::string(kind) + ": " + label + ": " + text + "\n");
}

void controller::flush() {
  if (buffer_.empty()) return;
  supervise::write_all(1, buffer_);
  buffer_.clear();
}

// Service names are looked up in SVDIR unless they are paths: the send phase
// treats "x/" as a path too, the wait phase tests only the first character
// (runit's inconsistency, kept).
bool controller::enter(const std::string& name, bool wait_phase) {
  bool is_path = !name.empty() && (name[0] == '/' || name[0] == '.');
  if (!wait_phase && !name.empty() && name.back() == '/') is_path = true;
  if (name.empty()) is_path = true;
  if (!is_path && ::chdir(opt_.svdir.c_str()) == -1) {
    report("fail", name, std::string("unable to change to service directory: ") + errstr(errno));
    error();
    return false;
  }
  if (::chdir(name.c_str()) == -1) {
    report("fail", name, std::string("unable to change to service directory: ") + errstr(errno));
    error();
    leave();
    return false;
  }
  return true;
}

void controller::leave() {
  if (::fchdir(original_dir_.get()) == -1)
    throw supervise::fatal_error{opt_.lsb ? lsb_exit_fatal : exit_fatal,
                                 "unable to change to original directory", errno};
}

// A "runsv not running" answer: ok for an exit command, else an error.
void controller::not_running(const std::string& label) {
  if (!cmd_.acts.empty() && cmd_.acts[0] == 'x') {
    report("ok", label, "runsv not running");
  } else {
    report("fail", label, "runsv not running");
    error();
  }
}

void controller::warning(const std::string& label, const std::string& text, int err) {
  report("warning", label, err != 0 ? text + ": " + errstr(err) : text);
  error();
}

controller::got controller::get_status(const std::string& label, supervise::status& st) {
  static const std::string here = ".";  // once, not per service
  int err = 0;
  switch (supervise::probe(here, &err)) {
    case supervise::probe_result::running: break;
    case supervise::probe_result::not_running:
      not_running(label);
      return got::not_running;
    case supervise::probe_result::error:
      warning(label, "unable to open supervise/ok", err);
      return got::failed;
  }
  switch (supervise::read_status(here, st, &err)) {
    case supervise::read_result::ok: return got::status;
    case supervise::read_result::open_failed:
      warning(label, "unable to open supervise/status", err);
      break;
    case supervise::read_result::read_failed:
      warning(label, "unable to read supervise/status", err);
      break;
    case supervise::read_result::bad_format:
      warning(label, "unable to read supervise/status: bad format", 0);
      break;
  }
  return got::failed;
}

// 1 if `down` exists, 0 if not, -1 (warning on stderr) if stat failed.
int controller::down_file(const std::string& name) {
  struct stat st;
  if (::stat("down", &st) == 0) return 1;
  if (errno == ENOENT) return 0;
  supervise::write_stderr("warning: unable to stat " + name + "/down: " + errstr(errno) + "\n");
  return -1;
}

// Beyond runit: a service that is down while our runsv waits out its
// restart-backoff delay (supervise/restart-policy "exits N backoff MS",
// which runit's runsv never writes) is wanted up already, yet `up` is sent:
// runsv then starts it at once.
bool controller::backoff_waits(const supervise::status& st) {
  if (st.pid != 0 || st.state != state::down || want_char(st) != 'u') return false;
  auto policy = supervise::read_file("supervise/restart-policy", O_RDONLY | O_NONBLOCK);
  if (!policy) return false;
  auto at = policy->find(" backoff ");
  return at != std::string::npos && std::strtol(policy->c_str() + at + 9, nullptr, 10) > 0;
}

// Returns false when the service is done (not running, or an error).
bool controller::send(const std::string& name, const std::string& acts) {
  supervise::status st;
  if (get_status(name, st) != got::status) return false;
  char first = acts[0];
  // runit sends down again unless the TERM byte is exactly 1.
  if (want_char(st) == first && (first != 'd' || supervise::term_byte(st) == 1) && !backoff_waits(st)) return true;
  int err = 0;
  switch (supervise::send_control(".", acts, &err)) {
    case supervise::send_result::sent: return true;
    case supervise::send_result::not_running: not_running(name); break;
    case supervise::send_result::open_failed:
      warning(name, "unable to open supervise/control", err);
      break;
    case supervise::send_result::write_failed:
      // A short write has no errno of its own: runit's line then ends there.
      warning(name, "unable to write to supervise/control", err);
      break;
  }
  return false;
}

void controller::print_status(const std::string& name) {
  supervise::status st;
  switch (get_status(name, st)) {
    case got::not_running: lsb_status_ = lsb_exit_error; return;
    case got::failed: lsb_status_ = lsb_exit_unknown; return;
    case got::status: break;
  }
  // An unreadable `down` drops MAIN, not the log part (runit goes on with it).
  int down = down_file(name);
  if (down < 0) {
    lsb_status_ = lsb_exit_unknown;
  } else {
    lsb_status_ = st.pid != 0 ? 0 : lsb_exit_down;
    append_status_line(buffer_, st, name, down == 1, now_unix());
    buffer_ += waiting_suffix(st);  // beyond runit: only with dependencies.d
  }
  print_log_part(name, st);
}

void controller::print_log_part(const std::string& name, const supervise::status& main) {
  if (::chdir("log") == -1) {
    if (errno == ENOENT) {
      out("\n");
      return;
    }
    out("; warning: " + name + "/log: unable to change directory: " + errstr(errno) + "\n");
    error();
    return;
  }
  out("; ");
  supervise::status st;
  got g = get_status(name + "/log", st);
  if (g == got::not_running) return;
  // After a failed read runit prints the log part from the main service's
  // record, which is still in its buffer.
  if (g == got::failed) st = main;
  int down = down_file(name);  // runit names the service, not NAME/log, in this warning
  if (down < 0) {
    out("\n");
    return;
  }
  append_status_line(buffer_, st, "log", down == 1, now_unix());
  out("\n");
}

// Beyond runit: with -j, status goes into one JSON document printed at the
// end; the errors are counted as for the status lines.
json_entry controller::json_part(const std::string& name, const std::string& label) {
  json_entry e;
  e.name = label;
  supervise::status st;
  last_error_.clear();
  if (get_status(label, st) != got::status) {
    e.error = last_error_;
    return e;
  }
  e.status = st;
  int down = down_file(name);
  if (down >= 0) e.down_file = down == 1;
  struct stat sb;
  if (::stat("notification-fd", &sb) == 0) e.ready = ::stat("supervise/ready", &sb) == 0;
  // runsv's restart-limit / restart-backoff state: "given-up" or "exits N backoff MS".
  if (auto policy = supervise::read_file("supervise/restart-policy", O_RDONLY | O_NONBLOCK)) {
    while (!policy->empty() && policy->back() == '\n') policy->pop_back();
    e.restart_policy = *policy;
  }
  if (auto c = read_crashes()) {
    e.crashes = c->first;
    e.last_crash = c->second;
  }
  if (st.pid == 0) e.waiting_for = read_waiting();
  return e;
}

void controller::json_status(const std::string& name) {
  json_service s;
  s.main = json_part(name, name);
  if (!s.main.status) {
    lsb_status_ = s.main.error == "runsv not running" ? lsb_exit_error : lsb_exit_unknown;
    json_.push_back(std::move(s));
    return;
  }
  lsb_status_ = !s.main.down_file ? lsb_exit_unknown : s.main.status->pid != 0 ? 0 : lsb_exit_down;
  if (::chdir("log") == -1) {
    if (errno != ENOENT) {
      s.has_log = true;
      s.log.name = "log";
      s.log.error = std::string("unable to change directory: ") + errstr(errno);
      error();
    }
  } else {
    s.has_log = true;
    s.log = json_part(name, "log");
  }
  json_.push_back(std::move(s));
}

// Beyond runit: a service with a notification-fd file is up only once
// runsv has created supervise/ready (the service signalled readiness).
bool controller::ready_ok() {
  struct stat sb;
  if (::stat("notification-fd", &sb) == -1) return true;
  return ::stat("supervise/ready", &sb) == 0;
}

// Beyond runit: sv ready, the probe for health checks. Ready means running
// as wanted: ./run up, wanted up, not paused or being stopped, ready by its
// notification-fd when it has one, no crash (an end of ./run runsv did not
// cause, supervise/crashes) in the last minute, its log service running, and
// its ./check passing. Without names (whole_dir_), a service wanted down is
// where it should be unless its restart limit put it there.
std::optional<std::string> controller::not_ready(const std::string& name, const supervise::status& st) {
  auto policy = supervise::read_file("supervise/restart-policy", O_RDONLY | O_NONBLOCK);
  const bool given_up = policy && policy->rfind("given-up", 0) == 0;
  const bool wanted_up = want_char(st) == 'u';
  if (whole_dir_ && !wanted_up && !given_up) return std::nullopt;
  if (st.pid == 0 || st.state != state::run || !wanted_up || st.paused || st.got_term)
    return given_up ? std::string(", restart limit reached") : waiting_suffix(st);  // else the status line says why
  if (!ready_ok()) return std::string(", not ready");
  if (auto crashes = read_crashes()) {
    const auto [count, when] = *crashes;
    const long long ago = std::max<long long>(0, now_unix() - when);
    if (ago < crash_window_seconds)
      return ", crashed " + std::to_string(ago) + "s ago (" + std::to_string(count) +
             (count == 1 ? " time)" : " times)");
  }
  struct stat sb;
  supervise::status log;
  if (::stat("log", &sb) == 0 && S_ISDIR(sb.st_mode) &&
      supervise::read_status("log", log, nullptr) == supervise::read_result::ok &&
      (log.pid == 0 || log.state != state::run))
    return std::string(", log not running");
  if (!check_script(name)) return std::string(", check failed");
  return std::nullopt;
}

// ready without -v: one look, "ok:" or "fail:" with the status line.
void controller::probe(const std::string& name) {
  supervise::status st;
  if (get_status(name, st) != got::status) return;  // reported and counted
  auto why = not_ready(name, st);
  int down = down_file(name);
  std::string line = down >= 0 ? status_line(st, name, down == 1, now_unix()) : std::string();
  if (why) {
    out("fail: " + line + *why + "\n");
    error();
  } else {
    out("ok: " + line + "\n");
  }
}

// The services runsvdir would run in SVDIR: its subdirectories (symbolic
// links followed) whose names do not start with a dot, in name order.
std::vector<std::string> controller::every_service() const {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(opt_.svdir.c_str()), ::closedir);
  if (!dir) throw supervise::fatal_error{opt_.lsb ? lsb_exit_fatal : exit_fatal, "unable to open " + opt_.svdir, errno};
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir.get())) {
    if (e->d_name[0] == '.') continue;
    struct stat sb;
    if (::fstatat(::dirfd(dir.get()), e->d_name, &sb, 0) == 0 && S_ISDIR(sb.st_mode)) names.emplace_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool controller::check_script(const std::string& name) {
  struct stat st;
  if (::stat("check", &st) == -1) {
    if (errno == ENOENT) return true;
    supervise::write_stderr("warning: unable to stat " + name + "/check: " + errstr(errno) + "\n");
    return false;
  }
  supervise::spawn_spec spec;
  spec.path = "check";
  spec.argv = {"./check"};
  spec.close_fds = {1};
  // Descriptors sv was started without (run_main gave them /dev/null) are
  // closed again: the check gets what sv got, as under runit.
  for (int fd : {0, 2})
    if ((supervise::std_fds_filled() & (1 << fd)) != 0)
      spec.close_fds.push_back(fd);
  spec.prefix = "";
  spec.kind = "warning";
  spec.exec_failed = "unable to run " + name + "/check";
  spec.exit_code = 0;  // runit's quirk: a check that cannot run counts as passed
  pid_t pid = supervise::spawn(spec);
  if (pid == -1) {
    supervise::write_stderr("warning: unable to fork for " + name + "/check: " + errstr(errno) + "\n");
    return false;
  }
  // sv is a client: blocking until the check is done is what runit does.
  int ws = 0;
  while (::waitpid(pid, &ws, 0) == -1) {
    if (errno == EINTR) continue;
    supervise::write_stderr("warning: unable to wait for child " + name + "/check: " +
                            errstr(errno) + "\n");
    return false;
  }
  return ((ws >> 8) & 0xff) == 0;  // a check killed by a signal passes, as in runit
}

// 1: done (ok printed or runsv gone for x), -1: done with an error, 0: not yet.
int controller::check(pending& p) {
  supervise::status st;
  char first = cmd_.acts[0];
  switch (get_status(p.name, st)) {
    case got::not_running: return first == 'x' ? 1 : -1;
    case got::failed: return -1;
    case got::status: break;
  }
  if (cmd_.probe) {
    if (not_ready(p.name, st)) return 0;
    int down = down_file(p.name);
    out("ok: " + (down >= 0 ? status_line(st, p.name, down == 1, now_unix()) : std::string()) + "\n");
    return 1;
  }
  const bool pid = st.pid != 0;
  const bool since_start = st.time.seconds >= tstart_;
  for (char act : cmd_.acts) {
    if (act == 'C') act = want_char(st) == 'd' ? 'd' : 'u';
    switch (act) {
      case 'x': return 0;
      case 'u':
        if (!pid || st.state != state::run || !ready_ok() || !check_script(p.name)) return 0;
        break;
      case 'd':
        if (pid || st.state != state::down) return 0;
        break;
      case 't': case 'k':
        if (!pid && want_char(st) == 'd') break;
        if (!since_start || !pid || st.got_term || !check_script(p.name)) return 0;
        break;
      case 'o':
        if ((pid && want_char(st) == 'd') || (!pid && since_start)) break;
        return 0;
      case 'p':
        if (pid && !st.paused) return 0;
        break;
      case 'c':
        if (pid && st.paused) return 0;
        break;
      default: break;
    }
  }
  int down = down_file(p.name);
  out("ok: " + (down >= 0 ? status_line(st, p.name, down == 1, now_unix()) : std::string()) + "\n");
  return 1;
}

// Beyond runit: between two of runit's passes, sleep on inotify for runsv's
// rename of supervise/status or its exit (ok/control closed). True on such
// an event, false once `until` has come.
bool controller::wait_for_change(int inotify, std::chrono::steady_clock::time_point until) {
  using clock = std::chrono::steady_clock;
  // Our own reads of supervise/status raise events too: drain them and keep
  // sleeping until one of runsv's counts or the nap is over.
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{inotify, POLLIN, 0};
    int ready = ::poll(&pfd, inotify >= 0 ? 1 : 0, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready > 0 && read_events(inotify)) return true;
  }
}

// True when the events include runsv's rename of supervise/status or its
// exit (the last close of ok or control by their reader), or the creation
// of supervise/ready (readiness, beyond runit).
bool controller::read_events(int inotify) {
  bool relevant = false;
  supervise::drain_inotify(inotify, [&](const supervise::inotify_event_view& ev) {
    if ((ev.mask & IN_MOVED_TO && ev.name == "status") ||
        (ev.mask & (IN_MOVED_TO | IN_CREATE) && ev.name == "ready") ||
        (ev.mask & IN_CLOSE_NOWRITE && (ev.name == "ok" || ev.name == "control")) ||
        (ev.mask & (IN_IGNORED | IN_DELETE_SELF | IN_Q_OVERFLOW)))
      relevant = true;
  });
  return relevant;
}

// Checks one pending service; its lines go to p.output. In one of runit's
// passes (`pass`), a service still not there times out once the pass began
// more than the timeout after sv started.
void controller::look_at(pending& p, int inotify, bool pass, double elapsed) {
  if (!enter(p.name, true)) {
    p.done = true;
  } else {
    if (inotify >= 0 && p.watch < 0)
      p.watch = ::inotify_add_watch(inotify, "supervise",
                                    IN_MOVED_TO | IN_CREATE | IN_CLOSE_NOWRITE | IN_DELETE_SELF);
    p.done = check(p) != 0;
    if (!p.done && pass && elapsed > static_cast<double>(opt_.timeout)) {
      supervise::status st;
      out(cmd_.kill_on_timeout ? "kill: " : "timeout: ");
      // A readable status counts as the error; an unreadable one was counted already.
      if (get_status(p.name, st) == got::status) {
        int down = down_file(p.name);
        if (down >= 0) out(status_line(st, p.name, down == 1, now_unix()));
        if (cmd_.probe)
          if (auto why = not_ready(p.name, st)) out(*why);
        error();
      }
      out("\n");
      if (cmd_.kill_on_timeout) send(p.name, "k");
      p.done = true;
    }
    leave();
  }
  p.output += buffer_;
  buffer_.clear();
}

// Looks at every pending service, then prints what runit's sv would have
// printed by now: runit prints a pass's lines in argument order, so a line
// waits for the services before it until they are done too or, at the
// latest, until the pass (a service still pending then is reported in a
// later pass, after it). False once every service is done.
bool controller::look(std::vector<pending>& services, int inotify, bool pass, double elapsed) {
  for (auto& p : services)
    if (!p.done) look_at(p, inotify, pass, elapsed);
  bool pending_left = false;
  for (auto& p : services) {
    if (!p.done) {
      pending_left = true;
      if (pass) continue;
      break;
    }
    if (p.printed) continue;
    supervise::write_all(1, p.output);
    p.printed = true;
  }
  return pending_left;
}

// runit's loop: a pass over the services at once (0 s elapsed), then one
// 420 ms after the end of each pass, each deciding timeouts by the time it
// began (so -w 0 waits for one more pass). Beyond runit: in between, sv
// looks again as soon as a runsv changes something, so it reports a change
// within milliseconds and returns as soon as every service is done.
void controller::wait_all(std::vector<pending> services) {
  using clock = std::chrono::steady_clock;
  supervise::fd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  double elapsed = 0;  // runit's first pass counts as 0 s
  for (;;) {
    if (!look(services, inotify.get(), true, elapsed)) return;
    const auto next_pass = clock::now() + std::chrono::milliseconds(420);
    while (wait_for_change(inotify.get(), next_pass))
      if (!look(services, inotify.get(), false, 0)) return;
    elapsed = std::chrono::duration<double>(clock::now() - started_).count();
  }
}

int controller::exit_code() const {
  if (opt_.lsb) {
    if (cmd_.status) return lsb_status_;
    return errors_ > 0 ? lsb_exit_error : 0;
  }
  return std::min(errors_, exit_max_errors);
}

int controller::run() {
  original_dir_ = supervise::open_fd(".", O_RDONLY | O_NDELAY | O_CLOEXEC);
  if (!original_dir_)
    throw supervise::fatal_error{opt_.lsb ? lsb_exit_fatal : exit_fatal,
                                 "unable to open current directory", errno};
  tstart_ = supervise::tai64n::now().seconds;
  started_ = std::chrono::steady_clock::now();
  std::vector<std::string> names = opt_.services;
  if (cmd_.probe && names.empty()) {
    whole_dir_ = true;
    names = every_service();
  }
  const bool waits = !cmd_.status && (cmd_.wait || opt_.verbose);
  const bool stop = cmd_.send && (cmd_.acts[0] == 'd' || cmd_.acts[0] == 'x');
  for (auto& layer : waits && stop ? stop_layers(names) : std::vector<std::vector<std::string>>{names}) {
    auto waiting = handle(layer);
    if (waits && !waiting.empty()) wait_all(std::move(waiting));
  }
  if (json()) {
    out(status_json(json_, now_unix()));
    flush();
  }
  return exit_code();
}

// Sends (or prints) for each service; returns the ones to wait for.
std::vector<controller::pending> controller::handle(const std::vector<std::string>& names) {
  std::vector<pending> waiting;
  for (const auto& name : names) {
    if (!enter(name, false)) {
      if (cmd_.status) lsb_status_ = lsb_exit_error;
      if (json()) {
        json_service s;
        s.main.name = name;
        s.main.error = last_error_;
        json_.push_back(std::move(s));
      }
      flush();
      continue;
    }
    bool keep = true;
    if (json()) json_status(name);
    else if (cmd_.status) print_status(name);
    else if (cmd_.probe && !opt_.verbose) {
      probe(name);
      keep = false;
    } else if (cmd_.send) keep = send(name, cmd_.acts);
    flush();
    leave();
    if (keep && !cmd_.status) {
      pending p;
      p.name = name;
      waiting.push_back(std::move(p));
    }
  }
  return waiting;
}

// Beyond runit (runsv's dependencies.d): a stop that waits, given services
// of which some need others, goes in layers: first the services no other
// given service needs, then, once they are down, what only they needed,
// and so on; services in a cycle go last, together. Without dependencies.d
// among them: one layer, runit's order. The wait's time is shared.
std::vector<std::vector<std::string>> controller::stop_layers(const std::vector<std::string>& names) const {
  auto base = [](std::string n) {
    while (n.size() > 1 && n.back() == '/') n.pop_back();
    auto slash = n.rfind('/');
    return slash == std::string::npos ? n : n.substr(slash + 1);
  };
  // needs[i]: the indexes of the given services that names[i] needs. One
  // opendir per service, so a thousand services cost a thousand calls.
  std::map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t j = 0; j < names.size(); ++j) by_name[base(names[j])].push_back(j);
  std::vector<std::vector<std::size_t>> needs(names.size());
  bool any = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool is_path = !names[i].empty() && (names[i][0] == '/' || names[i][0] == '.');
    const std::string dir = (is_path ? names[i] : opt_.svdir + "/" + names[i]) + "/dependencies.d";
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) continue;
    while (dirent* e = ::readdir(d.get())) {
      auto it = by_name.find(e->d_name);
      if (e->d_name[0] == '.' || it == by_name.end()) continue;
      for (std::size_t j : it->second)
        if (j != i) {
          needs[i].push_back(j);
          any = true;
        }
    }
  }
  if (!any) return {names};
  std::vector<std::vector<std::string>> layers;
  std::vector<bool> placed(names.size(), false);
  std::size_t left = names.size();
  while (left > 0) {
    std::vector<std::string> layer;
    std::vector<std::size_t> now;
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (placed[k]) continue;
      bool needed = false;
      for (std::size_t i = 0; i < names.size() && !needed; ++i)
        if (!placed[i] && std::find(needs[i].begin(), needs[i].end(), k) != needs[i].end()) needed = true;
      if (!needed) now.push_back(k);
    }
    if (now.empty())  // a cycle: the rest together
      for (std::size_t k = 0; k < names.size(); ++k)
        if (!placed[k]) now.push_back(k);
    for (std::size_t k : now) {
      placed[k] = true;
      layer.push_back(names[k]);
      --left;
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

int main(int argc, char** argv) {
  std::string_view arg0 = argc > 0 && argv[0] ? argv[0] : "sv";
  const bool lsb = supervise::basename_of(arg0) != "sv";
  // sv's fatal lines carry no program name.
  return supervise::run_main("", [&] {
    auto opt = parse_options(argc, argv, SV_DEFAULT_SVDIR);
    if (!opt) {
      options o;
      o.lsb = lsb;
      return usage_exit(o);
    }
    auto cmd = parse_command(opt->command, opt->lsb);
    if (!cmd) {
      supervise::usage(opt->progname, opt->lsb ? "[-w sec] command" : "[-v] [-w sec] command service ...", 0);
      return usage_exit(*opt);
    }
    controller c(std::move(*opt), std::move(*cmd));
    return c.run();
  }, lsb ? lsb_exit_fatal : exit_fatal);
}

}  // namespace sv

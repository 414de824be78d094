#include "runsv_world.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>

using runsv::action;
using runsv::which;

namespace test {

namespace {

std::string hex(unsigned v) {
  static const char* digits = "0123456789abcdef";
  return {digits[(v >> 4) & 0xf], digits[v & 0xf]};
}

std::string flags_of(const supervise::status& s) {
  auto b = supervise::encode(s);
  return hex(std::to_integer<unsigned>(b[16])) + " " + hex(std::to_integer<unsigned>(b[17])) + " " +
         hex(std::to_integer<unsigned>(b[18])) + " " + hex(std::to_integer<unsigned>(b[19]));
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "HUP";
    case SIGINT: return "INT";
    case SIGQUIT: return "QUIT";
    case SIGKILL: return "KILL";
    case SIGUSR1: return "USR1";
    case SIGUSR2: return "USR2";
    case SIGALRM: return "ALRM";
    case SIGTERM: return "TERM";
    case SIGCONT: return "CONT";
    case SIGSTOP: return "STOP";
    case runsv::down_signal_of_service: return "down";
    default: return std::to_string(sig);
  }
}

}  // namespace

std::vector<std::string> sorted_signals(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

std::string status_flags(const supervise::status& s) { return flags_of(s); }

runsv_world::runsv_world(const runsv_config& cfg)
    : cfg_(cfg), core_(cfg.log, cfg.down ? supervise::want::down : supervise::want::up, supervise::want::up, now_) {
  dispatch(core_.begin(which::main), nullptr);
  if (cfg.log) dispatch(core_.begin(which::log), nullptr);
  quiesce(nullptr);
}

void runsv_world::send(char byte, std::vector<std::string>* trace) {
  if (byte == 'T') dispatch(core_.term(), trace);
  else if (byte == 'K') deliver(written_main_.pid, SIGKILL);
  else dispatch(core_.control(which::main, byte), trace);
  quiesce(trace);
}

std::string runsv_world::seen() const {
  std::string o = "flags " + flags_of(written_main_) + " pid " + name(written_main_.pid);
  if (cfg_.log) o += " | log " + flags_of(written_log_);
  o += " | live";
  for (const auto& [pid, c] : children_)
    if (c.what == sim_child::kind::run && c.alive) o += " #" + std::to_string(c.number);
  o += " | signals";
  for (const auto& [pid, c] : children_) {
    if (c.what != sim_child::kind::run || c.recorded.empty()) continue;
    auto sigs = sorted_signals(c.recorded);
    o += " #" + std::to_string(c.number) + ":";
    for (std::size_t i = 0; i < sigs.size(); ++i) o += (i ? "," : "") + sigs[i];
  }
  o += " | control";
  for (char c : scripts_) o += std::string(" ") + c;
  if (exited_) o += " | exited";
  return o;
}

std::string runsv_world::name(pid_t pid) const {
  if (pid == 0) return "0";
  auto it = children_.find(pid);
  if (it == children_.end()) return "?";
  if (it->second.what == sim_child::kind::finish) return "finish";
  if (it->second.what == sim_child::kind::log) return "log";
  return "#" + std::to_string(it->second.number);
}

std::string runsv_world::describe(const action& a) const {
  using k = action::kind;
  const std::string svc = a.svc == which::log ? "log " : "";
  switch (a.what) {
    case k::write_status: return svc + "status " + flags_of(a.status) + (a.pid_changed ? " +pid" : "");
    case k::spawn_run: return svc + "spawn run";
    case k::spawn_finish: return "spawn finish";
    case k::signal: return svc + signal_name(a.value) + " " + name(a.pid);
    case k::run_control: return std::string("control/") + a.command;
    case k::throttle: return svc + "throttle " + std::to_string(a.delay.count());
    case k::close_log_pipe: return "close log pipe";
    case k::exit: return "exit";
    case k::repost_term: return "repost term";
    case k::reset_policy: return "reset policy";
    case k::write_policy: return "policy " + a.text;
    case k::stop_signalled: return svc + "stop signalled " + name(a.pid);
    case k::reset_crashes: return "reset crashes";
    case k::write_crashes: return "crashes " + a.text.substr(0, a.text.find(' '));
    case k::warn: return "warn " + a.text;
    case k::ended_for_good: return "ended for good";
  }
  return "?";
}

// As the supervisor does: what an action gives back goes to the core at
// once, and the actions that answer come before the rest of the list.
void runsv_world::dispatch(runsv::actions list, std::vector<std::string>* trace) {
  std::deque<action> todo(list.begin(), list.end());
  while (!todo.empty()) {
    action a = todo.front();
    todo.pop_front();
    // The crash record and timeout-kill's timer (beyond runit) stay out of
    // the table, which Debian's runsv replays too.
    const bool extension = a.what == action::kind::write_crashes || a.what == action::kind::reset_crashes ||
                           a.what == action::kind::stop_signalled;
    if (trace && !extension) trace->push_back(describe(a));
    auto more = perform(a);
    todo.insert(todo.begin(), more.begin(), more.end());
  }
}

runsv::actions runsv_world::perform(const action& a) {
  using k = action::kind;
  switch (a.what) {
    case k::spawn_run:
    case k::spawn_finish: {
      pid_t pid = next_pid_++;
      sim_child c;
      if (a.what == k::spawn_finish) c.what = sim_child::kind::finish;
      else if (a.svc == which::log) c.what = sim_child::kind::log;
      else c.number = ++runs_;
      children_[pid] = c;
      return core_.spawned(a.svc, pid, now_, steady_);
    }
    case k::write_status: (a.svc == which::main ? written_main_ : written_log_) = a.status; return {};
    case k::signal: deliver(a.pid, a.value == runsv::down_signal_of_service ? SIGTERM : a.value); return {};
    case k::run_control: {
      auto it = cfg_.controls.find(a.command);
      if (it == cfg_.controls.end()) return core_.script_done(false, false);
      scripts_.push_back(a.command);
      return core_.script_done(it->second == 0, true);
    }
    case k::throttle: timers_.push_back(a.svc); return {};
    case k::close_log_pipe:
      log_pipe_closed_ = true;
      log_eof();
      return {};
    case k::exit: exited_ = true; return {};
    case k::repost_term: ++terms_; return {};
    default: return {};
  }
}

void runsv_world::deliver(pid_t pid, int sig) {
  auto it = children_.find(pid);
  if (it == children_.end() || !it->second.alive) return;
  auto& c = it->second;
  if (sig == SIGKILL) {
    end(pid, SIGKILL);
    return;
  }
  if (c.what != sim_child::kind::run) return;  // ./finish and log/run record nothing
  if (sig == SIGSTOP) {
    c.stopped = true;
    return;
  }
  if (c.stopped && sig != SIGCONT) {
    if (std::find(c.pending.begin(), c.pending.end(), sig) == c.pending.end()) c.pending.push_back(sig);
    return;
  }
  if (sig == SIGCONT && c.stopped) {
    c.stopped = false;
    c.pending.push_back(SIGCONT);
    std::sort(c.pending.begin(), c.pending.end());  // the shell runs pending traps by number
    for (int s : c.pending) c.recorded.push_back(signal_name(s));
    c.pending.clear();
    return;
  }
  c.recorded.push_back(signal_name(sig));
}

void runsv_world::end(pid_t pid, int wait_status) {
  children_[pid].alive = false;
  exits_.push_back({pid, wait_status});
  if (children_[pid].what != sim_child::kind::log) log_eof();
}

// log/run (cat) ends at EOF: once runsv closed its ends of the log pipe and
// no child of the main service (whose stdout it is) is left.
void runsv_world::log_eof() {
  if (!log_pipe_closed_) return;
  for (const auto& [pid, c] : children_)
    if (c.what != sim_child::kind::log && c.alive) return;
  for (auto& [pid, c] : children_)
    if (c.what == sim_child::kind::log && c.alive) end(pid, 0);
}

// runit's loop: reap, then settle; a throttle ends once nothing else is left.
void runsv_world::quiesce(std::vector<std::string>* trace) {
  for (int guard = 0; guard < 100; ++guard) {
    dispatch(core_.settle(), trace);
    if (exited_) return;
    if (!exits_.empty()) {
      auto [pid, ws] = exits_.front();
      exits_.pop_front();
      runsv::exit_facts f;
      f.wait_status = ws;
      f.finish_exists = cfg_.finish;
      f.now = now_;
      f.steady_now = steady_;
      dispatch(core_.child_exit(pid, f), trace);
    } else if (terms_ > 0) {
      --terms_;
      dispatch(core_.term(), trace);
    } else if (!timers_.empty()) {
      which w = timers_.front();
      timers_.pop_front();
      dispatch(core_.throttle_expired(w), trace);
    } else {
      return;
    }
  }
  throw std::runtime_error("runsv's core never settles");
}

}  // namespace test

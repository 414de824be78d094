#include "core.hpp"

#include <algorithm>
#include <csignal>

namespace runsv {

using supervise::state;
using supervise::want;
using kind = action::kind;

namespace {

action act(kind k, which w = which::main, pid_t pid = 0, int value = 0) {
  action a;
  a.what = k;
  a.svc = w;
  a.pid = pid;
  a.value = value;
  return a;
}

action act_text(kind k, std::string text) {
  action a = act(k);
  a.text = std::move(text);
  return a;
}

}  // namespace

core::core(bool has_log, want main_wants, want log_wants, supervise::tai64n now) : has_log_(has_log) {
  main_.status.time = now;
  main_.status.wants = main_wants;
  if (has_log_) {
    log_.status.time = now;
    log_.status.wants = log_wants;
  }
}

actions core::take() {
  actions a;
  a.swap(out_);
  return a;
}

void core::write(which w) {
  auto& s = svc(w);
  action a = act(kind::write_status, w);
  a.status = s.status;
  a.pid_changed = s.pid_changed;
  s.pid_changed = false;
  emit(std::move(a));
}

// runit's shared "pid changed" flag is consumed by the main service, so
// log/supervise/pid first appears when the log service starts.
actions core::begin(which w) {
  if (w == which::main) main_.pid_changed = true;
  write(w);
  return take();
}

actions core::control(which w, char byte) {
  apply(w, byte);
  return take();
}

// runit treats TERM as the control byte 'x'. It blocks TERM while a
// control/X runs; here the TERM waits for the script's end the same way.
actions core::term() {
  if (script_.active) term_pending_ = true;
  else apply(which::main, 'x');
  return take();
}

actions core::child_exit(pid_t pid, const exit_facts& facts) {
  if (pid <= 0) return {};
  if (main_.status.pid == pid) went_down(which::main, facts);
  else if (has_log_ && log_.status.pid == pid) went_down(which::log, facts);
  return take();
}

void core::went_down(which w, const exit_facts& facts) {
  auto& s = svc(w);
  auto& st = s.status;
  if (s.replacing) {
    // It ended while the start that replaces it runs control/u or stops it:
    // runit, blocked in those, reaps it only after the new ./run started,
    // as a child it no longer knows. Nothing is left to signal.
    st.pid = 0;
    return;
  }
  // An end nobody asked for (beyond runit): recorded for sv ready.
  const bool crashed = w == which::main && st.state == state::run && st.wants == want::up && !st.got_term &&
                       !s.asked_to_end;
  st.pid = 0;
  st.got_term = false;
  s.pid_changed = true;
  s.last_wait = facts.wait_status;
  if (crashed) {
    ++s.crashes;
    emit(act_text(kind::write_crashes,
                  std::to_string(s.crashes) + " " + std::to_string(facts.now.unix_seconds()) + "\n"));
  }
  if (st.state != state::finish) s.run_wait = facts.wait_status;
  if (w == which::main && st.state != state::finish && facts.finish_exists) {
    st.state = state::finish;
    write(w);
    return;
  }
  auto started = st.time;
  st.state = state::down;
  st.time = facts.now;
  write(w);
  // runit's throttle: a service down within a second of its start waits a second.
  auto deadline = started;
  deadline.seconds += 1;
  std::chrono::milliseconds delay{st.time < deadline ? 1000 : 0};
  if (w == which::main && st.wants == want::up) {
    auto d = decide_restart(s.history, facts.policy, facts.steady_now);
    s.backoff_wait = d.delay > delay;
    if (d.give_up) {
      st.wants = want::down;
      write(w);
      emit(act_text(kind::warn, "restart limit reached, service left down"));
    }
    if (!d.policy.empty()) emit(act_text(kind::write_policy, d.policy));
    delay = std::max(delay, d.delay);
  }
  if (w == which::main && st.wants == want::down) emit(act(kind::ended_for_good, w, 0, s.run_wait));
  if (delay.count() > 0) throttle(w, delay);
}

// What follows the script runs first; a TERM that came meanwhile is taken
// on the next turn of the loop, like a fresh one (runit lets its blocked
// TERM in then).
actions core::script_done(bool replaced, bool /*ran*/) {
  sequence s = script_;
  script_ = {};
  resume(s, replaced);
  if (!script_.active && term_pending_) {
    term_pending_ = false;
    emit(act(kind::repost_term));
  }
  return take();
}

actions core::throttle_expired(which w) {
  auto& s = svc(w);
  s.throttled = false;
  s.backoff_wait = false;
  if (held(w)) return take();  // an 'o' waits for the dependencies too
  if (s.once_pending && s.status.state == state::down && s.status.pid == 0 && may_start(w)) start(w);
  s.once_pending = false;
  return take();
}

actions core::spawned(which w, pid_t pid, supervise::tai64n now, std::chrono::steady_clock::time_point steady_now) {
  auto& s = svc(w);
  auto& st = s.status;
  if (st.state != state::finish) {
    st.time = now;
    st.state = state::run;
    s.history.run_started = steady_now;
    s.asked_to_end = false;
  }
  st.pid = pid;
  st.paused = false;
  st.got_term = false;
  s.pid_changed = true;
  write(w);
  return take();
}

// runit sleeps five seconds after a failed fork; a timer does it here.
actions core::spawn_failed(which w) {
  throttle(w, std::chrono::seconds(5));
  return take();
}

actions core::settle() {
  if (!exit_check()) start_needed();
  return take();
}

void core::apply(which w, char byte) {
  auto& s = svc(w);
  auto& st = s.status;
  switch (byte) {
    case 'u': {
      const bool was_wanted_down = st.wants != want::up;
      st.wants = want::up;
      write(w);
      if (w == which::main) {
        emit(act(kind::reset_policy));  // a given-up service gets another chance
        // Beyond runit: a restart-backoff delay gives way to an explicit up,
        // and the delays start again from the first.
        const bool cut_backoff = s.throttled && s.backoff_wait && st.state == state::down;
        if (cut_backoff) {
          s.throttled = false;
          s.history.backoff_step = 0;
        }
        s.backoff_wait = false;
        if ((was_wanted_down || cut_backoff) && s.crashes != 0) {
          s.crashes = 0;  // a fresh start: sv ready forgets the earlier ends
          emit(act(kind::reset_crashes));
        }
      }
      // runit starts a service marked down even while the child that 'k'
      // left is alive: start replaces it.
      if (st.state == state::down && !s.throttled && !held(w)) start(w);
      return;
    }
    case 'o':
      st.wants = want::down;
      write(w);
      if (st.state != state::down) return;
      if (s.throttled || held(w)) s.once_pending = true;
      else start(w);
      return;
    case 'd':
    case 'x':
      if (byte == 'x' && w == which::log) return;
      st.wants = byte == 'd' ? want::down : want::exit;
      s.once_pending = false;
      write(w);
      if (s.running()) stop(w, false, false);
      return;
    case 't':
      if (s.running()) stop(w, true, false);
      return;
    case 'k': kill(w); return;
    case 'p': signal_child(w, 'p', SIGSTOP); return;
    case 'c': signal_child(w, 'c', SIGCONT); return;
    case 'h': signal_child(w, 'h', SIGHUP); return;
    case 'a': signal_child(w, 'a', SIGALRM); return;
    case 'i': signal_child(w, 'i', SIGINT); return;
    case 'q': signal_child(w, 'q', SIGQUIT); return;
    case '1': signal_child(w, '1', SIGUSR1); return;
    case '2': signal_child(w, '2', SIGUSR2); return;
    default: return;  // runit ignores unknown bytes
  }
}

// control/u runs before every start of ./run (its exit status is ignored).
// A child still there is one that 'k' marked down without killing it (its
// control/k exited 0): as runit's startservice, it gets the stop sequence
// of 't' (control/t or TERM; with want down or exit then CONT and control/d
// or control/x) and is then forgotten: the new ./run takes its place and
// its exit is only reaped.
void core::start(which w) {
  auto& s = svc(w);
  if (s.status.pid != 0) s.replacing = true;
  sequence q;
  q.next = sequence::step::start;
  q.svc = w;
  if (s.status.state != state::finish) with_control(w, 'u', q);
  else resume(q, false);
}

void core::spawn(which w) {
  auto& s = svc(w);
  s.replacing = false;
  if (w == which::main && s.status.state == state::finish) emit(act(kind::spawn_finish, w, 0, s.last_wait));
  else emit(act(kind::spawn_run, w));
}

// The steps check the pid: a child that ended while control/X ran has been
// reaped and gets no signal.
void core::stop(which w, bool term, bool then_spawn) {
  sequence q;
  q.next = sequence::step::stop_t;
  q.svc = w;
  q.pid = svc(w).status.pid;
  q.term = term;
  q.then_spawn = then_spawn;
  if (q.pid != 0) svc(w).asked_to_end = true;
  if (q.pid != 0) with_control(w, 't', q);
  else resume(q, false);
}

void core::after_t(const sequence& q, bool replaced) {
  auto& s = svc(q.svc);
  auto& st = s.status;
  if (!replaced && q.pid != 0 && st.pid == q.pid) {
    // Beyond runit: s6's down-signal replaces TERM for down and exit.
    emit(act(kind::signal, q.svc, st.pid, q.term ? SIGTERM : down_signal_of_service));
    emit(act(kind::stop_signalled, q.svc, st.pid));
    st.got_term = true;
    write(q.svc);
  }
  if (st.wants == want::up) {  // no CONT: a stopped child keeps TERM pending
    if (q.then_spawn) spawn(q.svc);
    return;
  }
  if (st.pid != 0) emit(act(kind::signal, q.svc, st.pid, SIGCONT));
  sequence n = q;
  n.next = sequence::step::stop_dx;
  with_control(q.svc, st.wants == want::down ? 'd' : 'x', n);
}

void core::signal_child(which w, char command, int sig) {
  auto& s = svc(w);
  sequence q;
  q.next = sequence::step::signal;
  q.svc = w;
  q.pid = s.status.pid;
  q.sig = sig;
  q.command = command;
  if (s.running() && command != 'p' && command != 'c') s.asked_to_end = true;  // HUP, INT... may end it
  if (!s.running()) after_signal(q, true);  // no signal to send, only what follows
  else with_control(w, command, q);
}

void core::after_signal(const sequence& q, bool replaced) {
  auto& st = svc(q.svc).status;
  if (!replaced && q.pid != 0 && st.pid == q.pid) emit(act(kind::signal, q.svc, q.pid, q.sig));
  if (q.command == 'p' || q.command == 'c') {
    st.paused = q.command == 'p';
    write(q.svc);
  }
}

// runit marks the service down at once, before the child is reaped, and
// writes no status until then.
void core::kill(which w) {
  auto& s = svc(w);
  sequence q;
  q.next = sequence::step::kill;
  q.svc = w;
  q.pid = s.status.pid;
  q.was_running = s.running();
  if (q.was_running) s.asked_to_end = true;
  if (q.was_running) with_control(w, 'k', q);
  else after_kill(q, false);
}

void core::after_kill(const sequence& q, bool replaced) {
  auto& st = svc(q.svc).status;
  if (st.pid != q.pid) return;  // it ended while control/k ran
  if (q.was_running && !replaced) emit(act(kind::signal, q.svc, q.pid, SIGKILL));
  st.state = state::down;
}

// Only the main service has control scripts; the log service goes on at once.
void core::with_control(which w, char command, sequence q) {
  if (w == which::log) {
    resume(q, false);
    return;
  }
  q.active = true;
  script_ = q;
  action a = act(kind::run_control, w);
  a.command = command;
  emit(std::move(a));
}

void core::resume(const sequence& q, bool replaced) {
  switch (q.next) {
    case sequence::step::start:
      if (svc(q.svc).status.pid != 0) stop(q.svc, true, true);
      else spawn(q.svc);
      return;
    case sequence::step::stop_t: after_t(q, replaced); return;
    case sequence::step::stop_dx:
      if (q.then_spawn) spawn(q.svc);
      return;
    case sequence::step::signal: after_signal(q, replaced); return;
    case sequence::step::kill: after_kill(q, replaced); return;
  }
}

// runit sleeps here and answers nothing; the supervisor's timer keeps the
// FIFO served.
void core::throttle(which w, std::chrono::milliseconds delay) {
  svc(w).throttled = true;
  action a = act(kind::throttle, w);
  a.delay = delay;
  emit(std::move(a));
}

bool core::exit_check() {
  if (done_) return true;
  auto& m = main_.status;
  if (m.wants != want::exit || m.state != state::down || script_.active) return false;
  if (!has_log_ || log_.status.pid == 0) {
    done_ = true;
    emit(act(kind::exit));
    return true;
  }
  if (!log_told_to_exit_) {
    log_told_to_exit_ = true;
    log_.status.wants = want::exit;
    write(which::log);
    emit(act(kind::close_log_pipe, which::log));
  }
  return false;
}

void core::start_needed() {
  if (has_log_ && log_.status.pid == 0 && log_.status.wants == want::up && !log_.throttled) start(which::log);
  if (main_.status.pid == 0 && !main_.throttled && may_start(which::main) &&
      (main_.status.state == state::finish || (!start_held_ && main_.status.wants == want::up))) {
    start(which::main);
  } else if (main_.once_pending && !start_held_ && !main_.throttled && may_start(which::main) &&
             main_.status.pid == 0 && main_.status.state == state::down) {
    main_.once_pending = false;  // an 'o' that waited for the dependencies
    start(which::main);
  }
}

}  // namespace runsv

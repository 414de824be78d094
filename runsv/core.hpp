#pragma once

#include <chrono>
#include <string>
#include <vector>
#include <sys/types.h>

#include "restart_policy.hpp"
#include "supervise/status.hpp"

// runsv's state machine, as runit's runsv behaves (spec/runsv.md,
// spec/supervise-protocol.md §6): the state of the main service and of the
// log service, and a function per event that updates it and returns what
// must be done. No system call is made here: the supervisor performs the
// actions (supervisor.cpp) and reports what they gave (a pid, a script's
// exit) as further events.

namespace runsv {

enum class which : unsigned char { main, log };

// A signal action's value that stands for the service's down-signal file
// (SIGTERM when there is none): what 'd' and 'x' send.
inline constexpr int down_signal_of_service = -1;

struct action {
  enum class kind : unsigned char {
    write_status,    // svc: write `status` (and supervise/pid when pid_changed)
    spawn_run,       // svc: start ./run (log: log/run on the log pipe); answer spawned()/spawn_failed()
    spawn_finish,    // start ./finish for the wait status `value`; answer spawned()/spawn_failed()
    signal,          // kill(pid, value); value may be down_signal_of_service
    run_control,     // run control/`command` of the main service; answer script_done(),
                     // at once with ran = false when there is no executable script
    throttle,        // svc: call throttle_expired(svc) after `delay`
    close_log_pipe,  // close both ends of the log pipe: the log service sees EOF
    exit,            // runsv's work is done: exit 0
    repost_term,     // a TERM that came while control/X ran: call term() on the next turn
    reset_policy,    // remove supervise/restart-policy ('u' gives another chance)
    write_policy,    // write `text` to supervise/restart-policy
    stop_signalled,  // the down-signal (or TERM) went to `pid`: timeout-kill starts
    reset_crashes,   // remove supervise/crashes
    write_crashes,   // write `text` to supervise/crashes
    warn,            // print "runsv S: warning: `text`"
    ended_for_good,  // the main service is down and wanted down; `value`: ./run's wait status
  };
  kind what = kind::warn;
  which svc = which::main;
  pid_t pid = 0;
  int value = 0;
  char command = 0;
  std::chrono::milliseconds delay{0};
  supervise::status status{};
  bool pid_changed = false;
  std::string text;
};
using actions = std::vector<action>;

// One supervised service: the main service in S or the log service in S/log.
struct service_state {
  supervise::status status;
  bool pid_changed = false;   // supervise/pid must be rewritten
  int last_wait = 0;          // wait status of the child that went down, for ./finish
  int run_wait = 0;           // wait status of the last ./run
  bool throttled = false;     // a restart waits for throttle_expired()
  bool once_pending = false;  // an 'o' came while throttled
  bool replacing = false;     // a start replaces the child 'k' left (then forgotten)
  restart_history history;    // restart-limit and restart-backoff
  bool backoff_wait = false;  // the restart waits on restart-backoff's delay
  // Beyond runit: exits of ./run while wanted up that runsv did not cause
  // (no stop, kill or signal command reached this ./run), for sv ready.
  bool asked_to_end = false;  // a command signalled or stopped this ./run
  long crashes = 0;

  bool running() const noexcept { return status.state == supervise::state::run; }
};

// What the supervisor knows when a child of a service is reaped.
struct exit_facts {
  int wait_status = 0;
  bool finish_exists = false;         // ./finish can be opened
  supervise::tai64n now;
  std::chrono::steady_clock::time_point steady_now;
  restart_config policy;              // restart-limit and restart-backoff
};

class core {
 public:
  // The services as runsv finds them: want up unless a `down` file is there.
  core(bool has_log, supervise::want main_wants, supervise::want log_wants, supervise::tai64n now);

  // The status files of a service written at start-up (the log's pid file
  // waits for its start).
  actions begin(which svc);
  // A control byte read from the service's FIFO (only when accepts_control).
  actions control(which svc, char byte);
  // runsv got TERM: the main service's 'x', or later if control/X runs.
  actions term();
  // The child `pid` of a service ended (the main or log ./run or ./finish,
  // or the child that 'k' left and a start replaced).
  actions child_exit(pid_t pid, const exit_facts& facts);
  // The control/X started by run_control ended (replaced: exited 0); ran is
  // false when there was no script to run.
  actions script_done(bool replaced, bool ran);
  actions throttle_expired(which svc);
  actions spawned(which svc, pid_t pid, supervise::tai64n now, std::chrono::steady_clock::time_point steady_now);
  actions spawn_failed(which svc);
  // After each batch of events, as runit's loop does after each wake-up:
  // exit when due, else start what must run.
  actions settle();

  // Beyond runit (dependencies.d): while held, ./run is not started; an 'o'
  // then waits too. Released, the next settle() starts what is due.
  void hold_start(bool held) noexcept { start_held_ = held; }

  // While control/X runs runit reads no byte of the main service's FIFO.
  bool accepts_control(which svc) const noexcept { return svc == which::log || !script_.active; }
  bool script_running() const noexcept { return script_.active; }
  bool done() const noexcept { return done_; }
  bool has_log() const noexcept { return has_log_; }
  const service_state& service(which svc) const noexcept { return svc == which::main ? main_ : log_; }

 private:
  // What follows a running control/X: `resume` continues with its result.
  struct sequence {
    enum class step : unsigned char { start, stop_t, stop_dx, signal, kill };
    bool active = false;
    step next = step::start;
    which svc = which::main;
    pid_t pid = 0;           // the child the sequence is about
    bool term = false;       // stop: for 't' (TERM, no CONT while want up)
    bool then_spawn = false; // stop: the first half of a start
    int sig = 0;             // signal: what to send
    char command = 0;        // signal: the control byte ('p' and 'c' also set paused)
    bool was_running = false;// kill: the service ran when 'k' came
  };

  service_state& svc(which w) noexcept { return w == which::main ? main_ : log_; }
  void emit(action a) { out_.push_back(std::move(a)); }
  actions take();
  void write(which w);
  void apply(which w, char byte);
  void start(which w);
  void spawn(which w);
  void stop(which w, bool term, bool then_spawn);
  void after_t(const sequence& s, bool replaced);
  void signal_child(which w, char command, int sig);
  void after_signal(const sequence& s, bool replaced);
  void kill(which w);
  void after_kill(const sequence& s, bool replaced);
  // Runs control/COMMAND first when `w` is the main service, then `s`.
  void with_control(which w, char command, sequence s);
  void resume(const sequence& s, bool replaced);
  void throttle(which w, std::chrono::milliseconds delay);
  void went_down(which w, const exit_facts& facts);
  bool exit_check();
  void start_needed();
  bool may_start(which w) const noexcept { return w == which::log || !script_.active; }
  bool held(which w) const noexcept { return w == which::main && start_held_; }

  bool has_log_;
  service_state main_;
  service_state log_;
  sequence script_;
  bool term_pending_ = false;
  bool start_held_ = false;
  bool log_told_to_exit_ = false;
  bool done_ = false;
  actions out_;
};

}  // namespace runsv

#pragma once

#include <map>
#include <string>
#include <vector>

// runsv's transitions as data rows (tests/data/runsv_transitions.tsv): a
// service configuration, the control bytes that bring it to a state, one
// more control byte, what runsv's core must do (checked by the unit test on
// the core alone), and what can be seen from outside once everything has
// settled (checked by the interop test against Debian's runsv and ours).
//
// The service's ./run records every signal it gets and ends only on KILL;
// the observation is one line:
//   "flags PP WW TT SS pid P[ | log PP WW TT SS] | live #N... | signals #N:SIG,... | control X... [| exited]"
// where the flags are status bytes 16..19 in hex, P is "#N" (the N-th ./run
// started), "finish" or "0", live lists the ./run still alive, signals what
// each ./run recorded (in name order: a shell
// records runsv's TERM and CONT in either order), control the control scripts that ran (all of them,
// from the start of runsv), exited whether runsv ended.

namespace test {

struct runsv_config {
  bool log = false;     // a log service (log/run reads the log pipe)
  bool finish = false;  // a ./finish that runs until killed
  bool down = false;    // a `down` file
  // control/X scripts and their exit codes (0 replaces the default action).
  std::map<char, int> controls;
};

// Tokens, later ones overriding earlier ones: "log", "finish", "down", "c0"
// and "c1" (control scripts for every byte, exiting 0 or 1), "X0" and "X1"
// (control/X exiting 0 or 1), "-" (nothing).
runsv_config parse_config(const std::string& text);

struct transition_row {
  std::string config;   // e.g. "c1 k0 log"
  std::string setup;    // control bytes sent first ("" for none)
  char byte = 0;        // the byte (or event_bytes event) under test
  std::string actions;  // the core's actions for the byte, "; "-separated
  std::string seen;     // the observation afterwards
};

// The control bytes runit knows, in the order the rows use.
inline constexpr const char* control_bytes = "udotkpchaiq12x";
// The other events of the rows, written as bytes that are no control byte:
// 'T' is a TERM to runsv, 'K' a KILL to the process that supervise/pid names
// (nothing when it names none).
inline constexpr const char* event_bytes = "TK";

std::string transitions_path();
std::vector<transition_row> load_transitions();
void save_transitions(const std::string& path, const std::vector<transition_row>& rows);

// The ./run, ./finish and log/run scripts of the rows' services.
extern const char* const stubborn_recorder;
extern const char* const long_finish;

}  // namespace test

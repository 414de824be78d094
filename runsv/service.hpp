#pragma once

#include <string>

namespace runsv {

// The two arguments of ./finish for a wait status of ./run: "N" "0" after
// exit(N); "-1" "SIG" (plus 128 when a core was dumped) after a signal.
struct finish_args {
  std::string exit_code;
  std::string signal;
};
finish_args finish_args_of(int wait_status);

}  // namespace runsv

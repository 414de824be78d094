#include "service.hpp"

#include <sys/wait.h>

namespace runsv {

finish_args finish_args_of(int wait_status) {
  if (WIFEXITED(wait_status)) return {std::to_string(WEXITSTATUS(wait_status)), "0"};
  // runit passes the raw low byte: the signal number plus 128 for a core.
  return {"-1", std::to_string(wait_status & 0xff)};
}

}  // namespace runsv

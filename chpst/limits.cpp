#include "limits.hpp"

#include <cerrno>
#include <sys/resource.h>

#include "chpst.hpp"
#include "supervise/fatal.hpp"

namespace chpst {

namespace {

// Linux has every resource runit knows (and RLIMIT_AS, not RLIMIT_VMEM), so
// runit's "system does not support RLIMIT_..." warnings cannot occur here.
constexpr std::array<int, resource_count> rlimit_of = {
    RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK, RLIMIT_AS,  RLIMIT_NOFILE,
    RLIMIT_NPROC, RLIMIT_FSIZE, RLIMIT_CORE,   RLIMIT_RSS, RLIMIT_CPU,
};

void limit(int what, long value) {
  struct rlimit r;
  if (::getrlimit(what, &r) == -1) throw supervise::fatal_error{exit_fatal, "unable to getrlimit()", errno};
  if (value < 0 || static_cast<rlim_t>(value) > r.rlim_max) r.rlim_cur = r.rlim_max;
  else r.rlim_cur = static_cast<rlim_t>(value);
  if (::setrlimit(what, &r) == -1) throw supervise::fatal_error{exit_fatal, "unable to setrlimit()", errno};
}

}  // namespace

void limits::set_memory(long value) noexcept {
  (*this)[resource::data] = value;
  (*this)[resource::stack] = value;
  (*this)[resource::memlock] = value;
  (*this)[resource::as] = value;
}

void apply_limits(const limits& l) {
  for (std::size_t i = 0; i < resource_count; ++i)
    if (l.soft[i]) limit(rlimit_of[i], *l.soft[i]);
}

}  // namespace chpst

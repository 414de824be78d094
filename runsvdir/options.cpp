#include "options.hpp"

#include <cstring>

namespace runsvdir {

std::optional<options> parse_options(int argc, char** argv) {
  options o;
  int i = 1;
  if (i < argc && argv[i][0] == '-') {
    if (argv[i][1] == 'P') {
      o.new_session = true;
      ++i;
    } else if (argv[i][1] == '-') {
      ++i;
    }
  }
  if (i >= argc) return std::nullopt;
  o.dir = argv[i++];
  if (i < argc) {
    o.log = argv[i];
    o.log_len = std::strlen(argv[i]);
  }
  return o;
}

}  // namespace runsvdir

#include "options.hpp"

#include "supervise/fatal.hpp"
#include "supervise/getopt.hpp"
#include "supervise/scan.hpp"

namespace svlogd {

namespace {

constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $\n";

std::optional<options> usage(const char* argv0) {
  supervise::usage(argv0, "[-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...", exit_fatal);
  return std::nullopt;
}

// -l and -b: runit's wrapping number, 0 (or no digits) meaning the default.
std::size_t size_or(const char* value, std::size_t fallback) {
  unsigned long n = supervise::scan_ulong(value);
  return n == 0 ? fallback : n;
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv) {
  options o;
  const char* argv0 = argc > 0 && argv[0] ? argv[0] : "svlogd";
  supervise::getopt opts(argc, argv, "R:r:l:b:tvVo:", std::string(supervise::basename_of(argv0)));
  bool replacement_set = false;
  for (int c; (c = opts.next()) != supervise::getopt::done;) {
    std::string_view value = opts.arg() ? opts.arg() : "";
    switch (c) {
      case 'R':
        o.replace_set = value;
        if (!replacement_set) o.replacement = '_';
        o.replace = true;
        break;
      case 'r':
        if (value.size() != 1) return usage(argv0);
        o.replacement = value[0];
        replacement_set = true;
        o.replace = true;
        break;
      case 'l': o.linelen = size_or(opts.arg(), 1000); break;
      case 'b': o.buflen = size_or(opts.arg(), 1024); break;
      case 't':
        if (o.stamp != stamp_kind::iso) o.stamp = static_cast<stamp_kind>(static_cast<int>(o.stamp) + 1);
        break;
      case 'v': o.verbose = true; break;
      case 'o': o.out_name = std::string(value); break;
      case 'V':
        supervise::write_stderr(version_id);
        return usage(argv0);  // runit falls through to the usage text
      default: return usage(argv0);
    }
  }
  for (int i = opts.index(); i < argc; ++i) o.dirs.emplace_back(argv[i]);
  // runit's rules; -o makes the directories optional.
  if ((o.dirs.empty() && !o.out_name) || o.buflen <= o.linelen) return usage(argv0);
  return o;
}

}  // namespace svlogd

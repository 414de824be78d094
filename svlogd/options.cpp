#include "options.hpp"

#include <string_view>

#include "config.hpp"
#include "supervise/fatal.hpp"

namespace svlogd {

namespace {

constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $\n";

std::optional<options> usage(const char* argv0) {
  supervise::usage(argv0, "[-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...", exit_fatal);
  return std::nullopt;
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv) {
  options o;
  const char* argv0 = argc > 0 && argv[0] ? argv[0] : "svlogd";
  std::string_view a0 = argv0;
  std::string base(a0.substr(a0.rfind('/') == std::string_view::npos ? 0 : a0.rfind('/') + 1));
  bool replacement_set = false;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // a lone "-" is a directory
    if (arg == "--") {
      ++i;
      break;
    }
    for (std::size_t j = 1; j < arg.size(); ++j) {
      char c = arg[j];
      if (c == 't') {
        if (o.stamp != stamp_kind::iso) o.stamp = static_cast<stamp_kind>(static_cast<int>(o.stamp) + 1);
        continue;
      }
      if (c == 'v') {
        o.verbose = true;
        continue;
      }
      if (c == 'V') {
        supervise::write_stderr(version_id);
        return usage(argv0);
      }
      if (c != 'r' && c != 'R' && c != 'l' && c != 'b' && c != 'o') {
        supervise::write_stderr(base + ": illegal option -- " + c + "\n");
        return usage(argv0);
      }
      std::string_view value;
      if (j + 1 < arg.size()) value = arg.substr(j + 1);
      else if (i + 1 < argc) value = argv[++i];
      else {
        supervise::write_stderr(base + ": option requires an argument -- " + c + "\n");
        return usage(argv0);
      }
      if (c == 'r') {
        if (value.size() != 1) return usage(argv0);
        o.replacement = value[0];
        replacement_set = true;
        o.replace = true;
      } else if (c == 'R') {
        o.replace_set = value;
        if (!replacement_set) o.replacement = '_';
        o.replace = true;
      } else if (c == 'o') {
        o.out_name = std::string(value);
      } else if (c == 'l') {
        o.linelen = scan_ulong(value);
        if (o.linelen == 0) o.linelen = 1000;
      } else {
        o.buflen = scan_ulong(value);
        if (o.buflen == 0) o.buflen = 1024;
      }
      break;  // the value used the rest of this word
    }
  }
  for (; i < argc; ++i) o.dirs.emplace_back(argv[i]);
  // runit's rules; -o makes the directories optional.
  if ((o.dirs.empty() && !o.out_name) || o.buflen <= o.linelen) return usage(argv0);
  return o;
}

}  // namespace svlogd

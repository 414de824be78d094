#include "options.hpp"

#include <cstdlib>
#include <string_view>

#include "supervise/fatal.hpp"
#include "supervise/getopt.hpp"
#include "supervise/scan.hpp"
#include "version.hpp"

namespace sv {

unsigned long parse_seconds(const char* text) { return supervise::scan_ulong(text); }

int usage_exit(const options& o) { return o.lsb ? lsb_exit_usage : exit_usage; }

namespace {

void print_usage(const options& o) {
  if (o.lsb) supervise::usage(o.progname, "[-w sec] command", lsb_exit_usage);
  else supervise::usage(o.progname, "[-v] [-w sec] command service ...", exit_usage);
}

// runit's "w:vV" plus our -j, with runit's parser. Returns the index of the
// first operand, or -1 after an option error or -V (printed already).
int parse_flags(int argc, char** argv, options& o) {
  supervise::getopt g(argc, argv, "w:vVj", o.progname);
  for (int c; (c = g.next()) != supervise::getopt::done;) {
    switch (c) {
      case 'w':
        o.timeout = parse_seconds(g.arg());
        o.verbose = true;
        break;
      case 'v': o.verbose = true; break;
      case 'j': o.json = true; break;
      case 'V':
        supervise::write_stderr(std::string(version_id) + "\n");
        return -1;
      default: return -1;
    }
  }
  return g.index();
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv, const char* default_svdir) {
  options o;
  o.progname = std::string(supervise::basename_of(argc > 0 && argv[0] ? argv[0] : "sv"));
  o.lsb = o.progname != "sv";
  const char* svdir = std::getenv("SVDIR");
  o.svdir = svdir ? svdir : default_svdir;
  if (const char* w = std::getenv("SVWAIT")) o.timeout = parse_seconds(w);

  int i = parse_flags(argc, argv, o);
  if (i < 0 || i >= argc) {
    print_usage(o);
    return std::nullopt;
  }
  o.command = argv[i++];
  if (o.lsb) {
    o.services = {o.progname};  // further arguments are ignored, as runit does
  } else {
    for (; i < argc; ++i) o.services.emplace_back(argv[i]);
    // Beyond runit: `sv ready` alone looks at every service in SVDIR.
    if (o.services.empty() && o.command != "ready") {
      print_usage(o);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace sv

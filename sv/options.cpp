#include "options.hpp"

#include <cstdlib>
#include <string_view>

#include "supervise/fatal.hpp"
#include "version.hpp"

namespace sv {

unsigned long parse_seconds(const char* text) {
  unsigned long n = 0;
  for (; *text >= '0' && *text <= '9'; ++text) n = n * 10 + static_cast<unsigned long>(*text - '0');
  return n;
}

int usage_exit(const options& o) { return o.lsb ? lsb_exit_usage : exit_usage; }

namespace {

void print_usage(const options& o) {
  if (o.lsb) supervise::usage(o.progname, "[-w sec] command", lsb_exit_usage);
  else supervise::usage(o.progname, "[-v] [-w sec] command service ...", exit_usage);
}

// getopt-style "w:vVj" (runit's "w:vV" plus our -j): clusters (-vw5), an argument in the same word or the
// next; a word starting with "--" ends the options (runit's subgetopt skips
// it whatever follows, so "--w" is "--"). Returns the index of the first operand, or -1.
int parse_flags(int argc, char** argv, options& o) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg[1] == '-') return i + 1;  // runit's subgetopt: any "--..." ends the options and is skipped
    for (std::size_t j = 1; j < arg.size(); ++j) {
      char c = arg[j];
      if (c == 'v') {
        o.verbose = true;
      } else if (c == 'j') {
        o.json = true;
      } else if (c == 'w') {
        const char* value = nullptr;
        if (j + 1 < arg.size()) value = argv[i] + j + 1;
        else if (i + 1 < argc) value = argv[++i];
        if (!value) {
          supervise::write_stderr(o.progname + ": option requires an argument -- w\n");
          return -1;
        }
        o.timeout = parse_seconds(value);
        o.verbose = true;
        break;
      } else if (c == 'V') {
        supervise::write_stderr(std::string(version_id) + "\n");
        return -1;
      } else {
        supervise::write_stderr(o.progname + ": illegal option -- " + c + "\n");
        return -1;
      }
    }
  }
  return i;
}

}  // namespace

std::optional<options> parse_options(int argc, char** argv, const char* default_svdir) {
  options o;
  std::string_view arg0 = argc > 0 && argv[0] ? argv[0] : "sv";
  auto slash = arg0.rfind('/');
  o.progname = std::string(slash == std::string_view::npos ? arg0 : arg0.substr(slash + 1));
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
    if (o.services.empty()) {
      print_usage(o);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace sv

#include "runsv_rows.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace test {

runsv_config parse_config(const std::string& text) {
  runsv_config c;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (tok == "-") continue;
    if (tok == "log") c.log = true;
    else if (tok == "finish") c.finish = true;
    else if (tok == "down") c.down = true;
    else if (tok.size() == 2 && tok[0] == 'c' && (tok[1] == '0' || tok[1] == '1')) {
      for (const char* b = control_bytes; *b; ++b) c.controls[*b] = tok[1] - '0';
    } else if (tok.size() == 2 && (tok[1] == '0' || tok[1] == '1')) {
      c.controls[tok[0]] = tok[1] - '0';
    } else {
      throw std::runtime_error("bad config token: " + tok);
    }
  }
  return c;
}

std::string transitions_path() { return std::string(TEST_SOURCE_DIR) + "/data/runsv_transitions.tsv"; }

// One row a line, tab-separated: config, setup, byte, actions, seen; "#"
// starts a comment line. An empty setup is written as "-".
std::vector<transition_row> load_transitions() {
  std::ifstream in(transitions_path());
  if (!in) throw std::runtime_error("cannot read " + transitions_path());
  std::vector<transition_row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    for (;;) {
      auto tab = line.find('\t', start);
      f.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (f.size() != 5 || f[2].size() != 1) throw std::runtime_error("bad row: " + line);
    rows.push_back({f[0], f[1] == "-" ? "" : f[1], f[2][0], f[3], f[4]});
  }
  return rows;
}

void save_transitions(const std::string& path, const std::vector<transition_row>& rows) {
  std::ofstream out(path);
  out << "# runsv's transitions: config, setup bytes, byte, the core's actions, what is seen afterwards.\n"
         "# Format and meaning: tests/support/runsv_rows.hpp. Generated from runsv's core with\n"
         "# RUNSV_ROWS_WRITE=FILE unit_tests \"[rows]\"; every row's last column is checked against\n"
         "# Debian's runsv by interop_tests \"[rows]\".\n";
  for (const auto& r : rows)
    out << r.config << '\t' << (r.setup.empty() ? "-" : r.setup) << '\t' << r.byte << '\t' << r.actions << '\t'
        << r.seen << '\n';
}

const char* const stubborn_recorder =
    "for s in HUP ALRM INT QUIT USR1 USR2 TERM CONT; do trap \"echo $s >> signals.$$\" $s; done\n"
    "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
    "sp=$!\n"
    "trap 'kill $sp 2>/dev/null' EXIT\n"
    "echo $$ >> starts\n"
    "while kill -0 $sp 2>/dev/null; do wait $sp; done\n";

const char* const long_finish = "echo $$ >> finishes\nexec sleep 1000 </dev/null >/dev/null 2>&1\n";

}  // namespace test

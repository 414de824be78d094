#include "supervise/getopt.hpp"

#include <utility>

#include "supervise/fatal.hpp"

namespace supervise {

getopt::getopt(int argc, char* const* argv, const char* opts, std::string progname)
    : argc_(argc), argv_(argv), opts_(opts), progname_(std::move(progname)) {}

int getopt::next() {
  int c = sub();
  if (c == '?') {
    // runit tells the two problems apart by whether an argument is left.
    bool left = ind_ < argc_ && argv_[ind_] != nullptr;
    std::string line = progname_;
    line += left ? ": illegal option -- " : ": option requires an argument -- ";
    line += problem_;
    line += '\n';
    supervise::write_stderr(line);
  }
  return c;
}

int getopt::sub() {
  arg_ = nullptr;
  if (ind_ >= argc_ || argv_[ind_] == nullptr) return done;
  if (pos_ != 0 && argv_[ind_][pos_] == '\0') {
    ++ind_;
    pos_ = 0;
    if (ind_ >= argc_ || argv_[ind_] == nullptr) return done;
  }
  if (pos_ == 0) {
    if (argv_[ind_][0] != '-') return done;
    ++pos_;
    char c = argv_[ind_][1];
    if (c == '-' || c == '\0') {
      if (c != '\0') ++ind_;
      pos_ = 0;
      return done;
    }
  }
  char c = argv_[ind_][pos_++];
  for (const char* s = opts_; *s != '\0';) {
    if (c == *s) {
      if (s[1] == ':') {
        arg_ = argv_[ind_] + pos_;
        ++ind_;
        pos_ = 0;
        if (*arg_ == '\0') {
          if (ind_ >= argc_ || argv_[ind_] == nullptr) {
            arg_ = nullptr;
            problem_ = c;
            return '?';
          }
          arg_ = argv_[ind_++];
        }
      }
      return c;
    }
    ++s;
    if (*s == ':') ++s;
  }
  problem_ = c;
  return '?';
}

std::string_view basename_of(std::string_view argv0) noexcept {
  auto slash = argv0.rfind('/');
  return slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
}

}  // namespace supervise

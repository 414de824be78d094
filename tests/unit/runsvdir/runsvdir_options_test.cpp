// runsvdir's command line (spec/runsvdir.md §1) and the scrolling process
// title (§3).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

// sv/ and svlogd/ have an options.hpp too: runsvdir.hpp includes its own.
#include "proctitle.hpp"
#include "runsvdir.hpp"

namespace {

// argv as main gets it: writable strings, argv[argc] == nullptr.
struct args {
  std::vector<std::string> text;
  std::vector<char*> ptrs;
  explicit args(std::vector<std::string> v) : text(std::move(v)) {
    for (auto& s : text) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(text.size()); }
  char** argv() { return ptrs.data(); }
};

std::string scrolled(std::string title, std::string_view input) {
  runsvdir::proctitle_append({title.data(), title.size()}, {input.data(), input.size()});
  return title;
}

}  // namespace

TEST_CASE("parse_options reads runsvdir -P dir log", "[runsvdir-options]") {
  struct row {
    std::vector<std::string> argv;
    bool ok;
    bool new_session;
    const char* dir;
    const char* log;  // nullptr: none
  };
  const std::vector<row> rows{
      {{"runsvdir"}, false, false, "", nullptr},
      {{"runsvdir", "-P"}, false, true, "", nullptr},
      {{"runsvdir", "--"}, false, false, "", nullptr},
      {{"runsvdir", "/service"}, true, false, "/service", nullptr},
      {{"runsvdir", "-P", "/service"}, true, true, "/service", nullptr},
      {{"runsvdir", "-Pxyz", "/service"}, true, true, "/service", nullptr},  // only the 2nd char counts
      {{"runsvdir", "--", "/service"}, true, false, "/service", nullptr},
      {{"runsvdir", "--P", "/service"}, true, false, "/service", nullptr},
      {{"runsvdir", "/service", "log: ....."}, true, false, "/service", "log: ....."},
      {{"runsvdir", "-P", "/service", "log: ....."}, true, true, "/service", "log: ....."},
      {{"runsvdir", "/service", "log", "extra", "more"}, true, false, "/service", "log"},
      // Any other -X is not an option but the directory.
      {{"runsvdir", "-x", "/d"}, true, false, "-x", "/d"},
      {{"runsvdir", "-", "/d"}, true, false, "-", "/d"},
      // Only the first argument is looked at.
      {{"runsvdir", "/service", "-P"}, true, false, "/service", "-P"},
      {{"runsvdir", "-P", "-P"}, true, true, "-P", nullptr},
  };
  for (const auto& r : rows) {
    args a(r.argv);
    std::string shown;
    for (const auto& s : r.argv) shown += s + " ";
    INFO(shown);
    auto o = runsvdir::parse_options(a.argc(), a.argv());
    REQUIRE(o.has_value() == r.ok);
    if (!o) continue;
    CHECK(o->new_session == r.new_session);
    CHECK(o->dir == r.dir);
    if (r.log == nullptr) {
      CHECK(o->log == nullptr);
      CHECK(o->log_len == 0);
    } else {
      REQUIRE(o->log != nullptr);
      CHECK(std::string(o->log, o->log_len) == r.log);
    }
  }
}

TEST_CASE("parse_options keeps the log in the storage of the argument", "[runsvdir-options]") {
  args a({"runsvdir", "/service", "log: ......."});
  auto o = runsvdir::parse_options(a.argc(), a.argv());
  REQUIRE(o);
  // Writing the title must change what ps shows: argv itself, not a copy.
  CHECK(o->log == a.argv()[2]);
  CHECK(o->log_len == 12);
}

TEST_CASE("runsvdir exit codes are those of runit", "[runsvdir-options]") {
  CHECK(runsvdir::exit_term == 0);
  CHECK(runsvdir::exit_usage == 1);
  CHECK(runsvdir::exit_fatal == 100);
  CHECK(runsvdir::exit_hup == 111);
  CHECK(runsvdir::exit_exec_failed == 100);
}

TEST_CASE("proctitle_append keeps the first five characters and scrolls the rest", "[runsvdir-proctitle]") {
  struct row {
    const char* title;
    std::string input;
    const char* expected;
  };
  const std::vector<row> rows{
      {"log: ....", ".", "log: ...."},
      {"log: abcd", "x", "log: bcdx"},
      {"log: abcd", "xy", "log: cdxy"},
      {"log: abcd", "wxyz", "log: wxyz"},
      {"log: abcd", "0123456789", "log: 6789"},  // only the last window-size bytes
      {"log: abcd", "", "log: abcd"},
      {"log: abcd", "x\ny", "log: dx\ny"},  // newlines are kept as they are
      {"log: abcd", std::string("x\0y", 3), "log: cdxy"},  // NUL is dropped
      {"log: abcd", std::string("\0\0\0", 3), "log: abcd"},
      {"log: abcd", std::string("12345\0", 6), "log: 2345"},
      {"log: abcd", std::string("1\0002\0003\0004\0005", 9), "log: 2345"},
      {"abcdefg", ".", "abcdeg."},  // seven characters: a window of two
      {"abcdefg", "XYZ\n", "abcdeZ\n"},
      {"abcde", "xyz", "abcde"},  // nothing to scroll
      {"abc", "xyz", "abc"},
      {"", "xyz", ""},
  };
  for (const auto& r : rows) {
    INFO("title \"" << r.title << "\" input of " << r.input.size() << " bytes");
    CHECK(scrolled(r.title, r.input) == r.expected);
  }
}

TEST_CASE("proctitle_append of pieces equals proctitle_append of the whole", "[runsvdir-proctitle]") {
  const std::string message = "runsvdir /service: warning: unable to stat dangling: file does not exist\n";
  for (std::size_t width : {7u, 8u, 20u, 80u, 200u}) {
    std::string whole = "log: " + std::string(width - 5, '.');
    std::string pieces = whole;
    whole = scrolled(whole, message + message);
    for (char c : message + message) pieces = scrolled(pieces, std::string_view(&c, 1));
    INFO("width " << width);
    CHECK(whole == pieces);
    CHECK(whole.size() == width);
    // The window ends with the most recent bytes.
    std::string tail = (std::string(width, '.') + message + message);
    CHECK(whole.substr(5) == tail.substr(tail.size() - (width - 5)));
  }
}

TEST_CASE("proctitle minimum length and fixed prefix are those of runit", "[runsvdir-proctitle]") {
  CHECK(runsvdir::proctitle_min_len == 7);
  CHECK(runsvdir::proctitle_fixed == 5);
}

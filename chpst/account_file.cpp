#include "account_file.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <limits>
#include <span>

#include "supervise/fd.hpp"

namespace chpst {

namespace {

// Splits off the text up to the next ':' (or the end).
std::string_view take_field(std::string_view& rest) {
  auto colon = rest.find(':');
  std::string_view field = rest.substr(0, colon);
  rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  return field;
}

// A 32-bit id written in decimal digits; nullopt otherwise (the files
// backend rejects such lines too).
std::optional<std::uint32_t> parse_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  }
  return static_cast<std::uint32_t>(n);
}

// The line without a trailing '\n'; nullopt for blank and comment lines.
std::optional<std::string_view> content_line(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || line.front() == '#') return std::nullopt;
  return line;
}

template <class Entry, class Parse>
std::optional<Entry> find_entry(std::string_view content, std::string_view name, Parse parse) {
  while (!content.empty()) {
    auto nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    auto entry = parse(line);
    if (entry && entry->name == name) return entry;
  }
  return std::nullopt;
}

}  // namespace

std::optional<passwd_entry> parse_passwd_line(std::string_view line) {
  auto text = content_line(line);
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  std::string_view name = take_field(rest);
  if (name.empty()) return std::nullopt;
  take_field(rest);  // password
  auto uid = parse_id(take_field(rest));
  auto gid = parse_id(take_field(rest));
  if (!uid || !gid) return std::nullopt;
  return passwd_entry{std::string(name), *uid, *gid};
}

std::optional<group_entry> parse_group_line(std::string_view line) {
  auto text = content_line(line);
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  std::string_view name = take_field(rest);
  if (name.empty()) return std::nullopt;
  take_field(rest);  // password
  auto gid = parse_id(take_field(rest));
  if (!gid) return std::nullopt;
  return group_entry{std::string(name), *gid};
}

std::optional<passwd_entry> find_passwd(std::string_view content, std::string_view name) {
  return find_entry<passwd_entry>(content, name, parse_passwd_line);
}

std::optional<group_entry> find_group(std::string_view content, std::string_view name) {
  return find_entry<group_entry>(content, name, parse_group_line);
}

std::optional<std::string> slurp(const char* path) { return supervise::read_file(path); }

}  // namespace chpst

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervise/status.hpp"

// Beyond runit: `sv -j status` renders the services' status as one JSON
// document (an array, one object per service argument).

namespace sv {

// What sv learnt about one service (or its log service).
struct json_entry {
  std::string name;
  std::optional<supervise::status> status;  // nullopt: `error` says why
  std::string error;                        // runit's message without "NAME: "
  std::optional<bool> down_file;            // nullopt: `down` could not be stat'ed
  std::optional<bool> ready;                // nullopt: no notification-fd
  std::optional<std::string> restart_policy;// supervise/restart-policy, trimmed; nullopt: none
  long long crashes = 0;                    // supervise/crashes: ends of ./run nobody asked for
  std::optional<std::int64_t> last_crash;   // unix seconds of the last; nullopt: none
  std::vector<std::string> waiting_for;     // supervise/waiting: dependencies not ready
};

struct json_service {
  json_entry main;
  bool has_log = false;                     // false: "log": null
  json_entry log;
};

// A JSON string literal: quotes, backslashes and control bytes escaped
// (other bytes, UTF-8 or not, are copied as they are).
std::string json_string(std::string_view text);

// One object. `now` is unix seconds.
std::string json_object(const json_entry& e, const json_entry* log, bool with_log, std::int64_t now);

// The whole document, a newline at the end.
std::string status_json(const std::vector<json_service>& services, std::int64_t now);

}  // namespace sv

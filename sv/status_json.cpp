#include "status_json.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sv {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
        else out += ch;
    }
  }
  return out + "\"";
}

namespace {

const char* boolean(bool b) { return b ? "true" : "false"; }

std::string optional_bool(const std::optional<bool>& b) { return b ? boolean(*b) : "null"; }

}  // namespace

std::string json_object(const json_entry& e, const json_entry* log, bool with_log, std::int64_t now) {
  using supervise::state;
  std::string out = "{\"name\":" + json_string(e.name);
  if (e.status) {
    const auto& s = *e.status;
    const char* st = s.state == state::run ? "run" : s.state == state::finish ? "finish" : "down";
    std::int64_t age = now - s.time.unix_seconds();
    out += fmt::format(",\"state\":\"{}\"", st);
    out += s.state == state::down ? std::string(",\"pid\":null") : fmt::format(",\"pid\":{}", s.pid);
    out += fmt::format(",\"seconds\":{}", age < 0 ? 0 : age);
    out += ",\"normally\":";
    out += e.down_file ? (*e.down_file ? "\"down\"" : "\"up\"") : "null";
    // A want byte that is neither 'u' nor 'd' is no want: null, as runit prints none.
    const auto want = supervise::want_byte(s);
    out += std::string(",\"want\":") + (want == 'u' ? "\"up\"" : want == 'd' ? "\"down\"" : "null");
    out += fmt::format(",\"paused\":{},\"got_term\":{}", boolean(s.paused), boolean(s.got_term));
    out += ",\"ready\":" + optional_bool(e.ready);
    out += ",\"restart_policy\":" + (e.restart_policy ? json_string(*e.restart_policy) : std::string("null"));
    out += fmt::format(",\"crashes\":{}", e.crashes);
    if (e.last_crash) out += fmt::format(",\"last_crash\":{}", std::max<std::int64_t>(0, now - *e.last_crash));
    else out += ",\"last_crash\":null";
    if (e.waiting_for.empty()) {
      out += ",\"waiting_for\":null";
    } else {
      out += ",\"waiting_for\":[";
      for (std::size_t i = 0; i < e.waiting_for.size(); ++i) out += (i ? "," : "") + json_string(e.waiting_for[i]);
      out += "]";
    }
    out += ",\"error\":null";
  } else {
    out += ",\"state\":null,\"pid\":null,\"seconds\":null,\"normally\":null,\"want\":null"
           ",\"paused\":null,\"got_term\":null,\"ready\":null,\"restart_policy\":null,\"crashes\":null"
           ",\"last_crash\":null,\"waiting_for\":null,\"error\":" +
           json_string(e.error);
  }
  if (with_log) out += ",\"log\":" + (log ? json_object(*log, nullptr, false, now) : std::string("null"));
  return out + "}";
}

std::string status_json(const std::vector<json_service>& services, std::int64_t now) {
  std::string out = "[";
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& s = services[i];
    if (i) out += ",";
    out += "\n" + json_object(s.main, s.has_log ? &s.log : nullptr, true, now);
  }
  return out + (services.empty() ? "]\n" : "\n]\n");
}

}  // namespace sv

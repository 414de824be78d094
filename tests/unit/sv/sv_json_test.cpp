// sv -j status (beyond runit): the JSON rendering built from status values,
// string escaping, and the -j option.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "options.hpp"
#include "status_json.hpp"
#include "supervise/status.hpp"
#include "../unit_support.hpp"

using supervise::state;
using supervise::want;

namespace {

constexpr std::int64_t now = 1795734200;

supervise::status make(state st, pid_t pid, std::int64_t age, want w = want::up, bool paused = false,
                       bool term = false) {
  supervise::status s;
  s.time = supervise::tai64n::from_unix(now - age, 500);
  s.pid = pid;
  s.state = st;
  s.wants = w;
  s.paused = paused;
  s.got_term = term;
  return s;
}

sv::json_entry entry(std::string name, supervise::status s, std::optional<bool> down,
                     std::optional<bool> ready = std::nullopt) {
  sv::json_entry e;
  e.name = std::move(name);
  e.status = s;
  e.down_file = down;
  e.ready = ready;
  return e;
}

sv::json_entry failed(std::string name, std::string error) {
  sv::json_entry e;
  e.name = std::move(name);
  e.error = std::move(error);
  return e;
}

const std::string nulls =
    "\"state\":null,\"pid\":null,\"seconds\":null,\"normally\":null,\"want\":null,"
    "\"paused\":null,\"got_term\":null,\"ready\":null,\"restart_policy\":null,\"crashes\":null,\"last_crash\":null,\"waiting_for\":null";

}  // namespace

TEST_CASE("json_string escapes quotes, backslashes and control bytes", "[sv-json]") {
  CHECK(sv::json_string("web") == "\"web\"");
  CHECK(sv::json_string("") == "\"\"");
  CHECK(sv::json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(sv::json_string("\n\t\r\b\f") == "\"\\n\\t\\r\\b\\f\"");
  CHECK(sv::json_string(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(sv::json_string(std::string("a\0b", 3)) == "\"a\\u0000b\"");
  // Other bytes pass unchanged (UTF-8 names stay readable).
  CHECK(sv::json_string("caf\xc3\xa9/x y") == "\"caf\xc3\xa9/x y\"");
}

TEST_CASE("status_json: run with a log, down, finish, paused, TERM, readiness", "[sv-json]") {
  sv::json_service web;
  web.main = entry("web", make(state::run, 123, 42), false, true);
  web.has_log = true;
  web.log = entry("log", make(state::run, 122, 43), false);

  sv::json_service db;
  db.main = entry("db", make(state::down, 0, 5, want::down), true, false);

  sv::json_service fin;
  fin.main = entry("./fin", make(state::finish, 77, 1, want::down, true, true), std::nullopt);

  sv::json_service late;  // clock skew: a negative age shows as 0 as in runit
  late.main = entry("late", make(state::run, 9, -3, want::exit), false);
  late.has_log = true;
  late.log = failed("log", "runsv not running");

  CHECK(sv::status_json({web, db, fin, late}, now) ==
        "[\n"
        "{\"name\":\"web\",\"state\":\"run\",\"pid\":123,\"seconds\":42,\"normally\":\"up\",\"want\":\"up\","
        "\"paused\":false,\"got_term\":false,\"ready\":true,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,"
        "\"log\":{\"name\":\"log\",\"state\":\"run\",\"pid\":122,\"seconds\":43,\"normally\":\"up\","
        "\"want\":\"up\",\"paused\":false,\"got_term\":false,\"ready\":null,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null}},\n"
        "{\"name\":\"db\",\"state\":\"down\",\"pid\":null,\"seconds\":5,\"normally\":\"down\",\"want\":\"down\","
        "\"paused\":false,\"got_term\":false,\"ready\":false,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,\"log\":null},\n"
        "{\"name\":\"./fin\",\"state\":\"finish\",\"pid\":77,\"seconds\":1,\"normally\":null,\"want\":\"down\","
        "\"paused\":true,\"got_term\":true,\"ready\":null,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,\"log\":null},\n"
        "{\"name\":\"late\",\"state\":\"run\",\"pid\":9,\"seconds\":0,\"normally\":\"up\",\"want\":\"down\","
        "\"paused\":false,\"got_term\":false,\"ready\":null,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,"
        "\"log\":{\"name\":\"log\"," + nulls + ",\"error\":\"runsv not running\"}}\n"
        "]\n");
}

TEST_CASE("status_json: an unreadable service has an error and null fields, names are escaped", "[sv-json]") {
  sv::json_service gone;
  gone.main = failed("we\"ird\\\n", "unable to change to service directory: file does not exist");
  CHECK(sv::status_json({gone}, now) ==
        "[\n{\"name\":\"we\\\"ird\\\\\\n\"," + nulls +
            ",\"error\":\"unable to change to service directory: file does not exist\",\"log\":null}\n]\n");
  CHECK(sv::status_json({}, now) == "[]\n");
}

TEST_CASE("parse_options: -j sets json, alone or in a cluster, and is off by default", "[sv-options][sv-json]") {
  auto parse = [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    unit::stderr_capture cap;
    auto o = sv::parse_options(static_cast<int>(args.size()), argv.data(), "/service/");
    cap.stop();
    return o;
  };
  auto plain = parse({"sv", "status", "a"});
  REQUIRE(plain);
  CHECK_FALSE(plain->json);
  auto j = parse({"sv", "-j", "status", "a"});
  REQUIRE(j);
  CHECK(j->json);
  CHECK_FALSE(j->verbose);
  auto cluster = parse({"sv", "-vjw3", "status", "a"});
  REQUIRE(cluster);
  CHECK(cluster->json);
  CHECK(cluster->timeout == 3);
}

TEST_CASE("status_json: the restart policy's state from runsv", "[sv-json]") {
  sv::json_service s;
  s.main = entry("app", make(state::down, 0, 3, want::down), false);
  s.main.restart_policy = "given-up";
  CHECK(sv::status_json({s}, now) ==
        "[\n{\"name\":\"app\",\"state\":\"down\",\"pid\":null,\"seconds\":3,\"normally\":\"up\",\"want\":\"down\","
        "\"paused\":false,\"got_term\":false,\"ready\":null,\"restart_policy\":\"given-up\",\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,"
        "\"log\":null}\n]\n");
}

TEST_CASE("status_json: a want byte that is neither u nor d is a want of null, as runit prints none", "[sv-json]") {
  auto st = make(state::run, 7, 2);
  st.wants = want::other;
  st.other_want = 'x';
  sv::json_service s;
  s.main = entry("odd", st, false);
  CHECK(sv::status_json({s}, now) ==
        "[\n{\"name\":\"odd\",\"state\":\"run\",\"pid\":7,\"seconds\":2,\"normally\":\"up\",\"want\":null,"
        "\"paused\":false,\"got_term\":false,\"ready\":null,\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,"
        "\"log\":null}\n]\n");
}

TEST_CASE("status_json: the crash record from runsv (count, seconds since the last)", "[sv-json]") {
  const std::int64_t now = 1'700'000'000;
  sv::json_service s;
  supervise::status st;
  st.state = supervise::state::run;
  st.pid = 42;
  st.wants = supervise::want::up;
  st.time = supervise::tai64n::from_unix(now - 2);
  s.main = entry("app", st, false);
  s.main.crashes = 12;
  s.main.last_crash = now - 2;
  CHECK(sv::status_json({s}, now) ==
        "[\n{\"name\":\"app\",\"state\":\"run\",\"pid\":42,\"seconds\":2,\"normally\":\"up\",\"want\":\"up\","
        "\"paused\":false,\"got_term\":false,\"ready\":null,\"restart_policy\":null,\"crashes\":12,\"last_crash\":2,\"waiting_for\":null,"
        "\"error\":null,\"log\":null}\n]\n");
}

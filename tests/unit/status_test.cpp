#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "supervise/status.hpp"
#include "unit_support.hpp"

using supervise::state;
using supervise::want;

namespace {

// Every status dump of spec/test-vectors.md §2 (and §3's example). Expected
// fields were decoded by hand from the spec, not by the code under test;
// `runsv_wants` is what runsv held (exit is written as 'd'), `stat` the
// supervise/stat line captured with it.
struct status_vector {
  const char* name;
  const char* hex;
  std::int64_t unix_seconds;
  std::uint32_t nano;
  pid_t pid;
  bool paused;
  want runsv_wants;
  bool got_term;
  state st;
  const char* stat;
};

const std::vector<status_vector> status_vectors = {
    {"2.1 running", "4000 0000 6b08 baa5 0158 a484 6e2d 0000 0075 0001",
     1795734171, 22586500, 11630, false, want::up, false, state::run, "run\n"},
    {"2.2 down after sv down", "4000 0000 6b08 baa9 1708 241c 0000 0000 0064 0000",
     1795734175, 386409500, 0, false, want::down, false, state::down, "down\n"},
    {"2.3 down file", "4000 0000 6b08 baaf 1633 ad7c 0000 0000 0064 0000",
     1795734181, 372485500, 0, false, want::down, false, state::down, "down\n"},
    {"2.4 up although normally down", "4000 0000 6b08 bab0 3753 2794 e536 0000 0075 0001",
     1795734182, 928196500, 14053, false, want::up, false, state::run, "run\n"},
    {"2.5 paused", "4000 0000 6b08 baa9 36bf 7ecc 9731 0000 0175 0001",
     1795734175, 918519500, 12695, true, want::up, false, state::run, "run, paused\n"},
    {"2.5 after cont", "4000 0000 6b08 baa9 36bf 7ecc 9731 0000 0075 0001",
     1795734175, 918519500, 12695, false, want::up, false, state::run, "run\n"},
    {"2.6 want down while running", "4000 0000 6b08 baa9 36bf 7ecc 9731 0000 0064 0001",
     1795734175, 918519500, 12695, false, want::down, false, state::run, "run, want down\n"},
    {"2.7 got TERM", "4000 0000 6b08 baaf 1626 8e1c a035 0000 0064 0101",
     1795734181, 371625500, 13728, false, want::down, true, state::run,
     "run, got TERM, want down\n"},
    {"2.8 finish", "4000 0000 6b08 bab0 3753 2794 ce37 0000 0064 0002",
     1795734182, 928196500, 14286, false, want::down, false, state::finish,
     "finish, want down\n"},
    {"2.9 want exit", "4000 0000 6b08 badb 1cbf d33c 6f4a 0000 0064 0001",
     1795734225, 482333500, 19055, false, want::exit, false, state::run, "run, want exit\n"},
    {"2.10 failing run", "4000 0000 6b08 bac8 326b c0c4 0000 0000 0075 0000",
     1795734206, 845922500, 0, false, want::up, false, state::down, "down\n"},
    {"2.11 log running", "4000 0000 6b08 bab9 2756 b39c d338 0000 0075 0001",
     1795734191, 659993500, 14547, false, want::up, false, state::run, "run\n"},
    {"2.11 log down", "4000 0000 6b08 baba 33ca 1c2c 0000 0000 0064 0000",
     1795734192, 868883500, 0, false, want::down, false, state::down, "down\n"},
    {"2.11 log want exit", "4000 0000 6b08 baee 1b37 470c fe5e 0000 0064 0001",
     1795734244, 456607500, 24318, false, want::exit, false, state::run, "run, want exit\n"},
};

supervise::status runsv_status(const status_vector& v) {
  supervise::status s;
  s.time = supervise::tai64n::from_unix(v.unix_seconds, v.nano);
  s.pid = v.pid;
  s.paused = v.paused;
  s.wants = v.runsv_wants;
  s.got_term = v.got_term;
  s.state = v.st;
  return s;
}

std::vector<std::byte> to_vector(const std::array<std::byte, supervise::status_size>& a) {
  return {a.begin(), a.end()};
}

}  // namespace

TEST_CASE("decode: every captured status dump gives its fields", "[status]") {
  const auto v = GENERATE(from_range(status_vectors));
  INFO(v.name);
  const auto bytes = unit::from_hex(v.hex);
  REQUIRE(bytes.size() == 20);
  const auto s = supervise::decode(bytes);
  REQUIRE(s.has_value());
  CHECK(s->time.unix_seconds() == v.unix_seconds);
  CHECK(s->time.seconds == supervise::tai64_unix_offset + static_cast<std::uint64_t>(v.unix_seconds));
  CHECK(s->time.nano == v.nano);
  CHECK(s->time.nano % 1000 == 500);
  CHECK(s->pid == v.pid);
  CHECK(s->paused == v.paused);
  CHECK(s->wants == (v.runsv_wants == want::up ? want::up : want::down));
  CHECK(s->got_term == v.got_term);
  CHECK(s->state == v.st);
}

TEST_CASE("encode: runsv's status gives exactly every captured dump", "[status]") {
  const auto v = GENERATE(from_range(status_vectors));
  INFO(v.name);
  CHECK(to_vector(supervise::encode(runsv_status(v))) == unit::from_hex(v.hex));
}

TEST_CASE("encode: decoding a captured dump and encoding it gives the same bytes", "[status]") {
  const auto v = GENERATE(from_range(status_vectors));
  INFO(v.name);
  const auto bytes = unit::from_hex(v.hex);
  CHECK(to_vector(supervise::encode(*supervise::decode(bytes))) == bytes);
}

TEST_CASE("stat_text: runsv's status gives every captured stat line", "[status]") {
  const auto v = GENERATE(from_range(status_vectors));
  INFO(v.name);
  CHECK(supervise::stat_text(runsv_status(v)) == v.stat);
}

TEST_CASE("encode: want exit is written as 'd'", "[status]") {
  supervise::status s;
  s.wants = want::exit;
  CHECK(supervise::encode(s)[17] == std::byte{'d'});
  s.wants = want::down;
  CHECK(supervise::encode(s)[17] == std::byte{'d'});
  s.wants = want::up;
  CHECK(supervise::encode(s)[17] == std::byte{'u'});
}

TEST_CASE("encode: pid is little-endian at bytes 12..15", "[status]") {
  supervise::status s;
  s.pid = 0x01020304;
  const auto bytes = supervise::encode(s);
  CHECK(bytes[12] == std::byte{0x04});
  CHECK(bytes[13] == std::byte{0x03});
  CHECK(bytes[14] == std::byte{0x02});
  CHECK(bytes[15] == std::byte{0x01});
}

TEST_CASE("encode: time is a big-endian TAI64N label at bytes 0..11", "[status]") {
  supervise::status s;
  s.time = {0x0102030405060708ULL, 0x090a0b0cU};
  const auto bytes = supervise::encode(s);
  for (std::size_t i = 0; i < 12; ++i) CHECK(bytes[i] == std::byte(i + 1));
}

TEST_CASE("encode: flag and state bytes", "[status]") {
  supervise::status s;
  s.paused = true;
  s.got_term = true;
  s.state = state::finish;
  const auto bytes = supervise::encode(s);
  CHECK(bytes[16] == std::byte{1});
  CHECK(bytes[18] == std::byte{1});
  CHECK(bytes[19] == std::byte{2});
}

TEST_CASE("decode: sizes other than 20 are rejected", "[status]") {
  const auto good = unit::from_hex(status_vectors[0].hex);
  for (std::size_t size : {0, 1, 18, 19}) {
    INFO(size);
    CHECK_FALSE(supervise::decode(std::span{good}.first(size)).has_value());
  }
  auto longer = good;
  longer.push_back(std::byte{0});
  CHECK_FALSE(supervise::decode(longer).has_value());
}

TEST_CASE("decode: a want byte that is neither 'u' nor 'd' is kept, never taken for want down", "[status]") {
  auto bytes = unit::from_hex(status_vectors[0].hex);
  bytes[17] = std::byte{'d'};
  CHECK(supervise::decode(bytes)->wants == want::down);
  CHECK(supervise::want_byte(*supervise::decode(bytes)) == 'd');
  for (int b : {0, int{'x'}, int{'U'}, int{'D'}, 0xff}) {
    INFO(b);
    bytes[17] = std::byte(b);
    const auto s = supervise::decode(bytes);
    CHECK(s->wants == want::other);
    CHECK(supervise::want_byte(*s) == b);
    CHECK(std::equal(bytes.begin(), bytes.end(), supervise::encode(*s).begin()));
    CHECK(supervise::stat_text(*s) == "run\n");
  }
}

TEST_CASE("decode: a state byte above 2 is kept as read", "[status]") {
  auto bytes = unit::from_hex(status_vectors[0].hex);
  bytes[19] = std::byte{7};
  const auto s = supervise::decode(bytes);
  CHECK(static_cast<int>(s->state) == 7);
  CHECK(std::string(supervise::state_name(s->state)).empty());
}

TEST_CASE("decode: any non-zero paused or TERM byte counts as set", "[status]") {
  auto bytes = unit::from_hex(status_vectors[0].hex);
  bytes[16] = std::byte{2};
  bytes[18] = std::byte{0xff};
  const auto s = supervise::decode(bytes);
  CHECK(s->paused);
  CHECK(s->got_term);
}

TEST_CASE("encode/decode: round trip of field combinations", "[status]") {
  const pid_t pid = GENERATE(0, 1, 11630, 0x7fffffff);
  const bool paused = GENERATE(false, true);
  const want w = GENERATE(want::up, want::down);
  const bool term = GENERATE(false, true);
  const state st = GENERATE(state::down, state::run, state::finish);
  supervise::status s;
  s.time = supervise::tai64n::from_unix(1795734171, 999999500);
  s.pid = pid;
  s.paused = paused;
  s.wants = w;
  s.got_term = term;
  s.state = st;
  CHECK(supervise::decode(supervise::encode(s)) == s);
}

TEST_CASE("stat_text: every observed stat line", "[status]") {
  struct row {
    state st;
    bool paused;
    bool term;
    want w;
    const char* text;
  };
  const row rows[] = {
      {state::run, false, false, want::up, "run\n"},
      {state::down, false, false, want::up, "down\n"},
      {state::run, true, false, want::up, "run, paused\n"},
      {state::run, false, false, want::down, "run, want down\n"},
      {state::run, false, true, want::down, "run, got TERM, want down\n"},
      {state::finish, false, false, want::down, "finish, want down\n"},
      {state::run, false, false, want::exit, "run, want exit\n"},
      {state::finish, false, false, want::up, "finish\n"},
      {state::run, true, true, want::exit, "run, paused, got TERM, want exit\n"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    supervise::status s;
    s.state = r.st;
    s.paused = r.paused;
    s.got_term = r.term;
    s.wants = r.w;
    CHECK(supervise::stat_text(s) == r.text);
  }
}

TEST_CASE("stat_text: want is not shown while down", "[status]") {
  supervise::status s;
  s.state = state::down;
  s.wants = want::down;
  CHECK(supervise::stat_text(s) == "down\n");
  s.wants = want::exit;
  CHECK(supervise::stat_text(s) == "down\n");
}

TEST_CASE("stat_text: paused is shown in the down state too", "[status]") {
  supervise::status s;
  s.state = state::down;
  s.paused = true;
  s.wants = want::down;
  CHECK(supervise::stat_text(s) == "down, paused\n");
}

TEST_CASE("state_name: runit's names", "[status]") {
  CHECK(std::string(supervise::state_name(state::down)) == "down");
  CHECK(std::string(supervise::state_name(state::run)) == "run");
  CHECK(std::string(supervise::state_name(state::finish)) == "finish");
}

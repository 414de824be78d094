#include <catch2/catch.hpp>

#include <ctime>
#include <string>

#include "supervise/tai64.hpp"
#include "unit_support.hpp"

using supervise::tai64n;

TEST_CASE("tai64n: the label is 2^62 + 10 + unix seconds", "[tai64]") {
  CHECK(supervise::tai64_unix_offset == (1ULL << 62) + 10);
  CHECK(tai64n::from_unix(0).seconds == 0x400000000000000AULL);
  CHECK(tai64n::from_unix(1795734171).seconds == 0x400000006b08baa5ULL);
}

TEST_CASE("tai64n: from_timeval gives nano = 1000 * usec + 500", "[tai64]") {
  struct row {
    long sec;
    long usec;
    std::uint32_t nano;
  };
  const row rows[] = {
      {1795734171, 22586, 22586500},
      {1795734175, 386409, 386409500},
      {0, 0, 500},
      {1, 999999, 999999500},
  };
  for (const auto& r : rows) {
    timeval tv{};
    tv.tv_sec = r.sec;
    tv.tv_usec = r.usec;
    const auto t = tai64n::from_timeval(tv);
    CHECK(t.seconds == supervise::tai64_unix_offset + static_cast<std::uint64_t>(r.sec));
    CHECK(t.nano == r.nano);
  }
}

TEST_CASE("tai64n: unix_seconds undoes from_unix, also before 1970", "[tai64]") {
  for (std::int64_t secs : {std::int64_t{0}, std::int64_t{1795734171}, std::int64_t{-1},
                            std::int64_t{-86400}}) {
    CHECK(tai64n::from_unix(secs).unix_seconds() == secs);
  }
  CHECK(tai64n::from_unix(-1).seconds == 0x4000000000000009ULL);
}

TEST_CASE("tai64n: now() is gettimeofday converted as runit does", "[tai64]") {
  // Not time(2): glibc reads a coarse clock for it, which may still show the
  // previous second just after gettimeofday moved on.
  auto precise_seconds = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
  };
  const std::time_t before = precise_seconds();
  const auto t = tai64n::now();
  const std::time_t after = precise_seconds();
  CHECK(t.unix_seconds() >= before);
  CHECK(t.unix_seconds() <= after);
  CHECK(t.nano % 1000 == 500);
  CHECK(t.nano < 1000000000);
}

TEST_CASE("tai64n: pack is 8 big-endian bytes of seconds and 4 of nano", "[tai64]") {
  const tai64n t{0x400000006b08baa5ULL, 0x0158a484U};
  const auto packed = t.pack();
  const auto expected = unit::from_hex("4000 0000 6b08 baa5 0158 a484");
  CHECK(std::vector<std::byte>(packed.begin(), packed.end()) == expected);
}

TEST_CASE("tai64n: unpack reads what pack wrote", "[tai64]") {
  const auto bytes = unit::from_hex("4000 0000 6b08 baa9 1708 241c");
  const auto t = tai64n::unpack(std::span<const std::byte, 12>(bytes.data(), 12));
  CHECK(t.seconds == 0x400000006b08baa9ULL);
  CHECK(t.nano == 386409500);
  CHECK(tai64n::unpack(t.pack()) == t);
}

TEST_CASE("tai64n: label is @ and 24 lower-case hex digits", "[tai64]") {
  struct row {
    tai64n t;
    const char* label;
  };
  const row rows[] = {
      {{0x400000006b08baa5ULL, 0x0158a484U}, "@400000006b08baa50158a484"},
      {{0x400000000000000aULL, 500}, "@400000000000000a000001f4"},
      {{0, 0}, "@000000000000000000000000"},
      {{0xffffffffffffffffULL, 999999999}, "@ffffffffffffffff3b9ac9ff"},
  };
  for (const auto& r : rows) {
    CHECK(r.t.label() == r.label);
    CHECK(tai64n::parse_label(r.label) == r.t);
  }
}

TEST_CASE("tai64n: label round trips through parse_label", "[tai64]") {
  const std::int64_t secs = GENERATE(0, 1, 1795734171, -5, 4102444800);
  const std::uint32_t nano = GENERATE(0u, 500u, 22586500u, 999999999u);
  const auto t = tai64n::from_unix(secs, nano);
  const auto label = t.label();
  CHECK(label.size() == 25);
  CHECK(tai64n::parse_label(label) == t);
  CHECK(tai64n::parse_label(std::string_view(label).substr(1)) == t);
}

TEST_CASE("tai64n: parse_label accepts upper-case hex", "[tai64]") {
  const auto t = tai64n::parse_label("@400000006B08BAA50158A484");
  REQUIRE(t.has_value());
  CHECK(t->seconds == 0x400000006b08baa5ULL);
  CHECK(t->nano == 0x0158a484U);
}

TEST_CASE("tai64n: parse_label rejects bad input", "[tai64]") {
  for (const char* bad : {"", "@", "@400000006b08baa50158a48", "@400000006b08baa50158a4840",
                          "@400000006b08baa50158a48g", "@@00000006b08baa50158a484",
                          "400000006b08baa5 158a484", "@400000006b08baa53b9aca00"}) {
    INFO(bad);
    CHECK_FALSE(tai64n::parse_label(bad).has_value());
  }
}

TEST_CASE("tai64n: ordering follows seconds, then nano", "[tai64]") {
  CHECK(tai64n::from_unix(1, 0) < tai64n::from_unix(2, 0));
  CHECK(tai64n::from_unix(1, 5) < tai64n::from_unix(1, 6));
  CHECK(tai64n::from_unix(-1, 999999999) < tai64n::from_unix(0, 0));
}

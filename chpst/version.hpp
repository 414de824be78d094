#pragma once

// The "$Id: <40 hex> $" line that chpst -V prints: a SHA-1 of our version
// string, in runit's shape (nobody should parse it).
namespace chpst {
inline constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $";
}

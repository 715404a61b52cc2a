#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gm {

//! Money is held as integer cents everywhere; floating point never touches it.
using Cents = int64_t;

//! Parses a decimal number as JSON writes it (`12`, `-3.5`, `19.999`, `1.5e2`) into cents,
//! rounding more than two decimals half-to-even (19.995 → 2000, 19.985 → 1998).
//! Returns false for anything that is not a decimal number or whose magnitude exceeds
//! 10^15 currency units (far beyond any real price; keeps arithmetic overflow-free).
[[nodiscard]] bool ParseCents(std::string_view text, Cents* out);

//! Appends cents as a decimal with exactly two fraction digits: `1234` → `12.34`.
void AppendCents(Cents cents, std::string& out);
std::string FormatCents(Cents cents);

}  // namespace gm

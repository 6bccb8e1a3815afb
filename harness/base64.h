// harness/base64.h — RFC 4648 base64 for raw steps' `bytes_base64` (written by the fuzzer, read by steps).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatecrash::harness {

// Standard alphabet, padded with '='.
std::string encode_base64(std::string_view bytes);
// Standard alphabet; CR, LF and spaces are skipped, decoding stops at the first '='; nullopt when
// any other character is not of the alphabet.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace gatecrash::harness

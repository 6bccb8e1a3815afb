// mock_servers/conformance_media.cc — the conformance fixtures' binary media: PNG, WAV, base64.
#include <algorithm>
#include <cstdint>

#include "mock_servers/conformance.h"
#include "mock_servers/conformance_internal.h"

namespace gatecrash::mock {
namespace {

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t adler32(std::string_view bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char byte : bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void put_be32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void put_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_png_chunk(std::string& png, std::string_view type, std::string_view data) {
  put_be32(png, static_cast<std::uint32_t>(data.size()));
  std::string typed(type);
  typed.append(data);
  png += typed;
  put_be32(png, crc32(typed));  // the CRC covers type and data, not the length
}

std::string png_bytes() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put_be32(header, 1);                       // width
  put_be32(header, 1);                       // height
  header.append("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, adaptive filtering, no interlace
  put_png_chunk(png, "IHDR", header);
  const std::string scanline("\x00\xff\x00\x00", 4);  // filter type "none", then one red pixel
  std::string zlib("\x78\x01", 2);                    // deflate, 32 KiB window, no dictionary
  zlib.push_back('\x01');                             // the final block, stored uncompressed
  put_le(zlib, static_cast<std::uint32_t>(scanline.size()), 2);
  put_le(zlib, ~static_cast<std::uint32_t>(scanline.size()) & 0xFFFF, 2);
  zlib += scanline;
  put_be32(zlib, adler32(scanline));
  put_png_chunk(png, "IDAT", zlib);
  put_png_chunk(png, "IEND", {});
  return png;
}

std::string wav_bytes() {
  constexpr std::uint32_t kSampleRate = 8000;
  constexpr int kSamples = 40;  // 5 ms of a 400 Hz square wave, 16-bit mono PCM
  std::string samples;
  for (int i = 0; i < kSamples; ++i) {
    const std::int16_t level = (i / 10) % 2 == 0 ? 8000 : -8000;
    put_le(samples, static_cast<std::uint16_t>(level), 2);
  }
  std::string wav = "RIFF";
  put_le(wav, static_cast<std::uint32_t>(36 + samples.size()), 4);
  wav += "WAVEfmt ";
  put_le(wav, 16, 4);  // fmt chunk size
  put_le(wav, 1, 2);   // PCM
  put_le(wav, 1, 2);   // channels
  put_le(wav, kSampleRate, 4);
  put_le(wav, kSampleRate * 2, 4);  // byte rate
  put_le(wav, 2, 2);                // block align
  put_le(wav, 16, 2);               // bits per sample
  wav += "data";
  put_le(wav, static_cast<std::uint32_t>(samples.size()), 4);
  return wav + samples;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return out;
}

const std::string& conformance::png_base64() {
  static const std::string encoded = base64_encode(png_bytes());
  return encoded;
}

const std::string& conformance::wav_base64() {
  static const std::string encoded = base64_encode(wav_bytes());
  return encoded;
}

std::string fixture_png_base64() { return conformance::png_base64(); }
std::string fixture_wav_base64() { return base64_encode(wav_bytes()); }

}  // namespace gatecrash::mock

// fuzz/jsonrpc_fuzzer.cc — the JSON-RPC codec: no crash on any bytes, and decode(encode(m)) == m.
//
// Properties, for every message a frame decodes to (what the gateway forwards is what it
// validated):
//   - encode(m) is one line, and byte-identical to to_line(to_json(m)) (the fast path agrees with
//     the model);
//   - decode(encode(m)) is one message equal to m, and encodes to the same bytes again;
//   - to_json(m) is the element as received, up to the codec's documented normalisations (an error
//     response without "id" gets "id": null, and an "error.data" of null is dropped);
//   - a batch of messages re-encoded as a batch decodes to the same messages;
//   - tighter Limits only ever refuse more: what decodes under them decodes the same by default;
//   - to_line, written by hand for speed, writes nlohmann's dump() bytes: for the parsed value, and
//     for the input bytes taken as one string (any bytes, so invalid UTF-8 and control characters).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.h"
#include "mcp/strict_json.h"
#include "fuzz/fuzz_support.h"

using namespace gatecrash::mcp;

namespace {

using gatecrash::fuzzing::require;

// The element as the codec promises to give it back.
Json normalised(const Json& element) {
  Json expected = element;
  if (expected.contains("error")) {
    if (!expected.contains("id")) expected["id"] = nullptr;
    Json& error = expected["error"];
    if (error.is_object() && error.contains("data") && error["data"].is_null()) error.erase("data");
  }
  return expected;
}

const Message* only_message(const std::variant<Frame, DecodeError>& decoded, bool batch) {
  const auto* frame = std::get_if<Frame>(&decoded);
  if (!frame || frame->is_batch != batch || frame->elements.empty()) return nullptr;
  return std::get_if<Message>(&frame->elements.front());
}

void check_round_trip(const Message& message, const Json& element) {
  const std::string encoded = encode(message);
  require(encoded.find('\n') == std::string::npos && encoded.find('\r') == std::string::npos);
  const Json model = to_json(message);
  require(to_line(model) == encoded);
  require(model == normalised(element));

  const auto again = decode_frame(encoded);
  const Message* again_message = only_message(again, false);
  require(again_message != nullptr);
  require(std::get<Frame>(again).elements.size() == 1);
  require(again_message->index() == message.index());
  require(to_json(*again_message) == model);
  require(encode(*again_message) == encoded);
}

void check_batch_round_trip(const Frame& frame) {
  std::string batch = "[";
  for (const auto& element : frame.elements) {
    const auto* message = std::get_if<Message>(&element);
    if (!message) return;  // refused elements have no encoding to compare
    if (batch.size() > 1) batch += ",";
    batch += encode(*message);
  }
  batch += "]";
  const auto again = decode_frame(batch);
  const auto* again_frame = std::get_if<Frame>(&again);
  require(again_frame && again_frame->is_batch &&
          again_frame->elements.size() == frame.elements.size());
  for (std::size_t i = 0; i < frame.elements.size(); ++i) {
    const auto* message = std::get_if<Message>(&again_frame->elements[i]);
    require(message && to_json(*message) == to_json(std::get<Message>(frame.elements[i])));
  }
}

Limits tight_limits() {
  Limits limits;
  limits.max_message_bytes = 512;
  limits.max_nesting_depth = 4;
  limits.max_batch_elements = 2;
  limits.max_method_length = 8;
  limits.max_id_length = 8;
  return limits;
}

void check_tighter_limits_refuse_more(std::string_view text,
                                      const std::variant<Frame, DecodeError>& by_default) {
  static const Limits tight = tight_limits();
  const auto decoded = decode_frame(text, tight);
  const auto* frame = std::get_if<Frame>(&decoded);
  if (!frame) return;
  const auto* default_frame = std::get_if<Frame>(&by_default);
  require(default_frame && default_frame->elements.size() == frame->elements.size());
  for (std::size_t i = 0; i < frame->elements.size(); ++i) {
    const auto* message = std::get_if<Message>(&frame->elements[i]);
    if (!message) continue;
    const auto* default_message = std::get_if<Message>(&default_frame->elements[i]);
    require(default_message && to_json(*default_message) == to_json(*message));
  }
}

}  // namespace

// leading_request_id reads only a prefix: on any prefix of an encoded answer it finds that
// answer's id or nothing, never another value.
void check_leading_id(const Message& message) {
  const auto* response = std::get_if<Response>(&message);
  if (!response) return;
  const std::string line = encode(message);
  for (std::size_t cut : {line.size(), line.size() / 2, std::min<std::size_t>(line.size(), 256)}) {
    const auto id = leading_request_id(std::string_view(line).substr(0, cut));
    require(!id || *id == response->id);
  }
}

// to_line against the serializer it stands in for.
void check_to_line(const Json& value) {
  require(to_line(value) == value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_to_line(Json(std::string(text)));
  (void)leading_request_id(text);  // any bytes: no crash, no hang
  const auto decoded = decode_frame(text);
  check_tighter_limits_refuse_more(text, decoded);
  const auto* frame = std::get_if<Frame>(&decoded);
  if (!frame) return 0;
  // The elements as parsed, to compare each message with what it was decoded from.
  const auto parsed = parse_strict_json(text);
  require(std::holds_alternative<Json>(parsed));
  const Json& value = std::get<Json>(parsed);
  check_to_line(value);
  require(value.is_array() == frame->is_batch);
  for (std::size_t i = 0; i < frame->elements.size(); ++i) {
    const auto* message = std::get_if<Message>(&frame->elements[i]);
    if (message) {
      check_round_trip(*message, frame->is_batch ? value.at(i) : value);
      check_leading_id(*message);
    }
  }
  if (frame->is_batch) check_batch_round_trip(*frame);
  return 0;
}

// mcp/jsonrpc.h — JSON-RPC 2.0 messages as MCP constrains them, and their strict codec.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcp/limits.h"
#include "mcp/strict_json.h"

namespace gatecrash::mcp {

// JSON-RPC error codes used by MCP (mcp-protocol.md §3.2).
namespace error_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;
}  // namespace error_code

// A request id: a string or an integer, never null, float, bool or structured (MCP §3.1).
class RequestId {
 public:
  RequestId(std::int64_t n) : value_(n) {}  // NOLINT: implicit by design, ids are written inline
  RequestId(std::string s) : value_(std::move(s)) {}  // NOLINT
  RequestId(const char* s) : value_(std::string(s)) {}  // NOLINT

  bool is_integer() const { return std::holds_alternative<std::int64_t>(value_); }
  std::int64_t integer() const { return std::get<std::int64_t>(value_); }
  const std::string& string() const { return std::get<std::string>(value_); }
  Json to_json() const;
  // A map key that keeps 1 and "1" apart.
  std::string key() const;
  friend bool operator==(const RequestId&, const RequestId&) = default;

 private:
  std::variant<std::int64_t, std::string> value_;
};

struct ErrorObject {
  int code = error_code::kInternalError;
  std::string message;
  Json data;  // null when absent
};

struct Request {
  RequestId id;
  std::string method;
  Json params;  // an object, or null when the message had no params
};

struct Notification {
  std::string method;
  Json params;  // an object, or null when absent
};

struct Response {
  RequestId id;
  Json result;
};

struct ErrorResponse {
  std::optional<RequestId> id;  // absent when the request's id could not be read
  ErrorObject error;
};

using Message = std::variant<Request, Notification, Response, ErrorResponse>;

// Why one message (or one batch element) was refused, with the error to answer it with.
struct DecodeError {
  ErrorObject error;
  std::optional<RequestId> id;  // the offending request's id when it was readable
  std::string kind;             // short stable tag for ledgers and tests: "parse_error", "duplicate_key", ...
};

using DecodedElement = std::variant<Message, DecodeError>;

// One transport frame (a stdio line or an HTTP body): a single message or a batch array.
struct Frame {
  bool is_batch = false;
  std::vector<DecodedElement> elements;
};

// Decodes one frame. A frame-level failure (not JSON, too deep, too large, empty batch) is a
// DecodeError; otherwise each element is decoded and validated on its own.
std::variant<Frame, DecodeError> decode_frame(std::string_view text,
                                              const Limits& limits = default_limits());

// The top-level "id" of a message from the first bytes of a line too large to decode (the stdio
// framer's excerpt), when it comes before any object or array member, as every common serialiser
// writes it ({"jsonrpc":"2.0","id":7,"result":{...}}). Lets a client fail the one request an
// oversized answer was meant for instead of waiting for its timeout.
std::optional<RequestId> leading_request_id(std::string_view prefix);

// How a server turns a received frame into messages. Every real server uses decode_frame; only a
// deliberately lenient server (the mock's parser personalities: duplicate keys, case-variant keys)
// passes its own, so parser-differential attacks have a victim behind the gateway.
using FrameDecoder =
    std::function<std::variant<Frame, DecodeError>(std::string_view text, const Limits& limits)>;

// Validates an already-parsed value as one message (not a batch). Takes the value so that the
// params, result or error data are moved out, not copied: a fuzz value can be megabytes, and
// every message of every process passes here.
DecodedElement decode_message(Json&& value, const Limits& limits = default_limits());

Json to_json(const Message& message);
std::string encode(const Message& message);  // one line, no trailing newline

// Builders for the common replies.
ErrorResponse make_error(std::optional<RequestId> id, int code, std::string message,
                         Json data = nullptr);
std::string method_of(const Message& message);  // "" for responses
std::optional<RequestId> id_of(const Message& message);

}  // namespace gatecrash::mcp

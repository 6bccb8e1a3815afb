// mcp/jsonrpc.cc — strict JSON-RPC 2.0 validation (mcp-protocol.md §3) and serialisation.
#include "mcp/jsonrpc.h"

#include <limits>

namespace gatecrash::mcp {

Json RequestId::to_json() const {
  if (is_integer()) return Json(integer());
  return Json(string());
}

std::string RequestId::key() const {
  if (is_integer()) return "i:" + std::to_string(integer());
  return "s:" + string();
}

namespace {

DecodeError invalid(std::string message, std::optional<RequestId> id, std::string kind) {
  return DecodeError{ErrorObject{error_code::kInvalidRequest, std::move(message), nullptr},
                     std::move(id), std::move(kind)};
}

// Reads an id if it is a legal one; floats, null, bools and structures are not ids in MCP.
std::optional<RequestId> read_id(const Json& id, const Limits& limits) {
  if (id.is_number_integer()) {
    if (id.is_number_unsigned() && id.get<std::uint64_t>() > INT64_MAX) return std::nullopt;
    return RequestId(id.get<std::int64_t>());
  }
  if (id.is_string() && id.get_ref<const std::string&>().size() <= limits.max_id_length) {
    return RequestId(id.get<std::string>());
  }
  return std::nullopt;
}

std::optional<std::string> check_error_object(const Json& error) {
  if (!error.is_object()) return "\"error\" must be an object";
  auto code = error.find("code");
  if (code == error.end() || !code->is_number_integer()) return "\"error.code\" must be an integer";
  // ErrorObject holds an int: a code outside it would be forwarded as another number than the one
  // validated (found by fuzz/jsonrpc_fuzzer: 4294967297 read back as 1).
  if (code->is_number_unsigned() ? code->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                                 : (code->get<std::int64_t>() < std::numeric_limits<int>::min() ||
                                    code->get<std::int64_t>() > std::numeric_limits<int>::max())) {
    return "\"error.code\" must fit in 32 bits";
  }
  auto message = error.find("message");
  if (message == error.end() || !message->is_string()) return "\"error.message\" must be a string";
  for (const auto& [k, v] : error.items()) {
    if (k != "code" && k != "message" && k != "data") return "unexpected member \"error." + k + "\"";
  }
  return std::nullopt;
}

}  // namespace

DecodedElement decode_message(Json&& value, const Limits& limits) {
  if (!value.is_object()) return invalid("a message must be a JSON object", std::nullopt, "not_object");

  // Read the id first so that even an invalid request can be answered with its own id.
  std::optional<RequestId> id;
  auto id_it = value.find("id");
  const bool has_id = id_it != value.end();
  if (has_id) id = read_id(*id_it, limits);

  auto version = value.find("jsonrpc");
  if (version == value.end() || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    return invalid("\"jsonrpc\" must be \"2.0\"", id, "bad_jsonrpc");
  }
  // An error response may say "id": null when the request's id was unreadable; nothing else may.
  const bool null_id_error = has_id && id_it->is_null() && value.contains("error") && !value.contains("method");
  if (has_id && !id && !null_id_error) {
    return invalid("\"id\" must be a string or an integer", std::nullopt, "bad_id");
  }

  auto method = value.find("method");
  auto result = value.find("result");
  auto error = value.find("error");
  const bool has_method = method != value.end();
  const bool has_result = result != value.end();
  const bool has_error = error != value.end();

  if (has_method) {
    if (has_result || has_error) return invalid("a request cannot carry \"result\" or \"error\"", id, "mixed_shape");
    if (!method->is_string()) return invalid("\"method\" must be a string", id, "bad_method");
    const auto& name = method->get_ref<const std::string&>();
    if (name.empty() || name.size() > limits.max_method_length) {
      return invalid("\"method\" must be 1 to " + std::to_string(limits.max_method_length) + " bytes", id,
                     "bad_method");
    }
    Json params = nullptr;
    if (auto p = value.find("params"); p != value.end()) {
      if (!p->is_object()) return invalid("\"params\" must be an object", id, "bad_params");
      params = std::move(*p);
    }
    for (const auto& [k, v] : value.items()) {
      if (k != "jsonrpc" && k != "id" && k != "method" && k != "params") {
        return invalid("unexpected member \"" + k + "\"", id, "unknown_member");
      }
    }
    if (id) return Request{*id, name, std::move(params)};
    return Notification{name, std::move(params)};
  }

  if (has_result == has_error) {
    return invalid("a response needs exactly one of \"result\" and \"error\"", id, "mixed_shape");
  }
  for (const auto& [k, v] : value.items()) {
    if (k != "jsonrpc" && k != "id" && k != "result" && k != "error") {
      return invalid("unexpected member \"" + k + "\"", id, "unknown_member");
    }
  }
  if (has_result) {
    if (!id) return invalid("a result needs an \"id\"", std::nullopt, "bad_id");
    if (!result->is_object()) return invalid("\"result\" must be an object", id, "bad_result");
    return Response{*id, std::move(*result)};
  }
  if (auto problem = check_error_object(*error)) return invalid(*problem, id, "bad_error");
  auto data = error->find("data");
  ErrorObject object{(*error)["code"].get<int>(), std::move((*error)["message"].get_ref<std::string&>()),
                     data == error->end() ? Json(nullptr) : std::move(*data)};
  return ErrorResponse{id, std::move(object)};
}

namespace {

// Stops at the first top-level "id" value, or at the first nested value (a result or params
// whose end the prefix does not hold). Parse errors (the prefix ends mid-line) just stop it. A
// number is only taken once something follows it: the prefix may end inside it ({"id":12 of
// {"id":1234,...}), and a string only ends at its closing quote.
class LeadingIdReader : public nlohmann::json_sax<Json> {
 public:
  std::optional<RequestId> id;

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t value) override {
    if (at_id_) number_ = static_cast<std::int64_t>(value);
    return scalar();
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (at_id_ && value <= static_cast<number_unsigned_t>(INT64_MAX)) number_ = static_cast<std::int64_t>(value);
    return scalar();
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& value) override {
    if (at_id_) id = RequestId(value);
    return scalar();
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return depth_++ == 0; }
  bool key(string_t& name) override {
    take_number();
    if (id) return false;
    at_id_ = depth_ == 1 && name == "id";
    return true;
  }
  bool end_object() override { return take_number(); }
  bool start_array(std::size_t) override { return false; }
  bool end_array() override { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool scalar() { return !id && depth_ == 1; }  // at top level a scalar is a member: go on
  bool take_number() {
    if (number_) id = RequestId(*number_);
    number_.reset();
    return false;
  }
  int depth_ = 0;
  bool at_id_ = false;
  std::optional<std::int64_t> number_;  // a numeric id not yet known to be complete
};

}  // namespace

std::optional<RequestId> leading_request_id(std::string_view prefix) {
  LeadingIdReader reader;
  Json::sax_parse(prefix.begin(), prefix.end(), &reader, nlohmann::detail::input_format_t::json,
                  /*strict=*/false);
  return reader.id;
}

std::variant<Frame, DecodeError> decode_frame(std::string_view text, const Limits& limits) {
  auto parsed = parse_strict_json(text, limits);
  if (auto* failure = std::get_if<JsonError>(&parsed)) {
    switch (failure->kind) {
      case JsonErrorKind::syntax:
        return DecodeError{ErrorObject{error_code::kParseError, "Parse error: " + failure->message, nullptr},
                           std::nullopt, "parse_error"};
      case JsonErrorKind::duplicate_key:
        return invalid("Invalid request: " + failure->message, std::nullopt, "duplicate_key");
      // Well-formed but over a cap: the id, when it comes before the excess, is read from the
      // text without building it, so the client's request is answered rather than left waiting.
      case JsonErrorKind::too_deep:
        return invalid("Invalid request: " + failure->message, leading_request_id(text), "too_deep");
      case JsonErrorKind::too_large:
        return invalid("Invalid request: " + failure->message, leading_request_id(text), "too_large");
    }
  }
  Json& value = std::get<Json>(parsed);
  Frame frame;
  if (value.is_array()) {
    if (value.empty()) return invalid("an empty batch is not a request", std::nullopt, "empty_batch");
    if (value.size() > limits.max_batch_elements) {
      return invalid("a batch of " + std::to_string(value.size()) + " elements exceeds the limit of " +
                         std::to_string(limits.max_batch_elements),
                     std::nullopt, "batch_too_large");
    }
    frame.is_batch = true;
    frame.elements.reserve(value.size());
    for (Json& element : value) frame.elements.push_back(decode_message(std::move(element), limits));
    return frame;
  }
  frame.elements.push_back(decode_message(std::move(value), limits));
  return frame;
}

Json to_json(const Message& message) {
  return std::visit(
      [](const auto& m) -> Json {
        using T = std::decay_t<decltype(m)>;
        Json out = {{"jsonrpc", "2.0"}};
        if constexpr (std::is_same_v<T, Request>) {
          out["id"] = m.id.to_json();
          out["method"] = m.method;
          if (!m.params.is_null()) out["params"] = m.params;
        } else if constexpr (std::is_same_v<T, Notification>) {
          out["method"] = m.method;
          if (!m.params.is_null()) out["params"] = m.params;
        } else if constexpr (std::is_same_v<T, Response>) {
          out["id"] = m.id.to_json();
          out["result"] = m.result;
        } else {
          out["id"] = m.id ? m.id->to_json() : Json(nullptr);
          Json error = {{"code", m.error.code}, {"message", m.error.message}};
          if (!m.error.data.is_null()) error["data"] = m.error.data;
          out["error"] = std::move(error);
        }
        return out;
      },
      message);
}

namespace {

// `"method":M` and, unless null, `,"params":P`, then the closing brace: how a request and a
// notification end.
void append_method_params_end(std::string& text, const std::string& method, const Json& params) {
  text += "\"method\":";
  append_json_string(text, method);
  if (!params.is_null()) {
    text += ",\"params\":";
    append_line(text, params);
  }
  text += '}';
}

}  // namespace

// Serialises without first copying the payload into a message object (results can be large and
// this runs once per answer), into one string. Keys come out in the same sorted order to_json's
// output has.
std::string encode(const Message& message) {
  std::string text;
  if (const auto* response = std::get_if<Response>(&message)) {
    text += "{\"id\":";
    append_line(text, response->id.to_json());
    text += ",\"jsonrpc\":\"2.0\",\"result\":";
    append_line(text, response->result);
    text += '}';
    return text;
  }
  if (const auto* request = std::get_if<Request>(&message)) {
    text += "{\"id\":";
    append_line(text, request->id.to_json());
    text += ",\"jsonrpc\":\"2.0\",";
    append_method_params_end(text, request->method, request->params);
    return text;
  }
  if (const auto* notification = std::get_if<Notification>(&message)) {
    text += "{\"jsonrpc\":\"2.0\",";
    append_method_params_end(text, notification->method, notification->params);
    return text;
  }
  return to_line(to_json(message));
}

ErrorResponse make_error(std::optional<RequestId> id, int code, std::string message, Json data) {
  return ErrorResponse{std::move(id), ErrorObject{code, std::move(message), std::move(data)}};
}

std::string method_of(const Message& message) {
  if (auto* r = std::get_if<Request>(&message)) return r->method;
  if (auto* n = std::get_if<Notification>(&message)) return n->method;
  return {};
}

std::optional<RequestId> id_of(const Message& message) {
  if (auto* r = std::get_if<Request>(&message)) return r->id;
  if (auto* r = std::get_if<Response>(&message)) return r->id;
  if (auto* e = std::get_if<ErrorResponse>(&message)) return e->id;
  return std::nullopt;
}

}  // namespace gatecrash::mcp

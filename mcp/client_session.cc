// mcp/client_session.cc — request/answer matching for the synchronous client.
#include "mcp/client_session.h"

namespace gatecrash::mcp {

Json ClientSession::initialize(std::string_view version, Json capabilities) {
  Json params = {{"protocolVersion", version},
                 {"capabilities", std::move(capabilities)},
                 {"clientInfo", {{"name", "gatecrash"}, {"version", "0.1.0"}}}};
  Json result = call("initialize", std::move(params));
  negotiated_version_ = result.value("protocolVersion", "");
  notify("notifications/initialized");
  return result;
}

RequestId ClientSession::send_request(std::string method, Json params) {
  RequestId id(++next_id_);
  if (!channel_.send_line(encode(Request{id, std::move(method), std::move(params)}), timeout_)) {
    throw ClientError("could not send the request (peer closed or write timed out)");
  }
  return id;
}

std::vector<RequestId> ClientSession::send_requests(const std::string& method, const Json& params,
                                                   std::size_t count) {
  std::vector<RequestId> ids;
  std::vector<std::string> lines;
  ids.reserve(count);
  lines.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    ids.emplace_back(++next_id_);
    lines.push_back(encode(Request{ids.back(), method, params}));
  }
  if (!channel_.send_lines(lines, timeout_)) {
    throw ClientError("could not send the requests (peer closed or write timed out)");
  }
  return ids;
}

void ClientSession::notify(std::string method, Json params) {
  if (!channel_.send_line(encode(Notification{std::move(method), std::move(params)}), timeout_)) {
    throw ClientError("could not send the notification (peer closed or write timed out)");
  }
}

Message ClientSession::await_answer(const RequestId& id) {
  for (auto it = early_answers_.begin(); it != early_answers_.end(); ++it) {
    if (id_of(*it) == id) {
      Message found = std::move(*it);
      early_answers_.erase(it);
      return found;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw ClientError("timed out waiting for the answer to id " + to_line(id.to_json()));
    auto line = channel_.read_line(left);
    if (!line) throw ClientError("no answer to id " + to_line(id.to_json()) + " (timeout or peer closed)");
    auto frame = decode_frame(*line);
    if (auto* failure = std::get_if<DecodeError>(&frame)) {
      throw ClientError("undecodable line from the server: " + failure->error.message);
    }
    for (auto& element : std::get<Frame>(frame).elements) {
      if (auto* failure = std::get_if<DecodeError>(&element)) {
        throw ClientError("invalid message from the server: " + failure->error.message);
      }
      Message message = std::move(std::get<Message>(element));
      const bool is_answer = std::holds_alternative<Response>(message) || std::holds_alternative<ErrorResponse>(message);
      if (!is_answer) {
        inbox_.push_back(std::move(message));
      } else if (id_of(message) == id) {
        return message;
      } else {
        early_answers_.push_back(std::move(message));
      }
    }
  }
}

Message ClientSession::request(std::string method, Json params) {
  return await_answer(send_request(std::move(method), std::move(params)));
}

Json ClientSession::call(std::string method, Json params) {
  const std::string name = method;
  Message answer = request(std::move(method), std::move(params));
  if (auto* error = std::get_if<ErrorResponse>(&answer)) {
    throw ClientError(name + " failed: " + std::to_string(error->error.code) + " " + error->error.message);
  }
  return std::get<Response>(answer).result;
}

Json ClientSession::call_tool(std::string name, Json arguments) {
  return call("tools/call", {{"name", std::move(name)}, {"arguments", std::move(arguments)}});
}

}  // namespace gatecrash::mcp

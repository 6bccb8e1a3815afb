// fuzz/memory_upstream.h — an MCP server in memory behind the gateway core, for the in-process targets.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcp/upstream.h"

namespace gatecrash::fuzzing {

// Contract: answers on the io_context, never inside the call (as mcp::Upstream requires), and
// only while it is alive. Every request is shown to `check` first (the target's properties);
// tools/list lists `tools`; tools/call answers `call_text(params)` as text content, or an internal
// error when `fail_calls`. It sends no server requests and no notifications.
class MemoryUpstream final : public mcp::Upstream {
 public:
  using Json = nlohmann::json;
  using RequestCheck = std::function<void(const std::string& method, const Json& params)>;
  using CallText = std::function<std::string(const Json& params)>;

  MemoryUpstream(boost::asio::io_context& io, const std::vector<std::string>& tools, bool fail_calls,
                 RequestCheck check, CallText call_text)
      : io_(io), fail_calls_(fail_calls), check_(std::move(check)), call_text_(std::move(call_text)) {
    Json listed = Json::array();
    for (const auto& tool : tools) {
      listed.push_back({{"name", tool}, {"description", "memory tool"}, {"inputSchema", {{"type", "object"}}}});
    }
    listing_ = Json{{"tools", std::move(listed)}};
  }

  void start(mcp::AnswerCallback ready) override {
    state_ = mcp::UpstreamState::starting;
    later([this, ready = std::move(ready)]() {
      state_ = mcp::UpstreamState::ready;
      ready(Json{{"protocolVersion", "2025-06-18"},
                 {"capabilities", {{"tools", Json::object()}}},
                 {"serverInfo", {{"name", "memory"}, {"version", "1"}}}});
    });
  }
  void restart(mcp::AnswerCallback ready) override { start(std::move(ready)); }
  void stop(std::function<void()> stopped) override {
    state_ = mcp::UpstreamState::dead;
    for (auto& [id, done] : std::exchange(in_flight_, {})) {
      later([done = std::move(done)]() { done(mcp::ErrorObject{mcp::error_code::kInternalError, "stopped", nullptr}); });
    }
    later([this, stopped = std::move(stopped)]() {
      if (on_exit_) on_exit_(mcp::UpstreamExit{-1, true, "upstream memory stopped"});
      if (stopped) stopped();
    });
  }

  mcp::RequestHandle request(std::string method, Json params, mcp::AnswerCallback done,
                             std::optional<std::chrono::milliseconds>) override {
    if (state_ != mcp::UpstreamState::ready) {
      later([done = std::move(done)]() { done(mcp::ErrorObject{mcp::error_code::kInternalError, "not ready", nullptr}); });
      return {};
    }
    check_(method, params);
    const mcp::RequestHandle handle{++last_id_};
    in_flight_[handle.id] = std::move(done);
    later([this, id = handle.id, answer = answer_for(method, params)]() mutable {
      auto it = in_flight_.find(id);
      if (it == in_flight_.end()) return;  // cancelled meanwhile
      auto answered = std::move(it->second);
      in_flight_.erase(it);
      answered(std::move(answer));
    });
    return handle;
  }
  bool notify(std::string, Json) override { return state_ == mcp::UpstreamState::ready; }
  bool cancel(mcp::RequestHandle handle, std::string) override {
    auto it = in_flight_.find(handle.id);
    if (it == in_flight_.end()) return false;
    later([done = std::move(it->second)]() {
      done(mcp::ErrorObject{mcp::client_error_code::kRequestCancelled, "Request cancelled", nullptr});
    });
    in_flight_.erase(it);
    return true;
  }

  void on_server_request(mcp::ServerRequestHandler handler) override { on_server_request_ = std::move(handler); }
  void on_notification(mcp::NotificationHandler handler) override { on_notification_ = std::move(handler); }
  void on_exit(std::function<void(const mcp::UpstreamExit&)> handler) override { on_exit_ = std::move(handler); }
  void dispatch(std::function<void()> task) override { task(); }  // one io thread: already on it

  mcp::UpstreamState state() const override { return state_; }
  std::optional<mcp::ServerDescription> server() const override {
    if (state_ != mcp::UpstreamState::ready) return std::nullopt;
    return mcp::ServerDescription{"2025-06-18", Json{{"tools", Json::object()}}, Json{{"name", "memory"}}, ""};
  }
  std::size_t in_flight() const override { return in_flight_.size(); }
  const std::string& name() const override { return name_; }

 private:
  // Runs `task` on the io_context unless this upstream is gone by then.
  void later(std::function<void()> task) {
    boost::asio::post(io_, [alive = std::weak_ptr<int>(alive_), task = std::move(task)]() {
      if (alive.lock()) task();
    });
  }

  mcp::ClientAnswer answer_for(const std::string& method, const Json& params) const {
    if (method == "tools/list") return listing_;
    if (fail_calls_) return mcp::ErrorObject{mcp::error_code::kInternalError, "upstream failed", nullptr};
    return Json{{"content", Json::array({{{"type", "text"}, {"text", call_text_(params)}}})}, {"isError", false}};
  }

  boost::asio::io_context& io_;
  bool fail_calls_;
  RequestCheck check_;
  CallText call_text_;
  Json listing_;
  std::string name_ = "memory";
  mcp::UpstreamState state_ = mcp::UpstreamState::dead;
  std::uint64_t last_id_ = 0;
  std::map<std::uint64_t, mcp::AnswerCallback> in_flight_;
  mcp::ServerRequestHandler on_server_request_;  // kept, never called
  mcp::NotificationHandler on_notification_;
  std::function<void(const mcp::UpstreamExit&)> on_exit_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace gatecrash::fuzzing

// gateway/front_http.cc — bearer authentication, session ownership and limits over HTTP.
#include "gateway/front_http.h"

#include <map>
#include <mutex>

#include "gateway/session_handler.h"
#include "mcp/http_server.h"

namespace gatecrash::gateway {

namespace {

mcp::HttpRejection json_rejection(int status, int code, std::string message) {
  mcp::HttpRejection rejection;
  rejection.status = status;
  rejection.body = mcp::to_line(Json{{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", code}, {"message", message}}}});
  return rejection;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
  }
  return authorization.substr(kScheme.size());
}

}  // namespace

struct HttpFront::Impl {
  Gateway& gateway;
  HttpFrontOptions options;
  std::unique_ptr<mcp::StreamableHttpServer> server;

  std::mutex mu;
  std::map<std::string, std::string> session_identity;  // session id -> identity
  std::map<std::string, std::size_t> sessions_of;       // identity -> open sessions

  Impl(Gateway& gw, HttpFrontOptions opts) : gateway(gw), options(std::move(opts)) {}

  // The identity a request acts as, or the rejection to answer it with.
  std::variant<std::string, mcp::HttpRejection> authenticate(const mcp::HttpRequestInfo& info) const {
    if (!options.grants) return options.default_identity;
    const std::string authorization = info.header("authorization");  // token views into it
    auto token = bearer_token(authorization);
    std::optional<std::string> identity;
    if (token) identity = options.grants->identity_of(*token);
    if (!identity) {
      auto rejection = json_rejection(401, -32001, "Unauthorized: a granted bearer token is required");
      rejection.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatecrash-gateway\"");
      return rejection;
    }
    return *identity;
  }

  std::optional<mcp::HttpRejection> admit(const mcp::HttpRequestInfo& info) {
    auto who = authenticate(info);
    if (auto* rejection = std::get_if<mcp::HttpRejection>(&who)) return *rejection;
    const std::string& identity = std::get<std::string>(who);
    std::lock_guard lock(mu);
    if (!info.session_id.empty()) {
      auto it = session_identity.find(info.session_id);
      // Another identity's session looks exactly like a session that does not exist.
      if (it != session_identity.end() && it->second != identity) {
        return json_rejection(404, -32001, "Session not found");
      }
      return std::nullopt;
    }
    if (info.method == "POST" && sessions_of[identity] >= gateway.limits().max_sessions_per_identity) {
      return json_rejection(429, -32000, "Too many sessions for this identity (the limit is " +
                                             std::to_string(gateway.limits().max_sessions_per_identity) + ")");
    }
    return std::nullopt;
  }

  std::unique_ptr<mcp::ServerHandler> make_handler(const std::string& session_id, const mcp::HttpRequestInfo& info) {
    auto who = authenticate(info);
    if (!std::holds_alternative<std::string>(who)) return nullptr;  // admit() already refused it
    const std::string identity = std::get<std::string>(who);
    {
      std::lock_guard lock(mu);
      session_identity[session_id] = identity;
      ++sessions_of[identity];
    }
    auto link = std::make_shared<ClientLink>();
    link->identity = identity;
    link->session = session_id;
    mcp::StreamableHttpServer* http = server.get();
    link->post = [http](std::function<void()> fn) { http->post(std::move(fn)); };
    link->post_after = [http](std::chrono::milliseconds delay, std::function<void()> fn) {
      http->post_after(delay, std::move(fn));
    };
    link->notify = [http, session_id](std::string method, Json params) {
      http->notify(session_id, std::move(method), std::move(params));
    };
    return std::make_unique<SessionHandler>(gateway, link, [this, session_id, identity]() {
      std::lock_guard lock(mu);
      session_identity.erase(session_id);
      if (auto it = sessions_of.find(identity); it != sessions_of.end() && --it->second == 0) sessions_of.erase(it);
    });
  }
};

HttpFront::HttpFront(Gateway& gateway, HttpFrontOptions options)
    : impl_(std::make_unique<Impl>(gateway, std::move(options))) {
  mcp::HttpServerOptions server_options;
  server_options.bind_address = impl_->options.host;
  server_options.port = impl_->options.port;
  server_options.limits = gateway.limits().protocol;
  server_options.threads = impl_->options.threads;
  Impl* impl = impl_.get();
  server_options.admit = [impl](const mcp::HttpRequestInfo& info) { return impl->admit(info); };
  impl_->server = std::make_unique<mcp::StreamableHttpServer>(
      std::move(server_options),
      [impl](const std::string& id, const mcp::HttpRequestInfo& info) { return impl->make_handler(id, info); });
}

HttpFront::~HttpFront() { stop(); }

void HttpFront::start() { impl_->server->start(); }
void HttpFront::stop() { impl_->server->stop(); }
std::string HttpFront::url() const { return impl_->server->url(); }

}  // namespace gatecrash::gateway

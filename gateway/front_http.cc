// gateway/front_http.cc — bearer authentication, session ownership and limits over HTTP.
#include "gateway/front_http.h"

#include <cctype>
#include <string_view>

#include "gateway/session_handler.h"

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

HttpAccess::HttpAccess(Gateway& gateway, HttpFrontOptions options, HttpSessionStrand strand)
    : gateway_(gateway), options_(std::move(options)), strand_(std::move(strand)) {}

mcp::HttpServerOptions HttpAccess::server_options() {
  mcp::HttpServerOptions server_options;
  server_options.bind_address = options_.host;
  server_options.port = options_.port;
  server_options.limits = gateway_.limits().protocol;
  server_options.threads = options_.threads;
  server_options.admit = [this](const mcp::HttpRequestInfo& info) { return admit(info); };
  return server_options;
}

std::variant<std::string, mcp::HttpRejection> HttpAccess::authenticate(const mcp::HttpRequestInfo& info) const {
  if (!options_.grants) return options_.default_identity;
  const std::string authorization = info.header("authorization");  // token views into it
  auto token = bearer_token(authorization);
  std::optional<std::string> identity;
  if (token) identity = options_.grants->identity_of(*token);
  if (!identity) {
    auto rejection = json_rejection(401, -32001, "Unauthorized: a granted bearer token is required");
    rejection.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatecrash-gateway\"");
    return rejection;
  }
  return *identity;
}

std::optional<mcp::HttpRejection> HttpAccess::admit(const mcp::HttpRequestInfo& info) {
  auto who = authenticate(info);
  if (auto* rejection = std::get_if<mcp::HttpRejection>(&who)) return *rejection;
  const std::string& identity = std::get<std::string>(who);
  std::lock_guard lock(mu_);
  if (!info.session_id.empty()) {
    auto it = session_identity_.find(info.session_id);
    // Another identity's session looks exactly like a session that does not exist.
    if (it != session_identity_.end() && it->second != identity) {
      return json_rejection(404, -32001, "Session not found");
    }
    return std::nullopt;
  }
  if (info.method == "POST" && sessions_of_[identity] >= gateway_.limits().max_sessions_per_identity) {
    return json_rejection(429, -32000, "Too many sessions for this identity (the limit is " +
                                           std::to_string(gateway_.limits().max_sessions_per_identity) + ")");
  }
  return std::nullopt;
}

std::unique_ptr<mcp::ServerHandler> HttpAccess::make_handler(const std::string& session_id,
                                                             const mcp::HttpRequestInfo& info) {
  auto who = authenticate(info);
  if (!std::holds_alternative<std::string>(who)) return nullptr;  // admit() already refused it
  const std::string identity = std::get<std::string>(who);
  {
    std::lock_guard lock(mu_);
    session_identity_[session_id] = identity;
    ++sessions_of_[identity];
  }
  auto link = std::make_shared<ClientLink>();
  link->identity = identity;
  link->session = session_id;
  link->post = strand_.post;
  link->post_after = strand_.post_after;
  link->notify = [notify = strand_.notify, session_id](std::string method, Json params) {
    notify(session_id, std::move(method), std::move(params));
  };
  return std::make_unique<SessionHandler>(gateway_, link, [this, session_id, identity]() {
    std::lock_guard lock(mu_);
    session_identity_.erase(session_id);
    if (auto it = sessions_of_.find(identity); it != sessions_of_.end() && --it->second == 0) sessions_of_.erase(it);
  });
}

// `access` is declared before `server`, so the sessions the server drops on destruction can still
// tell it they closed.
struct HttpFront::Impl {
  HttpAccess access;
  std::unique_ptr<mcp::StreamableHttpServer> server;

  Impl(Gateway& gateway, HttpFrontOptions options)
      : access(gateway, std::move(options),
               HttpSessionStrand{
                   [this](std::function<void()> fn) { server->post(std::move(fn)); },
                   [this](std::chrono::milliseconds delay, std::function<void()> fn) {
                     server->post_after(delay, std::move(fn));
                   },
                   [this](const std::string& session_id, std::string method, Json params) {
                     server->notify(session_id, std::move(method), std::move(params));
                   }}) {
    server = std::make_unique<mcp::StreamableHttpServer>(
        access.server_options(),
        [this](const std::string& id, const mcp::HttpRequestInfo& info) { return access.make_handler(id, info); });
  }
};

HttpFront::HttpFront(Gateway& gateway, HttpFrontOptions options)
    : impl_(std::make_unique<Impl>(gateway, std::move(options))) {}

HttpFront::~HttpFront() { stop(); }

void HttpFront::start() { impl_->server->start(); }
void HttpFront::stop() { impl_->server->stop(); }
std::string HttpFront::url() const { return impl_->server->url(); }

}  // namespace gatecrash::gateway

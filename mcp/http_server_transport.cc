// mcp/http_server_transport.cc — the HTTP server's Beast-free request checks and response shapes.
#include "mcp/http_server_transport.h"

#include <sys/random.h>

#include <algorithm>
#include <cctype>
#include <random>

namespace gatecrash::mcp {

namespace streamable_http {
namespace {

constexpr std::size_t kMaxSessionIdBytes = 256;

std::string error_body(int code, std::string message) {
  return encode(make_error(std::nullopt, code, std::move(message)));
}

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string media_type(std::string_view value) {
  return lower(trim(value.substr(0, value.find(';'))));
}

bool accepts(std::string_view accept, std::string_view media) {
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    if (media_type(accept.substr(0, comma)) == media) return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

Reply json_error(unsigned status, int code, std::string message) {
  Reply r;
  r.status = status;
  r.body = error_body(code, std::move(message));
  return r;
}

std::string sse_event(std::string_view text) {
  std::string out = "event: message\n";
  out.reserve(text.size() + 32);
  while (true) {  // JSON from to_line never holds a newline; split defensively all the same
    const auto nl = text.find('\n');
    out += "data: ";
    out += text.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

std::string random_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof bytes) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

bool valid_session_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxSessionIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

bool is_local_hostport(std::string_view hostport) {
  std::string_view host = hostport;
  std::string_view rest;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return false;
    host = hostport.substr(0, close + 1);
    rest = hostport.substr(close + 1);
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    rest = hostport.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
    if (!std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  const std::string o = lower(trim(origin));
  if (std::find(allowed.begin(), allowed.end(), o) != allowed.end()) return true;
  std::string_view rest = o;
  if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else
    return false;
  return is_local_hostport(rest);
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed, bool loopback) {
  if (!loopback && allowed.empty()) return true;
  const std::string h = lower(trim(host));
  if (std::find(allowed.begin(), allowed.end(), h) != allowed.end()) return true;
  return loopback && is_local_hostport(h);
}

std::optional<Reply> transport_checks(const TransportRequest& req, const HttpServerOptions& options,
                                      bool loopback) {
  const std::string_view target = req.target;
  if (target.substr(0, target.find('?')) != options.path) {
    return json_error(404, -32000, "Not Found");
  }
  const HttpMethod verb = req.method;
  if (verb == HttpMethod::other) {
    Reply r = json_error(405, -32000, "Method not allowed");
    r.headers.emplace_back("Allow", "GET, POST, DELETE");
    return r;
  }
  if (req.origin && !origin_allowed(*req.origin, options.allowed_origins)) {
    return json_error(403, -32000, "Forbidden: origin not allowed");
  }
  if (req.host && !host_allowed(*req.host, options.allowed_hosts, loopback)) {
    return json_error(403, -32000, "Forbidden: host not allowed");
  }
  const std::string_view accept = req.accept;
  if (verb == HttpMethod::post) {
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      return json_error(406, -32000,
                        "Not Acceptable: Accept must list application/json and text/event-stream");
    }
    if (media_type(req.content_type) != "application/json") {
      return json_error(415, -32000,
                        "Unsupported Media Type: Content-Type must be application/json");
    }
  } else if (verb == HttpMethod::get && !accepts(accept, "text/event-stream")) {
    return json_error(406, -32000, "Not Acceptable: Accept must list text/event-stream");
  }
  if (req.session_id && !valid_session_id(*req.session_id)) {
    return json_error(400, -32600, "Bad Request: malformed Mcp-Session-Id");
  }
  return std::nullopt;
}

}  // namespace streamable_http

std::string HttpRequestInfo::header(std::string_view name) const {
  const std::string key = streamable_http::lower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace gatecrash::mcp

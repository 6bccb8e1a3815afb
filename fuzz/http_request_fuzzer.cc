// fuzz/http_request_fuzzer.cc — the gateway's HTTP request handling, Beast parser included.
//
// The input is byte 0, a header, then the bytes clients send to the gateway's Streamable HTTP
// front: one or more HTTP/1.1 (or 1.0) requests. They are read as a connection reads them
// (mcp/http_server_exchange.h, shared with mcp/http_server.cc): a beast::flat_buffer of the
// server's size, Beast's request_parser bounded by bound_parser(), read_header then read (the
// synchronous twins of the async_read_header/async_read the connection coroutine uses), a failed
// read answered by read_refusal(), a header block or Content-Length beyond its limit by
// header_refusal(). Each complete request goes through RequestRouter::route (transport checks, the admit hook, then a
// session's POST/GET/DELETE), whose session work runs as the session strand runs it
// (run_session_work). The admit hook and the handler factory are gateway::HttpAccess, exactly what
// HttpFront gives its server, over the Gateway core with the fixed policy kPolicy and an
// in-memory upstream. Header byte:
//   bits 0-1  bytes per read: 0 as many as Beast asks for (512, more as its buffer grows), 1 one,
//             2 seven, 3 64
//   bit 2     no grants file: every session is "anonymous" (otherwise kGrants: tok-alice,
//             tok-bob, and tok-carol given by its SHA-256)
//   bit 3     small limits: 512-byte header limit, 256-byte body (otherwise the defaults)
//   bit 6     bound to 0.0.0.0 instead of 127.0.0.1 (no Host check)
//   bit 7     the upstream answers every tools/call with a JSON-RPC error
// Seeds mostly start with a digit ('0' all at once with grants, '1' one-byte reads, '4' no
// grants, '8' small limits; bits 4-5 mean nothing).
//
// The connection model: requests on one connection are served in order while the server keeps
// it (keep-alive, no refusal, an SSE answer that ended on HTTP/1.1). After an answer that closes
// it, or an SSE answer still open (the connection stays with its stream), the next request
// arrives on a new connection: the bytes after the last request, read or not. After a refused
// read (413, 431, 400) what the server had read is lost with the connection and the bytes not
// yet read arrive on a new one. End of input is the client's EOF. What the server writes is not
// modelled beyond the Reply and the response head built from it (complete_response), so
// "100 Continue" is not either.
// Session ids are random (getrandom), so a request's Mcp-Session-Id "$N" (one digit) is replaced,
// after parsing, by the id of the N-th session this input created (if any). The ids are the one
// thing that differs between runs of an input; nothing the target checks depends on their value.
// No socket, thread, file or timer: one io_context stepped with poll(); approval timeouts
// (ClientLink::post_after) are held and fired at EOF, as if that much time had passed.
//
// Properties (std::abort() on violation), besides no crash or sanitizer report:
//   1. Every complete request gets exactly one answer, whose status is one docs/gateway.md and
//      mcp/http_server.h name (200 202 400 401 403 404 405 406 409 413 415 429 431 503; never
//      500, which would mean session work threw). An error status carries a JSON-RPC error body;
//      202 has no body; an SSE answer is 200; 401 carries WWW-Authenticate: Bearer; 405 Allow.
//   2. Limits: a routed request's body is at most max_message_bytes and its header block at most
//      max_http_header_bytes, however the bytes arrive; past them the answer is 413 / 431 and the
//      connection is closed.
//   3. With grants, a request without a granted bearer token never reaches session work (so
//      never a SessionHandler, which decides tools/call): it is answered at once, 401 unless a
//      transport check (404 405 403 406 415 400) refused it first; no handler is made, no session
//      appears, and nothing reaches the upstream meanwhile. A granted token never gets 401.
//   4. Sessions: one belongs to the identity whose request created it. A request naming another
//      identity's live session never reaches session work (404 after the transport checks). A
//      2xx answer to a request naming a session is only for its owner's live session; after its
//      DELETE (200) the session is gone. New ids are fresh and well-formed. Live sessions: at most
//      kPerIdentity per identity (429 beyond) and kMaxSessions in all (503 beyond), and the
//      server's count is the ledger's. A second GET stream while one is open: never (409). An
//      unsupported MCP-Protocol-Version on an owned live session: 400.
//   5. Answers go where they belong: every JSON-RPC response in a POST's answer (JSON body or
//      its SSE stream) answers a request (or invalid element) of that POST's body, at most as
//      often as the body used that id, or has a null id; a GET stream never carries a response;
//      every SSE event is valid JSON-RPC. At EOF, once approvals have timed out and everything
//      has run, every POST's stream has ended.
//   6. Only tools/call reaches the upstream after startup, naming read_file or deploy, and only
//      while a request with a granted identity is being handled.
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz/memory_upstream.h"
#include "fuzz/fuzz_support.h"
#include "gateway/front_http.h"
#include "gateway/gateway.h"
#include "mcp/http_server_exchange.h"
#include "mcp/protocol.h"
#include "policy/load.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace sh = gatecrash::mcp::streamable_http;
using namespace gatecrash;
using mcp::Json;

namespace {

using fuzzing::require;

constexpr std::string_view kPolicy = R"({
  "version": "1",
  "default": "deny",
  "hide": ["secret_tool"],
  "tools": {
    "read_file": {},
    "delete_file": {"action": "deny", "reason": "destructive"},
    "deploy": {"action": "approve", "reason": "a person decides"}
  }
})";
// tok-carol is given by its SHA-256, the others in plain text.
constexpr std::string_view kGrants = R"({"grants": [
  {"identity": "alice", "token": "tok-alice"},
  {"identity": "bob", "token": "tok-bob"},
  {"identity": "carol",
   "token_sha256": "074217eacfb35f36134d56002b83d3fc0e99fc648a01f48a6e5dba283126cb98"}]})";
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kTokens = {
    {{"tok-alice", "alice"}, {"tok-bob", "bob"}, {"tok-carol", "carol"}}};
constexpr std::array<std::string_view, 4> kUpstreamTools = {"read_file", "deploy", "delete_file",
                                                            "secret_tool"};
constexpr std::size_t kPerIdentity = 2;  // max_sessions_per_identity
constexpr std::size_t kMaxSessions = 3;  // max_http_sessions
constexpr std::string_view kRemote = "127.0.0.1:40000";
// What this target expects: only the errors it can name are allowed, and 500 is not among them.
constexpr std::array<unsigned, 14> kDocumentedStatus = {200, 202, 400, 401, 403, 404, 405,
                                                        406, 409, 413, 415, 429, 431, 503};

const std::shared_ptr<const policy::Policy>& fixed_policy() {
  static const std::shared_ptr<const policy::Policy> loaded = fuzzing::load_fixed_policy(kPolicy, "http_request_fuzzer");
  return loaded;
}

const gateway::Grants& fixed_grants() {
  static const gateway::Grants grants = [] {
    auto load = gateway::load_grants_text(kGrants, "http_request_fuzzer");
    require(load.ok());
    return std::move(load.grants);
  }();
  return grants;
}

void drain(net::io_context& io) {
  io.restart();
  io.poll();
}

// The identity the request's first Authorization header grants, by the documented rule: scheme
// "Bearer" in any case, one space, then exactly a granted token. Independent of HttpAccess.
NOT_UNDER_TEST std::optional<std::string> granted_identity(const sh::BeastRequest& req) {
  for (const auto& field : req) {
    if (!beast::iequals(field.name_string(), "authorization")) continue;
    const std::string_view value = field.value();
    if (value.size() < 7 || !beast::iequals(value.substr(0, 7), "bearer ")) return std::nullopt;
    for (const auto& [token, identity] : kTokens) {
      if (value.substr(7) == token) return std::string(identity);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// The request ids a POST body owes answers to, as the server decodes it.
NOT_UNDER_TEST std::multiset<std::string> owed_ids(std::string_view body,
                                                   const mcp::Limits& limits) {
  std::multiset<std::string> ids;
  auto decoded = mcp::decode_frame(body, limits);
  if (auto* failure = std::get_if<mcp::DecodeError>(&decoded)) {
    if (failure->id) ids.insert(failure->id->key());
    return ids;
  }
  for (const auto& element : std::get<mcp::Frame>(decoded).elements) {
    if (auto* failure = std::get_if<mcp::DecodeError>(&element)) {
      if (failure->id) ids.insert(failure->id->key());
    } else if (auto* request = std::get_if<mcp::Request>(&std::get<mcp::Message>(element))) {
      ids.insert(request->id.key());
    }
  }
  return ids;
}

// What reaches the upstream (property 6): before serving only the gateway's startup listing,
// then only tools/call of read_file or deploy, and only while a granted request is handled.
class UpstreamCheck {
 public:
  explicit UpstreamCheck(const bool& authenticated) : authenticated_(authenticated) {}
  NOT_UNDER_TEST void operator()(const std::string& method, const Json& params) {
    if (!serving_) {
      require(method == "tools/list");  // the gateway pinning the catalog at startup
      return;
    }
    require(method == "tools/call" && authenticated_);
    require(params.is_object() && params.contains("name") && params["name"].is_string());
    const std::string& tool = params["name"].get_ref<const std::string&>();
    require(tool == "read_file" || tool == "deploy");
    ++calls_;
  }
  void start_serving() { serving_ = true; }
  std::size_t calls() const { return calls_; }

 private:
  const bool& authenticated_;  // a request with a granted identity is being handled
  bool serving_ = false;
  std::size_t calls_ = 0;
};

// The client side of the connections: a SyncReadStream handing out the input `chunk` bytes at a
// time, then EOF. One per input; a new connection goes on reading where the last one stopped.
class ClientBytes {
 public:
  ClientBytes(std::string_view bytes, std::size_t chunk) : rest_(bytes), chunk_(chunk) {}

  // The last `n` bytes read are to be read again (by the next connection).
  void give_back(std::size_t n) { rest_ = std::string_view(rest_.data() - n, rest_.size() + n); }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    if (rest_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    const std::size_t n =
        net::buffer_copy(buffers, net::buffer(rest_.data(), std::min(chunk_, rest_.size())));
    rest_.remove_prefix(n);
    return n;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
  std::size_t chunk_;
};

// One SSE answer the target keeps reading after its request was answered.
struct Stream {
  std::shared_ptr<sh::SseChannel> channel;
  bool post = false;                // a POST's answer (else a GET stream)
  std::multiset<std::string> owed;  // POST: the ids its body used
  bool ended = false;
};

// What the target knows of one request while it is handled.
struct Exchange {
  sh::BeastRequest* request = nullptr;
  std::optional<std::string> identity;  // granted identity (always set without grants)
  bool transport_ok = false;
  std::string session;  // the Mcp-Session-Id named (after "$N"), "" when none
  std::optional<std::string> version_header;
  std::multiset<std::string> owed;  // POST: the ids its body used
};

struct SessionEntry {
  std::string id;
  std::string owner;
  bool live = true;
  std::shared_ptr<Stream> get_stream;
};

// The gateway's HTTP front in process: HttpAccess + SessionTable + RequestRouter, as HttpFront
// and StreamableHttpServer wire them, and the properties' ledger.
class Front {
 public:
  Front(net::io_context& io, gateway::Gateway& core, std::uint8_t mode, bool& authenticated,
        const UpstreamCheck& upstream)
      : io_(io),
        grants_on_((mode & 0x04) == 0),
        authenticated_(authenticated),
        upstream_(upstream),
        access_(core, front_options(mode), strand()),
        options_(access_.server_options()),
        sessions_(
            options_,
            [this](const std::string& id, const mcp::HttpRequestInfo& info) {
              ++handlers_made_;
              return access_.make_handler(id, info);
            },
            stopping_),
        router_{options_, (mode & 0x40) == 0, true, sessions_} {}

  // As the server's shutdown: every session and stream ends. Work posted later is dropped.
  ~Front() {
    sessions_.end_all();
    drain(io_);
    alive_.reset();
  }
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  // Serves connections until the client's bytes run out.
  void serve(ClientBytes& client) {
    while (!client.empty()) serve_connection(client);
  }

  // At EOF: approval timeouts come due, each as the io handler its timer would have run.
  NOT_UNDER_TEST void finish() {
    for (int round = 0; round < 4 && !timers_.empty(); ++round) {
      for (auto& timer : std::exchange(timers_, {})) net::post(io_, std::move(timer));
      drain(io_);
    }
    read_streams();
    for (const auto& stream : streams_) require(!stream->post || stream->ended);
  }

 private:
  static gateway::HttpFrontOptions front_options(std::uint8_t mode) {
    gateway::HttpFrontOptions options;
    options.host = (mode & 0x40) ? "0.0.0.0" : "127.0.0.1";
    if ((mode & 0x04) == 0) options.grants = fixed_grants();
    return options;
  }

  // Where session work goes: this io_context, which stands for the server's session strand.
  // What arrives once this front is gone is dropped, as a stopped server drops it.
  gateway::HttpSessionStrand strand() {
    std::weak_ptr<bool> alive = alive_;
    net::io_context& io = io_;
    return {[&io](std::function<void()> fn) { net::post(io, std::move(fn)); },
            [this, alive](std::chrono::milliseconds, std::function<void()> fn) {
              if (alive.lock()) timers_.push_back(std::move(fn));
            },
            [this, alive, &io](const std::string& session_id, std::string method, Json params) {
              net::post(io, [this, alive, session_id, method = std::move(method),
                             params = std::move(params)]() mutable {
                if (alive.lock())
                  sessions_.notify(session_id, std::move(method), std::move(params));
              });
            }};
  }

  const mcp::Limits& limits() const { return options_.limits; }

  // One connection, as StreamableHttpServer::Impl::serve_requests serves it.
  void serve_connection(ClientBytes& client) {
    beast::flat_buffer buffer(sh::read_buffer_bytes(limits()));
    for (;;) {
      sh::RequestParser parser;
      sh::bound_parser(parser, limits());
      boost::system::error_code ec;
      const std::size_t header_bytes = http::read_header(client, buffer, parser, ec);
      if (ec) {
        if (auto refusal = sh::read_refusal(ec, sh::ReadStage::header, limits())) refused(*refusal);
        return;
      }
      if (auto refusal = sh::header_refusal(header_bytes, parser, limits())) {
        require(header_bytes > limits().max_http_header_bytes ||
                parser.content_length().value_or(0) > limits().max_message_bytes);
        refused(*refusal);
        return;
      }
      if (!parser.is_done()) {
        http::read(client, buffer, parser, ec);
        if (ec) {
          if (auto refusal = sh::read_refusal(ec, sh::ReadStage::body, limits())) refused(*refusal);
          return;
        }
      }
      sh::BeastRequest request = parser.release();
      require(request.body().size() <= limits().max_message_bytes);
      const bool keep_alive = request.keep_alive();
      const unsigned version = request.version();
      sh::Reply reply = handle(request);
      const bool keep = keep_alive && !reply.close;
      if (reply.sse) {
        // Chunked on HTTP/1.1 only; the connection goes on once the stream has ended.
        if (!streams_.back()->ended || version < 11) {
          client.give_back(buffer.size());
          return;
        }
      } else {
        const unsigned status = reply.status;
        auto response = sh::complete_response(std::move(reply), version, keep);
        require(response.result_int() == status && response.keep_alive() == keep);
      }
      if (!keep) {
        client.give_back(buffer.size());
        return;
      }
    }
  }

  // A read the server refuses: an answer, then the connection closes.
  NOT_UNDER_TEST void refused(const sh::Reply& reply) {
    check_status(reply);
    require(reply.status == 413 || reply.status == 431 || reply.status == 400);
    if (reply.status == 413) require(reply.close);
  }

  // One complete request: routed, its session work run, and everything checked.
  sh::Reply handle(sh::BeastRequest& request) {
    Exchange x;
    x.request = &request;
    substitute_session_ids(request);
    x.transport_ok =
        !sh::transport_checks(sh::transport_request(request), options_, router_.loopback);
    x.identity = grants_on_ ? granted_identity(request) : std::optional<std::string>("anonymous");
    if (auto sid = request.find("Mcp-Session-Id"); sid != request.end())
      x.session = std::string(sid->value());
    if (auto v = request.find("MCP-Protocol-Version"); v != request.end())
      x.version_header = std::string(sh::trim(v->value()));
    if (request.method() == http::verb::post) x.owed = owed_ids(request.body(), limits());

    const std::size_t handlers_before = handlers_made_;
    const std::size_t calls_before = upstream_.calls();
    const std::size_t count_before = sessions_.count();
    authenticated_ = x.identity.has_value();
    sh::Routed routed = router_.route(request, std::string(kRemote));
    sh::Reply reply;
    const bool reached_session = !routed.now;
    if (routed.now) {
      reply = std::move(*routed.now);
    } else {
      require(static_cast<bool>(routed.later));
      net::post(io_, [&reply, &routed]() { reply = sh::run_session_work(routed.later); });
      drain(io_);
    }
    authenticated_ = false;
    if (!x.identity) {
      require(!reached_session);
      require(handlers_made_ == handlers_before && upstream_.calls() == calls_before &&
              sessions_.count() == count_before);
    }
    check_exchange(x, reply, reached_session);
    read_streams();
    return reply;
  }

  // "$N" in Mcp-Session-Id names the N-th session this input created. Every Mcp-Session-Id field
  // is re-inserted in its order, so the first one stays first.
  void substitute_session_ids(sh::BeastRequest& request) {
    std::vector<std::string> values;
    bool placeholder = false;
    for (const auto& field : request) {
      if (!beast::iequals(field.name_string(), "Mcp-Session-Id")) continue;
      std::string value(field.value());
      if (value.size() == 2 && value[0] == '$' && value[1] >= '0' && value[1] <= '9') {
        placeholder = true;
        const std::size_t n = static_cast<std::size_t>(value[1] - '0');
        if (n < ledger_.size()) value = ledger_[n].id;
      }
      values.push_back(std::move(value));
    }
    if (!placeholder) return;
    request.erase("Mcp-Session-Id");
    for (const auto& value : values) request.insert("Mcp-Session-Id", value);
  }

  NOT_UNDER_TEST static void check_status(const sh::Reply& reply) {
    require(std::find(kDocumentedStatus.begin(), kDocumentedStatus.end(), reply.status) !=
            kDocumentedStatus.end());
    if (reply.status >= 400) {  // a JSON-RPC error (or a batch of them)
      require(!reply.body.empty() && !reply.sse);
      auto decoded = mcp::decode_frame(reply.body);
      require(std::holds_alternative<mcp::Frame>(decoded));
      for (const auto& element : std::get<mcp::Frame>(decoded).elements) {
        require(std::holds_alternative<mcp::Message>(element) &&
                std::holds_alternative<mcp::ErrorResponse>(std::get<mcp::Message>(element)));
      }
    }
    if (reply.status == 202) require(reply.body.empty() && !reply.sse);
    if (reply.sse) require(reply.status == 200 && reply.body.empty());
  }

  NOT_UNDER_TEST static std::optional<std::string> reply_header(const sh::Reply& reply,
                                                                std::string_view name) {
    for (const auto& [key, value] : reply.headers) {
      if (beast::iequals(key, name)) return value;
    }
    return std::nullopt;
  }

  NOT_UNDER_TEST SessionEntry* find_entry(const std::string& id) {
    for (auto& entry : ledger_) {
      if (entry.id == id) return &entry;
    }
    return nullptr;
  }

  NOT_UNDER_TEST std::size_t live_sessions(const std::optional<std::string>& owner) const {
    std::size_t n = 0;
    for (const auto& entry : ledger_) n += entry.live && (!owner || entry.owner == *owner);
    return n;
  }

  NOT_UNDER_TEST void check_exchange(const Exchange& x, const sh::Reply& reply,
                                     bool reached_session) {
    check_status(reply);
    const unsigned status = reply.status;
    const bool success = status == 200 || status == 202;
    const auto verb = x.request->method();
    if (status == 401) {
      auto challenge = reply_header(reply, "WWW-Authenticate");
      require(challenge && challenge->starts_with("Bearer"));
    }
    if (status == 405) require(reply_header(reply, "Allow").has_value());
    // Property 3.
    if (grants_on_ && !x.identity && x.transport_ok) require(status == 401);
    if (status == 401) require(grants_on_ && !x.identity && !reached_session);

    // Property 4.
    SessionEntry* named = x.session.empty() ? nullptr : find_entry(x.session);
    if (named && named->live && x.identity && named->owner != *x.identity) {
      require(!reached_session);
      if (x.transport_ok) require(status == 404);
    }
    if (!x.session.empty() && success) {
      require(named && named->live && x.identity && named->owner == *x.identity);
    }
    if (named && named->live && x.identity && named->owner == *x.identity && reached_session &&
        x.version_header && !mcp::parse_protocol_version(*x.version_header)) {
      require(status == 400);
    }
    if (status == 429) require(x.identity && live_sessions(x.identity) >= kPerIdentity);
    if (status == 503) require(live_sessions(std::nullopt) >= kMaxSessions);
    auto sid = reply_header(reply, "Mcp-Session-Id");
    if (x.session.empty() && sid) {  // a new session
      require(verb == http::verb::post && success && x.identity);
      require(sh::valid_session_id(*sid) && find_entry(*sid) == nullptr);
      ledger_.push_back(SessionEntry{*sid, *x.identity, true, nullptr});
      require(live_sessions(x.identity) <= kPerIdentity &&
              live_sessions(std::nullopt) <= kMaxSessions);
    } else if (sid) {
      require(*sid == x.session);
    }
    if (verb == http::verb::delete_ && status == 200) named->live = false;
    require(sessions_.count() == live_sessions(std::nullopt));

    // Property 5, and where SSE answers go.
    if (verb == http::verb::post && status == 200 && !reply.sse) require(!reply.body.empty());
    if (verb == http::verb::post && !reply.sse && !reply.body.empty()) {
      std::multiset<std::string> owed = x.owed;
      check_answers(reply.body, owed, true);
    }
    if (reply.sse) {
      auto stream = std::make_shared<Stream>();
      stream->channel = reply.sse;
      stream->post = verb == http::verb::post;
      stream->owed = x.owed;
      if (verb == http::verb::get) {
        require(named != nullptr);
        require(!named->get_stream || named->get_stream->ended ||
                !named->get_stream->channel->open());
        named->get_stream = stream;
      }
      streams_.push_back(std::move(stream));
    }
  }

  // One JSON-RPC text sent to a client. `post`: on a POST's answer, whose body used `owed`.
  NOT_UNDER_TEST static void check_answers(std::string_view text, std::multiset<std::string>& owed,
                                           bool post) {
    auto decoded = mcp::decode_frame(text);
    require(std::holds_alternative<mcp::Frame>(decoded));
    for (const auto& element : std::get<mcp::Frame>(decoded).elements) {
      require(std::holds_alternative<mcp::Message>(element));
      const mcp::Message& message = std::get<mcp::Message>(element);
      std::optional<mcp::RequestId> id;
      if (auto* response = std::get_if<mcp::Response>(&message)) {
        id = response->id;
      } else if (auto* error = std::get_if<mcp::ErrorResponse>(&message)) {
        if (!error->id) continue;
        id = error->id;
      } else {
        continue;
      }
      require(post);
      auto it = owed.find(id->key());
      require(it != owed.end());
      owed.erase(it);
    }
  }

  // Reads what every stream has received since: "event: message" + "data: <one line>" events.
  NOT_UNDER_TEST void read_streams() {
    for (auto& stream : streams_) {
      if (stream->ended) continue;
      sh::SseChannel::Batch batch = stream->channel->take();
      require(!batch.overflow);
      std::string_view bytes = batch.bytes;
      while (!bytes.empty()) {
        const auto end = bytes.find("\n\n");
        require(end != std::string_view::npos);
        std::string_view event = bytes.substr(0, end + 1);
        bytes.remove_prefix(end + 2);
        constexpr std::string_view kEvent = "event: message\ndata: ";
        require(event.starts_with(kEvent));
        event.remove_prefix(kEvent.size());
        event.remove_suffix(1);
        require(event.find('\n') == std::string_view::npos);
        check_answers(event, stream->owed, stream->post);
      }
      stream->ended = batch.finished;
    }
  }

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // declared first: see strand()
  net::io_context& io_;
  bool grants_on_;
  bool& authenticated_;
  const UpstreamCheck& upstream_;
  std::vector<std::function<void()>> timers_;
  std::atomic<bool> stopping_{false};
  gateway::HttpAccess access_;
  mcp::HttpServerOptions options_;
  sh::SessionTable sessions_;
  sh::RequestRouter router_;
  std::size_t handlers_made_ = 0;
  std::vector<SessionEntry> ledger_;  // every session created, in order ("$N")
  std::vector<std::shared_ptr<Stream>> streams_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t header = data[0];
  static net::io_context io;
  static gateway::AuditLog audit;  // disabled: writes nothing
  static constexpr std::array<std::size_t, 4> kChunks = {1 << 20, 1, 7, 64};
  ClientBytes client(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                     kChunks[header & 0x03]);

  bool authenticated = false;
  gateway::GatewayOptions options;
  options.servers.push_back(gateway::UpstreamSpec{});
  options.servers.back().name = "memory";
  options.limits.max_sessions_per_identity = kPerIdentity;
  options.limits.protocol.max_http_sessions = kMaxSessions;
  if (header & 0x08) {
    options.limits.protocol.max_http_header_bytes = 512;
    options.limits.protocol.max_message_bytes = 256;
  }
  std::vector<std::unique_ptr<mcp::Upstream>> upstreams;
  UpstreamCheck upstream_check(authenticated);
  upstreams.push_back(std::make_unique<gatecrash::fuzzing::MemoryUpstream>(
      io, std::vector<std::string>(kUpstreamTools.begin(), kUpstreamTools.end()), (header & 0x80) != 0,
      [&upstream_check](const std::string& method, const Json& params) { upstream_check(method, params); },
      [](const Json&) { return std::string("done"); }));
  {
    gateway::Gateway core(io, std::move(options), fixed_policy(), audit, std::move(upstreams));
    std::optional<std::optional<gateway::ConfigError>> started;
    core.start(
        [&started](std::optional<gateway::ConfigError> error) { started = std::move(error); });
    drain(io);
    require(started.has_value() && !started->has_value());
    upstream_check.start_serving();
    {
      Front front(io, core, header, authenticated, upstream_check);
      front.serve(client);
      front.finish();
    }
    core.stop([] {});
    drain(io);
  }
  drain(io);
  return 0;
}

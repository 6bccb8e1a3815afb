// harness/scenario_context.cc — sessions, request ids, trace ids and the bounded send/receive loops.
#include "harness/scenario_context.h"

#include <atomic>
#include <cstdio>
#include <thread>

#include "harness/errors.h"
#include "harness/json_fields.h"

namespace gatecrash::harness {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? std::chrono::milliseconds(0) : left;
}

Json parse_lenient(const std::string& text) {
  // The gateway under test may send anything; nlohmann without exceptions marks garbage as discarded.
  return Json::parse(text, nullptr, false);
}

}  // namespace

ScenarioContext::ScenarioContext(const Scenario& scenario, const GatewayProfile& profile, Launcher& launcher,
                                 Transcript& transcript, EngineSettings settings)
    : scenario_(scenario), profile_(profile), launcher_(launcher), transcript_(transcript), settings_(settings),
      random_(settings.seed ^ std::hash<std::string>{}(scenario.id)) {}

ScenarioContext::~ScenarioContext() { close_all(); }

std::string ScenarioContext::attack_of(const Step& step) const {
  if (!step.attack.empty()) return step.attack;
  return scenario_.attacks.empty() ? std::string() : scenario_.attacks.front();
}

std::string ScenarioContext::new_trace_id() {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(random_()),
                static_cast<unsigned long long>(random_()));
  return text;
}

std::string ScenarioContext::exposed_name(const std::string& tool, const std::string& server) const {
  std::string server_name = server;
  if (server_name.empty() && !scenario_.servers.empty()) server_name = scenario_.servers.front().name;
  return expand(profile_.tool_names, {{"tool", tool}, {"server", server_name}}, profile_.file + ": /tool_names");
}

HarnessSession& ScenarioContext::session(const std::string& name) {
  auto it = sessions_.find(name);
  if (it != sessions_.end() && it->second.connection) return it->second;
  return open_session(name, scenario_.identities.front(), scenario_.protocol_version, true);
}

HarnessSession& ScenarioContext::open_session(const std::string& name, const std::string& identity,
                                              const std::string& protocol_version, bool initialize) {
  close_session(name);
  HarnessSession& session = sessions_[name];
  session.name = name;
  session.identity = identity;
  session.protocol_version = protocol_version;
  session.initialized = false;
  session.instance = ++sessions_opened_;
  session.connection = launcher_.connect(identity, name);
  transcript_.log(name, '*', "session opened as " + identity);
  if (!initialize) return session;

  ++initialize_attempts_;
  const std::string id = next_request_id();
  Json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "initialize"},
                  {"params", {{"protocolVersion", protocol_version}, {"capabilities", Json::object()},
                              {"clientInfo", {{"name", "gatecrash"}, {"version", "0.1.0"}}}}}};
  const std::string frame = request.dump();
  transcript_.log(name, '>', frame);
  if (!session.connection->send(frame, true)) {
    if (initialize_attempts_ == 1) {
      const std::string how = session.connection->exit_description();
      throw HarnessError("harness.E425", "the gateway (" + profile_.file + ") " + (how.empty() ? "exited" : how) +
                                             " before it could be sent initialize; see " + launcher_.workdir() + "/gateway-*.stderr");
    }
    transcript_.event({name, "", "initialize could not be sent: the gateway is gone " + session.connection->exit_description()});
    return session;
  }
  const auto deadline = Clock::now() + settings_.request_timeout;
  while (Clock::now() < deadline) {
    auto line = session.connection->receive(until(deadline));
    if (!line) break;
    transcript_.log(name, '<', *line);
    Json answer = parse_lenient(*line);
    if (!answer.is_object() || !answer.contains("id") || answer["id"] != id) continue;
    if (answer.contains("result") && answer["result"].is_object()) {
      session.protocol_version = string_field(answer["result"], "protocolVersion", protocol_version);
      session.initialized = true;
    } else {
      transcript_.event({name, "", "initialize was refused: " + *line});
      return session;
    }
    break;
  }
  if (!session.initialized) {
    if (initialize_attempts_ == 1) {
      // The very first initialize of the scenario went unanswered: the gateway could not be
      // started (or never became ready), so there is nothing to judge. That is an error, not a
      // finding. Later sessions that are not answered are protocol findings.
      const std::string how = session.connection->alive() ? "" : session.connection->exit_description();
      if (!session.connection->alive()) {
        throw HarnessError("harness.E425", "the gateway (" + profile_.file + ") " + (how.empty() ? "exited" : how) +
                                               " before answering initialize; see " + launcher_.workdir() + "/gateway-*.stderr");
      }
      throw HarnessError("harness.E427", "the gateway (" + profile_.file + ") is running but did not answer the first initialize within " +
                                             std::to_string(settings_.request_timeout.count()) + " ms (--timeout-ms); see " +
                                             launcher_.workdir() + "/gateway-*.stderr");
    }
    transcript_.event({name, "", "no answer to initialize within " + std::to_string(settings_.request_timeout.count()) + " ms"});
    return session;
  }
  if (auto* http = dynamic_cast<HttpConnection*>(session.connection.get())) {
    http->client().set_protocol_version(session.protocol_version);
  }
  const std::string initialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
  transcript_.log(name, '>', initialized);
  session.connection->send(initialized, true);
  return session;
}

void ScenarioContext::close_session(const std::string& name) {
  auto it = sessions_.find(name);
  if (it == sessions_.end() || !it->second.connection) return;
  it->second.connection->close();
  transcript_.log(name, '*', "session closed " + it->second.connection->exit_description());
  it->second.connection.reset();
}

void ScenarioContext::report_dead_sessions() {
  for (auto& [name, session] : sessions_) {
    if (!session.connection || session.connection->alive()) continue;
    // A stdio gateway that hung up is gone; an HTTP one that left a POST unanswered may still be
    // running, so it is not called dead.
    const std::string why = session.connection->exit_description();
    const bool http = dynamic_cast<HttpConnection*>(session.connection.get()) != nullptr;
    transcript_.event({name, "", http ? "the gateway stopped answering session " + name + " over HTTP" +
                                            (why.empty() ? "" : ": " + why)
                                      : "the gateway serving session " + name + " died during the scenario " + why});
  }
}

void ScenarioContext::close_all() {
  for (auto& [name, session] : sessions_) close_session(name);
}

PendingRequest ScenarioContext::prepare_call(const Step& step, HarnessSession& session, const std::string& tool,
                                             const Json& arguments, const Json& extra_meta, const std::string& expect,
                                             const std::string& id) {
  CallRecord call;
  call.step = current_step_;
  call.session = session.name;
  call.session_key = session.name + "#" + std::to_string(session.instance);
  call.identity = session.identity;
  call.attack = attack_of(step);
  call.tool = tool;
  call.exposed_tool = exposed_name(tool, step.spec.value("server", ""));
  call.arguments = arguments;
  call.trace_id = new_trace_id();
  call.request_id = id.empty() ? next_request_id() : id;
  call.expect = expect;
  Json meta = extra_meta.is_object() ? extra_meta : Json::object();
  meta["traceparent"] = "00-" + call.trace_id + "-" + call.trace_id.substr(0, 16) + "-01";
  Json request = {{"jsonrpc", "2.0"}, {"id", call.request_id}, {"method", "tools/call"},
                  {"params", {{"name", call.exposed_tool}, {"arguments", arguments}, {"_meta", meta}}}};
  PendingRequest pending;
  pending.frame = request.dump();
  pending.id_key = Json(call.request_id).dump();
  call.sent_ms = transcript_.now_ms();
  call.sent_wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  pending.call_index = transcript_.add_call(std::move(call));
  std::lock_guard lock(ids_mutex_);
  call_index_by_id_[session.name + " " + pending.id_key] = pending.call_index;
  return pending;
}

void ScenarioContext::record_answer(int call_index, const Json& message, int http_status) {
  const std::int64_t now = transcript_.now_ms();
  transcript_.update_call(call_index, [&](CallRecord& call) {
    ++call.answers;
    if (call.answers == 1) {
      call.response = message;
      call.answered_ms = now;
      call.http_status = http_status;
    }
  });
}

void ScenarioContext::handle_incoming(HarnessSession& session, GatewayConnection& connection, const std::string& text,
                                      std::map<std::string, int>* pending) {
  transcript_.log(session.name, '<', text);
  Json parsed = parse_lenient(text);
  if (parsed.is_discarded()) {
    transcript_.event({session.name, "", "the gateway sent a line that is not JSON: " + text.substr(0, 200)});
    return;
  }
  std::vector<Json> messages;
  if (parsed.is_array()) {
    for (auto& element : parsed) messages.push_back(std::move(element));
  } else {
    messages.push_back(std::move(parsed));
  }
  for (const Json& message : messages) {
    if (!message.is_object()) {
      transcript_.event({session.name, "", "the gateway sent a message that is not an object: " + message.dump().substr(0, 200)});
      continue;
    }
    if (message.contains("method")) {
      if (!message.contains("id")) continue;  // a notification: kept in the transcript only
      const std::string method = message["method"].is_string() ? message["method"].get<std::string>() : "";
      Json answer = {{"jsonrpc", "2.0"}, {"id", message["id"]}};
      if (method == "ping") {
        answer["result"] = Json::object();
      } else {
        answer["error"] = {{"code", -32601}, {"message", "gatecrash declared no capability for " + method}};
        transcript_.event({session.name, "",
                           "the gateway sent the server-to-client request " + method +
                               " although the client declared no capability for it"});
      }
      const std::string frame = answer.dump();
      transcript_.log(session.name, '>', frame);
      connection.send(frame, true);
      continue;
    }
    if (!message.contains("id")) {
      transcript_.event({session.name, "", "the gateway sent a message that is neither request nor answer: " + message.dump().substr(0, 200)});
      continue;
    }
    const std::string id_key = message["id"].dump();
    if (pending != nullptr) {
      auto it = pending->find(id_key);
      if (it != pending->end()) {
        if (it->second >= 0) record_answer(it->second, message, connection.last_status());
        pending->erase(it);
        continue;
      }
    }
    int known = -1;
    {
      std::lock_guard lock(ids_mutex_);
      // Ids are per client session: two sessions may use the same id (attack P3).
      auto it = call_index_by_id_.find(session.name + " " + id_key);
      if (it != call_index_by_id_.end()) known = it->second;
    }
    auto sent_raw = [&] {
      std::lock_guard lock(ids_mutex_);
      return raw_step_sent(id_key);
    };
    if (known >= 0) {
      record_answer(known, message, connection.last_status());  // late or duplicate: counted
    } else if (pending != nullptr && !message["id"].is_null() && !sent_raw()) {
      // Raw steps choose their own ids; a late answer to one of those (a batch answered message
      // by message, say) is not an id the gateway made up.
      transcript_.event({session.name, "", "the gateway answered an id that was never sent here: " + id_key});
    }
  }
}

void ScenarioContext::settle_http_refusal(HarnessSession& session, GatewayConnection& connection,
                                          std::map<std::string, int>& pending) {
  // An HTTP gateway may refuse a POST with a 4xx status and a body that names no request id
  // (e.g. 400 with "id": null before initialize, 401 for a bad token): the calls that POST
  // carried were answered, with a refusal, not lost.
  const int status = connection.last_status();
  if (status < 400 || status >= 500) return;
  for (const auto& [id_key, call_index] : pending) {
    if (call_index < 0) continue;
    Json synthesized = {{"jsonrpc", "2.0"}, {"id", Json::parse(id_key, nullptr, false)},
                        {"error", {{"code", -32600}, {"message", "HTTP " + std::to_string(status) + " (no JSON-RPC answer for this id)"}}}};
    transcript_.log(session.name, '*', "HTTP " + std::to_string(status) + " answered the POST carrying " + id_key);
    record_answer(call_index, synthesized, status);
  }
  pending.clear();
}

void ScenarioContext::remember_raw_ids(const std::string& bytes) {
  std::lock_guard lock(ids_mutex_);
  raw_unparsed_.push_back(bytes);
}

bool ScenarioContext::raw_step_sent(const std::string& id_key) {
  for (const std::string& bytes : raw_unparsed_) {
    const Json parsed = parse_lenient(bytes);
    auto remember = [&](const Json& message) {
      if (message.is_object() && message.contains("id")) raw_ids_.insert(message["id"].dump());
    };
    if (parsed.is_array()) {
      for (const auto& element : parsed) remember(element);
    } else {
      remember(parsed);
    }
  }
  raw_unparsed_.clear();
  return raw_ids_.count(id_key) > 0;
}

void ScenarioContext::exchange(HarnessSession& session, std::vector<PendingRequest> requests, int concurrency) {
  if (requests.empty()) return;
  if (concurrency < 1) concurrency = 1;
  if (!session.connection) return;
  if (concurrency > 1 && dynamic_cast<HttpConnection*>(session.connection.get()) != nullptr) {
    exchange_parallel(session, requests, concurrency);
  } else {
    exchange_pipelined(session, requests, concurrency);
  }
}

void ScenarioContext::exchange_pipelined(HarnessSession& session, std::vector<PendingRequest>& requests, int concurrency) {
  GatewayConnection& connection = *session.connection;
  std::map<std::string, int> pending;
  std::size_t next = 0;
  auto deadline = Clock::now() + settings_.request_timeout;
  bool broken = false;
  while ((next < requests.size() && !broken) || !pending.empty()) {
    while (!broken && next < requests.size() && static_cast<int>(pending.size()) < concurrency) {
      // A batch is one frame carrying several ids: its later elements have no frame of their own.
      std::size_t end = next + 1;
      while (end < requests.size() && requests[end].frame.empty()) ++end;
      transcript_.log(session.name, '>', requests[next].frame);
      for (std::size_t i = next; i < end; ++i) pending[requests[i].id_key] = requests[i].call_index;
      if (!connection.send(requests[next].frame, true)) {
        transcript_.event({session.name, "", "could not send to the gateway " + connection.exit_description()});
        broken = true;
      }
      next = end;
    }
    if (pending.empty()) break;
    auto line = connection.receive(until(deadline));
    if (!line) {
      settle_http_refusal(session, connection, pending);
      break;  // timeout or EOF: what is still pending is lost
    }
    const std::size_t before = pending.size();
    handle_incoming(session, connection, *line, &pending);
    if (pending.size() < before) deadline = Clock::now() + settings_.request_timeout;
  }
}

void ScenarioContext::exchange_parallel(HarnessSession& session, std::vector<PendingRequest>& requests, int concurrency) {
  std::atomic<std::size_t> next{0};
  const int workers = std::min<int>(concurrency, static_cast<int>(requests.size()));
  std::vector<std::unique_ptr<GatewayConnection>> forks;
  for (int i = 0; i < workers; ++i) forks.push_back(session.connection->fork());
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&, i] {
      GatewayConnection& connection = *forks[static_cast<std::size_t>(i)];
      for (std::size_t index = next++; index < requests.size(); index = next++) {
        if (requests[index].frame.empty()) continue;  // sent with its batch
        std::map<std::string, int> pending;
        for (std::size_t j = index; j < requests.size() && (j == index || requests[j].frame.empty()); ++j) {
          pending[requests[j].id_key] = requests[j].call_index;
        }
        transcript_.log(session.name, '>', requests[index].frame);
        if (!connection.send(requests[index].frame, true)) {
          transcript_.event({session.name, "", "an HTTP request to the gateway got no answer"});
          continue;
        }
        while (auto message = connection.receive(std::chrono::milliseconds(0))) {
          handle_incoming(session, connection, *message, &pending);
        }
        settle_http_refusal(session, connection, pending);
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

std::vector<std::string> ScenarioContext::send_and_collect(HarnessSession& session, const std::string& bytes, bool newline,
                                                           std::chrono::milliseconds window, const std::string& until_id_key) {
  std::vector<std::string> answers;
  if (!session.connection) return answers;
  GatewayConnection& connection = *session.connection;
  transcript_.log(session.name, '>', bytes);
  remember_raw_ids(bytes);
  if (!connection.send(bytes, newline)) return answers;
  const auto deadline = Clock::now() + window;
  while (true) {
    auto line = connection.receive(until(deadline));
    if (!line) break;
    handle_incoming(session, connection, *line, nullptr);
    answers.push_back(*line);
    Json parsed = parse_lenient(*line);
    const bool is_answer = parsed.is_array() || (parsed.is_object() && !parsed.contains("method"));
    if (is_answer && (until_id_key.empty() || (parsed.is_object() && parsed.value("id", Json()).dump() == until_id_key))) {
      break;
    }
  }
  return answers;
}

}  // namespace gatecrash::harness

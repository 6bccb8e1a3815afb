// harness/steps.cc — what each step kind does, and how its keys are checked when a scenario loads.
#include "harness/steps.h"

#include "harness/base64.h"

#include <algorithm>
#include <thread>

#include "harness/scenario.h"
#include "harness/scenario_context.h"

namespace gatecrash::harness {
namespace {

using Json = nlohmann::json;

constexpr int kMaxRepeat = 10'000;
constexpr int kMaxConcurrency = 256;
constexpr std::int64_t kMaxWaitMs = 120'000;
constexpr std::int64_t kMaxFillBytes = 64LL * 1024 * 1024;
constexpr std::chrono::milliseconds kSilenceWindow{500};  // how long "no answer" is waited for

std::string check_int(const Json& spec, const char* key, std::int64_t low, std::int64_t high) {
  if (!spec.contains(key)) return "";
  const Json& value = spec[key];
  if (!value.is_number_integer() || value.get<std::int64_t>() < low || value.get<std::int64_t>() > high) {
    return std::string("/") + key + " must be an integer from " + std::to_string(low) + " to " + std::to_string(high);
  }
  return "";
}

std::string check_string(const Json& spec, const char* key, bool required) {
  if (!spec.contains(key)) return required ? std::string("/") + key + " is required" : "";
  return spec[key].is_string() ? "" : std::string("/") + key + " must be a string";
}

std::string check_object(const Json& spec, const char* key) {
  if (!spec.contains(key)) return "";
  return spec[key].is_object() ? "" : std::string("/") + key + " must be an object";
}

std::string first_problem(std::initializer_list<std::string> problems) {
  for (const auto& problem : problems) {
    if (!problem.empty()) return problem;
  }
  return "";
}

std::string check_names(const Json& spec, const char* key) {
  if (!spec.contains(key)) return "";
  const Json& value = spec[key];
  if (!value.is_array() || !std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); })) {
    return std::string("/") + key + " must be an array of strings";
  }
  return "";
}

// ---- session, identity, close -------------------------------------------------------------

std::string validate_session(const Json& spec) {
  return first_problem({check_string(spec, "identity", false), check_string(spec, "protocol_version", false),
                        spec.contains("initialize") && !spec["initialize"].is_boolean() ? "/initialize must be true or false" : ""});
}

void run_session(ScenarioContext& context, const Step& step) {
  const auto& scenario = context.scenario();
  context.open_session(step.session, step.spec.value("identity", scenario.identities.front()),
                       step.spec.value("protocol_version", scenario.protocol_version), step.spec.value("initialize", true));
}

std::string validate_identity(const Json& spec) { return check_string(spec, "identity", true); }

void run_identity(ScenarioContext& context, const Step& step) {
  HarnessSession& current = context.session(step.session);
  const std::string version = current.protocol_version;
  context.open_session(step.session, step.spec["identity"].get<std::string>(), version, true);
}

std::string validate_nothing(const Json&) { return ""; }

void run_close(ScenarioContext& context, const Step& step) { context.close_session(step.session); }

// ---- call, batch, cancel ------------------------------------------------------------------

std::string validate_call_fields(const Json& spec) {
  return first_problem({check_string(spec, "tool", true), check_object(spec, "arguments"), check_object(spec, "meta"),
                        check_string(spec, "server", false)});
}

std::string validate_call(const Json& spec) {
  std::string problem = first_problem({validate_call_fields(spec), check_int(spec, "repeat", 1, kMaxRepeat),
                                       check_int(spec, "concurrency", 1, kMaxConcurrency), check_string(spec, "expect", false)});
  if (!problem.empty()) return problem;
  if (spec.contains("expect") && spec["expect"] != "forwarded" && spec["expect"] != "refused") {
    return "/expect must be \"forwarded\" or \"refused\"";
  }
  if (spec.contains("sessions")) {
    const Json& sessions = spec["sessions"];
    if (!sessions.is_array() || sessions.size() < 2 || sessions.size() > 16) return "/sessions must be an array of 2 to 16 session names";
    for (const auto& name : sessions) {
      if (!name.is_string() || name.get<std::string>().empty()) return "/sessions must be an array of 2 to 16 session names";
    }
    if (spec.contains("session")) return "/sessions and /session cannot both be given";
  }
  return "";
}

// `sessions`: the same calls from several client sessions at once, the k-th call of every session
// under the same request id (real clients each count their ids from 1): a gateway that does not
// rewrite ids per upstream routes one client's answer to another (attack P3).
void run_call_on_sessions(ScenarioContext& context, const Step& step) {
  const int repeat = step.spec.value("repeat", 1);
  const Json arguments = step.spec.value("arguments", Json::object());
  const Json meta = step.spec.value("meta", Json::object());
  const std::string expect = step.spec.value("expect", "");
  const std::string tool = step.spec["tool"].get<std::string>();
  std::vector<HarnessSession*> sessions;
  std::vector<std::vector<PendingRequest>> requests;
  for (const auto& name : step.spec["sessions"]) sessions.push_back(&context.session(name.get<std::string>()));
  for (HarnessSession* session : sessions) {
    std::vector<PendingRequest> own;
    for (int i = 0; i < repeat; ++i) {
      own.push_back(context.prepare_call(step, *session, tool, arguments, meta, expect,
                                         "s" + std::to_string(context.current_step()) + "-" + std::to_string(i + 1)));
    }
    requests.push_back(std::move(own));
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    threads.emplace_back([&, i] { context.exchange(*sessions[i], std::move(requests[i]), step.spec.value("concurrency", 1)); });
  }
  for (auto& thread : threads) thread.join();
}

void run_call(ScenarioContext& context, const Step& step) {
  if (step.spec.contains("sessions")) {
    run_call_on_sessions(context, step);
    return;
  }
  HarnessSession& session = context.session(step.session);
  const int repeat = step.spec.value("repeat", 1);
  const Json arguments = step.spec.value("arguments", Json::object());
  const Json meta = step.spec.value("meta", Json::object());
  const std::string expect = step.spec.value("expect", "");
  std::vector<PendingRequest> requests;
  for (int i = 0; i < repeat; ++i) {
    requests.push_back(context.prepare_call(step, session, step.spec["tool"].get<std::string>(), arguments, meta, expect));
  }
  context.exchange(session, std::move(requests), step.spec.value("concurrency", 1));
}

std::string validate_batch(const Json& spec) {
  if (!spec.contains("calls") || !spec["calls"].is_array() || spec["calls"].empty()) {
    return "/calls must be a non-empty array of {tool, arguments}";
  }
  for (std::size_t i = 0; i < spec["calls"].size(); ++i) {
    const Json& call = spec["calls"][i];
    if (!call.is_object()) return "/calls/" + std::to_string(i) + " must be an object";
    for (const auto& [key, value] : call.items()) {
      if (key != "tool" && key != "arguments" && key != "meta" && key != "server") {
        return "/calls/" + std::to_string(i) + "/" + key + ": unknown key";
      }
    }
    if (std::string problem = validate_call_fields(call); !problem.empty()) return "/calls/" + std::to_string(i) + problem;
  }
  return "";
}

void run_batch(ScenarioContext& context, const Step& step) {
  HarnessSession& session = context.session(step.session);
  std::vector<PendingRequest> requests;
  Json frame = Json::array();
  for (const Json& call : step.spec["calls"]) {
    Step element = step;
    element.spec = call;
    PendingRequest request = context.prepare_call(element, session, call["tool"].get<std::string>(),
                                                  call.value("arguments", Json::object()), call.value("meta", Json::object()), "");
    context.transcript().update_call(request.call_index, [](CallRecord& record) { record.in_batch = true; });
    frame.push_back(Json::parse(request.frame));
    request.frame.clear();
    requests.push_back(std::move(request));
  }
  requests.front().frame = frame.dump();
  context.exchange(session, std::move(requests), 1);
}

std::string validate_cancel(const Json& spec) {
  return first_problem({validate_call_fields(spec), check_int(spec, "wait_ms", 1, 600'000)});
}

void run_cancel(ScenarioContext& context, const Step& step) {
  HarnessSession& session = context.session(step.session);
  PendingRequest request = context.prepare_call(step, session, step.spec["tool"].get<std::string>(),
                                                step.spec.value("arguments", Json::object()), step.spec.value("meta", Json::object()), "");
  context.transcript().update_call(request.call_index, [](CallRecord& record) { record.cancelled = true; });
  const Json id = Json::parse(request.id_key);
  const Json cancel = {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"},
                       {"params", {{"requestId", id}, {"reason", "gatecrash cancel step"}}}};
  // Both frames go out back to back; an answer to a cancelled request is optional (the spec lets
  // the receiver drop it), so only a short window is waited for it.
  if (dynamic_cast<HttpConnection*>(session.connection.get()) == nullptr) {
    const auto window = step.spec.contains("wait_ms") ? std::chrono::milliseconds(step.spec["wait_ms"].get<int>()) : kSilenceWindow;
    context.send_and_collect(session, request.frame + "\n" + cancel.dump(), true, window, request.id_key);
  } else {  // one JSON value per POST: the call's answer comes before the cancel can be sent
    context.send_and_collect(session, request.frame, true, context.settings().request_timeout, request.id_key);
    context.send_and_collect(session, cancel.dump(), true, std::chrono::milliseconds(0), "");
  }
}

// ---- raw, list, notify, wait --------------------------------------------------------------

std::string validate_raw(const Json& spec) {
  const bool has_text = spec.contains("bytes");
  const bool has_base64 = spec.contains("bytes_base64");
  if (has_text == has_base64) return "needs exactly one of /bytes or /bytes_base64";
  std::string problem = first_problem({check_string(spec, "bytes", false), check_string(spec, "bytes_base64", false),
                                       check_object(spec, "fill"), check_int(spec, "expect_error", -99999, 99999),
                                       check_int(spec, "wait_ms", 1, 600'000)});
  if (!problem.empty()) return problem;
  if (has_base64 && !decode_base64(spec["bytes_base64"].get<std::string>())) return "/bytes_base64 is not base64";
  for (const char* flag : {"newline", "expect_no_response"}) {
    if (spec.contains(flag) && !spec[flag].is_boolean()) return std::string("/") + flag + " must be true or false";
  }
  if (spec.contains("fill")) {
    const Json& fill = spec["fill"];
    for (const auto& [key, value] : fill.items()) {
      if (key != "marker" && key != "text" && key != "count") return "/fill/" + key + ": unknown key";
    }
    problem = first_problem({check_string(fill, "marker", true), check_string(fill, "text", true),
                             check_int(fill, "count", 0, kMaxFillBytes)});
    if (!problem.empty()) return "/fill" + problem;
    if (!fill.contains("count")) return "/fill/count is required";
    if (fill["text"].get<std::string>().size() * fill["count"].get<std::size_t>() > static_cast<std::size_t>(kMaxFillBytes)) {
      return "/fill expands beyond 64 MiB";
    }
  }
  return "";
}

std::string raw_bytes(const Json& spec) {
  std::string bytes = spec.contains("bytes") ? spec["bytes"].get<std::string>() : *decode_base64(spec["bytes_base64"].get<std::string>());
  if (spec.contains("fill")) {
    const Json& fill = spec["fill"];
    const std::string marker = fill["marker"].get<std::string>();
    std::string filler;
    const std::string text = fill["text"].get<std::string>();
    const auto count = fill["count"].get<std::size_t>();
    filler.reserve(text.size() * count);
    for (std::size_t i = 0; i < count; ++i) filler += text;
    const auto at = bytes.find(marker);
    if (at != std::string::npos) bytes.replace(at, marker.size(), filler);
  }
  return bytes;
}

void run_raw(ScenarioContext& context, const Step& step) {
  HarnessSession& session = context.session(step.session);
  RawRecord record;
  record.step = context.current_step();
  record.session = step.session;
  record.attack = context.attack_of(step);
  const std::string bytes = raw_bytes(step.spec);
  for (char c : bytes.substr(0, 160)) record.preview += (c >= 0x20 && c < 0x7f) ? c : '.';
  if (bytes.size() > 160) record.preview += "...(" + std::to_string(bytes.size()) + " bytes)";
  if (step.spec.contains("expect_error")) record.expect_error = step.spec["expect_error"].get<int>();
  record.expect_no_response = step.spec.value("expect_no_response", false);
  auto window = record.expect_no_response ? kSilenceWindow : context.settings().request_timeout;
  if (step.spec.contains("wait_ms")) window = std::chrono::milliseconds(step.spec["wait_ms"].get<int>());
  record.answers = context.send_and_collect(session, bytes, step.spec.value("newline", true), window, "");
  record.http_status = session.connection ? session.connection->last_status() : 0;
  context.transcript().add_raw(std::move(record));
}

std::string validate_list(const Json& spec) {
  return first_problem({check_names(spec, "expect_absent"), check_names(spec, "expect_present")});
}

void run_list(ScenarioContext& context, const Step& step) {
  HarnessSession& session = context.session(step.session);
  ListRecord record;
  record.step = context.current_step();
  record.session = step.session;
  record.attack = context.attack_of(step);
  for (const char* key : {"expect_absent", "expect_present"}) {
    if (!step.spec.contains(key)) continue;
    auto& names = std::string(key) == "expect_absent" ? record.expect_absent : record.expect_present;
    for (const auto& name : step.spec[key]) names.push_back(context.exposed_name(name.get<std::string>(), ""));
  }
  Json cursor;
  for (int page = 0; page < 100; ++page) {  // bounded: a gateway that pages forever is an error
    const std::string id = context.next_request_id();
    Json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/list"}, {"params", Json::object()}};
    if (!cursor.is_null()) request["params"]["cursor"] = cursor;
    const auto answers = context.send_and_collect(session, request.dump(), true, context.settings().request_timeout, Json(id).dump());
    Json answer = answers.empty() ? Json() : Json::parse(answers.back(), nullptr, false);
    if (!answer.is_object() || !answer.contains("result") || !answer["result"].is_object()) {
      record.error = answers.empty() ? "no answer to tools/list" : "tools/list failed: " + answers.back().substr(0, 300);
      break;
    }
    for (const auto& tool : answer["result"].value("tools", Json::array())) {
      if (tool.is_object() && tool.contains("name") && tool["name"].is_string()) record.tools.push_back(tool["name"].get<std::string>());
    }
    cursor = answer["result"].value("nextCursor", Json());
    if (!cursor.is_string()) break;
    if (page == 99) record.error = "tools/list did not stop paging after 100 pages";
  }
  context.transcript().add_list(std::move(record));
}

std::string validate_notify(const Json& spec) {
  return first_problem({check_string(spec, "method", true), check_object(spec, "params")});
}

void run_notify(ScenarioContext& context, const Step& step) {
  HarnessSession& session = context.session(step.session);
  Json notification = {{"jsonrpc", "2.0"}, {"method", step.spec["method"]}};
  if (step.spec.contains("params")) notification["params"] = step.spec["params"];
  context.send_and_collect(session, notification.dump(), true, std::chrono::milliseconds(0), "");
}

std::string validate_wait(const Json& spec) {
  if (!spec.contains("ms") && !spec.contains("until_phase")) return "/ms or /until_phase is required";
  if (spec.contains("ms")) {
    if (auto problem = check_int(spec, "ms", 0, kMaxWaitMs); !problem.empty()) return problem;
  }
  if (!spec.contains("until_phase")) return "";
  const Json& phase = spec["until_phase"];
  if (!phase.is_object()) return "/until_phase must be an object {period_ms, at_ms}";
  for (const auto& [key, value] : phase.items()) {
    if (key != "period_ms" && key != "at_ms") return "/until_phase/" + key + ": unknown key (expected period_ms, at_ms)";
  }
  if (!phase.contains("period_ms") || !phase.contains("at_ms")) return "/until_phase needs period_ms and at_ms";
  if (auto problem = check_int(phase, "period_ms", 1, kMaxWaitMs); !problem.empty()) return "/until_phase" + problem;
  if (auto problem = check_int(phase, "at_ms", 0, kMaxWaitMs); !problem.empty()) return "/until_phase" + problem;
  if (phase["at_ms"].get<std::int64_t>() >= phase["period_ms"].get<std::int64_t>()) return "/until_phase/at_ms must be less than period_ms";
  return "";
}

// `ms` sleeps; `until_phase` then sleeps until the wall clock's milliseconds since the epoch,
// modulo period_ms, equal at_ms — the moment just before a calendar-aligned fixed window ends
// (floor(now / L) * L), which is where such windows let 2 x max through. Under --time-scale both
// read the shared scaled clock, the one the gateway's windows follow.
void run_wait(ScenarioContext& /*context*/, const Step& step) {
  if (step.spec.contains("ms")) {
    // Not divided by --time-scale: the whole run is then on libfaketime's scaled clock
    // (harness/main.cc), so these are already scaled milliseconds.
    std::this_thread::sleep_for(std::chrono::milliseconds(step.spec["ms"].get<std::int64_t>()));
  }
  if (step.spec.contains("until_phase")) {
    const std::int64_t period = step.spec["until_phase"]["period_ms"].get<std::int64_t>();
    const std::int64_t at = step.spec["until_phase"]["at_ms"].get<std::int64_t>();
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    const std::int64_t wait = ((at - now % period) + period) % period;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

std::string validate_mock(const Json& spec) {
  if (auto problem = check_string(spec, "server", true); !problem.empty()) return problem;
  if (!spec.contains("behaviors")) return "/behaviors is required";
  const Json& behaviors = spec["behaviors"];
  if (!behaviors.is_object() || behaviors.empty()) return "/behaviors must be a non-empty object of NAME: VALUE";
  for (const auto& [name, value] : behaviors.items()) {
    if (!value.is_string() && !value.is_number_unsigned() && !value.is_boolean())
      return "/behaviors/" + name + " must be a string, a whole number or a boolean";
  }
  return "";
}

// The mock reads its control file before each tools/call and tools/list it receives, so the
// switch takes effect from the next message that reaches it; nothing is sent here.
void run_mock(ScenarioContext& context, const Step& step) {
  context.switch_mock_behaviors(step.spec["server"].get<std::string>(), step.spec["behaviors"]);
}

}  // namespace

const std::vector<StepKind>& step_table() {
  static const std::vector<StepKind> table = {
      {"session", {"identity", "protocol_version", "initialize"}, validate_session, run_session},
      {"identity", {"identity"}, validate_identity, run_identity},
      {"close", {}, validate_nothing, run_close},
      {"call", {"tool", "arguments", "meta", "server", "repeat", "concurrency", "expect", "sessions"}, validate_call, run_call},
      {"batch", {"calls"}, validate_batch, run_batch},
      {"raw", {"bytes", "bytes_base64", "fill", "newline", "expect_error", "expect_no_response", "wait_ms"}, validate_raw, run_raw},
      {"list", {"expect_absent", "expect_present"}, validate_list, run_list},
      {"notify", {"method", "params"}, validate_notify, run_notify},
      {"cancel", {"tool", "arguments", "meta", "server", "wait_ms"}, validate_cancel, run_cancel},
      {"wait", {"ms", "until_phase"}, validate_wait, run_wait},
      {"mock", {"server", "behaviors"}, validate_mock, run_mock},
  };
  return table;
}

const StepKind* find_step_kind(std::string_view name) {
  for (const auto& kind : step_table()) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

std::string step_kind_names() {
  std::string names;
  for (const auto& kind : step_table()) names += (names.empty() ? "" : ", ") + std::string(kind.name);
  return names;
}

}  // namespace gatecrash::harness

// tests/integration-html-report.cc — the HTML reports of `run` and `audit`, rendered in headless Chromium.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/result.h"
#include "mcp/child_process.h"
#include "reports/html_report.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gatecrash::testing::TempDir;

namespace {

const std::string kScenarios = std::string(GATECRASH_SOURCE_DIR) + "/scenarios";
constexpr int kShotWidth = 1200, kShotHeight = 1600;

std::string chromium_binary() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (fs::exists(path)) return path;
  }
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// Headless Chromium on a local file: `--dump-dom` prints the DOM the browser built from the page
// (so a tag the escaping failed to neutralise shows up as an element), `--screenshot` renders it.
// Its own profile directory under `dir`, so parallel tests never share one; bounded and reaped.
struct BrowserRun {
  int exit_code = -1;
  std::string out;
};
BrowserRun run_chromium(const TempDir& dir, const std::string& page, std::vector<std::string> mode) {
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> argv = {chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                   "--no-first-run", "--disable-extensions", "--disable-background-networking",
                                   "--user-data-dir=" + dir.file("chromium-profile")};
  argv.insert(argv.end(), mode.begin(), mode.end());
  argv.push_back("file://" + page);
  auto child = gatecrash::mcp::ChildProcess::spawn({argv, {{"HOME", dir.path().string()}}, dir.file("chromium-stderr.txt"), ""});
  child->close_stdin();
  BrowserRun run;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!child->at_eof() && std::chrono::steady_clock::now() < deadline) {
    if (auto line = child->read_line(1000ms)) run.out += *line + "\n";
  }
  const auto status = child->wait_exit(10s);
  run.exit_code = status.value_or(-1);
  if (!status) child->terminate(500ms);
  return run;
}

// Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian); {0, 0} when not a PNG.
std::pair<int, int> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    return static_cast<int>((static_cast<unsigned char>(bytes[at]) << 24) | (static_cast<unsigned char>(bytes[at + 1]) << 16) |
                            (static_cast<unsigned char>(bytes[at + 2]) << 8) | static_cast<unsigned char>(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

// The screenshot of `page` and of an empty page of the same size: a rendered report has far more
// in it than blank white (measured here: blank 9 KB, a two-scenario report over 100 KB).
void expect_screenshot_shows_content(const TempDir& dir, const std::string& page) {
  const std::string size = "--window-size=" + std::to_string(kShotWidth) + "," + std::to_string(kShotHeight);
  const std::string blank_page = dir.file("blank.html");
  gatecrash::testing::write_file(blank_page, "<!DOCTYPE html><html><body></body></html>\n");
  for (const auto& [html, png] : {std::pair{page, dir.file("report.png")}, std::pair{blank_page, dir.file("blank.png")}}) {
    const auto run = run_chromium(dir, html, {size, "--screenshot=" + png});
    ASSERT_EQ(run.exit_code, 0) << run.out << gatecrash::testing::read_source_file_abs(dir.file("chromium-stderr.txt"));
  }
  const std::string shot = read_file(dir.file("report.png"));
  const std::string blank = read_file(dir.file("blank.png"));
  EXPECT_EQ(png_size(shot), std::make_pair(kShotWidth, kShotHeight));
  EXPECT_EQ(png_size(blank), std::make_pair(kShotWidth, kShotHeight));
  EXPECT_GT(shot.size(), 4 * blank.size()) << "the report rendered as (almost) nothing";
}

std::string dump_dom(const TempDir& dir, const std::string& page) {
  const auto run = run_chromium(dir, page, {"--dump-dom"});
  EXPECT_EQ(run.exit_code, 0) << gatecrash::testing::read_source_file_abs(dir.file("chromium-stderr.txt"));
  EXPECT_NE(run.out.find("</html>"), std::string::npos) << run.out.substr(0, 2000);
  return run.out;
}

#define SKIP_WITHOUT_CHROMIUM()                                                                     \
  if (chromium_binary().empty()) GTEST_SKIP() << "Debian's chromium is not installed (scripts/setup.sh installs it)"

// Text from a hostile gateway goes into the page: nothing of it may become markup.
TEST(HtmlReport, HostileTextStaysTextInTheBrowser) {
  SKIP_WITHOUT_CHROMIUM();
  using namespace gatecrash::harness;
  RunResult run;
  run.profile_name = "evil</title><script>document.title='pwned'</script>";
  run.seed = 9;
  ScenarioResult scenario;
  scenario.id = "deny/<img src=x onerror=alert(1)>";
  scenario.title = "a \"quoted\" title & more";
  scenario.attacks = {"D1"};
  scenario.status = "fail";
  scenario.verdicts = {{"forwarded", 1}, {"leaked", 1}};
  scenario.findings = {{"D1", "no-leak", scenario.id, "<script>alert('summary')</script>", 1,
                        {"ledger: {\"tool\":\"</pre><b id=injected>x</b>\"}", "\x1b[2J bell \x07 bad \xff byte"},
                        "", "gatecrash replay 'out/findings/D1 <x>.json'"}};
  scenario.timeline = {{3, "destroy_vm", CallVerdict::leaked, "alice", "main#1", "D1", "denied"},
                       {9, "destroy_vm", CallVerdict::forwarded, "alice", "main#1", "D1", "denied"}};
  scenario.caps = {{"writes", {"destroy_vm"}, 1, 60'000, "minute", "sliding", "grant"}};
  run.scenarios = {scenario};
  TempDir dir;
  const std::string page = dir.file("hostile.html");
  gatecrash::testing::write_file(page, gatecrash::reports::html_report_text(run));
  const std::string dom = dump_dom(dir, page);
  EXPECT_EQ(count_of(dom, "<script"), 0u) << dom;
  EXPECT_EQ(count_of(dom, "<img"), 0u);
  EXPECT_EQ(dom.find("id=\"injected\""), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert('summary')&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("gatecrash replay 'out/findings/D1 &lt;x&gt;.json'"), std::string::npos);
  EXPECT_NE(dom.find("<title>gatecrash run: evil&lt;/title&gt;"), std::string::npos) << dom.substr(0, 1500);
  EXPECT_EQ(count_of(dom, "<circle class=\"leaked\""), 1u);
}

// A real run through a gateway that enforces nothing: findings, the matrix and the cap timeline.
TEST(HtmlReport, ARunWithFindingsRendersItsSummaryMatrixFindingsAndTimelines) {
  SKIP_WITHOUT_CHROMIUM();
  TempDir dir;
  const auto run = gatecrash::testing::run_gatecrash(
      dir, {"run", "--gateway", kScenarios + "/profiles/passthrough.json", "--report", dir.file("report"), "--seed", "3",
            "--scenario", kScenarios + "/rate/concurrent-burst.json", "--scenario", kScenarios + "/authz/hidden-tools.json",
            "--html", dir.file("run.html")});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("html: " + dir.file("run.html")), std::string::npos) << run.out;
  const std::string html = read_file(dir.file("run.html"));
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the page runs no script";
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "nothing is fetched";
  EXPECT_EQ(html.find("https://"), std::string::npos);

  const std::string dom = dump_dom(dir, dir.file("run.html"));
  EXPECT_NE(dom.find("<h1>gatecrash run <span class=\"badge fail\">fail</span></h1>"), std::string::npos) << dom.substr(0, 3000);
  EXPECT_NE(dom.find("SUMMARY: 2 scenarios, 0 passed, 2 failed"), std::string::npos);
  // One matrix row per pattern of the attack database; R2 broken, an attack not in the run so.
  std::size_t patterns = 0;
  for (const auto& entry : fs::directory_iterator(kScenarios + "/attacks")) patterns += entry.path().extension() == ".json";
  EXPECT_EQ(count_of(dom, "<tr data-attack="), patterns);
  EXPECT_NE(dom.find("<tr data-attack=\"R2\" data-outcome=\"broken\">"), std::string::npos);
  EXPECT_NE(dom.find("<tr data-attack=\"M1\" data-outcome=\"not-run\">"), std::string::npos);
  EXPECT_EQ(count_of(dom, "<section class=\"scenario status-fail\""), 2u);
  // Every finding with its evidence and a replay command that names a file that exists.
  const std::regex replay("<code class=\"replay\">gatecrash replay ([^<]+)</code>");
  std::size_t replays = 0;
  for (std::sregex_iterator it(dom.begin(), dom.end(), replay), end; it != end; ++it, ++replays) {
    EXPECT_TRUE(fs::exists((*it)[1].str())) << (*it)[1].str();
  }
  EXPECT_GT(replays, 0u);
  EXPECT_EQ(count_of(dom, "<div class=\"finding\""), replays);
  // The burst's timeline: a cap line, and more calls through than the cap allows.
  EXPECT_GE(count_of(dom, "<svg class=\"timeline\""), 2u);
  EXPECT_GE(count_of(dom, "<path class=\"cap\""), 1u);
  EXPECT_NE(dom.find("cap 10 per minute (grant, sliding)"), std::string::npos);
  expect_screenshot_shows_content(dir, dir.file("run.html"));
}

}  // namespace

namespace {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

// The runnable bundled scenarios whose servers all serve `catalog`: what --dynamic must run.
std::size_t runnable_scenarios_of(const std::string& catalog) {
  std::size_t count = 0;
  for (const auto& file : fs::recursive_directory_iterator(kScenarios)) {
    const std::string top = fs::relative(file.path(), kScenarios).begin()->string();
    if (file.path().extension() != ".json" || top == "attacks" || top == "policies" || top == "profiles") continue;
    const auto document = read_json_file(file.path().string());
    if (!document.is_object() || document.value("status", "runnable") != "runnable") continue;
    bool all = !document["servers"].empty();
    for (const auto& server : document["servers"]) all &= server.value("catalog", "") == catalog;
    count += all ? 1 : 0;
  }
  return count;
}

std::map<std::string, nlohmann::json> trials_by_attack(const nlohmann::json& report) {
  std::map<std::string, nlohmann::json> trials;
  for (const auto& trial : report["dynamic"]["attacks"]) trials[trial["attack"].get<std::string>()] = trial;
  return trials;
}

// The hardened TrackingTime example caps every write but checks no argument types: the dynamic
// audit shows type confusion getting through, which no static check of it reports.
TEST(AuditDynamic, TheHardenedExampleLetsTypeConfusionThroughAndTheBrowserShowsIt) {
  SKIP_WITHOUT_CHROMIUM();
  TempDir dir;
  const auto run = gatecrash::testing::run_gatecrash(
      dir, {"audit", kScenarios + "/policies/trackingtime-hardened.json", "--server", "trackingtime", "--dynamic", "--seed", "5",
            "--report", dir.file("runs"), "--json", dir.file("audit.json"), "--html", dir.file("audit.html")},
      240s);
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto report = read_json_file(dir.file("audit.json"));
  ASSERT_TRUE(report.contains("dynamic")) << report.dump(1).substr(0, 2000);
  EXPECT_TRUE(report["findings"].empty()) << "statically the hardened example is clean";
  EXPECT_EQ(report["dynamic"]["scenarios"].get<std::size_t>(), runnable_scenarios_of("trackingtime"));
  const auto trials = trials_by_attack(report);
  ASSERT_TRUE(trials.contains("A15")) << report["dynamic"].dump(1);
  EXPECT_EQ(trials.at("A15")["outcome"], "not-stopped");
  EXPECT_GT(trials.at("A15")["let_through"].get<int>(), 0);
  EXPECT_NE(trials.at("A15")["evidence"][0].get<std::string>().find("create_event"), std::string::npos);
  ASSERT_TRUE(trials.contains("R9"));
  EXPECT_EQ(trials.at("R9")["outcome"], "limited") << "every create_task call is charged to a cap of the hardened policy";
  for (const auto& [attack, trial] : trials) EXPECT_TRUE(trial["gateway_findings"].empty()) << trial.dump();
  EXPECT_NE(run.out.find(report["dynamic"]["summary"].get<std::string>()), std::string::npos) << run.out;

  const std::string dom = dump_dom(dir, dir.file("audit.html"));
  EXPECT_NE(dom.find("<h1>gatecrash audit <span class=\"badge fail\">fail</span></h1>"), std::string::npos) << dom.substr(0, 3000);
  EXPECT_NE(dom.find("<tr id=\"attack-A15\" data-attack=\"A15\" data-outcome=\"not-stopped\">"), std::string::npos);
  EXPECT_EQ(count_of(dom, "<tr data-tool="), 26u) << "every TrackingTime tool, classified";
  EXPECT_EQ(count_of(dom, "<section class=\"scenario"), runnable_scenarios_of("trackingtime"));
  EXPECT_GE(count_of(dom, "<svg class=\"timeline\""), runnable_scenarios_of("trackingtime"));
  expect_screenshot_shows_content(dir, dir.file("audit.html"));
}

// With nothing capped, the same rate attacks are not stopped at all: the outcome follows the policy.
TEST(AuditDynamic, AnAllowEverythingPolicyStopsNoRateAttack) {
  TempDir dir;
  gatecrash::testing::write_file(dir.file("open.json"), R"({"version": "1", "default": "allow", "tools": {}})");
  const auto run = gatecrash::testing::run_gatecrash(dir, {"audit", dir.file("open.json"), "--server", "trackingtime", "--dynamic",
                                                           "--seed", "5", "--report", dir.file("runs"), "--json", dir.file("audit.json")},
                                                     240s);
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto trials = trials_by_attack(read_json_file(dir.file("audit.json")));
  for (const std::string attack : {"R9", "R10", "R15", "A15"}) {
    ASSERT_TRUE(trials.contains(attack)) << attack;
    EXPECT_EQ(trials.at(attack)["outcome"], "not-stopped") << trials.at(attack).dump();
  }
}

TEST(AuditDynamic, NeedsABundledCatalogAndSaysSo) {
  TempDir dir;
  gatecrash::testing::write_file(dir.file("tools.json"), R"({"tools": [{"name": "t", "inputSchema": {"type": "object"}}]})");
  gatecrash::testing::write_file(dir.file("p.json"), R"({"version": "1", "default": "deny", "tools": {}})");
  const auto run = gatecrash::testing::run_gatecrash(dir, {"audit", dir.file("p.json"), "--tools", dir.file("tools.json"), "--dynamic"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("audit.E709 --dynamic: needs --server CATALOG (the scenarios drive the bundled mock servers)"),
            std::string::npos)
      << run.err;
}

// Without --dynamic the page still has every finding and every tool.
TEST(AuditHtml, AStaticAuditListsEveryFindingAndToolInTheBrowser) {
  SKIP_WITHOUT_CHROMIUM();
  TempDir dir;
  const auto run = gatecrash::testing::run_gatecrash(dir, {"audit", kScenarios + "/policies/cloudstack-weak.json", "--server", "cloudstack",
                                                           "--json", dir.file("audit.json"), "--html", dir.file("audit.html")});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto report = read_json_file(dir.file("audit.json"));
  ASSERT_FALSE(report["findings"].empty());
  const std::string dom = dump_dom(dir, dir.file("audit.html"));
  EXPECT_EQ(count_of(dom, "<div class=\"finding\""), report["findings"].size());
  EXPECT_EQ(count_of(dom, "<tr data-tool="), report["tools"].size());
  for (const auto& finding : report["findings"]) {
    EXPECT_NE(dom.find("data-check=\"" + finding["check"].get<std::string>() + "\""), std::string::npos) << finding.dump();
    for (const auto& attack : finding["attacks"]) {
      EXPECT_NE(dom.find("data-attack=\"" + attack.get<std::string>() + "\" data-outcome=\"not-run\""), std::string::npos) << attack;
    }
  }
  EXPECT_EQ(dom.find("<section class=\"scenario"), std::string::npos) << "no scenarios ran";
}

}  // namespace

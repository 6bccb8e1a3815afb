// tests/unit-attack-database.cc — the bundled attack database and its scenarios agree, and every
// attack-database error id's exact message.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "harness/attack_database.h"
#include "harness/errors.h"
#include "test_support.h"

namespace gatecrash::harness {
namespace {

using nlohmann::json;

const std::string kScenarioDir = std::string(GATECRASH_SOURCE_DIR) + "/scenarios";
const std::string kAttackDir = kScenarioDir + "/attacks";

// The 64 ids of shared/design/attacks.md, family by family.
std::set<std::string> design_ids() {
  const std::vector<std::pair<std::string, int>> families = {
      {"R", 16}, {"A", 18}, {"M", 7}, {"P", 8}, {"S", 7}, {"E", 4}, {"X", 4}};
  std::set<std::string> ids;
  for (const auto& [letter, count] : families) {
    for (int i = 1; i <= count; ++i) ids.insert(letter + std::to_string(i));
  }
  return ids;
}

std::set<std::string> ids_of(const AttackDatabase& database) {
  std::set<std::string> ids;
  for (const AttackPattern& pattern : database.patterns) ids.insert(pattern.id);
  return ids;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// Every scenario file under scenarios/<category>/ (attacks, policies and profiles are not).
std::vector<std::filesystem::path> scenario_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kScenarioDir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const std::string category = entry.path().parent_path().filename().string();
    if (category == "attacks" || category == "policies" || category == "profiles") continue;
    files.push_back(entry.path());
  }
  return files;
}

TEST(AttackDatabase, BundledDatabaseHasEveryPatternOfTheDesign) {
  const AttackDatabase database = load_attack_database(kAttackDir);
  EXPECT_EQ(database.patterns.size(), 64u);
  EXPECT_EQ(ids_of(database), design_ids());

  // And the design document itself, when the shared folder is there, lists the same ids.
  std::ifstream design(std::string(GATECRASH_SHARED_DIR) + "/design/attacks.md");
  if (design) {
    std::set<std::string> listed;
    const std::regex row(R"(^\| ([RAMPSEX][0-9]+) \|)");
    for (std::string line; std::getline(design, line);) {
      std::smatch match;
      if (std::regex_search(line, match, row)) listed.insert(match[1]);
    }
    EXPECT_EQ(listed, design_ids());
  }
}

TEST(AttackDatabase, OrderAndLookup) {
  const AttackDatabase database = load_attack_database(kAttackDir);
  ASSERT_GE(database.patterns.size(), 10u);
  EXPECT_EQ(database.patterns[0].id, "A1");
  EXPECT_EQ(database.patterns[1].id, "A2");
  EXPECT_EQ(database.patterns[9].id, "A10");
  const AttackPattern* r2 = database.find("R2");
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->title, "Concurrent burst race");
  EXPECT_EQ(r2->category, AttackCategory::rate_cap);
  EXPECT_EQ(to_string(r2->category), "rate-cap");
  EXPECT_TRUE(r2->runnable());
  EXPECT_EQ(r2->file, kAttackDir + "/R2.json");
  EXPECT_EQ(database.find("R99"), nullptr);
  EXPECT_EQ(database.find(""), nullptr);
}

TEST(AttackDatabase, EnoughPatternsAreRunnableAndTheRestSayWhy) {
  const AttackDatabase database = load_attack_database(kAttackDir);
  int runnable = 0;
  for (const AttackPattern& pattern : database.patterns) {
    if (pattern.runnable()) {
      ++runnable;
      EXPECT_TRUE(pattern.reason.empty()) << pattern.id;
    } else {
      EXPECT_FALSE(pattern.reason.empty()) << pattern.id;
      EXPECT_TRUE(pattern.scenarios.empty()) << pattern.id << " is not-yet but lists scenarios";
    }
  }
  EXPECT_GE(runnable, 40);  // the issue asks for at least 40
}

TEST(AttackDatabase, RunnableAttacksAndScenarioFilesAgree) {
  const AttackDatabase database = load_attack_database(kAttackDir);
  // attack -> scenario: the file exists, has that id, and lists the attack.
  for (const AttackPattern& pattern : database.patterns) {
    for (const std::string& scenario : pattern.scenarios) {
      const std::string path = kScenarioDir + "/" + scenario + ".json";
      ASSERT_TRUE(std::filesystem::is_regular_file(path)) << pattern.id << ": no " << path;
      const json file = read_json(path);
      EXPECT_EQ(file.value("id", ""), scenario) << path;
      const std::vector<std::string> attacks = file.at("attacks").get<std::vector<std::string>>();
      EXPECT_NE(std::find(attacks.begin(), attacks.end(), pattern.id), attacks.end())
          << path << " does not list " << pattern.id;
    }
  }
  // scenario -> attack: every attack a scenario names is runnable and lists the scenario.
  const std::vector<std::filesystem::path> files = scenario_files();
  EXPECT_GE(files.size(), 20u);
  for (const auto& path : files) {
    const json file = read_json(path.string());
    const std::string id = file.at("id").get<std::string>();
    const std::string expected_id =
        path.parent_path().filename().string() + "/" + path.stem().string();
    EXPECT_EQ(id, expected_id) << path;
    const auto attacks = file.at("attacks").get<std::vector<std::string>>();
    EXPECT_FALSE(attacks.empty()) << path;
    for (const std::string& attack : attacks) {
      const AttackPattern* pattern = database.find(attack);
      ASSERT_NE(pattern, nullptr) << path << " names unknown attack " << attack;
      EXPECT_TRUE(pattern->runnable()) << path << " exercises not-yet attack " << attack;
      EXPECT_NE(std::find(pattern->scenarios.begin(), pattern->scenarios.end(), id),
                pattern->scenarios.end())
          << attack << " does not list " << id;
    }
  }
}

// ---- error ids, each with its exact message ------------------------------------------------

json valid_attack(const std::string& id = "R2") {
  return json{{"id", id},
              {"title", "Concurrent burst race"},
              {"category", "rate-cap"},
              {"severity", "high"},
              {"summary", "parallel calls share the last unit"},
              {"detects", {"cap"}},
              {"owasp_mcp", {"MCP02"}},
              {"mitigations", {"atomic reserve"}},
              {"applies_when", {"limits"}},
              {"scenarios", {"rate/concurrent-burst"}},
              {"status", "runnable"}};
}

class AttackDatabaseErrors : public ::testing::Test {
 protected:
  // Writes `text` as <name> in a fresh directory and returns the loader's error (what()), or
  // "<no error>"; `id` receives the error id.
  std::string error_for_text(const std::string& name, const std::string& text) {
    testing::write_file(dir_.file(name), text);
    return error_of_dir(dir_.path().string());
  }
  std::string error_for(const json& attack, const std::string& name = "R2.json") {
    return error_for_text(name, attack.dump(2));
  }
  std::string error_of_dir(const std::string& directory) {
    try {
      load_attack_database(directory);
    } catch (const HarnessError& error) {
      id_ = error.id();
      return error.what();
    }
    return "<no error>";
  }
  std::string file(const std::string& name = "R2.json") const { return dir_.file(name); }

  testing::TempDir dir_;
  std::string id_;
};

TEST_F(AttackDatabaseErrors, ValidFileLoads) {
  json attack = valid_attack();
  EXPECT_EQ(error_for(attack), "<no error>");
  attack["status"] = "not-yet";
  attack["reason"] = "needs libfaketime";
  attack["scenarios"] = json::array();
  EXPECT_EQ(error_for(attack), "<no error>");
  const AttackDatabase database = load_attack_database(dir_.path().string());
  ASSERT_EQ(database.patterns.size(), 1u);
  EXPECT_EQ(database.patterns[0].status, AttackStatus::not_yet);
  EXPECT_EQ(database.patterns[0].reason, "needs libfaketime");
  EXPECT_EQ(database.patterns[0].severity, AttackSeverity::high);
}

TEST_F(AttackDatabaseErrors, OtherFilesAndSubdirectoriesAreIgnored) {
  testing::write_file(dir_.file("README.md"), "not an attack");
  std::filesystem::create_directory(dir_.path() / "nested.json");
  EXPECT_EQ(error_for(valid_attack()), "<no error>");
}

TEST_F(AttackDatabaseErrors, E600Unreadable) {
  const std::string missing = dir_.file("missing");
  EXPECT_EQ(
      error_of_dir(missing),
      "harness.E600 " + missing + ": (root): cannot read the directory: No such file or directory");
  EXPECT_EQ(id_, "harness.E600");
}

TEST_F(AttackDatabaseErrors, E601UnknownValue) {
  json attack = valid_attack();
  attack["severity"] = "hgh";
  EXPECT_EQ(error_for(attack), "harness.E601 " + file() +
                                   ": /severity: unknown severity \"hgh\" (expected critical, "
                                   "high, medium or low)");
  EXPECT_EQ(id_, "harness.E601");

  attack = valid_attack();
  attack["category"] = "rate";
  EXPECT_EQ(error_for(attack),
            "harness.E601 " + file() +
                ": /category: unknown category \"rate\" (expected rate-cap, authorization, "
                "malformed-input, protocol, server-side, exfiltration or exhaustion)");

  attack = valid_attack();
  attack["status"] = "later";
  EXPECT_EQ(error_for(attack), "harness.E601 " + file() +
                                   ": /status: unknown status \"later\" (expected runnable or "
                                   "not-yet)");

  attack = valid_attack();
  attack["detects"] = {"cap", "ledger"};
  EXPECT_EQ(error_for(attack), "harness.E601 " + file() +
                                   ": /detects/1: unknown oracle \"ledger\" (expected no-leak, "
                                   "cap, liveness, protocol, integrity or audit)");

  attack = valid_attack();
  attack["owasp_mcp"] = {"MCP11"};
  EXPECT_EQ(error_for(attack), "harness.E601 " + file() +
                                   ": /owasp_mcp/0: unknown OWASP MCP id \"MCP11\" (expected "
                                   "MCP01 to MCP10)");
}

TEST_F(AttackDatabaseErrors, E602NotJson) {
  EXPECT_EQ(error_for_text("R2.json", "{\"id\": }"),
            "harness.E602 " + file() +
                ": (root): not JSON: at byte 7: syntax error while parsing value - unexpected "
                "'}'; expected '[', '{', or a literal");
  EXPECT_EQ(id_, "harness.E602");
}

TEST_F(AttackDatabaseErrors, E603DuplicateKey) {
  EXPECT_EQ(error_for_text("R2.json", R"({"id": "R2", "id": "R3"})"),
            "harness.E603 " + file() + ": (root): duplicate key \"id\"");
  EXPECT_EQ(id_, "harness.E603");
}

TEST_F(AttackDatabaseErrors, E604WrongType) {
  EXPECT_EQ(error_for(json::array()),
            "harness.E604 " + file() + ": (root): expected an object, got array");
  EXPECT_EQ(id_, "harness.E604");

  json attack = valid_attack();
  attack["title"] = 7;
  EXPECT_EQ(error_for(attack),
            "harness.E604 " + file() + ": /title: expected a string, got number");

  attack = valid_attack();
  attack["detects"] = "cap";
  EXPECT_EQ(error_for(attack),
            "harness.E604 " + file() + ": /detects: expected an array of strings, got string");

  attack = valid_attack();
  attack["scenarios"] = {"rate/concurrent-burst", nullptr};
  EXPECT_EQ(error_for(attack),
            "harness.E604 " + file() + ": /scenarios/1: expected a string, got null");
}

TEST_F(AttackDatabaseErrors, E605UnknownKey) {
  json attack = valid_attack();
  attack["sevrity"] = "high";
  EXPECT_EQ(error_for(attack),
            "harness.E605 " + file() +
                ": /sevrity: unknown key \"sevrity\" (expected id, title, category, severity, "
                "summary, detects, owasp_mcp, mitigations, applies_when, scenarios, status or "
                "reason)");
  EXPECT_EQ(id_, "harness.E605");

  attack = valid_attack();
  attack["a/b"] = 1;
  EXPECT_EQ(error_for(attack),
            "harness.E605 " + file() +
                ": /a~1b: unknown key \"a/b\" (expected id, title, category, severity, summary, "
                "detects, owasp_mcp, mitigations, applies_when, scenarios, status or reason)");
}

TEST_F(AttackDatabaseErrors, E606MissingKey) {
  json attack = valid_attack();
  attack.erase("summary");
  EXPECT_EQ(error_for(attack), "harness.E606 " + file() + ": (root): missing key \"summary\"");
  EXPECT_EQ(id_, "harness.E606");
}

TEST_F(AttackDatabaseErrors, E607IdNotFileName) {
  EXPECT_EQ(error_for(valid_attack("R3")),
            "harness.E607 " + file() + ": /id: \"R3\" does not match the file name \"R2.json\"");
  EXPECT_EQ(id_, "harness.E607");
}

TEST_F(AttackDatabaseErrors, E608Empty) {
  json attack = valid_attack();
  attack["title"] = "";
  EXPECT_EQ(error_for(attack), "harness.E608 " + file() + ": /title: must not be empty");
  EXPECT_EQ(id_, "harness.E608");

  attack = valid_attack();
  attack["detects"] = json::array();
  EXPECT_EQ(error_for(attack), "harness.E608 " + file() + ": /detects: must not be empty");

  attack = valid_attack();
  attack["mitigations"] = {"atomic reserve", ""};
  EXPECT_EQ(error_for(attack), "harness.E608 " + file() + ": /mitigations/1: must not be empty");
}

TEST_F(AttackDatabaseErrors, E609ReasonAndStatusDisagree) {
  json attack = valid_attack();
  attack["status"] = "not-yet";
  EXPECT_EQ(error_for(attack),
            "harness.E609 " + file() + ": (root): a not-yet attack needs a \"reason\"");
  EXPECT_EQ(id_, "harness.E609");

  attack = valid_attack();
  attack["reason"] = "because";
  EXPECT_EQ(error_for(attack),
            "harness.E609 " + file() + ": /reason: only a not-yet attack has a reason");
}

TEST_F(AttackDatabaseErrors, E610RunnableWithoutScenarios) {
  json attack = valid_attack();
  attack["scenarios"] = json::array();
  EXPECT_EQ(error_for(attack), "harness.E610 " + file() +
                                   ": /scenarios: a runnable attack lists at least one scenario");
  EXPECT_EQ(id_, "harness.E610");
}

TEST_F(AttackDatabaseErrors, E611ListedTwice) {
  json attack = valid_attack();
  attack["scenarios"] = {"rate/concurrent-burst", "rate/concurrent-burst"};
  EXPECT_EQ(error_for(attack),
            "harness.E611 " + file() + ": /scenarios/1: \"rate/concurrent-burst\" is listed twice");
  EXPECT_EQ(id_, "harness.E611");
}

TEST_F(AttackDatabaseErrors, E612MalformedId) {
  EXPECT_EQ(error_for(valid_attack("r2"), "r2.json"),
            "harness.E612 " + file("r2.json") +
                ": /id: \"r2\" is not an attack id (capital letters and a number, e.g. R2)");
  EXPECT_EQ(id_, "harness.E612");

  std::filesystem::remove(file("r2.json"));
  json attack = valid_attack();
  attack["scenarios"] = {"concurrent-burst"};
  EXPECT_EQ(error_for(attack), "harness.E612 " + file() +
                                   ": /scenarios/0: \"concurrent-burst\" is not a scenario id "
                                   "(<category>/<name>)");
}

TEST_F(AttackDatabaseErrors, E613NoAttackFiles) {
  testing::write_file(dir_.file("README.md"), "no attacks here");
  EXPECT_EQ(error_of_dir(dir_.path().string()),
            "harness.E613 " + dir_.path().string() + ": (root): no attack files (*.json)");
  EXPECT_EQ(id_, "harness.E613");
}

TEST_F(AttackDatabaseErrors, FirstProblemInIdOrderWins) {
  json broken = valid_attack("A10");
  broken["severity"] = "hgh";
  testing::write_file(dir_.file("A10.json"), broken.dump());
  json also_broken = valid_attack("A9");
  also_broken["status"] = "later";
  testing::write_file(dir_.file("A9.json"), also_broken.dump());
  EXPECT_EQ(error_of_dir(dir_.path().string()),
            "harness.E601 " + file("A9.json") +
                ": /status: unknown status \"later\" (expected runnable or not-yet)");
}

}  // namespace
}  // namespace gatecrash::harness

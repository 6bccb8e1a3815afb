// mock_servers/trackingtime_workspace.h — TrackingTime's workspace: seeded records, views.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mock_servers/seeded_random.h"

namespace gatecrash::mock::trackingtime {

// Ids are numbers, as in the TrackingTime API. Statuses are "ACTIVE" or "ARCHIVED".
struct User {
  std::int64_t id;
  std::string name, surname, email, role, status;
  double hourly_rate;
  std::vector<std::int64_t> favorite_projects;
};
struct Customer {
  std::int64_t id;
  std::string name, status;
  nlohmann::json custom_fields = nlohmann::json::object();  // custom field id (as text) -> value
};
struct Project {
  std::int64_t id;
  std::string name, status;
  std::int64_t customer_id;  // 0: none
  bool is_billable;
  double hourly_rate;
  std::vector<std::int64_t> users;
  nlohmann::json details = nlohmann::json::object();  // colour, notes, rates and other free fields
  nlohmann::json custom_fields = nlohmann::json::object();
};
struct Task {
  std::int64_t id;
  std::string name, status;
  std::int64_t project_id;  // 0: none
  std::vector<std::int64_t> users;
  bool is_billable;
  nlohmann::json details = nlohmann::json::object();  // description, due date, estimate, ...
  nlohmann::json custom_fields = nlohmann::json::object();
};
struct Event {  // a time entry; end_ms is empty while its timer runs
  std::int64_t id, user_id, task_id, project_id;
  std::int64_t start_ms;
  std::optional<std::int64_t> end_ms;
  std::string notes, event_type, timezone;
  bool is_billed;
  std::int64_t duration_s;
  nlohmann::json custom_fields = nlohmann::json::object();
};
struct EnumOption {
  std::int64_t id;
  std::string name, color;
  bool enabled;
  std::int64_t index;
};
struct CustomField {
  std::int64_t id;
  std::string name, value_type, object_class, color, notes;
  std::vector<EnumOption> options;
};
struct Timer {  // a running timer (at most one per user): an open time entry on a task
  std::int64_t task_id, event_id;
};

struct Workspace {
  std::int64_t account_id = 0;
  std::string name;
  std::int64_t me = 0;  // the caller's user id
  std::vector<User> users;
  std::vector<Customer> customers;
  std::vector<Project> projects;
  std::vector<Task> tasks;
  std::vector<Event> events;
  std::vector<CustomField> custom_fields;
  std::map<std::int64_t, Timer> timers;  // by user id
  std::int64_t next_id = 0;

  std::int64_t new_id() { return next_id++; }
  User* user(std::int64_t id);
  Customer* customer(std::int64_t id);
  Project* project(std::int64_t id);
  Task* task(std::int64_t id);
  Event* event(std::int64_t id);
  CustomField* custom_field(std::int64_t id);
};

// One workspace with 4 users (the caller first), 3 customers, 4 projects, 8 tasks, 2 custom fields
// and a dozen time entries on the working days 2025-06-02 .. 2025-06-13, all drawn from `random`.
Workspace seeded_workspace(SeededRandom& random);

// API views. Billing figures (rates) only when asked for, as the real API does.
nlohmann::json view(const Workspace& ws, const User& user, bool billing, bool custom_fields);
nlohmann::json view(const Workspace& ws, const Customer& customer);
nlohmann::json view(const Workspace& ws, const Project& project, bool billing);
nlohmann::json view(const Workspace& ws, const Task& task, bool billing, bool custom_fields);
nlohmann::json view(const Workspace& ws, const Event& event, bool custom_fields);
nlohmann::json view(const CustomField& field);

}  // namespace gatecrash::mock::trackingtime

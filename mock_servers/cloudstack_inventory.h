// mock_servers/cloudstack_inventory.h — CloudStack's resources, seeded start state, API views.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mock_servers/seeded_random.h"

namespace gatecrash::mock::cloudstack {

// Resource ids are short and stable ("vm-3", "vol-7") so scenarios can name them; async job ids
// are UUIDs, as the real server prints them.
struct Zone {
  std::string id, name;
};
struct Domain {
  std::string id, name, path, parentid;
  int level;
};
struct Account {
  std::string id, name, domainid, state;
  int accounttype;
};
struct User {
  std::string id, username, firstname, lastname, email, accountid, state;
};
struct ServiceOffering {
  std::string id, name, displaytext, domainid;
  int cpunumber, cpuspeed, memory;
  bool issystem;
};
struct DiskOffering {
  std::string id, name;
  std::int64_t disksize;
  bool iscustomized;
};
struct Template {
  std::string id, name, ostypename, filter, hypervisor;
  std::int64_t size_gb;
};
struct NetworkOffering {
  std::string id, name, guestiptype;
};
struct Network {
  std::string id, name, displaytext, zoneid, type, state, gateway, netmask, networkofferingid;
  bool isdefault;
  int next_host = 10;  // the last octet handed to the next VM
};
struct Cluster {
  std::string id, name, zoneid, hypervisor;
};
struct Host {
  std::string id, name, zoneid, clusterid, type, state, hypervisor, ipaddress;
  int cpucores, memory_gb;
};
struct StoragePool {
  std::string id, name, zoneid, clusterid, type, state;
  std::int64_t capacity_gb;
};
struct SystemVm {
  std::string id, name, zoneid, systemvmtype, state, publicip;
};
struct Vm {
  std::string id, name, displayname, zoneid, templateid, serviceofferingid, hostid, state,
      networkid, ipaddress, keypair;
  std::vector<std::string> securitygroupids;
  std::int64_t created_ms;
  bool has_userdata = false;
  bool password_reset = false;
};
struct Volume {
  std::string id, name, zoneid, type, state, virtualmachineid, diskofferingid;
  std::int64_t size_gb;
  std::optional<std::int64_t> deviceid;
  std::int64_t created_ms;
};
struct Snapshot {
  std::string id, name, volumeid, intervaltype, state;
  std::int64_t created_ms;
};
struct PortRule {  // a firewall rule on an IP or an ingress rule of a security group
  std::string id, protocol, cidrlist, usersecuritygrouplist;
  std::optional<std::int64_t> startport, endport;
};
struct PublicIp {
  std::string id, address, zoneid, networkid, state, virtualmachineid;
  bool issourcenat, isstaticnat;
  std::vector<PortRule> firewallrules;
};
struct LoadBalancerRule {
  std::string id, name, publicipid, zoneid, algorithm;
  int publicport, privateport;
};
struct SecurityGroup {
  std::string id, name, description;
  std::vector<PortRule> ingressrules;
};
struct SshKeyPair {
  std::string name, fingerprint;
};
struct Event {
  std::string id, type, level, description, state, username;
  std::int64_t created_ms;
};
struct Alert {
  std::string id, type, subject;
  std::int64_t sent_ms;
};
// jobstatus: 0 pending, 1 succeeded, 2 failed (CloudStack's convention).
struct AsyncJob {
  std::string id, cmd, instancetype, instanceid, errortext;
  int status = 0;
  std::int64_t created_ms = 0, due_ms = 0, sequence = 0;
  bool doomed = false;  // fails when due, whatever the state (the seeded small failure rate)
};

struct Inventory {
  std::vector<Zone> zones;
  std::vector<Domain> domains;
  std::vector<Account> accounts;
  std::vector<User> users;
  std::vector<ServiceOffering> service_offerings;
  std::vector<DiskOffering> disk_offerings;
  std::vector<Template> templates;
  std::vector<NetworkOffering> network_offerings;
  std::vector<Network> networks;
  std::vector<Cluster> clusters;
  std::vector<Host> hosts;
  std::vector<StoragePool> storage_pools;
  std::vector<SystemVm> system_vms;
  std::vector<Vm> vms;
  std::vector<Volume> volumes;
  std::vector<Snapshot> snapshots;
  std::vector<PublicIp> public_ips;
  std::vector<LoadBalancerRule> load_balancer_rules;
  std::vector<SecurityGroup> security_groups;
  std::vector<SshKeyPair> ssh_key_pairs;
  std::vector<Event> events;
  std::vector<Alert> alerts;
  std::vector<AsyncJob> jobs;
  std::int64_t next_id = 100;  // for resources created at runtime ("vm-100", "vol-101", ...)

  std::string new_id(const std::string& prefix) { return prefix + "-" + std::to_string(next_id++); }
};

// The start state: 2 zones, 4-6 VMs (Running or Stopped) with ROOT and some DATADISK volumes,
// networks, public IPs, security groups, accounts, users, hosts and the rest, all from `random`.
Inventory seeded_inventory(SeededRandom& random);

// Lookups by id; nullptr when absent. The pointers are valid until the next insertion or removal.
template <class Item>
Item* find_by_id(std::vector<Item>& items, const std::string& id) {
  for (Item& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

// Appends an audit event (list_events shows them).
void log_event(Inventory& inventory, const std::string& type, const std::string& level,
               const std::string& description, const std::string& state, std::int64_t at_ms);

// CloudStack API views (field names as listVirtualMachines & co. return them).
std::string cloudstack_time(std::int64_t ms);  // "2025-06-02T09:15:00+0000"
nlohmann::json view(const Inventory& inventory, const Vm& vm);
nlohmann::json view(const Inventory& inventory, const Volume& volume);
nlohmann::json view(const Inventory& inventory, const PublicIp& ip);
nlohmann::json view(const PortRule& rule);
nlohmann::json view(const SecurityGroup& group);
nlohmann::json view(const Event& event);
nlohmann::json view(const AsyncJob& job);

// The inventory's start date; seeded resources were created in the weeks before it.
std::int64_t inventory_epoch_ms();

}  // namespace gatecrash::mock::cloudstack

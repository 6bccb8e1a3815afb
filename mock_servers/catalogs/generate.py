#!/usr/bin/env python3
"""Writes the five mock catalog files (MCP Tool lists) from shared/reference/catalogs.json.

Usage: generate.py PATH/TO/catalogs.json [OUTPUT_DIR]   (OUTPUT_DIR defaults to this script's folder)

Names, parameter names, JSON types, required flags and enums are copied from catalogs.json
exactly; descriptions are our own wording (DESCRIPTIONS below), never the upstream text. Nested
object shapes come from the parameter notes ("object shape: {...}") or, for the prose-only
Prospectio models, from PROSPECTIO_SHAPES. The script fails loudly when the reference changes in a
way this table does not cover, so the files never drift silently.
"""
import json
import os
import re
import sys

# catalog file name -> (server name in catalogs.json, serverInfo the mock announces, tool count)
SERVERS = {
    "prometheus": ("Prometheus MCP Server (AWS Labs)",
                   {"name": "awslabs-prometheus-mcp-server", "version": "0.2.20"}, 6),
    "cloudstack": ("CloudStack MCP Server",
                   {"name": "cloudstack-mcp-server", "version": "1.0.0"}, 45),
    "trackingtime": ("TrackingTime MCP Server",
                     {"name": "trackingtime-mcp-server", "version": "1.0.2"}, 26),
    "prospectio": ("Prospectio MCP API",
                   {"name": "Prospectio MCP", "version": "1.0.0"}, 12),
    "mock-mcp": ("Mock MCP (mock-mcp adapter)",
                 {"name": "mock-mcp-adapter", "version": "0.5.1"}, 6),
}

# Tool class -> MCP ToolAnnotations (documented in mock_servers/README.md).
ANNOTATIONS = {
    "read": {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True,
             "openWorldHint": False},
    "write": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False,
              "openWorldHint": False},
    "destructive": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False,
                    "openWorldHint": False},
    "execute": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False,
                "openWorldHint": True},
}

DESCRIPTIONS = {
    "prometheus": {
        "ExecuteQuery": "Evaluates one PromQL expression at a single point in time against an "
                        "Amazon Managed Prometheus workspace and returns the resulting vector or "
                        "scalar.",
        "ExecuteRangeQuery": "Evaluates a PromQL expression over a window from start to end at a "
                             "fixed step and returns the samples as a matrix.",
        "ListMetrics": "Returns all metric names the workspace knows, in alphabetical order.",
        "GetServerInfo": "Reports the Prometheus endpoint, AWS region, credentials profile and "
                         "SigV4 signing service the server would use.",
        "GetAvailableWorkspaces": "Lists the Amazon Managed Prometheus workspaces of a region "
                                  "(alias, status, endpoint) and marks the one configured at "
                                  "startup.",
        "get_job_status": "EXTRA: not a tool of the real Prometheus server; added only to match "
                          "policy-site listings. Reports the state of a background job by ID "
                          "(pending, succeeded, failed or not_found).",
    },
    "cloudstack": {
        "list_virtual_machines": "Lists virtual machines; can narrow by zone, state or a search "
                                 "keyword.",
        "get_virtual_machine": "Shows the full details of a single virtual machine.",
        "start_virtual_machine": "Boots a stopped virtual machine (asynchronous; prints a job ID).",
        "stop_virtual_machine": "Shuts a virtual machine down, optionally forcing it off "
                                "(asynchronous; prints a job ID).",
        "reboot_virtual_machine": "Restarts a running virtual machine (asynchronous; prints a "
                                  "job ID).",
        "destroy_virtual_machine": "Destroys a virtual machine, stopping it first when it is "
                                   "running; with expunge the machine is removed for good.",
        "deploy_virtual_machine": "Creates and boots a new virtual machine in a zone from a "
                                  "template and a compute offering, with optional networks, "
                                  "security groups, SSH key pair and user data.",
        "scale_virtual_machine": "Moves a virtual machine to another compute offering (CPU and "
                                 "memory) while keeping it in place.",
        "migrate_virtual_machine": "Live-moves a virtual machine to a different hypervisor host "
                                   "(administrator operation).",
        "reset_password_virtual_machine": "Generates a new guest operating system password for a "
                                          "virtual machine.",
        "change_service_offering_virtual_machine": "Assigns a different compute offering to a "
                                                   "stopped virtual machine.",
        "list_virtual_machine_metrics": "Reports CPU, memory, network and disk usage figures for "
                                        "virtual machines.",
        "list_volumes": "Lists disk volumes; can narrow by virtual machine, zone or volume type "
                        "(ROOT or DATADISK).",
        "create_volume": "Allocates a new data disk in a zone from a disk offering.",
        "attach_volume": "Connects a data volume to a virtual machine.",
        "detach_volume": "Disconnects a data volume from its virtual machine.",
        "resize_volume": "Grows a volume, or shrinks it when explicitly allowed.",
        "create_snapshot": "Takes a point-in-time snapshot of a volume.",
        "list_snapshots": "Shows the snapshots taken of volumes, filtered by volume or by schedule type if asked.",
        "list_networks": "Lists guest networks; can narrow by zone, network type or default "
                         "flag.",
        "create_network": "Sets up a new guest network in a zone, based on a network offering.",
        "list_public_ip_addresses": "Lists public IP addresses (only allocated ones unless told "
                                    "otherwise).",
        "associate_ip_address": "Acquires an additional public IP address for a zone, network or "
                                "VPC.",
        "enable_static_nat": "Binds a public IP address one-to-one to a virtual machine.",
        "create_firewall_rule": "Opens a protocol and port range on a public IP address for the "
                                "given source CIDRs.",
        "list_load_balancer_rules": "Shows the load balancing rules, filtered by public IP or by zone if asked.",
        "list_events": "Lists audit events; can narrow by level, event type and date range.",
        "list_alerts": "Lists system alerts, optionally of one type.",
        "list_capacity": "Reports used versus total capacity per resource type, optionally per "
                         "zone.",
        "list_async_jobs": "Lists asynchronous jobs with their command, status, creation time and "
                           "target; the way to follow up the job IDs other tools print.",
        "list_usage_records": "Returns billing usage records between two dates (administrator).",
        "list_zones": "Shows the availability zones of the cloud.",
        "list_templates": "Lists virtual machine templates for a template filter, optionally by "
                          "zone or hypervisor.",
        "list_accounts": "Shows the accounts of the cloud, filtered by domain, state or account type if asked.",
        "list_users": "Lists users with their account, domain, state and e-mail address.",
        "list_domains": "Returns the account domains, optionally only one level or one name.",
        "list_hosts": "Shows the hypervisor hosts of the cloud; an administrator view.",
        "list_clusters": "Shows the clusters hosts are grouped in; an administrator view.",
        "list_storage_pools": "Shows the primary storage pools volumes live on; an administrator view.",
        "list_system_vms": "Lists system virtual machines such as console proxies and secondary "
                           "storage VMs.",
        "list_service_offerings": "Shows the compute offerings (CPU and memory sizes) a virtual machine can use.",
        "list_ssh_key_pairs": "Lists registered SSH key pairs; can narrow by name or fingerprint.",
        "create_ssh_key_pair": "Has the cloud generate a new SSH key pair and returns its "
                               "fingerprint together with the private key.",
        "list_security_groups": "Lists security groups; can narrow by name or virtual machine.",
        "create_security_group_rule": "Adds an inbound rule (protocol, ports, CIDRs or other "
                                      "groups) to a security group.",
    },
    "trackingtime": {
        "get_me": "Returns the profile of the authenticated user, including the user ID and "
                  "default workspace.",
        "list_workspaces": "Lists the workspaces the caller is a member of and which one is "
                           "selected.",
        "list_events": "Lists time entries between two dates, by default the caller's own; can "
                       "filter by user, project, customer, task or the whole company, with paging "
                       "and ordering.",
        "list_company_events": "Lists the time entries of everyone in the workspace between two "
                               "dates.",
        "get_event": "Shows one time entry.",
        "list_users": "Lists workspace members, optionally including archived members, billing "
                      "rates and custom fields.",
        "get_user": "Shows one workspace member.",
        "list_user_tasks": "Lists a user's tasks grouped by project, with filtering, sorting and "
                           "paging.",
        "list_user_projects": "Lists the projects a user is assigned to.",
        "list_user_trackables": "Returns what a user may log time against (projects, and tasks if asked), optionally just the favourites.",
        "list_projects": "Lists projects (all, active or archived).",
        "list_tasks": "Returns the tasks of the workspace, or of one project, by status.",
        "create_task": "Makes a new task, in a project if given, with assignees, custom field values and a billable flag.",
        "get_task": "Shows one task with its custom fields.",
        "update_task": "Modifies a task's description, due date, project or service, assignees, estimate, billing and custom field values.",
        "create_customer": "Adds a customer, optionally with custom field values.",
        "update_customer": "Gives a customer a new name or new custom field values.",
        "create_project": "Makes a new project, for a customer if given, with visibility, estimate and custom field values.",
        "update_project": "Changes a project: name, colour, delivery date, customer or service, "
                          "notes, estimate and billing terms.",
        "create_event": "Records a time entry from start to end in a time zone, for a task or project if given; can repeat on a schedule.",
        "update_event": "Changes a time entry: times, notes, task or project, owner and billed "
                        "flag.",
        "track_task": "Starts a running timer on a task given by ID or by task and project "
                      "names (missing ones are created).",
        "stop_task": "Stops the running timer of a task and records the time entry.",
        "create_custom_field": "Adds a custom field definition to one kind of record: time entries, tasks, projects, users or customers.",
        "create_enum_option": "Adds a choice to an existing enumeration custom field.",
        "list_customers": "Lists customers (all, active or archived).",
    },
    "prospectio": {
        "get_leads": "Returns one page of stored leads of a given type (companies, jobs, contacts "
                     "or combined leads); check these before searching for new ones.",
        "insert_leads": "Starts a background search for job postings in a country matching "
                        "keywords, scores them against the profile, enriches contacts and stores "
                        "new leads; returns a task ID.",
        "get_task_status": "Reports the status, progress and any error of a background task.",
        "get_running_tasks": "Shows the background tasks that have not finished yet, optionally only those of one type.",
        "generate_campaign": "Starts a background task that writes one personalised outreach "
                             "message for every contact not yet messaged and saves them as a "
                             "named campaign; returns a task ID.",
        "get_campaign_result": "Fetches what a finished campaign task produced: its counts and every message it wrote.",
        "get_campaigns": "Shows the campaigns from newest to oldest with their status and how many messages succeeded or failed.",
        "get_campaign_by_id": "Looks up one campaign and its status and figures.",
        "get_campaign_messages": "Returns one page of a campaign's messages (contact, subject, "
                                 "body).",
        "get_new_contacts": "Returns one page of contacts that have never received a message.",
        "upsert_profile": "Saves the user profile (identity, contact details, experience, education, skills), replacing any earlier one; lead search and message writing follow it.",
        "get_profile": "Returns the stored user profile; call this first.",
    },
    "mock-mcp": {
        "get_status": "Reports on each mock daemon found: whether it is healthy, its version, process ID and uptime, and how many runs and pending or claimed batches it has.",
        "list_runs": "Shows, per project, the test runs attached to each daemon: run ID, process ID, working directory, start time, waiting batches and test file and name.",
        "claim_next_batch": "Reserves the oldest waiting batch of captured HTTP requests (from one run if given) for a limited time and hands back its batchId, claimToken and requests.",
        "get_batch": "Looks at one batch (status, run, requests) without reserving it.",
        "provide_batch_mock_data": "Answers a claimed batch with exactly one mock response per "
                                   "request (data plus optional status, headers and delay).",
        "release_batch": "Returns a claimed batch to the queue unanswered, optionally giving a "
                         "reason.",
    },
}

# Prospectio's Pydantic models, whose shapes catalogs.json gives in prose (notes checked below).
NULLABLE_STRING = {"type": ["string", "null"]}
PROSPECTIO_SHAPES = {
    ("insert_leads", "request"): {
        "notes_start": "object shape: {source: string (req;",
        "schema": {
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "location": {"type": "string"},
                "job_params": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["source", "location", "job_params"],
        },
    },
    ("generate_campaign", "request"): {
        "notes_start": "object shape: {name: string (req, 1-255 chars)",
        "schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": {"type": ["string", "null"], "maxLength": 1000},
            },
            "required": ["name"],
        },
    },
    ("upsert_profile", "profile"): {
        "notes_start": "object shape (all optional): full_name, email, phone",
        "schema": {
            "type": "object",
            "properties": {
                **{k: NULLABLE_STRING for k in
                   ["full_name", "email", "phone", "job_title", "location", "bio"]},
                "years_of_experience": {"type": ["integer", "null"]},
                "work_experience": {"type": "array", "items": {"type": "object", "properties": {
                    k: NULLABLE_STRING for k in
                    ["position", "company", "start_date", "end_date", "description"]}}},
                "education": {"type": "array", "items": {"type": "object", "properties": {
                    k: NULLABLE_STRING for k in
                    ["institution", "degree", "field_of_study", "start_date", "end_date"]}}},
                "certifications": {"type": "array", "items": {"type": "object", "properties": {
                    k: NULLABLE_STRING for k in
                    ["name", "issuing_organization", "issue_date", "expiration_date"]}}},
                "languages": {"type": "array", "items": {"type": "object", "properties": {
                    k: NULLABLE_STRING for k in ["name", "proficiency"]}}},
                "technos": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

SHAPE_FIELD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)(\??)\s*:\s*([a-z|]+)\s*")


def die(message):
    sys.exit("generate.py: " + message)


def json_type(name):
    """A catalog type word ('string', 'any', 'string|number') as a JSON Schema fragment."""
    if name == "any":
        return {}
    parts = name.split("|")
    for part in parts:
        if part not in ("string", "number", "integer", "boolean", "object", "null"):
            die("unknown type word %r in an object shape" % part)
    return {"type": parts[0] if len(parts) == 1 else parts}


def shape_from_notes(tool, param):
    """Parses 'object shape: {a:string, b?:number}' from a parameter's notes."""
    notes = param.get("notes", "")
    match = re.search(r"object shape: \{([^}]*)\}", notes)
    if not match:
        die("%s.%s: type %s but no 'object shape: {...}' in notes" % (tool, param["name"],
                                                                      param["type"]))
    properties, required = {}, []
    for field in match.group(1).split(","):
        parsed = SHAPE_FIELD.fullmatch(field)
        if not parsed:
            die("%s.%s: cannot read shape field %r" % (tool, param["name"], field))
        name, optional, type_word = parsed.groups()
        properties[name] = json_type(type_word)
        if not optional:
            required.append(name)
    shape = {"type": "object", "properties": properties}
    if required:
        shape["required"] = required
    return shape


def object_schema(catalog, tool, param):
    shaped = PROSPECTIO_SHAPES.get((tool, param["name"])) if catalog == "prospectio" else None
    if shaped:
        if not param.get("notes", "").startswith(shaped["notes_start"]):
            die("%s.%s: notes changed; review PROSPECTIO_SHAPES" % (tool, param["name"]))
        return json.loads(json.dumps(shaped["schema"]))  # a private copy
    return shape_from_notes(tool, param)


BOUND = re.compile(r"minimum (\d+)(?:, maximum (\d+))?")


def property_schema(catalog, tool, param):
    kind = param["type"]
    if kind in ("string", "number", "integer", "boolean"):
        schema = {"type": kind}
    elif kind == "number|string":
        schema = {"type": ["number", "string"]}
    elif kind == "object":
        schema = object_schema(catalog, tool, param)
    elif kind == "array<object>":
        schema = {"type": "array", "items": object_schema(catalog, tool, param)}
    elif kind == "array<object>|string":
        schema = {"type": ["array", "string"], "items": object_schema(catalog, tool, param)}
    else:
        die("%s.%s: unknown parameter type %r" % (tool, param["name"], kind))
    if "enum" in param:
        schema["enum"] = list(param["enum"])
    if not param["required"] and "nullable" in param.get("notes", ""):
        schema["type"] = [schema["type"], "null"]  # FastMCP: Optional[T] = None
    if catalog == "prospectio":
        bound = BOUND.search(param.get("notes", ""))  # FastAPI ge/le, written out in the notes
        if bound:
            schema["minimum"] = int(bound.group(1))
            if bound.group(2):
                schema["maximum"] = int(bound.group(2))
    return schema


def tool_object(catalog, tool):
    properties = {p["name"]: property_schema(catalog, tool["name"], p) for p in tool["params"]}
    input_schema = {"type": "object", "properties": properties,
                    "required": [p["name"] for p in tool["params"] if p["required"]]}
    if catalog == "cloudstack":
        input_schema["additionalProperties"] = False
    description = DESCRIPTIONS[catalog].get(tool["name"])
    if description is None:
        die("%s: no description for tool %s" % (catalog, tool["name"]))
    return {"name": tool["name"], "description": description, "inputSchema": input_schema,
            "annotations": dict(ANNOTATIONS[tool["class"]])}


def main(argv):
    if len(argv) not in (2, 3):
        die("usage: generate.py PATH/TO/catalogs.json [OUTPUT_DIR]")
    with open(argv[1], encoding="utf-8") as f:
        reference = json.load(f)
    out_dir = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    by_name = {s["name"]: s for s in reference["servers"]}
    for catalog, (server_name, server_info, expected_count) in SERVERS.items():
        server = by_name.get(server_name)
        if server is None:
            die("server %r is not in %s" % (server_name, argv[1]))
        tools = list(server["tools"])
        if catalog == "prometheus":
            tools.append(server["get_job_status_finding"]["definition_if_mocked"])
        if len(tools) != expected_count:
            die("%s: %d tools, expected %d" % (catalog, len(tools), expected_count))
        unused = set(DESCRIPTIONS[catalog]) - {t["name"] for t in tools}
        if unused:
            die("%s: descriptions for unknown tools %s" % (catalog, sorted(unused)))
        document = {"server": server_info, "tools": [tool_object(catalog, t) for t in tools]}
        path = os.path.join(out_dir, catalog + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=True)
            f.write("\n")
        print("wrote %s (%d tools)" % (path, len(tools)))


if __name__ == "__main__":
    main(sys.argv)

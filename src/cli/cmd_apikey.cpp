// `globalmart apikey create|list|revoke`: the HTTP API's keys (docs/security.md).

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "common/logging.h"
#include "server/auth/api_key_store.h"
#include "store/database.h"
#include "store/migrations.h"

namespace gm::cli {
namespace {

constexpr char kApiKeyFooter[] =
    "Keys are sent as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Only a salted\n"
    "SHA-256 hash is stored: a key is shown once, when it is created. Scopes: read (GET\n"
    "routes) and admin (every route). A revoked key stops working within auth.cache_ttl\n"
    "(1s). See docs/security.md.";

// Opens the database (embedded or --pg), brings the schema up to date and leases one
// connection for `run`. Returns the exit code.
template <typename Fn>
int WithConnection(const CliContext& ctx, const FlagOverrides& flags, Fn run) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags);
  if (!loaded) return kExitUsage;
  if (Status s = InitLogging(loaded->config.log.level, loaded->config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }
  store::Database db(loaded->config.store);
  if (Status s = db.Start(); !s.ok()) return ReportFailure(s);
  Result<store::ConnectionPool::Lease> lease = db.pool().Acquire();
  if (!lease.ok()) return ReportFailure(lease.status());
  Result<std::vector<store::Migration>> applied =
      store::Migrate(**lease, store::BuiltinMigrations());
  if (!applied.ok()) return ReportFailure(applied.status());
  return run(**lease);
}

std::string When(std::optional<Micros> t) { return t ? FormatTimestamp(*t) : "-"; }

int RunCreate(const CliContext& ctx, const FlagOverrides& flags, const std::string& name,
              const std::string& scope_text) {
  // Usage errors first, before any database work.
  Result<server::Scope> scope = server::ParseScope(scope_text);
  if (!scope.ok()) return ReportFailure(InvalidArgument("--scope: " + scope.status().message()));
  if (Status s = server::ValidateKeyName(name); !s.ok()) {
    return ReportFailure(InvalidArgument("--name: " + s.message()));
  }
  return WithConnection(ctx, flags, [&](store::Connection& conn) {
    Result<server::GeneratedApiKey> key = server::CreateApiKey(conn, name, *scope);
    if (!key.ok()) return ReportFailure(key.status());
    std::cerr << "created API key '" << name << "' (scope " << server::ScopeName(*scope) << ", id "
              << key->key_id << "); it is shown only now — store it safely:\n";
    std::cout << key->text << std::endl;
    return kExitOk;
  });
}

int RunList(const CliContext& ctx, const FlagOverrides& flags) {
  return WithConnection(ctx, flags, [&](store::Connection& conn) {
    Result<std::vector<server::ApiKeyInfo>> keys = server::ListApiKeys(conn);
    if (!keys.ok()) return ReportFailure(keys.status());
    std::printf("%-24s %-6s %-16s %-8s %-24s %-24s %s\n", "NAME", "SCOPE", "ID", "STATUS",
                "CREATED", "LAST USED", "REVOKED");
    for (const server::ApiKeyInfo& k : *keys) {
      std::printf("%-24s %-6s %-16s %-8s %-24s %-24s %s\n", k.name.c_str(),
                  std::string(server::ScopeName(k.scope)).c_str(), k.key_id.c_str(),
                  k.revoked_at ? "revoked" : "active", FormatTimestamp(k.created_at).c_str(),
                  When(k.last_used_at).c_str(), When(k.revoked_at).c_str());
    }
    if (keys->empty()) std::cerr << "no API keys (create one with `globalmart apikey create`)\n";
    return kExitOk;
  });
}

int RunRevoke(const CliContext& ctx, const FlagOverrides& flags, const std::string& name) {
  if (Status s = server::ValidateKeyName(name); !s.ok()) return ReportFailure(s);
  return WithConnection(ctx, flags, [&](store::Connection& conn) {
    Result<bool> revoked = server::RevokeApiKey(conn, name);
    if (!revoked.ok()) return ReportFailure(revoked.status());
    std::cout << (*revoked ? "revoked API key '" : "API key was already revoked: '") << name
              << "'\n";
    return kExitOk;
  });
}

}  // namespace

void RegisterApiKeyCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("apikey", "API keys of the HTTP server: create, list, revoke");
  cmd->require_subcommand(1);
  cmd->footer(kApiKeyFooter);
  auto flags = std::make_shared<FlagOverrides>();

  auto name = std::make_shared<std::string>();
  auto scope = std::make_shared<std::string>("read");
  CLI::App* create = cmd->add_subcommand(
      "create", "Create a key and print it once (stdout); only its hash is stored");
  create->add_option("--name", *name, "Who or what holds the key (unique; A-Z a-z 0-9 . _ -)")
      ->required();
  create->add_option("--scope", *scope, "read (GET routes) or admin (every route)")
      ->capture_default_str();
  AddStoreFlags(create, *flags);
  create->callback(
      [&ctx, flags, name, scope] { ctx.exit_code = RunCreate(ctx, *flags, *name, *scope); });

  CLI::App* list = cmd->add_subcommand(
      "list", "List every key: name, scope, id, status, created, last used (never secrets)");
  AddStoreFlags(list, *flags);
  list->callback([&ctx, flags] { ctx.exit_code = RunList(ctx, *flags); });

  auto revoke_name = std::make_shared<std::string>();
  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke the key called NAME (for good)");
  revoke->add_option("name", *revoke_name, "The key's name")->required();
  AddStoreFlags(revoke, *flags);
  revoke->callback(
      [&ctx, flags, revoke_name] { ctx.exit_code = RunRevoke(ctx, *flags, *revoke_name); });
}

}  // namespace gm::cli

// `globalmart eval anomalies`: how well the stored transaction_anomalies match the
// generator's ground truth (`generate --truth PATH`).
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/logging.h"
#include "store/connection.h"
#include "store/database.h"

namespace gm::cli {
namespace {

constexpr const char* kRuleTypes[] = {"high_value", "unusual_quantity", "velocity", "geo_mismatch",
                                      "amount_mismatch"};

struct EvalFlags {
  FlagOverrides store_flags;
  std::string truth;
  double min_rule_recall = 0;
};

struct Truth {
  std::set<std::string> types;  //!< rules that must flag it
  bool injected = false;
};

Result<std::map<std::string, Truth>> ReadTruth(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::kNotFound, "cannot open --truth " + path);
  std::map<std::string, Truth> truth;
  simdjson::dom::parser parser;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element doc;
    std::string_view id;
    simdjson::dom::array types;
    if (parser.parse(line).get(doc) || doc["transaction_id"].get(id) || doc["types"].get(types)) {
      return InvalidArgument(path + ":" + std::to_string(line_no) +
                             ": not a ground-truth line (transaction_id, types, injected)");
    }
    Truth& t = truth[std::string(id)];
    for (simdjson::dom::element type : types) {
      std::string_view name;
      if (!type.get(name)) t.types.insert(std::string(name));
    }
    simdjson::dom::element injected;
    t.injected = !doc["injected"].get(injected) && !injected.is_null();
  }
  return truth;
}

int RunEvalAnomalies(const CliContext& ctx, const EvalFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.store_flags);
  if (!loaded) return kExitUsage;
  if (Status s = InitLogging(loaded->config.log.level, loaded->config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }
  Result<std::map<std::string, Truth>> truth = ReadTruth(flags.truth);
  if (!truth.ok()) return ReportFailure(truth.status());

  store::Database db(loaded->config.store);
  if (Status s = db.Start(); !s.ok()) return ReportFailure(s);
  Result<store::ConnectionPool::Lease> lease = db.pool().Acquire();
  if (!lease.ok()) return ReportFailure(lease.status());
  std::map<std::string, std::set<std::string>> detected;  // transaction_id → types
  int64_t archived = 0;
  try {
    pqxx::read_transaction tx((*lease)->pqxx());
    archived = tx.exec1("SELECT count(*) FROM transactions")[0].as<int64_t>();
    for (const pqxx::row& row :
         tx.exec("SELECT transaction_id, array_to_string(anomaly_types, ',') "
                 "FROM transaction_anomalies")) {
      std::set<std::string>& types = detected[row[0].as<std::string>()];
      std::stringstream list(row[1].as<std::string>());
      for (std::string type; std::getline(list, type, ',');) types.insert(type);
    }
  } catch (const std::exception& e) {
    return ReportFailure(store::ToStatus(e, "reading transaction_anomalies"));
  }

  std::printf(
      "ground truth: %zu labelled transactions; database: %lld transactions archived, %zu "
      "anomaly rows\n\n",
      truth->size(), static_cast<long long>(archived), detected.size());
  std::printf("| detector | in truth | detected | true positives | precision | recall |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  auto has = [](const std::set<std::string>& s, const std::string& x) { return s.count(x) > 0; };
  auto ratio = [](int64_t a, int64_t b) {
    return b == 0
               ? std::string("—")
               : fmt::format("{:.1f} %", 100.0 * static_cast<double>(a) / static_cast<double>(b));
  };
  double worst_rule_recall = 1;
  for (const char* type : kRuleTypes) {
    int64_t in_truth = 0, flagged = 0, hits = 0;
    for (const auto& [id, t] : *truth) {
      if (!has(t.types, type)) continue;
      ++in_truth;
      auto it = detected.find(id);
      if (it != detected.end() && has(it->second, type)) ++hits;
    }
    for (const auto& [id, types] : detected) {
      if (has(types, type)) ++flagged;
    }
    if (in_truth > 0) {
      worst_rule_recall =
          std::min(worst_rule_recall, static_cast<double>(hits) / static_cast<double>(in_truth));
    }
    std::printf("| %s (rule) | %lld | %lld | %lld | %s | %s |\n", type,
                static_cast<long long>(in_truth), static_cast<long long>(flagged),
                static_cast<long long>(hits), ratio(hits, flagged).c_str(),
                ratio(hits, in_truth).c_str());
  }
  // The statistical detector is judged against the injected anomalies: its hits are
  // flagged transactions that carry one (or that a rule must flag).
  int64_t injected = 0, flagged = 0, hits = 0, found_injected = 0;
  for (const auto& [id, t] : *truth) {
    if (!t.injected) continue;
    ++injected;
    auto it = detected.find(id);
    if (it != detected.end() && has(it->second, "statistical")) ++found_injected;
  }
  for (const auto& [id, types] : detected) {
    if (!has(types, "statistical")) continue;
    ++flagged;
    auto it = truth->find(id);
    if (it != truth->end() && (it->second.injected || !it->second.types.empty())) ++hits;
  }
  std::printf("| statistical | %lld injected | %lld | %lld | %s | %s |\n",
              static_cast<long long>(injected), static_cast<long long>(flagged),
              static_cast<long long>(hits), ratio(hits, flagged).c_str(),
              ratio(found_injected, injected).c_str());
  std::printf("\nrule recall (worst rule): %.1f %%\n", worst_rule_recall * 100);
  if (worst_rule_recall < flags.min_rule_recall) {
    std::fprintf(stderr, "globalmart: rule recall %.3f is below --min-rule-recall %.3f\n",
                 worst_rule_recall, flags.min_rule_recall);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void RegisterEvalCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate stored results against ground truth");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* anomalies = cmd->add_subcommand(
      "anomalies",
      "Precision and recall of transaction_anomalies against the generator's ground truth "
      "(`generate --truth PATH`), per rule and for the statistical detector, as a table");
  anomalies->add_option("--truth", flags->truth, "Ground-truth JSONL written by generate --truth")
      ->required()
      ->type_name("PATH");
  anomalies
      ->add_option("--min-rule-recall", flags->min_rule_recall,
                   "Exit 1 when any rule's recall is below this fraction (e.g. 1.0)")
      ->type_name("FRACTION");
  AddStoreFlags(anomalies, flags->store_flags);
  anomalies->callback([&ctx, flags] { ctx.exit_code = RunEvalAnomalies(ctx, *flags); });
}

}  // namespace gm::cli

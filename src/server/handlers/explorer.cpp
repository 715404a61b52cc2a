// /api/v1/explorer/*: the data explorer of src/server/explorer — the allow-listed tables and
// structured queries compiled to parameterized SQL, run read-only with a statement timeout
// and a row cap. JSON by default, CSV with ?format=csv or Accept: text/csv.
#include "server/explorer/runner.h"
#include "server/internal/api.h"
#include "server/internal/list.h"

namespace gm::server {
namespace {

bool WantsCsv(const Request& req) {
  if (const std::string* f = req.Param("format")) return *f == "csv";
  const std::string_view accept = req.Header("accept");
  return accept.find("text/csv") != std::string_view::npos &&
         accept.find("application/json") == std::string_view::npos;
}

}  // namespace

void AddExplorerRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/explorer/tables", [&ctx](const Request& req) {
                return Answer([&]() -> Result<Response> {
                  if (Status s = CheckParams(req, {}, false); !s.ok()) return s;
                  Result<std::shared_ptr<const explorer::Schema>> schema = ctx.explorer->Tables();
                  if (!schema.ok()) return schema.status();
                  return Json(explorer::SchemaToJson(**schema).dump());
                });
              }});
  router.Add({"POST", "/api/v1/explorer/query",
              [&ctx](const Request& req) {
                return Answer([&]() -> Result<Response> {
                  if (Status s = CheckParams(req, {"format"}, false); !s.ok()) return s;
                  if (const std::string* f = req.Param("format");
                      f && *f != "csv" && *f != "json") {
                    return InvalidArgument("invalid format '" + *f + "': expected json or csv");
                  }
                  const std::string_view type = req.Header("content-type");
                  if (!type.empty() && type.find("application/json") == std::string_view::npos) {
                    return InvalidArgument("the query must be sent as application/json");
                  }
                  Result<explorer::Rows> rows = ctx.explorer->Query(req.body);
                  if (!rows.ok()) return rows.status();
                  Response r;
                  if (rows->more) r.AddHeader("X-More-Rows", "true");
                  if (WantsCsv(req)) {
                    r.content_type = "text/csv; charset=utf-8";
                    r.chunked = true;
                    r.chunks.push_back(explorer::RowsToCsv(*rows));
                    return r;
                  }
                  r.body = explorer::RowsToJson(*rows).dump();
                  return r;
                });
              },
              /*admin=*/true});
}

}  // namespace gm::server

// The browser side: / (landing page), /docs (Swagger UI from web/node_modules/
// swagger-ui-dist, nothing from a CDN), /static/* (web/static) and /openapi.json.
#include <fstream>
#include <sstream>

#include "server/internal/api.h"
#include "server/problem.h"

namespace gm::server {
namespace {

std::string_view ContentTypeOf(std::string_view path) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {{".html", "text/html; charset=utf-8"},
                                    {".js", "text/javascript; charset=utf-8"},
                                    {".css", "text/css; charset=utf-8"},
                                    {".json", "application/json"},
                                    {".png", "image/png"},
                                    {".svg", "image/svg+xml"},
                                    {".ico", "image/x-icon"},
                                    {".map", "application/json"},
                                    {".txt", "text/plain; charset=utf-8"}};
  for (const Type& t : kTypes) {
    if (path.ends_with(t.ext)) return t.type;
  }
  return "application/octet-stream";
}

// A relative file name that stays inside its folder: no "..", no hidden files, plain
// characters only.
bool SafeRelativePath(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  for (char c : rel) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
          c == '/')) {
      return false;
    }
  }
  return rel.find("..") == std::string_view::npos && rel.find("/.") == std::string_view::npos &&
         rel.front() != '.';
}

Response File(const std::string& dir, std::string_view rel) {
  if (!SafeRelativePath(rel)) return Problem(404, "no such file");
  const std::string path = dir + "/" + std::string(rel);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Problem(404, "no such file: " + std::string(rel));
  std::ostringstream body;
  body << in.rdbuf();
  Response r;
  r.content_type = std::string(ContentTypeOf(rel));
  r.body = body.str();
  r.AddHeader("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace

void AddWebRoutes(Router& router, ApiContext& ctx) {
  const std::string static_dir = ctx.config.web_dir + "/static";
  const std::string swagger_dir = ctx.config.web_dir + "/node_modules/swagger-ui-dist";
  router.Add({"GET", "/", [static_dir](const Request&) { return File(static_dir, "index.html"); }});
  router.Add(
      {"GET", "/docs", [static_dir](const Request&) { return File(static_dir, "docs.html"); }});
  router.Add({"GET", "/docs/*", [swagger_dir](const Request& req) {
                return File(swagger_dir, std::string_view(req.path).substr(6));
              }});
  router.Add({"GET", "/static/*", [static_dir](const Request& req) {
                return File(static_dir, std::string_view(req.path).substr(8));
              }});
  router.Add({"GET", "/openapi.json", [](const Request&) {
                Response r;
                r.body = std::string(OpenApiDocument());
                return r;
              }});
}

}  // namespace gm::server

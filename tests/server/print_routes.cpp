// Prints "METHOD path" for every route of the server's table (path patterns ending in /*
// as /{}, OpenAPI's path parameters normalised the same way by openapi_test.sh), the explorer's included, for openapi_test.sh. Opens no socket and
// no database.
#include <iostream>

#include "server/server.h"

int main() {
  gm::server::HttpServer server(gm::ServerConfig{}, "postgresql://unused@127.0.0.1:1/unused");
  server.EnableExplorer(gm::ExplorerConfig{});
  for (const auto& [method, path] : server.Routes()) {
    std::string p = path;
    if (p.ends_with("/*")) p = p.substr(0, p.size() - 1) + "{}";
    std::cout << method << " " << p << "\n";
  }
  return 0;
}

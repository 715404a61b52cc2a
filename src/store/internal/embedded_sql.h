#pragma once

// The SQL files of sql/, compiled into the binary by src/store/embed_sql.cmake so the
// program needs no files at run time. Internal to store/.

#include <span>
#include <string_view>

namespace gm::store::internal {

struct EmbeddedSqlFile {
  std::string_view name;  //!< file name, e.g. "0001_core.sql"
  std::string_view text;  //!< its exact bytes
};

//! Every sql/*.sql file, sorted by name.
std::span<const EmbeddedSqlFile> EmbeddedSqlFiles();

}  // namespace gm::store::internal

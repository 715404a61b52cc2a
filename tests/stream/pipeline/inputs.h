// The input files of pipeline_test, each with the catalog the engine is given for it: a clean
// generated stream (the seed profile, 60,000 events over 20 minutes); the same stream mutated
// deterministically (local reordering, late copies, duplicates within and beyond the dedup
// horizon, malformed lines, timestamp and number spellings, items whose category comes from
// the catalog or nowhere); a hand-built stream of window and lateness boundaries (late views,
// cart events, transactions and inventory updates among them); and the mutated and hand-built
// ones concatenated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "files_and_rows.h"

namespace gm::stream::pipeline_testing {

//! What Mutate (inputs.cpp) made besides the lines.
struct Mutation {
  std::vector<std::string> lines;
  TestCatalog products;  //!< catalog categories of some products whose items lost theirs
  int64_t malformed = 0;
};

//! A prepared input file with its catalog.
struct Input {
  std::string path;
  TestCatalog catalog;
  int64_t malformed = 0;  //!< lines Mutate made to be rejected
};

// The input files, each made on first use (ctest runs every test in its own process) in a
// temporary folder removed at exit.
class Inputs {
 public:
  static Inputs& Get();
  ~Inputs();

  //! The seed profile at 50 events per second of event time: 60,000 events in 20 minutes.
  const Input& Generated();
  const Input& Mutated();
  const Input& HandBuilt();
  //! The mutated stream (11:00–11:20), then the hand-built one (12:00).
  const Input& Combined();

 private:
  Inputs();

  std::string dir_;
  std::optional<Input> generated_, mutated_, hand_built_, combined_;
  Mutation mutation_;
};

}  // namespace gm::stream::pipeline_testing

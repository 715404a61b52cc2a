// Test helper for kafka_cli_test.sh: prints PartitionForKey(KEY, N) — where Kafka's
// murmur2 partitioner puts a key — one line per key, for the KEYs given or, without
// any, for each line read from standard input.
//
//   partition_of N [KEY...]

#include <cstdlib>
#include <iostream>
#include <string>

#include "bus/partitioner.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::atoi(argv[1]) < 1) {
    std::cerr << "usage: partition_of PARTITIONS [KEY...]  (keys from stdin if none)\n";
    return 2;
  }
  const int32_t partitions = std::atoi(argv[1]);
  if (argc > 2) {
    for (int i = 2; i < argc; ++i) {
      std::cout << gm::bus::PartitionForKey(argv[i], partitions) << '\n';
    }
    return 0;
  }
  std::ios::sync_with_stdio(false);
  std::string key;
  while (std::getline(std::cin, key)) {
    std::cout << gm::bus::PartitionForKey(key, partitions) << '\n';
  }
  return 0;
}

# Shared by the shell tests and scripts/bench.sh: `free_port` prints a loopback TCP port that
# nothing listens on, chosen at random in 10000–32767.
#
# Why that range: Linux hands out ephemeral ports (for outgoing connections, e.g. a client's
# side of a PostgreSQL or HTTP connection) from 32768–60999, so a server port picked there
# can be taken by any connection of a test running in parallel ("bind: Address already in
# use"). Below it only listeners compete, and this function skips the ones that are up.
free_port() {
  local port _
  for _ in $(seq 1 200); do
    port=$((10000 + RANDOM % 22768))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "free_port: no free port found in 10000-32767" >&2
  return 1
}

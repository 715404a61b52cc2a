# Shared by the shell tests: `check NAME CONDITION...` counts a passed or failed check,
# `contains TEXT NEEDLE` is a condition. The caller prints "$pass passed, $failures failed"
# and exits with `test $failures -eq 0`.
failures=0
pass=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
  else
    echo "FAIL: $name" >&2
    failures=$((failures + 1))
  fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

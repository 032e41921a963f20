#!/bin/bash
# Runs the libFuzzer targets of the sanitizer tree, one after the other, on
# one core each, and prints what each did.  "make fuzz" runs each for
# FUZZ_SECONDS and keeps what they find in _build/fuzz/TARGET/ for the next
# run; the "fuzz" suite of "make check" (tests/run-checks.sh) runs each for
# a few seconds from the seeds only (--fresh).
#
# usage: run-fuzz.sh [--fresh] SECONDS WORKDIR TARGET...
#
# $ASAN_TREE is the sanitizer tree with the targets built.  Each target runs
# over WORKDIR/TARGET/corpus (where it adds the inputs it finds new) and its
# seeds, tests/fuzz/corpus/TARGET/, with its dictionary and the flags of
# tests/fuzz/TARGET.options if there is one; a crash, a
# sanitizer report, a leak, a timeout or a broken invariant leaves its
# input in WORKDIR/TARGET/ and fails.  Prints one line per target with its
# executions, their rate, coverage ("cov", edges; "ft", features) and corpus
# size, then "N passed, M failed".  Exits 1 if any failed.

set -u

fresh=no
if test "${1:-}" = --fresh; then
    fresh=yes
    shift
fi
if test $# -lt 3; then
    echo "usage: $0 [--fresh] SECONDS WORKDIR TARGET..." >&2
    exit 2
fi
seconds=$1 work=$2
shift 2
: "${ASAN_TREE:?set ASAN_TREE to the sanitizer tree}"
srcdir=$(cd "$(dirname "$0")/../.." && pwd)

# UndefinedBehaviorSanitizer stops at its first report, as in OVS's tests;
# libFuzzer sets AddressSanitizer's options itself (leaks are reported).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

n_ok=0 n_fail=0
for t in "$@"; do
    prog=$ASAN_TREE/cmext/tests/fuzz/$t
    dir=$work/$t
    if test $fresh = yes; then
        rm -rf "$dir"
    fi
    mkdir -p "$dir/corpus"
    rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
    log=$dir/fuzz.log
    # A target's own flags, if any: tests/fuzz/TARGET.options.
    opts=
    if test -f "$srcdir/tests/fuzz/$t.options"; then
        opts=$(sed -e 's/#.*//' "$srcdir/tests/fuzz/$t.options")
    fi
    # shellcheck disable=SC2086
    "$prog" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
        -dict="$srcdir/tests/fuzz/$t.dict" -artifact_prefix="$dir/" $opts \
        "$dir/corpus" "$srcdir/tests/fuzz/corpus/$t" > "$log" 2>&1
    rc=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$log" \
           | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    artifacts=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
                "$dir"/oom-* 2>/dev/null)
    if test $rc = 0 && test -z "$artifacts" \
            && grep -q '^#[0-9]*[[:space:]]*INITED' "$log"; then
        n_ok=$((n_ok + 1))
        printf '%-13s ok: %s execs (%s/s), cov %s, ft %s, corpus %s\n' \
            "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
            "${corp:-?}"
    else
        n_fail=$((n_fail + 1))
        printf '%-13s FAILED (exit %s) after %s execs: %s\n' "$t" "$rc" \
            "${execs:-?}" "${artifacts:-no input saved}"
        grep -E 'invariant broken|ERROR:|SUMMARY:|runtime error' "$log" \
            | head -5 | sed 's/^/    /'
        echo "    log: $log"
    fi
done
echo "$n_ok passed, $n_fail failed"
test $n_fail = 0

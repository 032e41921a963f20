#!/bin/bash
# Runs ovs-container-map's test suites against the OVS tree in $OVS_TREE and
# prints the totals.  Called by "make check"; arguments pick suites (default:
# all of them):
#
#   unit      cmocka unit tests of lib/
#   autotest  our autotests (tests/container-map.at, keyword container_map)
#   upstream  OVS's own tests most related to our hooks, on our build
#   system    network-namespace tests with real traffic (root only)
#   packaging the .deb installed over Debian's Open vSwitch in a debootstrap
#             chroot, and the RPM (root only; "make check-packaging")
#   bench     a seconds-long run of the benchmark harness (root only; no
#             speed asserted)
#
# A suite that cannot run here (system and packaging tests without root) is
# reported as skipped, never as passed.

set -u

: "${OVS_TREE:?set OVS_TREE to the OVS build tree}"
: "${TEST_JOBS:=8}"
# The cmocka programs (make check passes the list of Makefile.am).
: "${UNIT_TESTS:=$(cd "$(dirname "$0")/unit" && ls test-container-map-*.c | sed 's/\.c$//')}"
srcdir=$(cd "$(dirname "$0")/.." && pwd)

# OVS test files whose tests exercise what our hooks touch.
UPSTREAM_FILES="ofp-actions odp ovs-ofctl dpif-netdev ofproto-dpif
                tunnel-push-pop"

suites=${*:-unit autotest upstream system packaging bench}
passed=0 failed=0 skipped=0
report=()

note() {
    report+=("$(printf '%-9s %s' "$1" "$2")")
}

# Reads autotest's closing lines from file $2 and adds them up for suite $1.
count_autotest() {
    local suite=$1 log=$2 n_ok n_fail n_skip total
    n_skip=$(sed -n 's/^\([0-9]*\) tests* w[a-z]* skipped\.$/\1/p' "$log" \
             | tail -1)
    n_skip=${n_skip:-0}
    if total=$(sed -n 's/^All \([0-9]*\) tests* w[a-z]* successful\.$/\1/p;
                        s/^\([0-9]*\) tests* w[a-z]* successful\.$/\1/p' \
                    "$log" | tail -1) && test -n "$total"; then
        n_ok=$((total - n_skip))
        n_fail=0
    elif total=$(sed -n 's/^ERROR: \(All \)\{0,1\}\([0-9]*\) tests* w[a-z]* run,$/\2/p' \
                     "$log" | tail -1) && test -n "$total"; then
        n_fail=$(sed -n 's/^\([0-9]*\) failed unexpectedly\.$/\1/p;
                         s/^\([0-9]*\) failed\.$/\1/p' "$log" | tail -1)
        n_fail=${n_fail:-1}
        n_ok=$((total - n_fail - n_skip))
    else
        n_ok=0 n_fail=1
    fi
    passed=$((passed + n_ok))
    failed=$((failed + n_fail))
    skipped=$((skipped + n_skip))
    note "$suite" "$n_ok passed, $n_fail failed, $n_skip skipped"
}

run_testsuite() {
    local suite=$1; shift
    local log=$OVS_TREE/tests/$suite-results.log
    echo "=== $suite: OVS testsuite $*"
    make -C "$OVS_TREE" -s check TESTSUITEFLAGS="-j$TEST_JOBS $*" \
        2>&1 | tee "$log" | grep -vE '^[0-9]+: .* ok$'
    count_autotest "$suite" "$log"
    if grep -q 'failed unexpectedly\|FAILED' "$log"; then
        echo "    logs: $OVS_TREE/tests/testsuite.dir/"
    fi
}

for suite in $suites; do
    case $suite in
    unit)
        echo "=== unit: cmocka tests of lib/"
        u_ok=0 u_fail=0
        for prog in $UNIT_TESTS; do
            log=$OVS_TREE/tests/unit-$prog.log
            "$OVS_TREE/cmext/tests/unit/$prog" 2>&1 | tee "$log"
            n_ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log")
            n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log")
            n_ok=${n_ok:-0} n_fail=${n_fail:-0}
            if test "$n_ok" = 0 && test "$n_fail" = 0; then
                n_fail=1
            fi
            u_ok=$((u_ok + n_ok)) u_fail=$((u_fail + n_fail))
        done
        passed=$((passed + u_ok)) failed=$((failed + u_fail))
        note unit "$u_ok passed, $u_fail failed"
        ;;
    autotest)
        run_testsuite autotest -k container_map
        ;;
    upstream)
        make -C "$OVS_TREE" -s tests/testsuite
        pattern=$(echo $UPSTREAM_FILES | sed 's/ /|/g')
        numbers=$(cd "$OVS_TREE/tests" && ./testsuite -l \
                  | sed -nE "s/^ *([0-9]+): ($pattern)\.at:.*/\1/p" \
                  | tr '\n' ' ')
        if test -z "$numbers"; then
            echo "no upstream tests found for: $UPSTREAM_FILES" >&2
            failed=$((failed + 1))
            note upstream "no tests found"
        else
            run_testsuite upstream $numbers
        fi
        ;;
    system)
        echo "=== system: network namespaces, real TCP/UDP"
        if test "$(id -u)" != 0; then
            echo "    SKIPPED: the system tests need root (network"
            echo "    namespaces); run make check as root to run them."
            note system "skipped: needs root"
            skipped=$((skipped + 1))
            continue
        fi
        for t in "$srcdir"/tests/system/test-*.sh; do
            name=$(basename "$t" .sh)
            log=$OVS_TREE/tests/$name.log
            OVS_BUILDDIR=$OVS_TREE bash "$t" 2>&1 | tee "$log"
            rc=${PIPESTATUS[0]}
            line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
            n_ok=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
            n_fail=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
            n_ok=${n_ok:-0} n_fail=${n_fail:-0}
            if test "$rc" = 77; then
                note "$name" "skipped"
                skipped=$((skipped + 1))
                continue
            elif test "$rc" != 0 && test "$n_fail" = 0; then
                n_fail=1
            fi
            passed=$((passed + n_ok)) failed=$((failed + n_fail))
            note "$name" "$n_ok passed, $n_fail failed"
        done
        ;;
    packaging)
        echo "=== packaging: the .deb over Debian's Open vSwitch (chroot)"
        if test "$(id -u)" != 0; then
            echo "    SKIPPED: the packaging test needs root (dpkg,"
            echo "    debootstrap and a chroot); run make check as root."
            note packaging "skipped: needs root"
            skipped=$((skipped + 1))
            continue
        fi
        log=$OVS_TREE/tests/packaging-results.log
        ${TOP_MAKE:-make -C "$srcdir"} check-packaging 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
        line=$(grep -E '^=== Summary: [0-9]+ passed, [0-9]+ failed' "$log" \
               | tail -1)
        n_ok=$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
        n_fail=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
        n_ok=${n_ok:-0} n_fail=${n_fail:-0}
        if test "$rc" != 0 && test "$n_fail" = 0; then
            n_fail=1
        fi
        passed=$((passed + n_ok)) failed=$((failed + n_fail))
        note packaging "$n_ok passed, $n_fail failed"
        ;;
    bench)
        echo "=== bench: seconds-long run of the benchmark harness"
        log=$OVS_TREE/tests/bench-smoke.log
        ${TOP_MAKE:-make -C "$srcdir"} check-bench-smoke 2>&1 | tee "$log"
        if grep -q '^bench-smoke: PASSED' "$log"; then
            passed=$((passed + 1))
            note bench "1 passed (every row produced; no speed asserted)"
        elif grep -q '^bench-smoke: SKIPPED' "$log"; then
            skipped=$((skipped + 1))
            note bench "skipped: needs root, DPDK and hugepages"
        else
            failed=$((failed + 1))
            note bench "1 failed"
        fi
        ;;
    *)
        echo "unknown suite $suite (expected unit, autotest, upstream," \
             "system, packaging, bench)" >&2
        exit 2
        ;;
    esac
done

echo
echo "=== Summary"
for line in "${report[@]}"; do
    echo "  $line"
done
echo "$passed passed, $failed failed, $skipped skipped"
test "$failed" = 0

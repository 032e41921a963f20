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
#   asan      the unit, autotest and system tests again on the sanitizer
#             tree ($ASAN_TREE: AddressSanitizer, UndefinedBehaviorSanitizer)
#   fuzz      each fuzz target of tests/fuzz/ for $FUZZ_CHECK_SECONDS from
#             its seeds, on the sanitizer tree
#
# A suite that cannot run here (system and packaging tests without root) is
# reported as skipped, never as passed.  On the sanitizer tree, any
# sanitizer report fails the test it came from, as in OVS's own testsuite.

set -u

# Reports must go where the checks below look for them: options from the
# environment would override those (OVS's atlocal appends them last).
unset ASAN_OPTIONS UBSAN_OPTIONS

: "${OVS_TREE:?set OVS_TREE to the OVS build tree}"
: "${TEST_JOBS:=8}"
: "${UNIT_TESTS:=test-container-map-table test-container-map-conn test-container-map-dp}"
: "${ASAN_TREE:=$OVS_TREE/../asan/openvswitch}"
: "${ASAN_TEST_JOBS:=$TEST_JOBS}"
: "${FUZZ_TARGETS:=fuzz-packet fuzz-command fuzz-action}"
: "${FUZZ_CHECK_SECONDS:=20}"
srcdir=$(cd "$(dirname "$0")/.." && pwd)

# OVS test files whose tests exercise what our hooks touch.
UPSTREAM_FILES="ofp-actions odp ovs-ofctl dpif-netdev ofproto-dpif
                tunnel-push-pop"

suites=${*:-unit autotest upstream system packaging bench asan fuzz}
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

# run_testsuite SUITE TREE JOBS TESTSUITE-ARGS...
run_testsuite() {
    local suite=$1 tree=$2 jobs=$3; shift 3
    local log=$tree/tests/$suite-results.log
    echo "=== $suite: OVS testsuite $*"
    make -C "$tree" -s check TESTSUITEFLAGS="-j$jobs $*" \
        2>&1 | tee "$log" | grep -vE '^[0-9]+: .* ok$'
    count_autotest "$suite" "$log"
    if grep -q 'failed unexpectedly\|FAILED' "$log"; then
        echo "    logs: $tree/tests/testsuite.dir/"
    fi
}

# On the sanitizer tree, the sanitizers' options are OVS's (tests/atlocal.in:
# no leak checks in daemons, abort on an AddressSanitizer error, stop at
# UndefinedBehaviorSanitizer's first report), but for log_path: a program
# started with "sanitized DIR PROGRAM..." writes its reports in DIR, where
# check_reports finds them.  LEAKS=1 checks for leaks too: the unit tests are
# ours, and leak nothing.
sanitized() {
    local dir=$1; shift
    mkdir -p "$dir"
    ASAN_OPTIONS=detect_leaks=${LEAKS:-0}:abort_on_error=true:log_path=$dir/asan \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=true:log_path=$dir/ubsan \
        "$@"
}

# check_reports DIR: prints the sanitizer reports in DIR; false if any.
check_reports() {
    local f found=no
    for f in "$1"/asan.* "$1"/ubsan.*; do
        test -e "$f" || continue
        echo "    SANITIZER REPORT $f:"
        sed 's/^/      /' "$f"
        found=yes
    done
    test $found = no
}

# run_units SUITE TREE [REPORTS]: the cmocka tests of TREE, sanitized with
# their reports in REPORTS/PROGRAM if REPORTS is given.
run_units() {
    local suite=$1 tree=$2 reports=${3:-} u_ok=0 u_fail=0 prog log n_ok n_fail
    for prog in $UNIT_TESTS; do
        log=$tree/tests/unit-$prog.log
        if test -n "$reports"; then
            rm -rf "$reports/$prog"
            LEAKS=1 sanitized "$reports/$prog" \
                "$tree/cmext/tests/unit/$prog" 2>&1 | tee "$log"
        else
            "$tree/cmext/tests/unit/$prog" 2>&1 | tee "$log"
        fi
        n_ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log")
        n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log")
        n_ok=${n_ok:-0} n_fail=${n_fail:-0}
        if test "$n_ok" = 0 && test "$n_fail" = 0; then
            n_fail=1
        fi
        if test -n "$reports" && ! check_reports "$reports/$prog"; then
            # The program's passes do not count: it had a report.
            echo "    $prog: sanitizer report, counted as failed"
            n_fail=$((n_fail + n_ok)) n_ok=0
        fi
        u_ok=$((u_ok + n_ok)) u_fail=$((u_fail + n_fail))
    done
    passed=$((passed + u_ok)) failed=$((failed + u_fail))
    note "$suite" "$u_ok passed, $u_fail failed"
}

# run_system PREFIX TREE [REPORTS]: the namespace tests with TREE's
# programs, sanitized with their reports in REPORTS/TEST if given.
run_system() {
    local prefix=$1 tree=$2 reports=${3:-} t name log rc line n_ok n_fail
    if test "$(id -u)" != 0; then
        echo "    SKIPPED: the system tests need root (network"
        echo "    namespaces); run make check as root to run them."
        note "${prefix}system" "skipped: needs root"
        skipped=$((skipped + 1))
        return
    fi
    for t in "$srcdir"/tests/system/test-*.sh; do
        name=$(basename "$t" .sh)
        log=$tree/tests/$name.log
        if test -n "$reports"; then
            rm -rf "$reports/$name"
            OVS_BUILDDIR=$tree sanitized "$reports/$name" bash "$t" 2>&1 \
                | tee "$log"
        else
            OVS_BUILDDIR=$tree bash "$t" 2>&1 | tee "$log"
        fi
        rc=${PIPESTATUS[0]}
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
        n_ok=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
        n_fail=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
        n_ok=${n_ok:-0} n_fail=${n_fail:-0}
        if test "$rc" = 77; then
            note "$prefix$name" "skipped"
            skipped=$((skipped + 1))
            continue
        elif test "$rc" != 0 && test "$n_fail" = 0; then
            n_fail=1
        fi
        if test -n "$reports" && ! check_reports "$reports/$name"; then
            echo "    $name: sanitizer report, counted as a failure"
            n_fail=$((n_fail + 1))
        fi
        passed=$((passed + n_ok)) failed=$((failed + n_fail))
        note "$prefix$name" "$n_ok passed, $n_fail failed"
    done
}

# Builds the sanitizer tree (and its unit tests and fuzz targets) if need be.
asan_build() {
    local log=$ASAN_TREE/../build.log
    mkdir -p "$ASAN_TREE/.."
    echo "    building the sanitizer tree ($ASAN_TREE), log $log"
    if ! ${TOP_MAKE:-make -C "$srcdir"} asan-build > "$log" 2>&1; then
        tail -30 "$log"
        return 1
    fi
}

for suite in $suites; do
    case $suite in
    unit)
        echo "=== unit: cmocka tests of lib/"
        run_units unit "$OVS_TREE"
        ;;
    autotest)
        run_testsuite autotest "$OVS_TREE" "$TEST_JOBS" -k container_map
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
            run_testsuite upstream "$OVS_TREE" "$TEST_JOBS" $numbers
        fi
        ;;
    system)
        echo "=== system: network namespaces, real TCP/UDP"
        run_system "" "$OVS_TREE"
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
    asan)
        echo "=== asan: unit, autotest and system tests, sanitizer tree"
        start=$SECONDS
        if ! asan_build; then
            failed=$((failed + 1))
            note asan "build failed"
            continue
        fi
        reports=$ASAN_TREE/tests/sanitizer-reports
        rm -rf "$reports"
        run_units asan-unit "$ASAN_TREE" "$reports"
        # The testsuite sets the sanitizers' options itself (atlocal) and
        # fails a test whose programs reported (ovs_cleanup, in AT_CLEANUP).
        run_testsuite asan-autotest "$ASAN_TREE" "$ASAN_TEST_JOBS" \
            -k container_map
        # The sanitizers slow the datapath down several times: the flood
        # test's flood is slowed down alike, so that the lab still carries
        # it without loss.
        FLOOD_RATE=${ASAN_FLOOD_RATE:-10000} \
            run_system asan- "$ASAN_TREE" "$reports"
        echo "    asan: $((SECONDS - start)) s"
        ;;
    fuzz)
        echo "=== fuzz: each fuzz target ${FUZZ_CHECK_SECONDS} s from its seeds"
        start=$SECONDS
        if ! asan_build; then
            failed=$((failed + 1))
            note fuzz "build failed"
            continue
        fi
        log=$ASAN_TREE/tests/fuzz-check.log
        ASAN_TREE=$ASAN_TREE bash "$srcdir/tests/fuzz/run-fuzz.sh" --fresh \
            "$FUZZ_CHECK_SECONDS" "$ASAN_TREE/../fuzz-check" $FUZZ_TARGETS \
            2>&1 | tee "$log"
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
        n_ok=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
        n_fail=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
        n_ok=${n_ok:-0} n_fail=${n_fail:-1}
        passed=$((passed + n_ok)) failed=$((failed + n_fail))
        note fuzz "$n_ok passed, $n_fail failed"
        echo "    fuzz: $((SECONDS - start)) s"
        ;;
    *)
        echo "unknown suite $suite (expected unit, autotest, upstream," \
             "system, packaging, bench, asan, fuzz)" >&2
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

#!/bin/bash
# Runs ovs-container-map's test suites against the OVS tree in $OVS_TREE and
# prints the totals.  Called by "make check"; arguments pick suites (default:
# all of them):
#
#   unit      cmocka unit tests of lib/
#   patches   patches/ is what build-aux/export-patches.sh makes of the
#             prepared OVS tree, byte for byte (build-aux/check-patches.sh)
#   autotest  our autotests (tests/container-map*.at, keyword container_map)
#   upstream  all of OVS's own testsuite on our build, except our autotests
#             (the autotest suite runs them) and the tests UPSTREAM_SKIP
#             names, each reported as skipped with its reason
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
: "${TEST_JOBS:=4}"
: "${UPSTREAM_RECHECKS:=2}"
# The cmocka programs (make check passes the list of Makefile.am).
: "${UNIT_TESTS:=$(cd "$(dirname "$0")/unit" && ls test-container-map-*.c | sed 's/\.c$//')}"
: "${ASAN_TREE:=$OVS_TREE/../asan/openvswitch}"
: "${ASAN_TEST_JOBS:=$TEST_JOBS}"
: "${FUZZ_TARGETS:=fuzz-packet fuzz-command fuzz-action}"
: "${FUZZ_CHECK_SECONDS:=20}"
srcdir=$(cd "$(dirname "$0")/.." && pwd)

# Keyword of our autotests in OVS's testsuite ("testsuite -k").
AUTOTEST_KEYWORD=container_map

# OVS tests the upstream suite does not run: "exact title|reason", one a
# line.  They are picked by title, never by number (numbers shift whenever
# a test is added anywhere before them), and reported as skipped.  Add one
# only when it fails on a stock OVS build as well, or when OVS has since
# fixed the test itself as racy (name the commit).
UPSTREAM_SKIP="\
ofproto - hidden rules not in table stats|fails on stock OVS 3.1 here too (in-band controller: this network accepts TCP to the unreachable 240.0.0.1, then drops it)
track, simple idl, initially empty, strong references, insert and delete - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL
track, simple idl, initially empty, strong references, insert and delete - write-changed-only - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL
track, insert and delete, refs to link1 - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL
track, insert and delete, refs to link1 - write-changed-only - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL
track, insert and delete, refs to link2 - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL
track, insert and delete, refs to link2 - write-changed-only - C|racy test, not IDL: it needs two transactions' updates in one IDL run, which nothing guarantees (OVS fixed the test after 3.1, commit 2100a0454, tests: ovsdb-idl: Fix flaky insert and delete tests); our patches touch neither ovsdb nor the IDL"

suites=${*:-unit patches autotest upstream system packaging bench asan fuzz}
passed=0 failed=0 skipped=0
report=()

note() {
    report+=("$(printf '%-9s %s' "$1" "$2")")
}

# Reads autotest's closing lines from file $1 into n_ok, n_fail, n_skip.
parse_autotest() {
    local log=$1 total
    n_skip=$(sed -n 's/^\([0-9]*\) tests* w[a-z]* skipped\.$/\1/p' "$log" \
             | tail -1)
    n_skip=${n_skip:-0}
    # Autotest's "N tests were run" and "N tests were successful" count
    # the tests that ran: skipped ones are not among the N.
    local ok_re='^(All )?([0-9]+) tests? w[a-z]+ (successful|behaved as expected)\.$'
    if total=$(sed -nE "s/$ok_re/\\2/p" "$log" | tail -1) \
            && test -n "$total"; then
        n_ok=$total
        n_fail=0
    elif total=$(sed -nE 's/^ERROR: (All )?([0-9]+) tests? w[a-z]+ run,$/\2/p' \
                     "$log" | tail -1) \
            && test -n "$total"; then
        n_fail=$(sed -nE 's/^([0-9]+) did not behave as expected .*/\1/p' \
                     "$log" | tail -1)
        if test -z "$n_fail"; then
            local xpass fail
            xpass=$(sed -nE 's/^([0-9]+) passed unexpectedly[.,]$/\1/p' \
                        "$log" | tail -1)
            fail=$(sed -nE '
                s/^([0-9]+) failed unexpectedly\.$/\1/p
                s/^([0-9]+) failed \(([0-9]+) expected failures?\)\.$/\1 - \2/p' \
                "$log" | tail -1)
            n_fail=$((${xpass:-0} + ${fail:-0}))
        fi
        test "$n_fail" != 0 || n_fail=1
        n_ok=$((total - n_fail))
    else
        n_ok=0 n_fail=1
    fi
}

# Adds up the run whose log is file $2 for suite $1.
count_autotest() {
    local suite=$1 log=$2 n_ok n_fail n_skip
    parse_autotest "$log"
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
        2>&1 | tee "$log" | grep -vE '^ *[0-9]+: .* ok$'
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

# Prints the test numbers of "testsuite -l" output (on stdin): lines
# " NUM: FILE.at:LINE TITLE"; keyword lines under them are indented more.
TEST_LINE='^ {0,4}[0-9]+: [^ ]+\.at:[0-9]+ '
test_numbers() {
    grep -E "$TEST_LINE" | sed -E 's/^ *([0-9]+):.*/\1/'
}

# Joins sorted numbers (on stdin) into autotest ranges: "1-613 615-940 ...".
number_ranges() {
    awk 'function out() {
             if (lo == "") return
             printf "%s%s", sep, (lo == hi ? lo : lo "-" hi)
             sep = " "
         }
         lo != "" && $1 == hi + 1 { hi = $1; next }
         { out(); lo = hi = $1 }
         END { out(); print "" }'
}

# Prints the numbers of the tests that file $1 (a testsuite's output)
# reports as $2: ok or failed (FAILED or UNEXPECTED PASS).
result_tests() {
    case $2 in
    ok) sed -nE 's/^ *([0-9]+): .* ok$/\1/p' "$1" ;;
    failed) sed -nE 's/^ *([0-9]+): .* (FAILED \(.*\)|UNEXPECTED PASS)$/\1/p' \
                "$1" ;;
    esac | sort -un
}

# The title of test $1, from "testsuite -l" output in $list.
test_title() {
    echo "$list" | grep -E "$TEST_LINE" \
        | sed -nE "s/^ *$1: [^ ]+ +//p"
}

# The whole OVS testsuite but our autotests and UPSTREAM_SKIP.
run_upstream() {
    local tests=$OVS_TREE/tests list ours skip_nums numbers entry name
    local reason nums n_named=0
    local -a named=()
    make -C "$OVS_TREE" -s tests/testsuite || {
        failed=$((failed + 1)); note upstream "testsuite not built"; return; }
    list=$(cd "$tests" && ./testsuite -l) || {
        failed=$((failed + 1)); note upstream "testsuite -l failed"; return; }
    ours=$(cd "$tests" && ./testsuite -l -k "$AUTOTEST_KEYWORD" | test_numbers)
    skip_nums=
    while IFS= read -r entry; do
        test -n "$entry" || continue
        name=${entry%%|*} reason=${entry#*|}
        nums=$(echo "$list" | grep -E "$TEST_LINE" | awk -v t="$name" '
            { n = $1; sub(/:$/, "", n)
              title = $0; sub(/^ *[0-9]+: [^ ]+ +/, "", title)
              if (title == t) print n }')
        if test -z "$nums"; then
            echo "upstream: UPSTREAM_SKIP names no test: \"$name\"" >&2
            named+=("$(printf '%-9s %s' '' \
                       "(no test is named \"$name\" any more)")")
            continue
        fi
        for n in $nums; do
            echo "=== upstream: not running test $n, \"$name\": $reason"
            named+=("$(printf '%-9s %s' '' \
                       "skipped test $n \"$name\": $reason")")
            n_named=$((n_named + 1))
        done
        skip_nums="$skip_nums $nums"
    done <<EOF_SKIP
$UPSTREAM_SKIP
EOF_SKIP
    numbers=$(echo "$list" | test_numbers \
              | grep -vxF -f <(printf '%s\n' $ours $skip_nums) \
              | number_ranges)
    if test -z "$numbers"; then
        failed=$((failed + 1))
        note upstream "no tests found"
        return
    fi
    echo "=== upstream: $(echo "$ours" | wc -w) tests (keyword" \
         "$AUTOTEST_KEYWORD) left to the autotest suite"

    local log=$tests/upstream-results.log relog=$tests/upstream-recheck.log
    local first_failed n_ok n_fail n_skip more
    local -a flaky=()
    echo "=== upstream: OVS testsuite -j$TEST_JOBS $numbers"
    make -C "$OVS_TREE" -s check TESTSUITEFLAGS="-j$TEST_JOBS $numbers" \
        2>&1 | tee "$log" | grep -vE '^ *[0-9]+: .* ok$'
    parse_autotest "$log"

    # OVS's testsuite has tests that fail now and then on stock OVS too
    # (timing, races in the tests).  As OVS's CI does (RECHECK=yes), the
    # failed ones run again, one at a time, up to UPSTREAM_RECHECKS times;
    # one that passes then counts as passed and is listed in the summary,
    # never hidden.  Our autotests get no recheck.
    first_failed=$(result_tests "$log" failed)
    rm -f "$relog"
    rm -rf "$tests/upstream-first-failures"
    if test -n "$first_failed"; then
        # A recheck replaces the logs of the tests it runs: keep the first
        # run's, and its testsuite.log.
        mkdir -p "$tests/upstream-first-failures"
        cp "$tests/testsuite.log" "$tests/upstream-first-failures/"
        for n in $first_failed; do
            local d
            d=$(cd "$tests/testsuite.dir" && ls -d -- * 2>/dev/null \
                | grep -xE "0*$n" | head -1)
            test -z "$d" || cp -r "$tests/testsuite.dir/$d" \
                "$tests/upstream-first-failures/"
        done
        echo "    (first run's logs: $tests/upstream-first-failures/)"
        local still=$first_failed round=0 passed_now
        while test -n "$still" && test $round -lt "$UPSTREAM_RECHECKS"; do
            round=$((round + 1))
            echo "=== upstream: recheck $round, one at a time:" $still
            # --recheck runs the tests that failed in the last run.
            make -C "$OVS_TREE" -s check TESTSUITEFLAGS=--recheck 2>&1 \
                | tee -a "$relog" > "$relog.round"
            grep -vE '^ *[0-9]+: .* ok$' "$relog.round"
            passed_now=$(result_tests "$relog.round" ok \
                         | grep -xF -f <(printf '%s\n' $still))
            for n in $passed_now; do
                flaky+=("$(printf '%-9s %s' '' "test $n \"$(test_title "$n")\"\
 failed, then passed on recheck $round")")
            done
            still=$(printf '%s\n' $still | grep -vxF -f \
                    <(printf '%s\n' $passed_now ''))
        done
        rm -f "$relog.round"
        n_ok=$((n_ok + ${#flaky[@]})) n_fail=$((n_fail - ${#flaky[@]}))
        test "$n_fail" -ge 0 || n_fail=0
    fi

    n_skip=$((n_skip + n_named))
    passed=$((passed + n_ok)) failed=$((failed + n_fail))
    skipped=$((skipped + n_skip))
    more=
    test "$n_named" = 0 || more="$n_named by name"
    test ${#flaky[@]} = 0 \
        || more="${more:+$more; }${#flaky[@]} passed on recheck"
    note upstream \
        "$n_ok passed, $n_fail failed, $n_skip skipped${more:+ ($more, below)}"
    report+=("${named[@]}" "${flaky[@]}")
    if test "$n_fail" != 0; then
        echo "    logs: $tests/testsuite.dir/ (first run: $log)"
    fi
}

# The suites, then the summary, as one block: bash reads all of it before
# running it, so editing this file while make check runs changes nothing
# in that run.
{
for suite in $suites; do
    case $suite in
    unit)
        echo "=== unit: cmocka tests of lib/"
        run_units unit "$OVS_TREE"
        ;;
    patches)
        echo "=== patches: patches/ against export-patches.sh's output"
        log=$OVS_TREE/tests/patches-results.log
        sh "$srcdir/build-aux/check-patches.sh" "$OVS_TREE" \
            "${OVS_SOURCE:-}" 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
        n_ok=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
        n_fail=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed$/\1/p')
        n_ok=${n_ok:-0} n_fail=${n_fail:-0}
        if test "$rc" != 0 && test "$n_fail" = 0; then
            n_fail=1
        fi
        passed=$((passed + n_ok)) failed=$((failed + n_fail))
        note patches "$n_ok passed, $n_fail failed (files of patches/)"
        ;;
    autotest)
        run_testsuite autotest "$OVS_TREE" "$TEST_JOBS" \
            -k "$AUTOTEST_KEYWORD"
        ;;
    upstream)
        run_upstream
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
            -k "$AUTOTEST_KEYWORD"
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
        echo "unknown suite $suite (expected unit, patches, autotest," \
             "upstream, system, packaging, bench, asan, fuzz)" >&2
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
exit
}

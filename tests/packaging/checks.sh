# Check helpers of the packaging test (sourced by test-packaging.sh, bash).
#
# Every check prints one "PASS: ..." or "FAIL: ..." line; the output of the
# commands goes to $LOG, and the end of it is shown under a FAIL line.
# Checks return 0 (the script runs with set -e); "require" after a check
# stops the test when that check failed and later ones depend on it.

n_pass=0
n_fail=0
failed_checks=

pass()
{
    last_failed=false
    n_pass=$((n_pass + 1))
    echo "PASS: $*"
}

fail()
{
    last_failed=true
    n_fail=$((n_fail + 1))
    failed_checks="$failed_checks
    $*"
    echo "FAIL: $*"
}

# Runs "$@" with its output in $LOG (and in $out); returns its status.
run_logged()
{
    local status=0
    echo "+ $*" >> "$LOG"
    out=$("$@" 2>&1) || status=$?
    printf '%s\n' "$out" >> "$LOG"
    return $status
}

show_out()
{
    printf '%s\n' "$out" | tail -n 15 | sed 's/^/      | /'
}

# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check()
{
    local desc=$1
    shift
    if run_logged "$@"; then
        pass "$desc"
    else
        fail "$desc"
        show_out
    fi
}

# check_out DESCRIPTION REGEX COMMAND...: passes if COMMAND succeeds and
# prints a line that matches the extended regular expression REGEX.
check_out()
{
    local desc=$1 regex=$2
    shift 2
    if run_logged "$@" && printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        pass "$desc"
    else
        fail "$desc (expected /$regex/)"
        show_out
    fi
}

# check_no_out DESCRIPTION REGEX COMMAND...: passes if COMMAND succeeds and
# prints no line that matches REGEX.
check_no_out()
{
    local desc=$1 regex=$2
    shift 2
    if run_logged "$@" && ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        pass "$desc"
    else
        fail "$desc (unexpected /$regex/)"
        show_out
    fi
}

# Stops the test if the last check failed: runs "finish" (the test's
# cleanup and summary) and exits 1.
require()
{
    if $last_failed; then
        echo "Stopping: the checks below depend on the one that failed."
        finish
        exit 1
    fi
}

# Prints the totals; returns nonzero if any check failed.
summary()
{
    local elapsed=$(($(date +%s) - start_time))
    echo
    echo "=== Summary: $n_pass passed, $n_fail failed" \
         "($((elapsed / 60))m$((elapsed % 60))s; log: $LOG)"
    if [ "$n_fail" != 0 ]; then
        echo "Failed:$failed_checks"
        return 1
    fi
}

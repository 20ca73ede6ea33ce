# skip.bash: how a shell test says it cannot run on this machine (sourced, not a test itself).
# A skip exits 77, which ctest reports as "Not Run (skipped)" (SKIP_RETURN_CODE in
# CMakeLists.txt), never as "Passed". Under CI=true a missing tool or capability fails the test
# instead: CI is set up to have them (scripts/bootstrap). Only data that lives outside the
# repository (../shared/data) may be missing in CI too.

# skip_missing REASON: this machine lacks a tool, service or capability the test needs
skip_missing() {
        if [ "${CI:-}" = true ]; then
                echo "FAIL: $* (CI=true: CI must provide it; see scripts/bootstrap)"
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}

# skip_no_data REASON: a data set outside the repository is absent (skips in CI too)
skip_no_data() {
        echo "SKIP: $*"
        exit 77
}

# need_tool NAME...: skip_missing unless every NAME is on PATH
need_tool() {
        local t
        for t in "$@"; do
                command -v "$t" >/dev/null || skip_missing "$t is not installed"
        done
}

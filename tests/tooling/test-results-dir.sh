#!/usr/bin/env bash
# ci/pipeline.sh never deletes a results directory it did not make.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/mine"
echo precious >"$T/mine/thesis.tex"
fails_with "a non-empty RESULTS_DIR the pipeline did not make is refused" \
	"RESULTS_DIR '$T/mine' is not empty and was not made by this pipeline" \
	env RESULTS_DIR="$T/mine" SERIES_FILE=/nonexistent "$TOP/ci/pipeline.sh"
check "its files are untouched" grep -qx precious "$T/mine/thesis.tex"
finish

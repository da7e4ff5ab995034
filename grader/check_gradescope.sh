#!/usr/bin/env bash
# ctest: `./kit gradescope` writes an autograder that works in a Gradescope layout rebuilt in
# a scratch folder: /autograder/source unpacked from autograder.zip, setup.sh run there (it
# builds the grader from the bundled kit; the packages are already installed here), then
# run_autograder grades a submission into results/results.json.
#   check_gradescope.sh KIT_ROOT DARTLOOP_GRADE
set -euo pipefail
root=$1
tool=$2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dartloop-gradescope.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

KIT_GRADER_TOOL=$tool "$root/kit" gradescope "$scratch/bundle" --steps 1
test -s "$scratch/bundle/autograder.zip" || { echo "no autograder.zip"; exit 1; }

ag=$scratch/autograder
mkdir -p "$ag/source" "$ag/submission/exercises" "$ag/results"
(cd "$ag/source" && cmake -E tar xf "$scratch/bundle/autograder.zip")
for f in setup.sh run_autograder steps kit/kit; do
  test -e "$ag/source/$f" || { echo "autograder.zip lacks $f"; exit 1; }
done
test -x "$ag/source/run_autograder" || { echo "run_autograder lost its exec bit in the zip"; exit 1; }
cp "$ag/source/run_autograder" "$ag/run_autograder"
cp -R "$root/solutions/01-microtask-queue" "$ag/submission/exercises/"

(cd "$ag/source" && bash ./setup.sh)
AUTOGRADER_ROOT=$ag "$ag/run_autograder"

results=$ag/results/results.json
test -s "$results" || { echo "no results.json"; exit 1; }
grep -q '"score": 10' "$results" || { echo "score is not 10:"; head -c 2000 "$results"; exit 1; }
passed=$(grep -c '"status": "passed"' "$results" || true)
failed=$(grep -c '"status": "failed"' "$results" || true)
# Step 1's hidden cases and its scenarios (the lesson examples among them), all passed.
[[ $passed -ge 12 && $failed -eq 0 ]] || { echo "expected every test passed, got $passed passed, $failed failed"; exit 1; }
grep -q '"name": "scenario: fifo"' "$results" || { echo "no scenario in results.json"; exit 1; }

# A submission that does not compile: still a results.json, score 0, the compiler's words.
rm -rf "$ag/submission/exercises" "$ag/results"
mkdir -p "$ag/submission/exercises/01-microtask-queue"
cp "$root/exercises/01-microtask-queue/"*.hpp "$ag/submission/exercises/01-microtask-queue/"
printf 'this is not C++;\n' >"$ag/submission/exercises/01-microtask-queue/microtask_queue.cpp"
AUTOGRADER_ROOT=$ag "$ag/run_autograder"
grep -q '"score": 0' "$results" || { echo "a broken submission did not score 0"; exit 1; }
grep -q 'does not compile' "$results" || { echo "the compile error is not reported"; exit 1; }
echo "gradescope bundle: setup.sh builds the grader; run_autograder writes results.json (10/10, then 0)"

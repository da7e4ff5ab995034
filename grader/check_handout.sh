#!/usr/bin/env bash
# The student handout, tested as an instructor and a learner would use it:
#   grader/check_handout.sh <kit root>
# 1. `./kit handout` writes a repository with no solutions, hidden tests, mutants or reference
#    runtime; 2. there, `./kit check` builds the learner's runtime and fails honestly on the
#    starter code; 3. with the model solutions copied in, steps pass; `list`, `reset`,
#    `watch` (polling) and `--use-solutions-below` with released solutions all work.
set -euo pipefail
root=$1
# Outside the kit (the kit refuses to write a handout into itself); kept when a check fails.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dartloop-handout.XXXXXX")
fail() { printf 'check_handout: %s (files kept in %s)\n' "$*" "$scratch" >&2; exit 1; }

out=$scratch/student
(cd "$root" && ./kit handout "$out") >/dev/null
for forbidden in solutions grader runtime demos bench docs; do
  [[ ! -e $out/$forbidden ]] || fail "the handout contains $forbidden/"
done
if grep -rqE 'TEST_CASE\("hidden|Mutant \(misconception\)|model answer' "$out"; then
  fail "the handout contains hidden tests, mutants or model answers: $(grep -rlE 'TEST_CASE\("hidden|Mutant|model answer' "$out")"
fi
# Reference-runtime source: every reference file opens with a Doxygen `@file` block and its
# core is built on names the course never uses; a copy of any of its files is caught by content.
if grep -rqE '/// @file|LoopObserver|SmallFunction' "$out"; then
  fail "the handout contains reference-runtime source: $(grep -rlE '/// @file|LoopObserver|SmallFunction' "$out" | head -3)"
fi
ref_sums=$(find "$root/runtime" -type f \( -name '*.hpp' -o -name '*.cpp' \) -exec md5sum {} + | cut -d' ' -f1 | sort -u)
if find "$out" -type f -exec md5sum {} + | cut -d' ' -f1 | sort -u | comm -12 - <(echo "$ref_sums") | grep -q .; then
  fail "the handout contains a file of the reference runtime"
fi
(cd "$root" && ./kit handout "$out" 2>/dev/null) && fail "a second handout into a non-empty folder was accepted"

cd "$out"
# The starter: it builds, and the check says "not yet" with a failing status.
if ./kit check 01 >"$scratch/check01.log" 2>&1; then fail "the starter code passed step 01"; fi
grep -q 'not written yet: step 1' "$scratch/check01.log" || fail "no TODO message in: $(tail -5 "$scratch/check01.log")"
grep -q 'Step 01: not yet' "$scratch/check01.log" || fail "no verdict line for the starter"
./kit demo >/dev/null 2>&1 && fail "the handout offered the full kit's demo command"
./kit check 42 >/dev/null 2>&1 && fail "a step that does not exist was accepted"

# Code that does not compile: a clear verdict naming the file, nothing lost.
cp exercises/01-microtask-queue/microtask_queue.cpp "$scratch/starter01.cpp"
printf 'this is not C++;\n' >>exercises/01-microtask-queue/microtask_queue.cpp
if ./kit check 01 >"$scratch/broken.log" 2>&1; then fail "code that does not compile passed"; fi
grep -q 'does not compile' "$scratch/broken.log" || fail "no compile verdict: $(tail -5 "$scratch/broken.log")"
grep -q 'microtask_queue.cpp' "$scratch/broken.log" || fail "the compile error does not name the file"
grep -q 'this is not C++' exercises/01-microtask-queue/microtask_queue.cpp || fail "the learner's file was changed"
cp "$scratch/starter01.cpp" exercises/01-microtask-queue/microtask_queue.cpp
# Wrong arguments: one clear line, status 2.
for args in "hint" "hint x" "reset" "check 01 --use-solutions-below" "check 01 --bogus" "watch 01 02"; do
  set +e
  # shellcheck disable=SC2086 # the arguments are split on purpose
  ./kit $args >"$scratch/args.log" 2>&1
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "./kit $args exited $status, not 2"
  grep -q '^kit: error: ' "$scratch/args.log" || fail "./kit $args: no error line"
done

# The learner writes every step (the model answers stand in for them).
steps=0
for dir in "$root"/solutions/[0-9]*/; do
  step=$(basename "$dir")
  cp "$dir"* "exercises/$step/"
  steps=$((steps + 1))
done
./kit check 03 >"$scratch/check03.log" 2>&1 || fail "step 03 failed with the solutions: $(tail -20 "$scratch/check03.log")"
grep -q 'hidden tests' "$scratch/check03.log" || fail "a passing check does not say that hidden tests decide"
./kit list >"$scratch/list.log" 2>&1
grep -q "$steps of $steps steps pass" "$scratch/list.log" || fail "list: $(tail -6 "$scratch/list.log")"

# The GitHub Classroom workflow: valid YAML, one command grader per step whose reporter id
# matches, and every command it runs passes now that every step is written.
wf=.github/workflows/classroom.yml
[[ -f $wf ]] || fail "the handout has no $wf"
python3 - "$wf" "$steps" >"$scratch/commands" <<'PY' || fail "$wf is not what GitHub Classroom expects"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = doc["jobs"]["run-autograding-tests"]["steps"]
graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader")]
assert len(graders) == int(sys.argv[2]), len(graders)
reporter = steps[-1]
assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter")
ids = [g["id"] for g in graders]
assert reporter["with"]["runners"].split(",") == ids
for g in graders:
    assert reporter["env"][g["id"].upper() + "_RESULTS"] == "${{steps.%s.outputs.result}}" % g["id"]
    assert g["with"]["command"].startswith("./kit check "), g["with"]["command"]
    assert g["with"]["max-score"] > 0 and g["with"]["timeout"] > 0
for g in graders:
    print(g["with"]["command"])
PY
while read -r command; do
  # shellcheck disable=SC2086 # the workflow's command, split as a shell would
  $command >"$scratch/workflow.log" 2>&1 || fail "the workflow's '$command' failed: $(tail -5 "$scratch/workflow.log")"
done <"$scratch/commands"

# Reset keeps the learner's work and restores the starter.
./kit reset 01 >"$scratch/reset.log"
grep -q 'todo("step 1: MicrotaskQueue::push")' exercises/01-microtask-queue/microtask_queue.cpp || fail "reset did not restore the starter"
ls build/course-backups/01-microtask-queue-*/microtask_queue.cpp >/dev/null || fail "reset kept no backup"
grep -q 'tasks_.push_back' build/course-backups/01-microtask-queue-*/microtask_queue.cpp || fail "the backup is not the learner's version"

# Watch, with polling (no file events needed): one check, a save, a second check.
KIT_WATCH_POLL=1 KIT_WATCH_MAX_RUNS=2 ./kit watch 02 >"$scratch/watch.log" 2>&1 &
watcher=$!
for _ in $(seq 1 300); do grep -q 'Watching exercises/' "$scratch/watch.log" && break; sleep 0.5; done
grep -q 'Watching exercises/' "$scratch/watch.log" || { kill "$watcher" 2>/dev/null; fail "watch never finished its first check"; }
sleep 1.1  # a later modification time than the fingerprint taken after the first check
printf '\n// saved again\n' >>exercises/02-event-queue-and-timers/timers.cpp
for _ in $(seq 1 300); do kill -0 "$watcher" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$watcher" 2>/dev/null; then kill "$watcher"; fail "watch did not re-check after a save"; fi
[[ $(grep -c 'Running the public tests of step 02' "$scratch/watch.log") -eq 2 ]] || fail "watch: $(cat "$scratch/watch.log" | tail -20)"

# Released solutions: a handout with solutions below step 02.
cd "$root"
./kit handout "$scratch/released" --release-solutions-below 2 >/dev/null
[[ -d $scratch/released/solutions/01-microtask-queue ]] || fail "released solutions missing"
[[ ! -e $scratch/released/solutions/02-event-queue-and-timers ]] || fail "an unreleased solution was shipped"
cd "$scratch/released"
./kit check 01 --use-solutions-below 2 >/dev/null 2>&1 || fail "check with released solutions failed"
./kit check 02 --use-solutions-below 3 >"$scratch/unreleased.log" 2>&1 && fail "unreleased solutions were used"
grep -q 'not been released' "$scratch/unreleased.log" || fail "no clear message for unreleased solutions"
rm -rf "$scratch"
echo "check_handout: ok"

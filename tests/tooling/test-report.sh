#!/usr/bin/env bash
# Splat detection and the report: skips are skips, splats fail the run.
. "$(dirname "$0")/lib.sh"
scan="$TOP/ci/scan-console.sh"
printf '[    1.0] Booting Linux\n[    2.0] Run /init as init process\n' >"$T/clean.log"
check "a clean console log has no splat" "$scan" "$T/clean.log"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '[    1.0] Booting\n%s\n[    3.0] Call trace:\n[    3.1]  dump_stack+0x0/0x10\n' "$line" >"$T/splat$i.log"
	fails_with "splat detected: ${line#*] }" "splat$i.log:2" "$scan" "$T/splat$i.log"
done <<'LOGS'
[    2.000000] WARNING: possible circular locking dependency detected
[    2.000000] BUG: KASAN: slab-use-after-free in vgic_v3_fold_lr_state+0x1/0x2
[    2.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[    2.000000] WARNING: CPU: 1 PID: 77 at arch/arm64/kvm/vgic/vgic.c:100 vgic_prune_ap_list+0x1/0x2
[    2.000000] WARNING: suspicious RCU usage
[    2.000000] list_del corruption. next->prev should be ffff0000c0de0000
[    2.000000] Kernel panic - not syncing: Oops: Fatal exception
[    2.000000] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:1
[    2.000000] [ BUG: Invalid wait context ]
LOGS

# job DIR VERDICT ROLE TEST...: a job directory as ci/run-job.sh leaves it
# (per-test verdicts from its results.ktap, computed by job-metadata.py).
job() {
	local d=$1 v=$2 role=$3
	shift 3
	mkdir -p "$d"
	[ -f "$d/console.log" ] || cp "$T/clean.log" "$d/console.log"
	"$scan" "$d/console.log" >"$d/splats.txt" || true
	echo '{"seconds": 12}' >"$d/metadata.json"
	# How the boot ended: a splat found, a watchdog, or normally (the KTAP decides).
	local brc=0 src=0
	case $v in splat) src=1 ;; timeout) brc=2 ;; infra-error) brc=3 ;; esac
	BRC=$brc SRC=$src DEVICE=dev CPU=max DCMD="" TESTS=$(IFS=,; echo "$*") ARGS="" TIMEOUT=1 RUN_TIMEOUT=2 \
		ROLE=$role LABEL=$(basename "$d") python3 "$TOP/ci/job-metadata.py" "$d" >"$d/judged"
	[ "$(cat "$d/judged")" = "$v" ] || echo "job-metadata.py judged $d $(cat "$d/judged"), expected $v" >>"$T/misjudged"
}

# Jobs with a pass, a skip, a fail, and a splat in another.
mkdir -p "$T/r/jobs/a" "$T/r/jobs/b"
cat >"$T/r/jobs/a/results.ktap" <<'KTAP'
TAP version 13
1..3
# selftests: kvm: one
ok 1 selftests: kvm: one
# selftests: kvm: two
# SKIP: vGICv3 not supported
ok 2 selftests: kvm: two # SKIP
# selftests: kvm: three
not ok 3 selftests: kvm: three # exit=1
KTAP
job "$T/r/jobs/a" fail test kvm:one kvm:two kvm:three
printf 'TAP version 13\n1..1\nok 1 selftests: kvm: one\n' >"$T/r/jobs/b/results.ktap"
cp "$T/splat1.log" "$T/r/jobs/b/console.log"
job "$T/r/jobs/b" splat test kvm:one
check "job-metadata.py records each test's verdict" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["tests"] == {"kvm:one": "pass", "kvm:two": "skip", "kvm:three": "fail"}, m["tests"]
assert m["verdict"] == "fail" and m["job"]["role"] == "test"' "$T/r/jobs/a/metadata.json"
fails_with "a failed test fails the report" "three failed" python3 "$TOP/ci/report.py" "$T/r" "$T/r/jobs"
check "counts: the skip is a skip, not a pass (3 passed, 2 failed, 1 skipped, 0 xfail)" \
	grep -qx '3 2 1 0' "$T/r/counts"
check "the splat is quoted in the summary" grep -q 'possible circular locking' "$T/r/summary.txt"
check "JUnit XML parses and has the skip" python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert r.get("skipped") == "1" and r.get("failures") == "2", r.attrib
assert any(tc.find("skipped") is not None for tc in r.iter("testcase"))' "$T/r/junit.xml"
check "KTAP output has a line per job, with its verdict" grep -qx 'not ok 2 b # splat' "$T/r/results.ktap"

# A/B base runs: a failure or a splat is the bug showing, not a failed run;
# a timeout or an infrastructure error is evidence of nothing and fails.
mkdir -p "$T/ab/jobs/r1" "$T/ab/jobs/r2" "$T/ab/jobs/r3"
printf 'TAP version 13\n1..1\nnot ok 1 selftests: kvm: race # exit=1\n' >"$T/ab/jobs/r1/results.ktap"
job "$T/ab/jobs/r1" fail reproduce kvm:race
cp "$T/splat2.log" "$T/ab/jobs/r2/console.log"
job "$T/ab/jobs/r2" splat reproduce kvm:race
job "$T/ab/jobs/r3" timeout reproduce kvm:race
# A base whose kernel stopped before the test ran is not a reproduction.
mkdir -p "$T/ab/jobs/r4"
printf '[    1.0] Booting\n' >"$T/ab/jobs/r4/console.log"
: >"$T/ab/jobs/r4/results.ktap"
"$scan" "$T/ab/jobs/r4/console.log" >"$T/ab/jobs/r4/splats.txt" || true
echo '{}' >"$T/ab/jobs/r4/metadata.json"
BRC=4 SRC=0 DEVICE=dev CPU=max DCMD="" TESTS=kvm:race ARGS="" TIMEOUT=1 RUN_TIMEOUT=2 ROLE=reproduce \
	LABEL=r4 python3 "$TOP/ci/job-metadata.py" "$T/ab/jobs/r4" >/dev/null
check "a kernel that stopped before init is not a reproduction" \
	grep -q '"reproduced": false' "$T/ab/jobs/r4/metadata.json"
fails_with "a base run that timed out fails the report" "reproduce:kvm:race failed \(timeout" \
	python3 "$TOP/ci/report.py" "$T/ab" "$T/ab/jobs"
check "the reproducing runs count as passes, the timeout and the no-boot as failures" grep -qx '2 2 0 0' "$T/ab/counts"
check "the reproduction is named in the KTAP" grep -q 'ok 1 reproduce:kvm:race # reproduced (test failure)' "$T/ab/results.ktap"

# An expected failure inside a test's output is shown with its reason, never as a pass.
mkdir -p "$T/x/a"
cat >"$T/x/a/results.ktap" <<'KTAP'
TAP version 13
1..1
# selftests: kvm: race
# ok 1 the race
# ok 2 no SGI left active # XFAIL left active 3 times in 2000 iterations, cause under investigation
ok 1 selftests: kvm: race
KTAP
job "$T/x/a" pass test kvm:race
check "an expected failure does not fail the report" python3 "$TOP/ci/report.py" "$T/x" "$T/x"
check "counts: 2 passed (the test, no splat), 0 failed, 0 skipped, 1 xfail" grep -qx '2 0 0 1' "$T/x/counts"
check "the expected failure and its reason are in the summary" \
	grep -q 'expected failure: kvm:race: no SGI left active (left active 3 times in 2000 iterations' "$T/x/summary.txt"
check "the expected failure has its own KTAP line" grep -q 'ok 3 kvm:race: no SGI left active # XFAIL left active 3 times' "$T/x/results.ktap"
check "JUnit XML marks it skipped with type xfail" python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert [s.get("type") for s in r.iter("skipped")] == ["xfail"]' "$T/x/junit.xml"

# A stage the run left out (ci/pipeline.sh's not-run.txt) is a skip with its
# reason in all three reports, never a pass and never silent.
mkdir -p "$T/n/a"
cp "$T/x/a/results.ktap" "$T/n/a/"
job "$T/n/a" pass test kvm:race
printf 'benchmarks (base vs series)\tBENCH=1 or COVERAGE=full runs them\n' >"$T/n/not-run.txt"
check "a stage not run does not fail the report" python3 "$TOP/ci/report.py" "$T/n" "$T/n/a"
check "counts: the stage not run is one skip" grep -qx '2 0 1 1' "$T/n/counts"
check "the summary names the stage not run and why" \
	grep -q '^  benchmarks (base vs series): BENCH=1 or COVERAGE=full runs them' "$T/n/summary.txt"
check "the KTAP plan counts it" grep -qx '1..2' "$T/n/results.ktap"
check "the KTAP has a SKIP line for it" grep -qx 'ok 2 stage:benchmarks (base vs series) # SKIP not run: BENCH=1 or COVERAGE=full runs them' "$T/n/results.ktap"
check "JUnit XML marks it skipped" python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
c = [c for c in r.iter("testcase") if c.get("classname") == "stages"]
assert len(c) == 1 and c[0].find("skipped").get("message").startswith("not run: BENCH=1"), c
assert r.get("skipped") == "2", r.attrib
assert r.get("tests") == str(len(list(r.iter("testcase")))), r.attrib' "$T/n/junit.xml"

# A boot that ran beside a background stage (BESIDE, from run-job.sh) says so
# in its metadata and in the summary, with the count; one that did not, not.
mkdir -p "$T/bs/a" "$T/bs/b"
cp "$T/x/a/results.ktap" "$T/bs/a/"
cp "$T/x/a/results.ktap" "$T/bs/b/"
BESIDE="checkpatch, per-patch build" job "$T/bs/a" pass test kvm:race
job "$T/bs/b" pass test kvm:race
check "metadata.json names the stage a boot ran beside" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["job"]["beside"] == "checkpatch, per-patch build"
assert json.load(open(sys.argv[2]))["job"]["beside"] == ""' "$T/bs/a/metadata.json" "$T/bs/b/metadata.json"
python3 "$TOP/ci/report.py" "$T/bs" "$T/bs/a" "$T/bs/b" >/dev/null 2>&1 || true
check "the summary counts the boots beside it and names them" \
	grep -qx 'Booted while "checkpatch, per-patch build" ran in the background at idle CPU priority: 1 of 2 boots (metadata.json: job.beside): a 1/1' "$T/bs/summary.txt"

# A job stopped before it wrote metadata.json (run-job.sh writes its tests
# first) is an infra-error in the report, not left out.
mkdir -p "$T/k/ok" "$T/k/stopped"
cp "$T/x/a/results.ktap" "$T/k/ok/"
job "$T/k/ok" pass test kvm:race
echo kvm:race >"$T/k/stopped/tests"
fails_with "a job stopped before its metadata fails the report" "stopped" python3 "$TOP/ci/report.py" "$T/k" "$T/k"
check "...counted as a failure" bash -c 'read -r _ f _ <"$1" && [ "$f" -ge 1 ]' _ "$T/k/counts"
check "...and named in the summary, its test without a result" grep -q '^stopped: kvm:race failed (no result (infra-error))' "$T/k/summary.txt"
check "...with its test as one without a result" grep -q 'not ok .* kvm:race # no result (infra-error)' "$T/k/results.ktap"

# Boots that ran side by side (their job.start and job.end, from run-job.sh,
# overlap) are named in the summary, each with the others; a boot that ran
# alone is not; without them, no such line.
mkdir -p "$T/ln/a" "$T/ln/b" "$T/ln/c"
for d in a b c; do cp "$T/x/a/results.ktap" "$T/ln/$d/"; done
START=100 END=200 job "$T/ln/a" pass test kvm:race
START=150.5 END=250 job "$T/ln/b" pass test kvm:race
START=250 END=300 job "$T/ln/c" pass test kvm:race
check "metadata.json records the boot's start and end" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["job"]
assert (j["start"], j["end"]) == (150.5, 250), j' "$T/ln/b/metadata.json"
python3 "$TOP/ci/report.py" "$T/ln" "$T/ln/a" "$T/ln/b" "$T/ln/c" >/dev/null 2>&1 || true
check "the summary names the boots that ran side by side, each with the other" \
	grep -qx 'Booted side by side with another boot (metadata.json: job.start, job.end): 2 of 3 boots: a (beside b), b (beside a)' "$T/ln/summary.txt"
check "...and no such line for boots with no start and end recorded" bash -c '! grep -q "side by side" "$1"' _ "$T/bs/summary.txt"

# A log with control characters still gives valid JUnit XML.
mkdir -p "$T/c/a"
printf 'TAP version 13\n1..1\n# selftests: kvm: one\n# bad \001\002\033[0m bytes\nnot ok 1 selftests: kvm: one # exit=1\n' >"$T/c/a/results.ktap"
job "$T/c/a" fail test kvm:one
python3 "$TOP/ci/report.py" "$T/c" "$T/c" >/dev/null 2>&1 || true
check "JUnit XML stays valid with control characters in a log" python3 -c '
import sys, xml.etree.ElementTree as E
E.parse(sys.argv[1])' "$T/c/junit.xml"
# One runner call per test: the previous call's trailer is not part of the
# next test's log.
printf 'TAP version 13\n1..1\nok 1 selftests: kvm: one\n# Totals: pass:1 fail:0\nTAP version 13\n1..1\n# selftests: kvm: two\nnot ok 1 selftests: kvm: two # exit=1\n' >"$T/tr.ktap"
check "a test's log starts at its own runner call" python3 -c '
import sys; sys.path.insert(0, sys.argv[1])
import ktap
t = ktap.parse(sys.argv[2])
assert [x["name"] for x in t] == ["kvm:one", "kvm:two"], t
assert "Totals" not in t[1]["log"] and "kvm: two" in t[1]["log"], t[1]["log"]' "$TOP/ci" "$T/tr.ktap"
# A result line glued to output that did not end with a newline (a test
# the runner timed out) is still that test's result.
printf 'TAP version 13\n1..1\n# selftests: kvm: slow\n# waiting...not ok 1 selftests: kvm: slow # TIMEOUT 600 seconds\n' >"$T/glued.ktap"
check "a result line glued to the test's output is found" python3 -c '
import sys; sys.path.insert(0, sys.argv[1])
import ktap
t = ktap.parse(sys.argv[2])
assert [(x["name"], x["status"], x["directive"]) for x in t] == [("kvm:slow", "fail", "TIMEOUT 600 seconds")], t
assert "waiting..." in t[0]["log"], t' "$TOP/ci" "$T/glued.ktap"
# A watchdog's entry carries where the vCPUs were: decoded, else the raw dump.
mkdir -p "$T/w/a" "$T/w/b"
printf 'TAP version 13\n1..0\n' | tee "$T/w/a/results.ktap" >"$T/w/b/results.ktap"
for d in a b; do
	echo "watchdog: guest still running after 600s" >"$T/w/$d/watchdog"
	printf 'CPU#0\n PC=ffff80008048cf58 X00=0\n' >"$T/w/$d/cpu-state.txt"
	job "$T/w/$d" timeout test kvm:hang
done
echo "CPU#0 PC=ffff80008048cf58 vgic_spin at arch/arm64/kvm/vgic/vgic.c:42" >"$T/w/a/cpu-state-decoded.txt"
python3 "$TOP/ci/report.py" "$T/w" "$T/w" >/dev/null 2>&1 || true
check "a watchdog's JUnit log names the code the vCPUs were in" python3 -c '
import sys, xml.etree.ElementTree as E
logs = {c.get("classname"): (c.findtext("failure") or "") for c in E.parse(sys.argv[1]).getroot().iter("testcase")
        if c.get("name") == "boot:watchdog"}
assert any("vgic_spin at arch/arm64/kvm/vgic/vgic.c:42" in l for l in logs.values()), logs
assert any("PC=ffff80008048cf58 X00=0" in l for l in logs.values()), logs' "$T/w/junit.xml"
check "job-metadata.py gave every job the expected verdict" test ! -s "$T/misjudged"
check "no compiled Python is committed (ci/__pycache__)" \
	bash -c 'test -z "$(git -C "$1" ls-files "*__pycache__*" "*.pyc")"' _ "$TOP"
finish

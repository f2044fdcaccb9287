#!/usr/bin/env bash
# send-series.sh: a b4 dry run writes one mail per patch plus the cover
# letter, threaded, with subjects, recipients, trailers and base; re-signing
# by another person keeps the diffs byte-identical; the machine's placeholder
# identity is replaced by the sender's and never reaches a mail, any other
# placeholder address stops the run; nothing is sent.
. "$(dirname "$0")/lib.sh"
if ! command -v b4 >/dev/null || ! command -v git-filter-repo >/dev/null; then
	echo "ok 1 - # SKIP b4 or git-filter-repo not installed"
	echo "1..1"
	exit 0
fi
make_kernel "$T/linux"
# b4 prep --auto-to-cc runs the tree's get_maintainer.pl.
mkdir -p "$T/linux/scripts"
cat >"$T/linux/scripts/get_maintainer.pl" <<'GM'
#!/bin/sh
case " $* " in
*" --nom "*) echo "kvm-test@lists.kvmarm-tooling.dev" ;;
*) echo "Maint Ainer <maint@kvmarm-tooling.dev>" ;;
esac
GM
chmod +x "$T/linux/scripts/get_maintainer.pl"
git -C "$T/linux" add -A && git -C "$T/linux" commit -q -m "get_maintainer" && git -C "$T/linux" tag -f v7.3-rc7 >/dev/null
# The series is by the machine's placeholder git identity, as patches/ is.
machine_name="Seed 0 maintainers" machine_email="maintainers@users.noreply.b-seed-0.example"
machine="$machine_name <$machine_email>"
GIT_AUTHOR_NAME=$machine_name GIT_AUTHOR_EMAIL=$machine_email make_project "$T/p" "$T/linux"
export SERIES_FILE="$T/p/series" KERNEL_DIR="$T/linux"

echo "# prerequisite: message-id:<20260101-base-series-v3-0-abc@kvmarm-tooling.dev>" >>"$T/p/series"
# The person sending is not the author: their identity is git's configuration.
git config --global user.name "Other Sender"
git config --global user.email "sender@kvmarm-tooling.dev"
sender="Other Sender <sender@kvmarm-tooling.dev>"
# author_of MAIL: "Name <email>" of the patch's author (in-body From: included).
author_of() { git mailinfo /dev/null /dev/null <"$1" | sed -n 's/^Author: //p; s/^Email: \(.*\)/<\1>/p' | paste -sd' ' -; }
# sobs_are MAIL LINE...: the mail's Signed-off-by: lines are exactly LINE...
sobs_are() { local m=$1; shift; [ "$(grep '^Signed-off-by:' "$m")" = "$(printf 'Signed-off-by: %s\n' "$@")" ]; }
# no_placeholder FILE...: no reserved-domain or noreply address anywhere.
no_placeholder() { ! grep -iE 'noreply|\.(example|invalid|test|localhost)\b|example\.(com|net|org)' "$@"; }

check "is_placeholder_email: reserved domains, noreply, no domain" bash -c '. "$1/tools/lib.sh"; shift
	for a in "$@"; do is_placeholder_email "$a" || { echo "missed $a"; exit 1; }; done' _ "$TOP" \
	"$machine_email" "A <a@b.EXAMPLE>" a@example.com a@lists.example.org a@example.net a@x.invalid \
	a@x.test a@localhost 1+a@users.noreply.github.com noreply@kvmarm-tooling.dev nobody ""
check "is_placeholder_email: real domains" bash -c '. "$1/tools/lib.sh"; shift
	for a in "$@"; do ! is_placeholder_email "$a" || { echo "wrong $a"; exit 1; }; done' _ "$TOP" \
	sender@kvmarm-tooling.dev "Ada <ada@kernel.org>" a@example.co.uk a@myexample.com a@test.com a@x.testing

check "dry run with b4" "$TOP/tools/send-series.sh" --out "$T/out"
mails=("$T"/out/*.eml)
check "three mails: cover letter and two patches" test "${#mails[@]}" = 3
check "cover letter subject [PATCH 0/2]" grep -q '^Subject: \[PATCH 0/2\] Test series' "$T"/out/0000-*.eml
check "patch subjects [PATCH n/2]" grep -q '^Subject: \[PATCH 2/2\] KVM: arm64: Give pmu 20 a value' "$T"/out/0002-*.eml
cover_id=$(sed -n 's/^Message-Id: //Ip' "$T"/out/0000-*.eml)
check "patches reply to the cover letter" grep -qiF "In-Reply-To: $cover_id" "$T"/out/0001-*.eml
check "recipients from get_maintainer.pl" grep -q 'maint@kvmarm-tooling.dev' "$T"/out/0001-*.eml
check "lists from get_maintainer.pl" grep -q 'kvm-test@lists.kvmarm-tooling.dev' "$T"/out/0001-*.eml
for m in "$T"/out/000[12]-*.eml; do
	check "${m##*/}: the placeholder author is replaced by the sender" test "$(author_of "$m")" = "$sender"
	check "${m##*/}: one Signed-off-by, the sender's (the placeholder's is replaced)" sobs_are "$m" "$sender"
done
check "the cover letter: one Signed-off-by, the sender's" sobs_are "$T"/out/0000-*.eml "$sender"
check "no placeholder address in any mail" no_placeholder "$T"/out/*.eml
check "base-commit in the cover letter" grep -q "^base-commit: $(git -C "$T/linux" rev-parse v7.3-rc7)" "$T"/out/0000-*.eml
check "prerequisites from series in the cover letter" \
	grep -q '^prerequisite-message-id: <20260101-base-series-v3-0-abc@kvmarm-tooling.dev>' "$T"/out/0000-*.eml
check "the stable change-id from series" grep -q "^change-id: $(SERIES_FILE="$T/p/series" bash -c ". '$TOP/tools/lib.sh'; series_field change-id")" "$T"/out/0000-*.eml
diff_of() { # the diff of a mail, trailing blank lines dropped (own temp file: runs in parallel)
	local d
	d=$(mktemp -p "$T")
	git mailinfo /dev/null "$d" <"$1" >/dev/null && sed -n '/^diff --git/,$p' "$d" | sed '/^-- $/,$d' |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
same=1
for i in 1 2; do
	cmp -s <(diff_of "$T"/p/patches/000$i-*.patch) <(diff_of "$T"/out/000$i-*.eml) || same=0
done
check "re-signing leaves the diffs byte-identical" test "$same" = 1
[ "$same" = 1 ] || for i in 1 2; do diff <(diff_of "$T"/p/patches/000$i-*.patch) <(diff_of "$T"/out/000$i-*.eml) | sed "s/^/# /"; done
check "nothing was sent (dry run only)" grep -qi 'dry' "$T/out/b4-send.log"
mkdir -p "$T/mine" && echo precious >"$T/mine/notes.txt"
fails_with "a non-empty --out that holds no earlier dry run is refused" "not replacing it" \
	"$TOP/tools/send-series.sh" --out "$T/mine"
check "its files are untouched" grep -qx precious "$T/mine/notes.txt"
check "an earlier dry run's directory is replaced" "$TOP/tools/send-series.sh" --out "$T/out"

# A real person's patch in the machine's series: hers, signed off by her and
# (as it passed through) by the machine, whose sign-off becomes the sender's.
ada="Ada Real <ada@kvmarm-tooling.dev>"
cp -r "$T/p" "$T/p2"
sed -i -e "s/^From: $machine\$/From: $ada/" -e "s/^Signed-off-by: $machine\$/Signed-off-by: $ada\n&/" "$T"/p2/patches/0001-*.patch
check "patch 1 of the second series is Ada's" grep -qxF "From: $ada" "$T"/p2/patches/0001-*.patch
check "dry run, a real author and the machine" env SERIES_FILE="$T/p2/series" "$TOP/tools/send-series.sh" --out "$T/out-real"
m=$(echo "$T"/out-real/0001-*.eml)
check "a real author stays the author" test "$(author_of "$m")" = "$ada"
check "her Signed-off-by is kept, the sender's added, the machine's gone" sobs_are "$m" "$ada" "$sender"
check "the machine's patch in the same series is the sender's" sobs_are "$T"/out-real/0002-*.eml "$sender"
check "no placeholder address in the mails of the mixed series" no_placeholder "$T"/out-real/*.eml
check "--reset-author: a real author's patch becomes the sender's" env SERIES_FILE="$T/p2/series" "$TOP/tools/send-series.sh" --out "$T/out-reset" --reset-author
check "--reset-author: her Signed-off-by stays, the sender's added" sobs_are "$(echo "$T"/out-reset/0001-*.eml)" "$ada" "$sender"
check "--reset-author: the sender is the author" test "$(author_of "$(echo "$T"/out-reset/0001-*.eml)")" = "$sender"

# Refusals: nothing is written when a placeholder would be mailed.
fails_with "a placeholder sender identity is refused, naming user.email" "git config user\.email.*$machine_email.*placeholder" \
	env GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=user.email GIT_CONFIG_VALUE_0="$machine_email" "$TOP/tools/send-series.sh" --out "$T/out-c"
check "a placeholder sender: nothing written" test ! -e "$T/out-c"
cp -r "$T/p" "$T/p3"
sed -i "s/^Signed-off-by: $machine\$/Co-developed-by: Some One <someone@foo.invalid>\nSigned-off-by: Some One <someone@foo.invalid>\n&/" "$T"/p3/patches/0002-*.patch
fails_with "a placeholder left in a trailer is refused, naming the patch and the line" \
	"patches/0002-.*Give pmu 20 a value.*: Co-developed-by: Some One <someone@foo\.invalid>" \
	env SERIES_FILE="$T/p3/series" "$TOP/tools/send-series.sh" --out "$T/out-d"
cp "$T/.cmd.log" "$T/refusal.log"
check "the refusal names the placeholder Signed-off-by too" grep -q "patches/0002-.*: Signed-off-by: Some One <someone@foo.invalid>" "$T/refusal.log"
check "a placeholder in a trailer: no mail written" test ! -e "$T/out-d"

# b4 mails as the sender the script checked, whatever its own configuration
# says: here the global identity is the machine's, the sender's is set in the
# repository they run the script from.
printf '[user]\n\tname = %s\n\temail = %s\n' "$machine_name" "$machine_email" >"$T/machine.gitconfig"
git init -q "$T/me" && git -C "$T/me" config user.name "Local Sender" && git -C "$T/me" config user.email local@kvmarm-tooling.dev
check "dry run with the sender's identity in the repository only" bash -c 'cd "$1" && GIT_CONFIG_GLOBAL="$2" "$3" --out "$4"' _ \
	"$T/me" "$T/machine.gitconfig" "$TOP/tools/send-series.sh" "$T/out-local"
check "the mails are from that sender" test "$(sed -n '/^$/q; s/^From: //p' "$T"/out-local/*.eml | sort -u)" = "Local Sender <local@kvmarm-tooling.dev>"
check "no placeholder address in those mails" no_placeholder "$T"/out-local/*.eml
fails_with "a placeholder sendemail.from is refused, naming it" "placeholder address \(git config sendemail\.from" \
	env GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=sendemail.from GIT_CONFIG_VALUE_0="$machine" "$TOP/tools/send-series.sh" --out "$T/out-f"
cp "$T/.cmd.log" "$T/refusal-from.log"
check "the refusal quotes the From: of the mails" grep -qF "0001-kvm-give-line-10-a-value.eml: From: $machine" "$T/refusal-from.log"
check "a placeholder sendemail.from: nothing written" test ! -e "$T/out-f"

# Version 2: one more patch, the range-diff against v1 in the cover letter.
git -C "$T/p" init -q && git -C "$T/p" add -A && git -C "$T/p" commit -q -m v1
"$TOP/tools/apply-series.sh" --dest "$T/wt" >/dev/null
sed -i 's/^int line_30;/int line_30 = 30;/' "$T/wt/virt/kvm/kvm_main.c"
GIT_AUTHOR_NAME=$machine_name GIT_AUTHOR_EMAIL=$machine_email \
	git -C "$T/wt" commit -q -am "KVM: Give line 30 a value" -m "Signed-off-by: $machine"
"$TOP/tools/export-series.sh" "$T/wt" >/dev/null 2>&1
sed -i 's/^# version: .*/# version: 2/' "$T/p/series"
check "v2 dry run with --previous" "$TOP/tools/send-series.sh" --out "$T/out2" --previous HEAD
check "v2 subjects" grep -q '^Subject: \[PATCH v2 3/3\]' "$T"/out2/0003-*.eml
check "the cover letter has the range-diff against v1" grep -q 'Changes since v1 (range-diff)' "$T"/out2/0000-*.eml
check "the range-diff does not show the re-signing" bash -c '! sed -n "/range-diff/,\$p" "$1" | grep -qE "[-+] *Signed-off-by:"' _ "$(ls "$T"/out2/0000-*.eml)"
check "the range-diff shows the new patch" grep -qE -- "-: +-+ > +3: " "$T"/out2/0000-*.eml
check "the range-diff shows patches 1 and 2 unchanged" test "$(grep -cE '^ +[12]: +[0-9a-f]+ = +[12]: ' "$T"/out2/0000-*.eml)" = 2
check "v2: one Signed-off-by in the new patch, the sender's" sobs_are "$(echo "$T"/out2/0003-*.eml)" "$sender"
check "v2: no placeholder address in any mail" no_placeholder "$T"/out2/*.eml

# B4= selects the b4; a b4 with `prep --check` has its report kept, not judged.
fails_with "B4 that is not executable is named" "B4='$T/nob4' is not an executable file" \
	env B4="$T/nob4" "$TOP/tools/send-series.sh" --out "$T/out3"
cat >"$T/b4check" <<'B4'
#!/bin/sh
# b4 0.12 with a `prep --check` (as b4 0.14 has): for the tooling's tests.
if [ "$1 $2" = "prep --help" ]; then b4 "$@"; echo "  --check    Run checks"; echo "  --check-deps  Check deps"; exit 0; fi
if [ "$1 $2" = "prep --check-deps" ]; then exit 0; fi
if [ "$1 $2" = "prep --check" ]; then printf '\033[31m●\033[0m abc: t\n  ● checkpatch.pl: :1: WARNING: test remark\n'; exit 0; fi
exec b4 "$@"
B4
chmod +x "$T/b4check"
check "dry run with a b4 that has prep --check" env B4="$T/b4check" "$TOP/tools/send-series.sh" --out "$T/out4"
check "its report is kept beside the mails, without colours" \
	bash -c 'grep -q "checkpatch.pl: :1: WARNING: test remark" "$1" && ! grep -q $'"'"'\033'"'"' "$1"' _ "$T/out4/b4-prep-check.txt"
check "the mails are still all there" test "$(find "$T/out4" -maxdepth 1 -name "*.eml" | wc -l)" = 4
# --check: b4's checks only, no mail, no identity of the user's needed.
check "--check with a placeholder identity writes the report only" \
	bash -c 'git config --global user.email ci@localhost && B4="$1" "$2" --check --out "$3" &&
		test -f "$3/b4-prep-check.txt" && [ -z "$(find "$3" -name "*.eml")" ]' _ "$T/b4check" "$TOP/tools/send-series.sh" "$T/out5"
fails_with "--check with a b4 without prep --check says which b4 has it" "has no 'prep --check'.*get-b4.sh" \
	"$TOP/tools/send-series.sh" --check --out "$T/out6"
fails_with "--check and --send exclude each other" "exclude each other" "$TOP/tools/send-series.sh" --check --send
finish

#!/usr/bin/env bash
# send-series.sh: a b4 dry run writes one mail per patch plus the cover
# letter, threaded, with subjects, recipients, trailers and base; re-signing
# by another person keeps the diffs byte-identical; nothing is sent.
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
*" --nom "*) echo "kvm-test@lists.example.org" ;;
*) echo "Maint Ainer <maint@example.org>" ;;
esac
GM
chmod +x "$T/linux/scripts/get_maintainer.pl"
git -C "$T/linux" add -A && git -C "$T/linux" commit -q -m "get_maintainer" && git -C "$T/linux" tag -f v7.3-rc7 >/dev/null
make_project "$T/p" "$T/linux"
export SERIES_FILE="$T/p/series" KERNEL_DIR="$T/linux"

echo "# prerequisite: message-id:<20260101-base-series-v3-0-abc@example.org>" >>"$T/p/series"
# The person sending is not the author: their identity is git's configuration.
git config --global user.name "Other Sender"
git config --global user.email "sender@example.org"
check "dry run with b4" "$TOP/tools/send-series.sh" --out "$T/out"
mails=("$T"/out/*.eml)
check "three mails: cover letter and two patches" test "${#mails[@]}" = 3
check "cover letter subject [PATCH 0/2]" grep -q '^Subject: \[PATCH 0/2\] Test series' "$T"/out/0000-*.eml
check "patch subjects [PATCH n/2]" grep -q '^Subject: \[PATCH 2/2\] KVM: arm64: Give pmu 20 a value' "$T"/out/0002-*.eml
cover_id=$(sed -n 's/^Message-Id: //Ip' "$T"/out/0000-*.eml)
check "patches reply to the cover letter" grep -qiF "In-Reply-To: $cover_id" "$T"/out/0001-*.eml
check "recipients from get_maintainer.pl" grep -q 'maint@example.org' "$T"/out/0001-*.eml
check "lists from get_maintainer.pl" grep -q 'kvm-test@lists.example.org' "$T"/out/0001-*.eml
check "the author's Signed-off-by is kept" grep -q '^Signed-off-by: Test Author <author@example.org>' "$T"/out/0001-*.eml
check "the sender's Signed-off-by is added" grep -q '^Signed-off-by: Other Sender <sender@example.org>' "$T"/out/0001-*.eml
check "the author stays the author" grep -q '^From: Test Author <author@example.org>' "$T"/out/0001-*.eml
check "base-commit in the cover letter" grep -q "^base-commit: $(git -C "$T/linux" rev-parse v7.3-rc7)" "$T"/out/0000-*.eml
check "prerequisites from series in the cover letter" \
	grep -q '^prerequisite-message-id: <20260101-base-series-v3-0-abc@example.org>' "$T"/out/0000-*.eml
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

# Version 2: one more patch, the range-diff against v1 in the cover letter.
git -C "$T/p" init -q && git -C "$T/p" add -A && git -C "$T/p" commit -q -m v1
"$TOP/tools/apply-series.sh" --dest "$T/wt" >/dev/null
sed -i 's/^int line_30;/int line_30 = 30;/' "$T/wt/virt/kvm/kvm_main.c"
git -C "$T/wt" commit -q -am "KVM: Give line 30 a value" -m "Signed-off-by: Test Author <author@example.org>"
"$TOP/tools/export-series.sh" "$T/wt" >/dev/null 2>&1
sed -i 's/^# version: .*/# version: 2/' "$T/p/series"
check "v2 dry run with --previous" "$TOP/tools/send-series.sh" --out "$T/out2" --previous HEAD
check "v2 subjects" grep -q '^Subject: \[PATCH v2 3/3\]' "$T"/out2/0003-*.eml
check "the cover letter has the range-diff against v1" grep -q 'Changes since v1 (range-diff)' "$T"/out2/0000-*.eml
check "the range-diff does not show the re-signing" bash -c '! sed -n "/range-diff/,\$p" "$1" | grep -q "+ *Signed-off-by: Other Sender"' _ "$(ls "$T"/out2/0000-*.eml)"
check "the range-diff shows the new patch" grep -qE -- "-: +-+ > +3: " "$T"/out2/0000-*.eml
finish

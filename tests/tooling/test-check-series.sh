#!/usr/bin/env bash
# check-series.sh: consistency of series, patches/ and the cover letter.
. "$(dirname "$0")/lib.sh"
make_kernel "$T/linux"
make_project "$T/p" "$T/linux"
cs="$TOP/tools/check-series.sh"
export SERIES_FILE="$T/p/series"

check "a consistent series passes" "$cs"

cp "$T/p/patches/0001-"*.patch "$T/p/patches/0003-extra.patch"
fails_with "a patch missing from series is named" "0003-extra.patch is not listed in series" "$cs"
rm "$T/p/patches/0003-extra.patch"

echo "0009-gone.patch" >>"$T/p/series"
fails_with "a series entry with no file is named" "names '0009-gone.patch', but patches/0009-gone.patch does not exist" "$cs"
sed -i '/0009-gone.patch/d' "$T/p/series"

p1=$(ls "$T/p/patches/0001-"*.patch)
cp "$p1" "$T/save"
sed -i 's/^+int line_10 = 10;/+int line_10 = 10;\n+garbage/' "$p1"
fails_with "a corrupted patch is named" "0001-.*(corrupt|diff)" "$cs"
cp "$T/save" "$p1"

sed -i '/^Signed-off-by:/d' "$p1"
fails_with "a patch without the author's Signed-off-by is named" "0001-.*no 'Signed-off-by: Test Author <author@kvmarm-tooling.dev>'" "$cs"
cp "$T/save" "$p1"

sed -i 's/^Subject: \[PATCH 1\/2\]/Subject: [PATCH 1\/3]/' "$p1"
fails_with "wrong [PATCH n/N] numbering is named" "0001-.*should be numbered \[PATCH 1/2\]" "$cs"
cp "$T/save" "$p1"

sed -i 's/^Subject: \[PATCH 1\/2\]/Subject: [PATCH v2 01\/02]/' "$p1"
check "zero-padded numbering (git format-patch of long series) is accepted" "$cs"
cp "$T/save" "$p1"

cp "$T/p/series" "$T/series.save"
sed -i '1i # topic: one 1-1 (tree A)' "$T/p/series"
fails_with "a patch in no topic is named" "patch 2 \(0002-.*\) is in no topic" "$cs"
sed -i '1i # topic: two 2-3 (tree B)' "$T/p/series"
fails_with "a topic beyond the series is named" "topic 'two' names patch 3; the series has 2" "$cs"
sed -i 's/^# topic: two 2-3/# topic: two 1-2/' "$T/p/series"
fails_with "a patch in two topics is named" "patch 1 is in more than one topic" "$cs"
sed -i 's/^# topic: two 1-2/# topic: two 2-2/' "$T/p/series"
check "topics that cover the series once pass" "$cs"
cp "$T/series.save" "$T/p/series"

sed -i 's/0\/2/0\/5/' "$T/p/cover-letter.txt"
fails_with "a cover letter with the wrong N is caught" "cover-letter.txt says \[PATCH 0/5\], the series has 2 patches" "$cs"
finish

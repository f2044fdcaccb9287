#!/usr/bin/env bash
# Check that `series`, patches/ and cover-letter.txt agree with each other:
# every series entry exists, every patch is listed, [PATCH n/N] numbering and
# the cover letter's N match the series, each patch is a well-formed mail
# with a diff and a Signed-off-by: from its author.
#
# usage: check-series.sh [--quiet]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quiet=0
[ "${1:-}" = --quiet ] && quiet=1
series=$SERIES_FILE
pdir=$PATCH_DIR
cover=$SERIES_DIR/cover-letter.txt
[ -f "$series" ] || die "series file '$series' not found"
need_tool git git

errors=0
err() { printf '%s: %s\n' "${0##*/}" "$*" >&2; errors=$((errors + 1)); }

mapfile -t listed < <(series_patches)
total=${#listed[@]}
for p in "${listed[@]}"; do
	[ -f "$pdir/$p" ] || err "series names '$p', but patches/$p does not exist"
done
dups=$(printf '%s\n' "${listed[@]}" | sort | uniq -d)
[ -z "$dups" ] || err "series lists more than once: $dups"
for f in "$pdir"/*.patch; do
	[ -e "$f" ] || continue
	# (grep reads a process substitution, not a pipeline: under pipefail,
	# printf killed by SIGPIPE once grep -q has its match would fail the test)
	grep -qxF -- "${f##*/}" < <(printf '%s\n' "${listed[@]}") ||
		err "patches/${f##*/} is not listed in series"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for p in "${listed[@]}"; do
	n=$((n + 1))
	f="$pdir/$p"
	[ -f "$f" ] || continue
	if ! git mailinfo -k "$tmp/msg" "$tmp/diff" <"$f" >"$tmp/info" 2>/dev/null; then
		err "$p: not a mail git am can read"
		continue
	fi
	author=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	{ [ -n "$author" ] && [ -n "$email" ]; } || err "$p: no From: author"
	[ -s "$tmp/diff" ] || err "$p: contains no diff"
	if [ -s "$tmp/diff" ] && ! git apply --stat "$tmp/diff" >/dev/null 2>&1; then
		err "$p: the diff is corrupt ($(git apply --stat "$tmp/diff" 2>&1 | head -n1))"
	fi
	grep -qxF "Signed-off-by: $author <$email>" "$tmp/msg" ||
		err "$p: no 'Signed-off-by: $author <$email>' matching its author"
	num=$(printf '%s\n' "$subject" | sed -n 's/^\[[^]]*PATCH[^]]* \([0-9]*\)\/\([0-9]*\)\].*/\1 \2/p')
	if [ "$total" -gt 1 ]; then
		read -r a b <<<"${num:-x x}"
		# git format-patch pads the numbers of long series (01/10): compare values.
		{ [[ "$a" =~ ^[0-9]+$ ]] && [[ "$b" =~ ^[0-9]+$ ]] && [ "$((10#$a))" = "$n" ] && [ "$((10#$b))" = "$total" ]; } ||
			err "$p: subject '$subject' should be numbered [PATCH $n/$total]"
	fi
done

if [ "$total" -gt 0 ]; then
	if [ ! -f "$cover" ]; then
		[ "$total" -eq 1 ] || err "cover-letter.txt missing for a series of $total patches"
	else
		cn=$(sed -n 's/^Subject: \[[^]]*PATCH[^]]* 0\/\([0-9]*\)\].*/\1/p' "$cover" | head -n1)
		[ "$cn" = "$total" ] ||
			err "cover-letter.txt says [PATCH 0/${cn:-?}], the series has $total patches"
	fi
fi

# Topics ("# topic: NAME FIRST-LAST"), if any: within the series, disjoint,
# together covering every patch.
mapfile -t topics < <(series_topics)
if [ "${#topics[@]}" -gt 0 ]; then
	covered=""
	for t in "${topics[@]}"; do
		for k in ${t#*$'\t'}; do
			if [ "$k" -lt 1 ] || [ "$k" -gt "$total" ]; then
				err "topic '${t%%$'\t'*}' names patch $k; the series has $total"
			fi
			case " $covered " in *" $k "*) err "patch $k is in more than one topic" ;; esac
			covered="$covered $k"
		done
	done
	for k in $(seq 1 "$total"); do
		case " $covered " in *" $k "*) ;; *) err "patch $k (${listed[$((k - 1))]}) is in no topic" ;; esac
	done
fi

[ "$errors" -eq 0 ] || die "$errors problem(s) in the series"
[ "$quiet" = 1 ] || info "series OK: $total patch(es)"

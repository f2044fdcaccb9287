#!/usr/bin/env bash
# Prepare the series for sending with b4, and send it only when asked to.
#
# usage: send-series.sh [--out DIR] [--reset-author] [--previous REV] [--send]
#                       [--check] [--worktree DIR]
#   --out DIR       where the dry run writes the mails (default: outgoing/)
#   --reset-author  also make the sender the author of the patches by real
#                   people (placeholder authors are always replaced)
#   --previous REV  a commit of this repository holding the previous version
#                   of the series: its range-diff goes into the cover letter
#   --send          really send (b4 send); without it nothing leaves the machine
#   --check         only b4's own checks: `prep --check-deps` must pass, and
#                   `prep --check` (b4 >= 0.14) is written to DIR/b4-prep-check.txt;
#                   no mail is written, so no identity of yours is needed
#                   (the throwaway branch is signed by the tooling's)
#   --worktree DIR  the worktree to prepare the branch in (default: the
#                   cache's worktrees/send): one that apply-series.sh made,
#                   or a path where it makes one
#
# Every patch is re-signed by the person running this (git's identity:
# user.name/user.email), the diffs stay byte-identical. A patch by a
# placeholder identity (is_placeholder_email: a machine's git identity, a
# reserved or noreply domain) becomes the sender's, its Signed-off-by: the
# sender's; other people's authorship and Signed-off-by: stay and the
# sender's is added. Any placeholder address left in a From:, Signed-off-by:
# or Co-developed-by:, or in the From: b4 gives the mails (b4 runs as the
# sender, but honours sendemail.from), stops everything before a mail is
# kept or sent.
# Recipients come from the tree's get_maintainer.pl (b4 prep --auto-to-cc);
# the change-id, version and prerequisites ("# prerequisite:
# change-id:ID:vN" or "message-id:<ID>") come from `series`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$TOPDIR/outgoing" reset_author=0 previous="" send=0 check_only=0 wt="$WORK_ROOT/worktrees/send"
while [ $# -gt 0 ]; do
	case $1 in
	--check) check_only=1; shift ;;
	--out) out=$2; shift 2 ;;
	--reset-author) reset_author=1; shift ;;
	--previous) previous=$2; shift 2 ;;
	--send) send=1; shift ;;
	--worktree) wt=$2; shift 2 ;;
	-h | --help) sed -n '2,30p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
# B4: the b4 to run (default: the one on PATH; tools/get-b4.sh gives 0.14,
# whose `prep --check` output is kept with the mails as b4-prep-check.txt).
if [ -n "${B4:-}" ]; then
	[ -x "$B4" ] || die "B4='$B4' is not an executable file"
	b4bin=$B4
else
	need_tool b4 b4
	b4bin=b4
fi
need_tool git-filter-repo git-filter-repo
# The sender is who git (and b4) are configured to be. The checks alone
# mail nothing: a placeholder identity signs their throwaway branch.
name=$(git config user.name || true) email=$(git config user.email || true)
[ "$check_only" = 0 ] || name="kvmarm-series tooling" email=tooling@localhost
[ "$check_only" = 0 ] || [ "$send" = 0 ] || die "--check and --send exclude each other"
{ [ -n "$name" ] && [ -n "$email" ]; } ||
	die "no git identity: set user.name and user.email (git config --global) to sign the series"
[ "$check_only" = 1 ] || ! is_placeholder_email "$email" ||
	die "your git identity (git config user.email: '$email') is a placeholder address, not a person's: set user.name and user.email (git config --global) to your own to sign the series; nothing written or sent"
sender="$name <$email>"
# Whatever is committed here (b4's cover letter too) is the sender's.
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
change_id=$(series_field change-id)
version=$(series_field version)
[ -n "$change_id" ] || die "series has no '# change-id:' line"
[ -n "$version" ] || version=1
[ -f "$SERIES_DIR/cover-letter.txt" ] || die "cover-letter.txt not found"
b4v=$("$b4bin" --version 2>/dev/null | head -n1)
info "b4 $b4v; $([ "$check_only" = 1 ] && echo "checking" || echo "sending as $sender"); version $version; change-id $change_id"

msg=$(mktemp)
trap 'rm -rf "$msg" "$msg.log" "$msg.d"' EXIT
"$TOPDIR/tools/apply-series.sh" --dest "$wt" --branch "b4/$change_id-$$" >/dev/null
read -r _ base < <("$TOPDIR/tools/get-base.sh")
before=$(git -C "$wt" rev-list --reverse "$base..HEAD" | while read -r c; do git -C "$wt" diff "$c~1" "$c"; done | sha256sum)

# email_of LINE: the address of "Key: Name <addr>" (or the whole value).
email_of() {
	local v
	if [[ $1 =~ \<([^>]*)\> ]]; then v=${BASH_REMATCH[1]}; else read -r v <<<"${1#*:}"; fi
	printf '%s\n' "$v"
}

# resign WT BASE: re-sign BASE..HEAD of worktree WT as the sender. The
# placeholder authors (the machine's identity) are replaced by the sender,
# as author and in every Signed-off-by: of theirs; the sender's
# Signed-off-by: is added last (once). Trees and author dates are kept.
resign() {
	local wt=$1 parent=$2 commits c an ae ad line machine=""
	commits=$(git -C "$wt" rev-list --reverse "$parent..HEAD")
	for c in $commits; do
		ae=$(git -C "$wt" log -1 --format=%ae "$c")
		! is_placeholder_email "$ae" || machine+="$ae"$'\n'
	done
	for c in $commits; do
		IFS=$'\t' read -r an ae ad < <(git -C "$wt" log -1 --date=raw --format=$'%an\t%ae\t%ad' "$c")
		if is_placeholder_email "$ae" || [ "$reset_author" = 1 ]; then an=$name ae=$email; fi
		parent=$(git -C "$wt" log -1 --format=%B "$c" | while IFS= read -r line; do
			case ${line,,} in
			signed-off-by:*) ! grep -qixF -- "$(email_of "$line")" <<<"$machine" || continue ;;
			esac
			printf '%s\n' "$line"
		done | git -C "$wt" stripspace |
			git -C "$wt" interpret-trailers --no-divider --where end --if-exists addIfDifferentNeighbor \
				--trailer "Signed-off-by: $sender" |
			GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
				git -C "$wt" commit-tree "$c^{tree}" -p "$parent") || return
	done
	git -C "$wt" reset -q --hard "$parent"
}

# flag LABEL: print "LABEL: LINE" for each "Key: Name <addr>" line of stdin
# at a placeholder address.
flag() {
	local line
	while IFS= read -r line; do
		! is_placeholder_email "$(email_of "$line")" || printf '%s: %s\n' "$1" "$line"
	done
}

# placeholders WT LABEL COMMIT: each identity of COMMIT (its author, From:,
# Signed-off-by:, Co-developed-by:) at a placeholder address.
placeholders() {
	git -C "$1" log -1 --format='Author: %an <%ae>%n%B' "$3" |
		{ grep -iE '^(author|from|signed-off-by|co-developed-by):' || true; } | flag "$2"
}

# b4_wt [KEY=VALUE...] -- ARGS...: b4 ARGS in the worktree, with these git
# config entries added to the caller's (GIT_CONFIG_COUNT), as the sender: b4
# must not take another identity from the worktree's own configuration.
b4_wt() {
	local i=${GIT_CONFIG_COUNT:-0}
	local -a cfg=()
	set -- "user.name=$name" "user.email=$email" "$@"
	while [ "$1" != -- ]; do
		cfg+=("GIT_CONFIG_KEY_$i=${1%%=*}" "GIT_CONFIG_VALUE_$i=${1#*=}")
		i=$((i + 1))
		shift
	done
	shift
	(cd "$wt" && env "${cfg[@]}" GIT_CONFIG_COUNT="$i" "$b4bin" "$@")
}

resign "$wt" "$base" || die "re-signing the series failed in $wt"
after=$(git -C "$wt" rev-list --reverse "$base..HEAD" | while read -r c; do git -C "$wt" diff "$c~1" "$c"; done | sha256sum)
[ "$before" = "$after" ] || die "re-signing changed a diff (this is a bug); nothing sent"

# Enroll with b4, then put our cover letter and change-id in b4's cover commit.
b4_wt -- prep -e "$base" >"$msg.log" 2>&1 || { cat "$msg.log" >&2; die "b4 prep -e failed in $wt"; }
cover_commit=$(b4_wt -- prep --show-info 2>/dev/null | sed -n 's/^start-commit: //p')
[ -n "$cover_commit" ] || die "b4 did not create its cover letter commit"
{
	sed -n '1s/^Subject: \[[^]]*\] *//p' "$SERIES_DIR/cover-letter.txt"
	sed '1d' "$SERIES_DIR/cover-letter.txt"
	if [ -n "$previous" ]; then
		prev_wt="$WORK_ROOT/worktrees/previous"
		prev_dir=$(mktemp -d)
		git -C "$SERIES_DIR" archive "$previous" series cover-letter.txt patches | tar -x -C "$prev_dir" ||
			die "--previous $previous: no series in that commit"
		SERIES_FILE="$prev_dir/series" "$TOPDIR/tools/apply-series.sh" --dest "$prev_wt" \
			--branch "b4/previous-$$" >/dev/null || die "--previous $previous does not apply"
		# Signed the same way, so that the range-diff shows only real changes.
		resign "$prev_wt" "$base" || die "re-signing the previous version failed"
		pv=$(SERIES_FILE="$prev_dir/series" series_field version)
		echo
		echo "Changes since v${pv:-$((version - 1))} (range-diff):"
		git -C "$wt" range-diff --no-color "$base..$(git -C "$prev_wt" rev-parse HEAD)" "$cover_commit..HEAD" |
			sed 's/^/  /'
		rm -rf "$prev_dir"
	fi
	# Series this one depends on, from `series` ("# prerequisite: change-id:ID:vN"
	# or "# prerequisite: message-id:<ID>"), in the form b4 reads back.
	prereqs=$(sed -n 's/^#[[:space:]]*prerequisite:[[:space:]]*\(change-id\|message-id\|patch-id\):[[:space:]]*/prerequisite-\1: /p' "$SERIES_FILE")
	if [ -n "$prereqs" ]; then
		echo
		printf '%s\n' "$prereqs"
	fi
	echo
	echo "Signed-off-by: $sender"
	echo
	echo "--- b4-submit-tracking ---"
	echo "# This section is used internally by b4 prep for tracking purposes."
	printf '{\n  "series": {\n    "revision": %s,\n    "change-id": "%s",\n    "base-branch": null,\n    "prefixes": []\n  }\n}\n' \
		"$version" "$change_id"
} >"$msg"
GIT_SEQUENCE_EDITOR="sed -i '1s/^pick /edit /'" git -C "$wt" -c core.hooksPath=/dev/null rebase -q -i "$base" >/dev/null 2>&1 ||
	die "could not edit b4's cover letter commit"
git -C "$wt" commit -q --amend --allow-empty --no-verify -F "$msg"
git -C "$wt" -c core.hooksPath=/dev/null rebase --continue >"$msg.log" 2>&1 || { cat "$msg.log" >&2; false; } ||
	die "could not rebase onto the new cover letter"
b4_wt -- prep --auto-to-cc >/dev/null 2>&1 || die "b4 prep --auto-to-cc failed (get_maintainer.pl)"
# Newer b4 checks the series itself; 0.12 has neither flag.
deps_checked=0
# (Read whole: grep -q would leave b4 writing to a closed pipe.)
prep_help=$(b4_wt -- prep --help 2>&1 || true)
if grep -q -- '--check-deps' <<<"$prep_help"; then
	b4_wt -- prep --check-deps || die "b4 prep --check-deps failed"
	deps_checked=1
fi
# `prep --check` (checkpatch as b4 runs it, non-strict, on b4's own diffs)
# always exits 0: its report is kept beside the mails, never judged here.
check_report=""
if grep -q -- ' --check ' <<<"$prep_help"; then
	check_report=$(b4_wt -- prep --check 2>&1 | sed 's/\x1b\[[0-9;]*m//g') || die "b4 prep --check failed to run"
fi
if [ "$check_only" = 1 ]; then
	[ -n "$check_report" ] || die "b4 $b4v has no 'prep --check' (b4 >= 0.14 has: B4=\$(tools/get-b4.sh))"
	mkdir -p "$out"
	printf '%s\n' "$check_report" >"$out/b4-prep-check.txt"
	[ "$deps_checked" = 1 ] || die "b4 $b4v has no 'prep --check-deps'"
	info "b4 prep --check-deps passed; b4 prep --check: $(grep -c 'checkpatch.pl: ' "$out/b4-prep-check.txt" || true) remark(s), in $out/b4-prep-check.txt"
	exit 0
fi

# What b4 is about to mail: the cover letter, then the patches in order.
mapfile -t files < <(series_patches)
bad=$(i=-1; git -C "$wt" rev-list --reverse "$base..HEAD" | while read -r c; do
	label="the cover letter"
	[ "$i" -lt 0 ] || label="patches/${files[i]:-?} (\"$(git -C "$wt" log -1 --format=%s "$c")\")"
	placeholders "$wt" "$label" "$c"
	i=$((i + 1))
done)
[ -z "$bad" ] || die "placeholder addresses (not a person's) left after re-signing; nothing written or sent:
$bad"

# b4 writes the mails into a scratch directory first: the From: it gives
# them (git config sendemail.from, else the sender) is checked before they
# are kept or sent. It needs no transport and no signature for that; tell it
# "SMTP" (never used with -o) so that it does not insist on a web endpoint
# with a signing key. The diffs are made as export-series.sh makes patches/.
b4_wt sendemail.smtpserver=localhost diff.algorithm=histogram -- send --no-sign -o "$msg.d" >"$msg.log" 2>&1 ||
	{ cat "$msg.log" >&2; die "b4 send -o failed"; }
bad=$(for m in "$msg.d"/*; do
	sed -n '/^$/q; p' "$m" | sed -e ':a' -e '$!N; s/\n[[:space:]]\+/ /; ta' -e 'P; D' |
		{ grep -i '^From:' || true; } | flag "${m##*/}"
done)
[ -z "$bad" ] || die "b4 would mail from a placeholder address (git config sendemail.from, else user.email); nothing written or sent:
$bad"

if [ "$send" = 1 ]; then
	info "sending with b4 send (as configured in your git sendemail/b4 settings)"
	b4_wt diff.algorithm=histogram -- send
	exit
fi
# Only replace a directory of earlier dry runs (it has b4-send.log).
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/b4-send.log" ]; then
	die "--out '$out' is not empty and holds no earlier dry run: not replacing it; nothing written"
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$msg.d" "$out"
mv "$msg.log" "$out/b4-send.log"
if [ -n "$check_report" ]; then
	printf '%s\n' "$check_report" >"$out/b4-prep-check.txt"
	info "b4 prep --check: $(grep -c 'checkpatch.pl: ' "$out/b4-prep-check.txt" || true) remark(s), in $out/b4-prep-check.txt"
fi
n=$(find "$out" -maxdepth 1 -type f -name "*.eml" | wc -l)
info "dry run: $n mail(s) in $out; nothing was sent (use --send to send)"

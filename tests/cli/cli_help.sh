#!/usr/bin/env bash
# What the command table generates: every command's --help and -h (exit 0,
# the usage on stdout), bad usage (exit 2), the reference page docs/cli.md
# (must equal `hangar help --markdown`), and the completion scripts (bash
# parses and registers it and it completes commands, flags and choices; zsh
# parses it and registers it with compdef).
#   cli_help.sh BIN_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
BIN="$1/hangar"
SRC="$2"
WORK="$3"
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

mapfile -t commands < <("$BIN" help | sed -n 's/^  \([a-z]\+\) .*/\1/p')
[ "${#commands[@]}" -ge 15 ] || fail "hangar help lists ${#commands[@]} commands: $("$BIN" help)"
for c in "${commands[@]}"; do
  for h in --help -h; do
    "$BIN" "$c" $h > out.txt 2> err.txt || fail "hangar $c $h exited $?: $(cat err.txt)"
    grep -q "^usage: hangar $c" out.txt || fail "hangar $c $h: $(head -3 out.txt)"
    [ ! -s err.txt ] || fail "hangar $c $h wrote to stderr: $(cat err.txt)"
  done
  "$BIN" help "$c" | grep "^usage: hangar $c" > /dev/null || fail "hangar help $c"
done
# The help flag wins wherever it stands, also after other arguments.
"$BIN" get flights -o x.csv --help | grep -- "--ticket TICKET" > /dev/null || fail "get --help lacks --ticket"
"$BIN" sql --help | grep '\\timing' > /dev/null || fail "sql --help lacks the meta-commands"
"$BIN" tail -h | grep -- "--from-beginning" > /dev/null || fail "tail -h lacks --from-beginning"
"$BIN" serve --help | grep -- "--max-streams" > /dev/null || fail "serve --help lacks its settings"
# Bad usage: exit 2 and the usage on stderr.
set +e
"$BIN" get --bogus 2> err.txt; rc=$?
set -e
[ $rc -eq 2 ] || fail "get --bogus exited $rc"
grep -q "unknown option --bogus" err.txt && grep -q "^usage: hangar get" err.txt || fail "get --bogus: $(cat err.txt)"
if "$BIN" nosuchcommand 2> err.txt; then fail "an unknown command succeeded"; fi
grep -q "unknown command 'nosuchcommand'" err.txt || fail "unknown command: $(cat err.txt)"

# The reference page is what the code prints.
"$BIN" help --markdown > cli.md
diff -u "$SRC/docs/cli.md" cli.md > cli.diff ||
  fail "docs/cli.md is out of date: regenerate it with \`build/bin/hangar help --markdown > docs/cli.md\`: $(cat cli.diff)"
for c in "${commands[@]}"; do grep -q "^## hangar $c$" cli.md || fail "docs/cli.md lacks hangar $c"; done

# bash: the script parses, registers a completion, and completes.
"$BIN" completion bash > hangar.bash
bash -n hangar.bash || fail "the bash completion does not parse"
complete_words() {  # complete_words WORD... : what completing the last word offers
  bash -c 'source ./hangar.bash
           complete -p hangar > /dev/null || exit 3
           COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hangar; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
complete_words hangar ta | grep -x tail > /dev/null || fail "bash completion of 'ta': $(complete_words hangar ta)"
complete_words hangar get --fo | grep -x -- --format > /dev/null || fail "bash completion of get --fo"
complete_words hangar get --format "" | grep -x csv > /dev/null || fail "bash completion of get --format's values"
complete_words hangar tail --from | grep -x -- --from-beginning > /dev/null || fail "bash completion of tail --from"
complete_words hangar completion "" | grep -x zsh > /dev/null || fail "bash completion of completion's argument"
complete_words hangar serve --max-str | grep -x -- --max-streams > /dev/null || fail "bash completion of serve's settings"

# zsh: the script parses and registers _hangar for hangar.
"$BIN" completion zsh > _hangar
command -v zsh > /dev/null || fail "zsh is missing (scripts/setup.sh installs it)"
zsh -n _hangar || fail "the zsh completion does not parse"
HOME="$WORK" zsh -f -c 'autoload -U compinit && compinit -u -d ./zcompdump && source ./_hangar &&
  [[ $_comps[hangar] == _hangar ]]' || fail "the zsh completion does not register _hangar"
if "$BIN" completion fish 2> err.txt; then fail "completion fish succeeded"; fi
echo "cli help: ok"

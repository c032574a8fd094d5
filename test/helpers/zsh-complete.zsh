# zsh -f zsh-complete.zsh FPATH_DIR 'command line': what zsh's completion system offers after the line,
# one candidate per line. An interactive zsh in a pseudo-terminal (zpty) loads the completion functions
# from FPATH_DIR, gets the line and a TAB; compadd is wrapped to print the candidates instead of showing
# them (the technique of Valodim/zsh-capture-completion).
zmodload zsh/zpty || exit 2
local init=${TMPDIR:-/tmp}/zsh-complete-$$.zsh
cat > $init <<INIT
fpath=(${(q)1} \$fpath)
autoload -Uz compinit && compinit -u -D
PROMPT=
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
null-line () { echo -E - '<<EOC>>' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd () {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return \$?; fi
  typeset -a __hits
  builtin compadd -A __hits "\$@"
  (( \$#__hits == 0 )) && return 1
  builtin printf '<<H>>%s\n' \$__hits
}
INIT
zpty z zsh -f -i
zpty -w z "source ${(q)init}"
zpty -n -w z "$2"$'\t'
local out chunk
integer i
for i in {1..150}; do
  if zpty -r -t z chunk; then out+=$chunk; else sleep 0.1; fi
  [[ $out == *'<<EOC>>'*'<<EOC>>'* ]] && break
done
zpty -d z
rm -f $init
local l
for l in ${(f)out//$'\r'/}; do [[ $l == '<<H>>'* ]] && print -r -- ${l#<<H>>}; done
return 0

# bash completion for loupe's tools (needs bash-completion).
#
# This part is the engine, written once; the data it reads is generated at
# build time from each tool's option table (`<tool> --complete-spec`,
# common/complete.c) and follows it in build/completion/loupe: for each
# tool an associative array _loupe_spec_<tool> from every option to what
# follows it, "@" for the positional arguments, and the `complete` line.

# _loupe_words WORDS...: the words matching $cur, or its last comma-separated
# element (-E ENOENT,EAC completes to ENOENT,EACCES).
_loupe_words()
{
	local head=
	[[ $cur == *,* ]] && head=${cur%,*},
	mapfile -t COMPREPLY < <(compgen -P "$head" -W "$*" -- "${cur##*,}")
}

# _loupe_tracefs FILE: the path of a tracefs file, if it can be read.
_loupe_tracefs()
{
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[[ -r $d/$1 ]] && { printf '%s\n' "$d/$1"; return; }
	done
	return 1
}

# funccount's patterns: the kinds, then t:CATEGORY: and t:CATEGORY:EVENT from
# tracefs (root only: tracefs is mode 0700), k:FUNCTION, and paths for
# /BINARY:SYMBOL.
_loupe_probe()
{
	local f
	case $cur in
	t:*)
		f=$(_loupe_tracefs available_events) || return
		if [[ $cur == t:*:* ]]; then
			mapfile -t COMPREPLY < <(awk -v p="${cur#t:}" \
				'index($0, p) == 1 { print "t:" $0 }' "$f")
		else
			mapfile -t COMPREPLY < <(awk -F: -v p="${cur#t:}" \
				'index($1, p) == 1 && !seen[$1]++ { print "t:" $1 ":" }' "$f")
			compopt -o nospace
		fi
		;;
	k:*)
		f=$(_loupe_tracefs available_filter_functions) || return
		mapfile -t COMPREPLY < <(awk -v p="${cur#k:}" \
			'index($1, p) == 1 && !seen[$1]++ { print "k:" $1 }' "$f" | head -n 1000)
		;;
	/* | ./*)
		_filedir
		compopt -o nospace # :SYMBOL follows
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -W 't: u: p: k:' -- "$cur")
		compopt -o nospace
		;;
	esac
	__ltrim_colon_completions "$cur"
}

# _loupe_value SPEC: COMPREPLY for a value $cur that SPEC (the data's
# right-hand side) describes.
_loupe_value()
{
	local all
	case $1 in
	words\ *) _loupe_words "${1#words }" ;;
	file) _filedir ;;
	dir) _filedir -d ;;
	pid)
		all=(/proc/[0-9]*)
		_loupe_words "${all[*]#/proc/}"
		;;
	uid) _uids ;;
	pname) _pnames ;;
	disk)
		all=(/sys/class/block/*)
		[[ -e ${all[0]} ]] && _loupe_words "${all[*]##*/}"
		;;
	fstype) _loupe_words "$(awk '{ print $NF }' /proc/filesystems 2>/dev/null)" ;;
	probe) _loupe_probe ;;
	esac
}

# _loupe_after OPTION: v= what follows OPTION in the caller's spec (a short
# letter resolved to its long option); empty for an unknown one.
_loupe_after()
{
	v=
	[[ -n $1 ]] || return
	v=${spec[$1]-}
	[[ $v == =* ]] && v=${spec[${v#=}]-}
}

# _loupe_complete TOOL: the completion function of every tool.
_loupe_complete()
{
	local cur prev words cword split
	_init_completion -s -n : || return
	local -n spec=_loupe_spec_$1
	local i w v='' pre=''

	# --exec: the rest of the line is a command and its arguments
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		[[ $w == -- ]] && break
		_loupe_after "$w"
		if [[ $v == command ]]; then
			_command_offset $((i + 1))
			return
		fi
	done

	# the value of the option before: --svg FILE, --svg=FILE, -k KEY, -ck KEY
	v=
	if [[ $prev == --* ]]; then
		_loupe_after "$prev"
	elif [[ $prev == -?* ]]; then
		# a cluster of letters: the value is ours if the last one takes it
		for ((i = 1; i < ${#prev}; i++)); do
			_loupe_after "-${prev:i:1}"
			[[ $v == flag ]] || break
		done
		((i == ${#prev} - 1)) || v=
	fi
	if [[ (-z $v || $v == flag) && $split != true && $cur == -[!-]?* ]]; then
		# a value stuck to its letter: -EENO
		for ((i = 1; i < ${#cur} - 1; i++)); do
			_loupe_after "-${cur:i:1}"
			[[ $v == flag ]] || break
		done
		if [[ -n $v && $v != flag ]]; then
			pre=${cur:0:i+1}
			cur=${cur:i+1}
		fi
	fi
	if [[ -n $v && $v != flag ]]; then
		_loupe_value "$v"
		[[ -n $pre ]] && COMPREPLY=("${COMPREPLY[@]/#/$pre}")
		return
	fi
	[[ $split == true ]] && return

	# an option, or a positional argument
	if [[ $cur == -* || ${spec[args]} == none ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${!spec[*]}" -X '!-*' -- "$cur")
	else
		_loupe_value "${spec[args]}"
	fi
}

#!/bin/sh
# man-rename.sh PREFIX SUFFIX TOOL... < page > page: a man page for tools
# installed as PREFIX<tool>SUFFIX (make install PROGRAM_SUFFIX=-loupe, as
# the Debian package does): the title, NAME, SYNOPSIS, example commands and
# the references to the tools' pages name the installed commands; the prose
# still calls each tool by its name. With both empty, the page as is.
set -eu
pre=$1 suf=$2
shift 2
[ -n "$pre$suf" ] || exec cat
alt=$(printf '%s\n' "$@" | paste -sd'|' | sed 's/|/\\|/g') # opensnoop\|execsnoop...
ALT=$(echo "$alt" | tr '[:lower:]' '[:upper:]')
PRE=$(echo "$pre" | tr '[:lower:]' '[:upper:]')
SUF=$(echo "$suf" | tr '[:lower:]' '[:upper:]')
exec sed -e "s/^\.TH \($ALT\) /.TH $PRE\1$SUF /" \
	-e "s/^\($alt\) \\\\-/$pre\1$suf \\\\-/" \
	-e "s/^\.SY \($alt\)\$/.SY $pre\1$suf/" \
	-e "s/^\.B \($alt\)\( \|\$\)/.B $pre\1$suf\2/" \
	-e "s/^\.BR \($alt\) (8)/.BR $pre\1$suf (8)/" \
	-e "s/\\\\fB\($alt\)\\\\fR(8)/\\\\fB$pre\1$suf\\\\fR(8)/g"

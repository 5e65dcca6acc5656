#!/bin/sh
# man-prefix.sh PREFIX TOOL... < page > page: a man page for tools installed
# under PREFIX<tool> (make install PROGRAM_PREFIX=loupe-, as the Debian
# package does): the title, NAME, SYNOPSIS, example commands and the
# references to the tools' pages name the installed commands; the prose
# still calls each tool by its name. With an empty PREFIX, the page as is.
set -eu
prefix=$1
shift
[ -n "$prefix" ] || exec cat
alt=$(printf '%s\n' "$@" | paste -sd'|' | sed 's/|/\\|/g') # opensnoop\|execsnoop...
ALT=$(echo "$alt" | tr '[:lower:]' '[:upper:]')
PREFIX=$(echo "$prefix" | tr '[:lower:]' '[:upper:]')
exec sed -e "s/^\.TH \($ALT\) /.TH $PREFIX\1 /" \
	-e "s/^\($alt\) \\\\-/$prefix\1 \\\\-/" \
	-e "s/^\.SY \($alt\)\$/.SY $prefix\1/" \
	-e "s/^\.B \($alt\)\( \|\$\)/.B $prefix\1\2/" \
	-e "s/^\.BR \($alt\) (8)/.BR $prefix\1 (8)/" \
	-e "s/\\\\fB\($alt\)\\\\fR(8)/\\\\fB$prefix\1\\\\fR(8)/g"

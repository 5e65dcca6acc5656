/*
 * Shell completion generated from the option tables. At build time the
 * Makefile runs `<tool> --complete-spec` (loupe_parse answers it before
 * anything else, without privileges) and appends what each tool prints to
 * common/complete.bash, the one engine that reads it:
 * build/completion/loupe. So every option, its short letter, whether it
 * takes a value and what that value can be (enum opt_values: -k keys,
 * errno and syscall names, files, disks...) come from the same tables as
 * parsing and --help, and cannot drift from them.
 */
#ifndef LOUPE_COMPLETE_H
#define LOUPE_COMPLETE_H

#include <stdio.h>

#include "opts.h"

#define COMPLETE_SPEC_OPTION "--complete-spec"

/*
 * t's completion data as bash: an associative array _loupe_spec_<tool>
 * from every option ("--pid", "-p") to what follows it: "flag" (nothing),
 * "=--long" (a short letter: see its long option), "value" (a value,
 * nothing to offer), a kind looked up at completion time ("file", "dir",
 * "command", "pid", "uid", "pname", "disk", "fstype", "probe"), or
 * "words W..." (the values the build knows); key "args" says the same of
 * the positional arguments ("none": none are accepted). Then a function
 * _loupe_<tool> and its `complete -F` line for the command <tool> (an
 * installation that renames the tools rewrites that last word).
 */
void complete_spec(const struct loupe_tool *t, FILE *f);

#endif

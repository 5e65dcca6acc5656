/*
 * Output files: owns how a file a tool writes on request (--svg, later
 * --textfile) reaches its destination, and what a destination may be.
 *
 *   - A regular file, or a name that does not exist yet, is replaced
 *     atomically: the new content goes into a temporary file in the same
 *     directory, created exclusively and without a predictable name
 *     (O_TMPFILE: no name at all while it is written; where the file
 *     system lacks it, a random hidden name opened O_CREAT|O_EXCL), is
 *     fsync'd, gets the old file's permission bits (0777), owner and group
 *     (new files: 0666 & ~umask), and is renamed over the destination. A
 *     reader (a browser, node_exporter) sees the old file or the new one,
 *     never half of one; after a crash, the old or the new one.
 *   - A character device (/dev/null, /dev/full, a terminal) or a FIFO is
 *     written in place: opened O_WRONLY without O_CREAT or O_TRUNC, never
 *     replaced by a regular file. Each commit writes one whole document
 *     into it; a FIFO blocks the open until a reader comes.
 *   - A link on procfs as the last component (/proc/self/fd/1, where
 *     /dev/stdout and /dev/fd/1 point) names an open file, not a path: its
 *     text may be pipe:[123], or the old name of a file since replaced
 *     ("x (deleted)"). It is opened through the link and written in place;
 *     a regular file so is truncated first, as the shell's > does (not
 *     atomic: the open file is what was asked for).
 *   - Refused: a directory (EISDIR), a block device (EOPNOTSUPP: an SVG
 *     over a disk is never meant), a symlink whose target does not exist
 *     (ENOENT, as cp refuses to write through one).
 *   - Symlinks, in the directory part too, are followed one by one (at
 *     most 40: ELOOP), as cp and a shell redirection do, but with the
 *     kernel's fs.protected_symlinks / protected_regular / protected_fifos
 *     rules applied whatever the sysctls say (they are 0 on some systems):
 *     in a world-writable sticky directory such as /tmp, a symlink or an
 *     existing file owned by someone other than us and the directory's
 *     owner is refused (EACCES). That is the classic attack on a root tool
 *     writing to /tmp/x: another user plants /tmp/x -> /etc/shadow.
 *
 * Functions return 0 or -errno and print nothing.
 */
#ifndef LOUPE_OUTFILE_H
#define LOUPE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile;

/* Could path be written, as far as can be told without writing? Checks
 * what outfile__open checks (the directory exists and is searchable, the
 * destination is not a directory, a block device, a dangling or planted
 * symlink), then that the directory is writable (for a replaced file) or
 * the device or FIFO is (written in place). Creates and opens nothing, so
 * it can run before a tool loads anything. 0 or -errno. */
int outfile_check(const char *path);

/* Start writing path: *of is set and its stream (outfile__stream) takes
 * the content. Blocks on a FIFO until it has a reader. 0 or -errno. */
int outfile__open(struct outfile **of, const char *path);
/* The stream to write the content to (fully buffered). */
FILE *outfile__stream(struct outfile *of);
/* Flush, fsync and rename over the destination (or, written in place,
 * close). The first write error, e.g. -ENOSPC, -EIO, -EPIPE, is returned
 * and the destination is left as it was (a device or FIFO has what was
 * written before the error). Frees of, whatever the result. */
int outfile__commit(struct outfile *of);
/* Discard: the destination is left as it was; frees of. NULL is a no-op. */
void outfile__abort(struct outfile *of);

/* open, fn(stream, arg), commit; fn returns 0 or -errno (then abort). */
int outfile_write(const char *path, int (*fn)(FILE *f, void *arg), void *arg);

/* Tests: false makes outfile__open use a named temporary file, as it does
 * on file systems without O_TMPFILE. Default true. */
void outfile_set_tmpfile(bool use);

#endif

/*
 * What an ELF file offers to uprobes, and where that file is: the function
 * symbols of a program or library with the file offsets a uprobe takes,
 * its USDT probes (SystemTap SDT notes), and the search that turns a
 * pattern's LIB or program part ("c", "libc.so.6", "bash", a path) into a
 * file, as the dynamic linker or execvp would, optionally as seen by a
 * running process (its mappings, its root: containers).
 *
 * Files are read with libelf, each once per call; nothing is cached. The
 * functions print nothing and return 0 or -errno; a malformed file gives
 * an error (or fewer entries), never a crash. Lists are plain arrays the
 * caller frees with the matching _free (safe on a zeroed list, and a
 * list is zeroed on every error).
 */
#ifndef LOUPE_SYMBOLS_H
#define LOUPE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A function symbol of an ELF file. */
struct sym {
	char *name;          /* owned by the list */
	uint64_t offset;     /* file offset of its first instruction (what a uprobe takes) */
	uint64_t size;
	bool ifunc;          /* STT_GNU_IFUNC: a uprobe here counts the resolver */
};
struct sym_list { struct sym *v; size_t n; };

/* Every defined function symbol (STT_FUNC and STT_GNU_IFUNC, st_shndx !=
 * SHN_UNDEF, value != 0) of .symtab and .dynsym, deduplicated by name (and
 * by offset: aliases that share an offset are kept as separate names but
 * sym_list_unique_offsets() can fold them), sorted by name (strcmp).
 * Offsets: st_value translated through the PT_LOAD program header whose
 * file-backed part contains it (vaddr - p_vaddr + p_offset); a symbol in
 * no PT_LOAD is skipped. Works for executables (ET_EXEC), PIE and shared
 * libraries (ET_DYN), stripped ones included (.dynsym only).
 * A name defined more than once keeps one definition: the default version
 * (memcpy@@GLIBC_2.14 over memcpy@GLIBC_2.2.5), then global over weak over
 * local, then the lowest offset.
 * -ENOENT no such file, -ENOEXEC not an ELF file of this machine's class
 * (nor an executable or shared object, or one whose headers or symbol
 * tables cannot be read), -errno otherwise (-EISDIR, -EACCES, -ENOMEM). */
int sym_list_functions(const char *path, struct sym_list *out);
void sym_list_free(struct sym_list *l);
/* Keep one name per offset (the public one: fewest leading underscores, then
 * the shortest, then name order), e.g. before attaching
 * uprobes, so two aliases do not count one call twice. The list stays
 * sorted by name; a kept entry is an IFUNC when any of its aliases was. */
void sym_list_unique_offsets(struct sym_list *l);
/* The symbol called name (binary search), or NULL. */
const struct sym *sym_list_find(const struct sym_list *l, const char *name);

/* A USDT probe (SystemTap SDT note, .note.stapsdt). */
struct usdt_probe { char *provider, *name; uint64_t offset; uint64_t semaphore; };
struct usdt_list { struct usdt_probe *v; size_t n; };

/* Every USDT probe of an ELF file; offset is the probe site's file offset
 * (pc adjusted by .stapsdt.base when present, then through PT_LOAD);
 * semaphore its file offset or 0. A probe used at several sites gives one
 * entry per site. Sorted by provider, name, offset. A note whose pc or
 * semaphore lies in no PT_LOAD is skipped, as are malformed notes. An ELF
 * file without probes gives n == 0 and returns 0. Errors as for
 * sym_list_functions. */
int usdt_list_probes(const char *path, struct usdt_list *out);
void usdt_list_free(struct usdt_list *l);

/* Find a library or program as the dynamic linker would, for a pattern's
 * LIB part:
 *   "c", "libc", "libc.so.6", "pthread" (lib prefix and .so suffix optional)
 *   an absolute or relative path (checked to exist)
 * searched in /etc/ld.so.cache (its "glibc-ld.so.cache1.1" format), then
 * the standard directories (the multiarch ones such as
 * /lib/x86_64-linux-gnu, then /lib64, /usr/lib64, /lib, /usr/lib). A
 * candidate must be an ELF shared object of this machine (class, byte
 * order, e_machine), so /lib32 entries and linker scripts such as
 * /usr/lib/x86_64-linux-gnu/libc.so are passed over. "c" or "libc" means
 * libc.so or libc.so.VERSION: the cache's first such entry (ldconfig puts
 * the newest first), in a directory the shortest versioned name
 * ("libz.so.1") before the unversioned one. A name with ".so" is a
 * soname: that one first ("libz.so" the development link itself), then
 * longer versions of it.
 * With pid > 0 the library the running process has mapped is preferred
 * (from /proc/PID/maps: "libc.so.6", or "libc-2.31.so" for "c"), and
 * every path goes through /proc/PID/root/... so that a container's
 * binaries are found (bcc issue 4521): the cache read is the process's
 * own, and symbolic links are resolved inside that root. A mapped file
 * since deleted (replaced by an upgrade) is returned as
 * /proc/PID/map_files/START-END, the file the process runs. An absolute
 * path given is looked up inside that root too, unless it already starts
 * with /proc/ (bcc #2817: not prefixed twice); a relative one is ours.
 * path gets the result. -ENOENT when not found, -ESRCH when pid is gone,
 * -ENAMETOOLONG when it does not fit in len, -EINVAL for an empty name,
 * -errno otherwise. */
int sym_find_library(const char *name, pid_t pid, char *path, size_t len);
/* A program name without a slash ("bash"): searched in $PATH like execvp
 * (the first regular file with execute permission); with pid > 0,
 * /proc/PID/exe when the process runs a program of that name, else the
 * $PATH search inside /proc/PID/root (our $PATH, its absolute entries).
 * A name with a slash is a path, as for sym_find_library. Same return
 * convention. */
int sym_find_program(const char *name, pid_t pid, char *path, size_t len);

/* sym_find_library's search without the process's mappings, for files
 * under root ("" for ours, "/proc/PID/root", or a container's root
 * directory): root's ld.so.cache, then its standard directories, links
 * resolved inside root; a path checked to exist inside root. */
int sym_find_library_in(const char *root, const char *name, char *path, size_t len);
/* The path the ld.so.cache file cache gives for name ("libc.so.6" or "c",
 * as for sym_find_library): the first entry whose file, looked up inside
 * root as above, is a shared object of this machine (a soname's own key
 * first, entries of a glibc-hwcaps subdirectory last). -ENOENT when none,
 * -ENOEXEC when cache is not in the 1.1 format (alone or after the old
 * format's table). */
int sym_ldcache_lookup(const char *cache, const char *root, const char *name,
		       char *path, size_t len);

#endif

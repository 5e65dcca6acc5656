/*
 * What an ELF file offers to uprobes: the function symbols of a program
 * or library with the file offsets a uprobe takes, and its USDT probes
 * (SystemTap SDT notes).
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
/* Keep one name per offset (the first in name order), e.g. before attaching
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

#endif

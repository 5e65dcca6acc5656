#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols.h"

#define NATIVE_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

/* ---- an open ELF file and its loadable segments ----------------------- */

/* The file-backed part of a PT_LOAD: [vaddr, vaddr + filesz) is at offset. */
struct seg {
	uint64_t vaddr, filesz, offset;
};

struct elf_file {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	struct seg *segs;
	size_t nsegs;
};

static void elf_file_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->segs);
	ef->elf = NULL;
	ef->fd = -1;
	ef->segs = NULL;
}

/* Open path as an executable or shared object of this machine's class and
 * read its PT_LOADs, each clipped to the file's size (a truncated file
 * gives no offset past its end). 0 or -errno; ef is closed on error. */
static int elf_file_open(const char *path, struct elf_file *ef)
{
	struct stat st;
	size_t i, nph, phsz;
	int err = -ENOEXEC;

	memset(ef, 0, sizeof(*ef));
	ef->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	/* O_NONBLOCK: a FIFO given as path must not hang the open */
	ef->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (ef->fd < 0)
		return -errno;
	if (fstat(ef->fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode))
		goto fail;
	/* ELF_C_READ, not _MMAP: a file truncated under us gives a read
	 * error, not SIGBUS */
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &ef->ehdr))
		goto fail;
	if (ef->ehdr.e_ident[EI_CLASS] != NATIVE_CLASS ||
	    (ef->ehdr.e_type != ET_EXEC && ef->ehdr.e_type != ET_DYN))
		goto fail;
	/* a count past what the file can hold is a lie (PN_XNUM allows 2^32) */
	phsz = gelf_fsize(ef->elf, ELF_T_PHDR, 1, EV_CURRENT);
	if (!phsz || elf_getphdrnum(ef->elf, &nph) || nph > (uint64_t)st.st_size / phsz)
		goto fail;
	ef->segs = calloc(nph ? nph : 1, sizeof(*ef->segs));
	if (!ef->segs) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		uint64_t size = (uint64_t)st.st_size;

		if (!gelf_getphdr(ef->elf, (int)i, &ph))
			goto fail;
		if (ph.p_type != PT_LOAD || ph.p_offset >= size || !ph.p_filesz)
			continue;
		ef->segs[ef->nsegs++] = (struct seg){
			.vaddr = ph.p_vaddr,
			.filesz = ph.p_filesz < size - ph.p_offset ? ph.p_filesz : size - ph.p_offset,
			.offset = ph.p_offset,
		};
	}
	return 0;
fail:
	elf_file_close(ef);
	return err;
}

/* The file offset of virtual address vaddr, or false when no PT_LOAD
 * holds it in its file-backed part. */
static bool vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	size_t i;

	for (i = 0; i < ef->nsegs; i++) {
		const struct seg *s = &ef->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = vaddr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

/* ---- function symbols ------------------------------------------------- */

/* A definition found, its name still in libelf's string table. */
struct cand {
	const char *name;
	uint64_t offset, size;
	unsigned rank;        /* lower wins among definitions of one name */
	bool ifunc;
};

struct cand_vec {
	struct cand *v;
	size_t n, cap;
};

static int cand_push(struct cand_vec *cv, const struct cand *c)
{
	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 1024;
		struct cand *v = realloc(cv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cv->v = v;
		cv->cap = cap;
	}
	cv->v[cv->n++] = *c;
	return 0;
}

/* The .gnu.version section that goes with the symbol table scn, or NULL. */
static Elf_Data *versym_data(Elf *elf, Elf_Scn *symscn)
{
	size_t idx = elf_ndxscn(symscn);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym && sh.sh_link == idx)
			return elf_getdata(scn, NULL);
	return NULL;
}

/* Add the defined functions of one symbol table. 0, -ENOEXEC when the
 * table cannot be read, -ENOMEM. */
static int add_functions(const struct elf_file *ef, Elf_Scn *scn, const GElf_Shdr *sh,
			 struct cand_vec *cv)
{
	size_t symsz = gelf_fsize(ef->elf, ELF_T_SYM, 1, EV_CURRENT);
	Elf_Data *data = elf_getdata(scn, NULL), *ver = NULL;
	size_t i, n;

	if (!data || !symsz)
		return -ENOEXEC;
	if (sh->sh_type == SHT_DYNSYM)
		ver = versym_data(ef->elf, scn);
	n = data->d_size / symsz;
	for (i = 1; i < n; i++) {  /* entry 0 is the null symbol */
		GElf_Sym s;
		GElf_Versym vs = 0;
		struct cand c = { 0 };
		int type, bind, err;

		if (!gelf_getsym(data, (int)i, &s))
			return -ENOEXEC;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		if (!vaddr_to_offset(ef, s.st_value, &c.offset))
			continue;
		c.name = elf_strptr(ef->elf, sh->sh_link, s.st_name);
		if (!c.name || !*c.name)
			continue;
		bind = GELF_ST_BIND(s.st_info);
		if (ver && gelf_getversym(ver, (int)i, &vs) && (vs & 0x8000))
			c.rank += 4;  /* a hidden (non-default) version: foo@V */
		if (bind == STB_LOCAL)
			c.rank += 2;
		else if (bind == STB_WEAK)
			c.rank += 1;
		c.size = s.st_size;
		c.ifunc = type == STT_GNU_IFUNC;
		err = cand_push(cv, &c);
		if (err)
			return err;
	}
	return 0;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

void sym_list_free(struct sym_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int sym_list_functions(const char *path, struct sym_list *out)
{
	struct cand_vec cv = { 0 };
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	size_t i;
	int err;

	out->v = NULL;
	out->n = 0;
	err = elf_file_open(path, &ef);
	if (err)
		return err;
	while ((scn = elf_nextscn(ef.elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			err = -ENOEXEC;
			goto out;
		}
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		err = add_functions(&ef, scn, &sh, &cv);
		if (err)
			goto out;
	}
	if (cv.n)
		qsort(cv.v, cv.n, sizeof(*cv.v), cand_cmp);
	out->v = calloc(cv.n ? cv.n : 1, sizeof(*out->v));
	if (!out->v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cv.n; i++) {
		struct sym *s;

		if (i && !strcmp(cv.v[i].name, cv.v[i - 1].name))
			continue;
		s = &out->v[out->n];
		s->name = strdup(cv.v[i].name);
		if (!s->name) {
			err = -ENOMEM;
			goto out;
		}
		s->offset = cv.v[i].offset;
		s->size = cv.v[i].size;
		s->ifunc = cv.v[i].ifunc;
		out->n++;
	}
out:
	if (err)
		sym_list_free(out);
	free(cv.v);
	elf_file_close(&ef);
	return err;
}

static int sym_offset_cmp(const void *pa, const void *pb)
{
	const struct sym *a = pa, *b = pb;

	size_t ua, ub, la, lb;

	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	/* of aliases, the public name first: malloc before __libc_malloc */
	ua = strspn(a->name, "_");
	ub = strspn(b->name, "_");
	if (ua != ub)
		return ua < ub ? -1 : 1;
	la = strlen(a->name);
	lb = strlen(b->name);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int sym_name_cmp(const void *pa, const void *pb)
{
	const struct sym *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

void sym_list_unique_offsets(struct sym_list *l)
{
	size_t i, n = 0;

	if (!l || l->n < 2)
		return;
	/* in place (no allocation to fail): by offset then name, fold, and
	 * back to name order */
	qsort(l->v, l->n, sizeof(*l->v), sym_offset_cmp);
	for (i = 0; i < l->n; i++) {
		if (n && l->v[n - 1].offset == l->v[i].offset) {
			l->v[n - 1].ifunc |= l->v[i].ifunc;
			free(l->v[i].name);
			continue;
		}
		l->v[n++] = l->v[i];
	}
	l->n = n;
	qsort(l->v, l->n, sizeof(*l->v), sym_name_cmp);
}

const struct sym *sym_list_find(const struct sym_list *l, const char *name)
{
	struct sym key = { .name = (char *)name };

	if (!l || !l->n)
		return NULL;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), sym_name_cmp);
}

/* ---- USDT probes ------------------------------------------------------ */

#define NT_STAPSDT 3

/* An address of asz bytes in the file's byte order. */
static uint64_t read_addr(const unsigned char *p, size_t asz, bool swap)
{
	uint64_t v64;
	uint32_t v32;

	if (asz == 8) {
		memcpy(&v64, p, 8);
		return swap ? __builtin_bswap64(v64) : v64;
	}
	memcpy(&v32, p, 4);
	return swap ? __builtin_bswap32(v32) : v32;
}

void usdt_list_free(struct usdt_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].provider);
		free(l->v[i].name);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int usdt_push(struct usdt_list *l, size_t *cap, const char *provider,
		     const char *name, uint64_t offset, uint64_t semaphore)
{
	struct usdt_probe *p;

	if (l->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct usdt_probe *v = realloc(l->v, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		*cap = c;
	}
	p = &l->v[l->n];
	p->provider = strdup(provider);
	p->name = strdup(name);
	if (!p->provider || !p->name) {
		free(p->provider);
		free(p->name);
		return -ENOMEM;
	}
	p->offset = offset;
	p->semaphore = semaphore;
	l->n++;
	return 0;
}

/* One note's probe, when it is an SDT note whose addresses map to the file:
 * desc = pc, base, semaphore (addresses of the file's class), then
 * "provider\0name\0args\0". */
static int usdt_add_note(const struct elf_file *ef, const GElf_Nhdr *nh, const char *name,
			 const unsigned char *desc, bool have_base, uint64_t base_addr,
			 struct usdt_list *l, size_t *cap)
{
	size_t asz = ef->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
	bool swap = ef->ehdr.e_ident[EI_DATA] != NATIVE_DATA;
	const char *provider, *pname, *end = (const char *)desc + nh->n_descsz;
	uint64_t pc, base, sema, off, sema_off = 0;

	if (nh->n_type != NT_STAPSDT || nh->n_namesz != sizeof("stapsdt") ||
	    memcmp(name, "stapsdt", sizeof("stapsdt")) || nh->n_descsz < 3 * asz + 2)
		return 0;
	pc = read_addr(desc, asz, swap);
	base = read_addr(desc + asz, asz, swap);
	sema = read_addr(desc + 2 * asz, asz, swap);
	provider = (const char *)desc + 3 * asz;
	pname = memchr(provider, 0, (size_t)(end - provider));
	if (!pname || pname == provider)
		return 0;
	pname++;
	if (!memchr(pname, 0, (size_t)(end - pname)) || !*pname)
		return 0;
	/* prelink may move the code but not the notes: the section
	 * .stapsdt.base moved with it, the note kept its old address */
	if (have_base)
		pc += base_addr - base;
	if (!vaddr_to_offset(ef, pc, &off) || (sema && !vaddr_to_offset(ef, sema, &sema_off)))
		return 0;
	return usdt_push(l, cap, provider, pname, off, sema_off);
}

static int usdt_cmp(const void *pa, const void *pb)
{
	const struct usdt_probe *a = pa, *b = pb;
	int r = strcmp(a->provider, b->provider);

	if (!r)
		r = strcmp(a->name, b->name);
	if (!r)
		r = a->offset < b->offset ? -1 : a->offset > b->offset;
	return r;
}

int usdt_list_probes(const char *path, struct usdt_list *out)
{
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	uint64_t base_addr = 0;
	bool have_base = false;
	size_t shstrndx, cap = 0;
	int err;

	out->v = NULL;
	out->n = 0;
	err = elf_file_open(path, &ef);
	if (err)
		return err;
	if (elf_getshdrstrndx(ef.elf, &shstrndx)) {
		err = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(ef.elf, scn))) {
		const char *sname;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			err = -ENOEXEC;
			goto out;
		}
		sname = elf_strptr(ef.elf, shstrndx, sh.sh_name);
		if (sname && !strcmp(sname, ".stapsdt.base")) {
			have_base = true;
			base_addr = sh.sh_addr;
		}
	}
	while ((scn = elf_nextscn(ef.elf, scn))) {
		size_t off = 0, next, name_off, desc_off;
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			continue;
		while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > off) {
			const unsigned char *buf = data->d_buf;

			off = next;
			if (desc_off > data->d_size || nh.n_descsz > data->d_size - desc_off ||
			    name_off > data->d_size || nh.n_namesz > data->d_size - name_off)
				break;
			err = usdt_add_note(&ef, &nh, (const char *)buf + name_off, buf + desc_off,
					    have_base, base_addr, out, &cap);
			if (err)
				goto out;
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), usdt_cmp);
out:
	if (err)
		usdt_list_free(out);
	elf_file_close(&ef);
	return err;
}

/* ---- finding libraries and programs ----------------------------------- */

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#elif defined(__arm__)
#define NATIVE_MACHINE EM_ARM
#elif defined(__powerpc64__)
#define NATIVE_MACHINE EM_PPC64
#elif defined(__s390x__)
#define NATIVE_MACHINE EM_S390
#elif defined(__riscv)
#define NATIVE_MACHINE EM_RISCV
#else
#define NATIVE_MACHINE EM_NONE /* not checked */
#endif

/* Debian's multiarch directory name (gcc -print-multiarch). */
#if defined(__x86_64__) && defined(__ILP32__)
#define MULTIARCH "x86_64-linux-gnux32"
#elif defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define MULTIARCH "i386-linux-gnu"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define MULTIARCH "arm-linux-gnueabihf"
#elif defined(__arm__)
#define MULTIARCH "arm-linux-gnueabi"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH "powerpc64le-linux-gnu"
#elif defined(__s390x__)
#define MULTIARCH "s390x-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define MULTIARCH "riscv64-linux-gnu"
#endif

static const char *const lib_dirs[] = {
#ifdef MULTIARCH
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH,
#endif
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

#define MAX_LINKS 40

static int copy_path(char *out, size_t len, const char *path)
{
	size_t n = strlen(path);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	return 0;
}

/* root + path with every symbolic link of path resolved inside root: an
 * absolute link restarts at root and ".." stops there, as for a process
 * whose root it is (the kernel, walking /proc/PID/root/..., would follow
 * an absolute link out of it into ours). out gets root + the path without
 * links. 0 or -errno (-ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG). */
static int resolve_in_root(const char *root, const char *path, char *out, size_t len)
{
	char cur[PATH_MAX], rest[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX];
	size_t rootlen = strlen(root), curlen = rootlen;
	int links = 0;
	char *p = rest;

	if (rootlen >= sizeof(cur) || strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	memcpy(cur, root, rootlen + 1);
	strcpy(rest, path);
	for (;;) {
		char *comp, *next;
		struct stat st;
		size_t clen;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		next = strchrnul(p, '/');
		if (*next)
			*next++ = 0;
		p = next;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			while (curlen > rootlen && cur[curlen - 1] != '/')
				curlen--;
			if (curlen > rootlen)
				curlen--;
			cur[curlen] = 0;
			continue;
		}
		clen = strlen(comp);
		if (curlen + 1 + clen >= sizeof(cur))
			return -ENAMETOOLONG;
		cur[curlen] = '/';
		memcpy(cur + curlen + 1, comp, clen + 1);
		if (lstat(cur, &st))
			return -errno;
		if (!S_ISLNK(st.st_mode)) {
			curlen += 1 + clen;
			continue;
		}
		if (++links > MAX_LINKS)
			return -ELOOP;
		n = readlink(cur, link, sizeof(link));
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(link) ||
		    snprintf(tmp, sizeof(tmp), "%.*s/%s", (int)n, link, next) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		strcpy(rest, tmp);
		p = rest;
		if (*rest == '/')
			curlen = rootlen;
		cur[curlen] = 0;
	}
	if (curlen == rootlen)
		return snprintf(out, len, "%s/", root) >= (int)len ? -ENAMETOOLONG : 0;
	return copy_path(out, len, cur);
}

/* path as the process whose root is root ("": ours) sees it, checked to
 * exist: root + path with links resolved inside root, or path itself. */
static int root_path(const char *root, const char *path, char *out, size_t len)
{
	struct stat st;

	if (*root)
		return resolve_in_root(root, path, out, len);
	if (stat(path, &st))
		return -errno;
	return copy_path(out, len, path);
}

/* A path given as LIB or program: checked to exist; an absolute one is
 * looked up inside root unless it already goes through /proc/. */
static int find_path(const char *root, const char *name, char *path, size_t len)
{
	if (name[0] == '/' && strncmp(name, "/proc/", 6))
		return root_path(root, name, path, len);
	return root_path("", name, path, len);
}

/* path is a regular ELF file of this machine (class, byte order,
 * e_machine) and of ELF type type, from its header alone. */
static bool native_elf(const char *path, unsigned type)
{
	unsigned char h[EI_NIDENT + 4];
	uint16_t t, m;
	struct stat st;
	bool ok;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	     pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	     !memcmp(h, ELFMAG, SELFMAG) && h[EI_CLASS] == NATIVE_CLASS &&
	     h[EI_DATA] == NATIVE_DATA;
	close(fd);
	if (!ok)
		return false;
	memcpy(&t, h + EI_NIDENT, 2);
	memcpy(&m, h + EI_NIDENT + 2, 2);
	return t == type && (NATIVE_MACHINE == EM_NONE || m == NATIVE_MACHINE);
}

/* A pattern's LIB part as file names to look for. */
struct libname {
	char base[NAME_MAX + 1]; /* "libc.so", or the soname given ("libc.so.6") */
	size_t stem;             /* length of "libc" for "libc-2.31.so"; 0 for a soname */
	bool soname;             /* the name had ".so": base is a soname */
};

static int libname_parse(const char *name, struct libname *ln)
{
	const char *s;
	int n;

	memset(ln, 0, sizeof(*ln));
	for (s = name; (s = strstr(s, ".so")); s++)
		if (!s[3] || s[3] == '.')
			ln->soname = true;
	if (ln->soname)
		n = snprintf(ln->base, sizeof(ln->base), "%s", name);
	else
		n = snprintf(ln->base, sizeof(ln->base), "%s%s.so",
			     strncmp(name, "lib", 3) ? "lib" : "", name);
	if (n >= (int)sizeof(ln->base))
		return -ENAMETOOLONG;
	if (!ln->soname)
		ln->stem = (size_t)n - 3;
	return 0;
}

/* file (a base name) is base, base + ".VERSION", or with versioned =
 * true stem + "-VERSION.so" (glibc before 2.34: libc-2.31.so). */
static bool libname_match(const struct libname *ln, const char *file, bool versioned)
{
	size_t bl = strlen(ln->base), fl;

	if (!strncmp(file, ln->base, bl) && (!file[bl] || file[bl] == '.'))
		return true;
	if (!versioned || !ln->stem || strncmp(file, ln->base, ln->stem))
		return false;
	fl = strlen(file);
	return file[ln->stem] == '-' && file[ln->stem + 1] >= '0' && file[ln->stem + 1] <= '9' &&
	       fl > ln->stem + 4 && !strcmp(file + fl - 3, ".so");
}

/* The library of that name pid has mapped. */
static int maps_find(pid_t pid, const struct libname *ln, char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	char maps[64], *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long start, end;
		char *file, *base;
		size_t fl;
		int n = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &n) != 2 || !n)
			continue;
		file = line + n;
		file[strcspn(file, "\n")] = 0;
		if (*file != '/')
			continue;
		fl = strlen(file);
		if (fl > sizeof(deleted) - 1 && !strcmp(file + fl - (sizeof(deleted) - 1), deleted)) {
			file[fl - (sizeof(deleted) - 1)] = 0;
			if (!libname_match(ln, strrchr(file, '/') + 1, true))
				continue;
			/* replaced on disk: the mapped file itself */
			n = snprintf(path, len, "/proc/%d/map_files/%lx-%lx", (int)pid, start, end);
		} else {
			base = strrchr(file, '/') + 1;
			if (!libname_match(ln, base, true))
				continue;
			n = snprintf(path, len, "/proc/%d/root%s", (int)pid, file);
		}
		err = n >= (int)len ? -ENAMETOOLONG : 0;
		break;
	}
	free(line);
	fclose(f);
	return err;
}

/* ld.so.cache, format 1.1 (glibc's elf/dl-cache.h), alone or after the old
 * format's table (ldconfig -c compat, before glibc 2.32). Strings are at
 * offsets from the 1.1 header. */
#define LDCACHE_OLD "ld.so-1.7.0"
#define LDCACHE_NEW "glibc-ld.so.cache1.1"
#define LDCACHE_MAX (64u << 20)

struct ldcache_header {
	char magic[20];
	uint32_t nlibs, len_strings;
	uint8_t flags;        /* bits 0-1: 0 unknown, 2 little endian, 3 big */
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};
struct ldcache_entry {
	int32_t flags;
	uint32_t key, value;  /* soname, path */
	uint32_t osversion;
	uint64_t hwcap;       /* != 0: a glibc-hwcaps subdirectory's copy */
};
_Static_assert(sizeof(struct ldcache_header) == 48, "ld.so.cache 1.1 header");
_Static_assert(sizeof(struct ldcache_entry) == 24, "ld.so.cache 1.1 entry");

/* At most max bytes of path into a new buffer. */
static int read_all(const char *path, size_t max, char **buf, size_t *size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int err = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*buf = NULL;
	*size = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		err = fstat(fd, &st) ? -errno : -ENOEXEC;
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, *buf + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		got += (size_t)n;
	}
	*size = got;
out:
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return err;
}

static const char *cache_str(const char *strs, size_t size, uint32_t off)
{
	if (off >= size || !memchr(strs + off, 0, size - off))
		return NULL;
	return strs + off;
}

int sym_ldcache_lookup(const char *cache, const char *root, const char *name,
		       char *path, size_t len)
{
	struct ldcache_header h;
	struct libname ln;
	size_t size, off = 0, avail, i;
	char *buf;
	int err, pass, endian;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	err = libname_parse(name, &ln);
	if (err)
		return err;
	err = read_all(cache, LDCACHE_MAX, &buf, &size);
	if (err)
		return err;
	err = -ENOEXEC;
	if (size >= 16 && !memcmp(buf, LDCACHE_OLD, sizeof(LDCACHE_OLD) - 1)) {
		uint32_t nold;

		memcpy(&nold, buf + 12, 4);
		if (nold > (size - 16) / 12)
			goto out;
		off = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	if (size < off || size - off < sizeof(h) || memcmp(buf + off, LDCACHE_NEW, sizeof(h.magic)))
		goto out;
	memcpy(&h, buf + off, sizeof(h));
	endian = h.flags & 3;
	if (endian == 1 || (endian && endian != (NATIVE_DATA == ELFDATA2LSB ? 2 : 3)))
		goto out;
	avail = size - off;
	if (h.nlibs > (avail - sizeof(h)) / sizeof(struct ldcache_entry))
		goto out;
	err = -ENOENT;
	/* the baseline copies first (a glibc-hwcaps one needs a CPU check);
	 * a soname given ("libfoo.so") that very key first */
	for (pass = 0; pass < 4 && err == -ENOENT; pass++) {
		bool hwcap = pass >= 2, exact = !(pass & 1);

		if (exact && !ln.soname)
			continue;
		for (i = 0; i < h.nlibs; i++) {
			struct ldcache_entry e;
			const char *key, *value;
			int r;

			memcpy(&e, buf + off + sizeof(h) + i * sizeof(e), sizeof(e));
			if ((e.hwcap != 0) != hwcap)
				continue;
			key = cache_str(buf + off, avail, e.key);
			value = cache_str(buf + off, avail, e.value);
			if (!key || !value || *value != '/' || !libname_match(&ln, key, false) ||
			    (exact && strcmp(key, ln.base)))
				continue;
			r = root_path(root, value, path, len);
			if (r == -ENAMETOOLONG) {
				err = r;
				break;
			}
			if (!r && native_elf(path, ET_DYN)) {
				err = 0;
				break;
			}
		}
	}
out:
	free(buf);
	return err;
}

struct dir_cand {
	char *name;
	int rank;
};

static int dir_cand_cmp(const void *pa, const void *pb)
{
	const struct dir_cand *a = pa, *b = pb;
	size_t la = strlen(a->name), lb = strlen(b->name);

	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* The library in one of the standard directories: for a soname given,
 * that file first; else the shortest versioned name ("libz.so.1"), then
 * the unversioned one (a linker script or a development link). */
static int dirs_find(const char *root, const struct libname *ln, char *path, size_t len)
{
	size_t d, bl = strlen(ln->base);
	int err = -ENOENT;

	for (d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]) && err == -ENOENT; d++) {
		struct dir_cand *c = NULL, *nc;
		size_t n = 0, i;
		char dpath[PATH_MAX];
		struct dirent *de;
		DIR *dir;

		if (root_path(root, lib_dirs[d], dpath, sizeof(dpath)) || !(dir = opendir(dpath)))
			continue;
		while ((de = readdir(dir))) {
			if (!libname_match(ln, de->d_name, false))
				continue;
			nc = realloc(c, (n + 1) * sizeof(*c));
			if (!nc || !(nc[n].name = strdup(de->d_name))) {
				c = nc ? nc : c;
				err = -ENOMEM;
				break;
			}
			c = nc;
			c[n].rank = !de->d_name[bl] ? (ln->soname ? 0 : 2) : 1;
			n++;
		}
		closedir(dir);
		if (n)
			qsort(c, n, sizeof(*c), dir_cand_cmp);
		for (i = 0; i < n && err == -ENOENT; i++) {
			char rel[PATH_MAX];
			int r;

			if (snprintf(rel, sizeof(rel), "%s/%s", lib_dirs[d], c[i].name) >= (int)sizeof(rel))
				continue;
			r = root_path(root, rel, path, len);
			if (r == -ENAMETOOLONG || (!r && native_elf(path, ET_DYN)))
				err = r;
		}
		for (i = 0; i < n; i++)
			free(c[i].name);
		free(c);
	}
	return err;
}

static void proc_root(pid_t pid, char *root, size_t len)
{
	if (pid > 0)
		snprintf(root, len, "/proc/%d/root", (int)pid);
	else
		*root = 0;
}

int sym_find_library_in(const char *root, const char *name, char *path, size_t len)
{
	char cache[PATH_MAX];
	struct libname ln;
	int err;

	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/'))
		return find_path(root, name, path, len);
	err = libname_parse(name, &ln);
	if (err)
		return err;
	if (!root_path(root, "/etc/ld.so.cache", cache, sizeof(cache))) {
		err = sym_ldcache_lookup(cache, root, name, path, len);
		/* a damaged cache: on to the directories, as ld.so does */
		if (!err || err == -ENAMETOOLONG || err == -ENOMEM)
			return err;
	}
	return dirs_find(root, &ln, path, len);
}

int sym_find_library(const char *name, pid_t pid, char *path, size_t len)
{
	char root[64];
	struct libname ln;
	int err;

	if (!name || !*name)
		return -EINVAL;
	proc_root(pid, root, sizeof(root));
	if (pid > 0 && !strchr(name, '/')) {
		err = libname_parse(name, &ln);
		if (!err)
			err = maps_find(pid, &ln, path, len);
		if (err != -ENOENT)
			return err;
	}
	return sym_find_library_in(root, name, path, len);
}

static bool runnable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int sym_find_program(const char *name, pid_t pid, char *path, size_t len)
{
	const char *p = getenv("PATH"), *end;
	char root[64], exe[PATH_MAX], cand[PATH_MAX];
	int err;

	if (!name || !*name)
		return -EINVAL;
	proc_root(pid, root, sizeof(root));
	if (strchr(name, '/'))
		return find_path(root, name, path, len);
	if (pid > 0) {
		char link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n < 0 && errno == ENOENT && access(root, F_OK))
			return -ESRCH;
		if (n > 0) {
			static const char deleted[] = " (deleted)";
			size_t dl = sizeof(deleted) - 1;
			const char *base;

			exe[n] = 0;
			if ((size_t)n > dl && !strcmp(exe + n - dl, deleted))
				exe[n - dl] = 0;
			base = strrchr(exe, '/');
			if (!strcmp(base ? base + 1 : exe, name))
				return copy_path(path, len, link);
		}
	}
	/* execvp's search; its default PATH when none is set */
	for (p = p ? p : "/bin:/usr/bin"; ; p = end + 1) {
		int n;

		end = strchrnul(p, ':');
		n = (int)(end - p);
		/* an empty element is the current directory: not inside root */
		if (!(*root && (!n || *p != '/')) &&
		    snprintf(cand, sizeof(cand), "%.*s/%s", n ? n : 1, n ? p : ".", name) < (int)sizeof(cand)) {
			err = root_path(root, cand, exe, sizeof(exe));
			if (!err && runnable(exe))
				return copy_path(path, len, exe);
		}
		if (!*end)
			return -ENOENT;
	}
}

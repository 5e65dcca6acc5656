#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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
	size_t i, nph;
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
	if (elf_getphdrnum(ef->elf, &nph))
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

	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
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

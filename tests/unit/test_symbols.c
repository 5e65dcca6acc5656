/*
 * common/symbols.h against files whose answers are known another way:
 * the workload build/tests/usdt_prog measures its own functions', probe
 * sites' and semaphores' file offsets at run time (/proc/self/maps), and
 * those of the libc it runs, found through the dynamic linker (so this
 * test needs no dlopen and runs in a static build too); the malformed,
 * ld.so.cache and directory-tree inputs are written here.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

/* The workload: $LOUPE_BUILD/tests/usdt_prog, else next to this binary
 * (build/tests/unit, build-asan/tests/unit). */
static const char *workload(void)
{
	static char path[PATH_MAX];
	const char *b = getenv("LOUPE_BUILD");
	char self[PATH_MAX];
	ssize_t n;

	if (b && *b) {
		snprintf(path, sizeof(path), "%s/tests/usdt_prog", b);
		return path;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "build/tests/usdt_prog";
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/usdt_prog", dirname(self));
	return path;
}

/* What the workload printed, "<what> <value>" a line: usdt_prog offsets
 * and usdt_prog libc (the libc it runs: the code this test expects). */
struct report {
	const char *mode;
	int n;
	struct { char what[64]; char val[PATH_MAX]; } v[16];
};
static struct report offsets_report = { "offsets" }, libc_report = { "libc" };

static void report_line(struct report *r, const char *line)
{
	int n = 0;

	if (r->n < 16 && sscanf(line, "%63s %n", r->v[r->n].what, &n) == 1 && n) {
		snprintf(r->v[r->n].val, sizeof(r->v[r->n].val), "%s", line + n);
		r->v[r->n].val[strcspn(r->v[r->n].val, "\n")] = 0;
		r->n++;
	}
}

static const char *report_get(struct report *r, const char *what)
{
	int i;

	if (!r->n) {
		char cmd[PATH_MAX + 16], line[PATH_MAX + 64];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "'%s' %s", workload(), r->mode);
		p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p))
			report_line(r, line);
		if (p)
			pclose(p);
		if (!r->n)
			fprintf(stderr, "  %s %s: no output (make tests builds it)\n", workload(), r->mode);
	}
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].what, what))
			return r->v[i].val;
	fprintf(stderr, "  usdt_prog %s printed no %s\n", r->mode, what);
	unit_failed_checks++;
	return "";
}

/* A file offset the workload measured, or -1 (a failed check). */
static long long measured(struct report *r, const char *what)
{
	const char *v = report_get(r, what);
	char *end;
	long long off = strtoll(v, &end, 16);

	return *v && !*end ? off : -1;
}

static long long runtime(const char *what)
{
	return measured(&offsets_report, what);
}

static long long in_libc(const char *what)
{
	return measured(&libc_report, what);
}

static const char *libc_path(void)
{
	return report_get(&libc_report, "libc");
}

/* usdt_prog libc wait, running with its report read (map: the path of
 * its libc mapping); it exits when *in is closed. */
static pid_t spawn_waiting(int *in, char *map, size_t len)
{
	int to[2], from[2];
	char line[PATH_MAX + 64];
	struct report r = { "libc wait" };
	pid_t pid;
	FILE *f;
	int i;

	*map = 0;
	*in = -1;
	if (pipe(to) || pipe(from) || (pid = fork()) < 0) {
		CHECK(!"pipes and a child");
		return -1;  /* (a test process: the descriptors stay) */
	}
	if (!pid) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(workload(), "usdt_prog", "libc", "wait", (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = to[1];
	f = fdopen(from[0], "r");
	while (f && fgets(line, sizeof(line), f) && strcmp(line, "ready\n"))
		report_line(&r, line);
	if (f)
		fclose(f);
	for (i = 0; i < r.n; i++)
		if (!strcmp(r.v[i].what, "map"))
			snprintf(map, len, "%s", r.v[i].val);
	CHECK(*map == '/');
	return pid;
}

static void stop_waiting(pid_t pid, int in)
{
	int status;

	if (in >= 0)
		close(in);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

static char tmpdir[64];

static const char *mktmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/loupe-unit-symbols-XXXXXX");
	if (!mkdtemp(tmpdir))
		unit_failed_checks++;
	return tmpdir;
}

static void rmtmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "  could not remove %s\n", tmpdir);
}

static void *read_file(const char *path, size_t *size)
{
	struct stat st;
	char *buf = NULL;
	int fd = open(path, O_RDONLY);

	*size = 0;
	if (fd >= 0 && !fstat(fd, &st) && (buf = malloc((size_t)st.st_size + 1)) &&
	    read(fd, buf, (size_t)st.st_size) == st.st_size)
		*size = (size_t)st.st_size;
	if (fd >= 0)
		close(fd);
	return buf;
}

static int write_file(const char *path, const void *buf, size_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	int ok = fd >= 0 && write(fd, buf, size) == (ssize_t)size;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* The section header named name in a 64-bit ELF image, or NULL. */
static Elf64_Shdr *section(unsigned char *img, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	const char *strs = (const char *)img + sh[eh->e_shstrndx].sh_offset;
	int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (!strcmp(strs + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/* The .symtab entry named name, or NULL. */
static Elf64_Sym *symtab_entry(unsigned char *img, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = section(img, ".symtab"), *all = (Elf64_Shdr *)(img + eh->e_shoff);
	Elf64_Sym *s;
	size_t i;

	if (!sh)
		return NULL;
	s = (Elf64_Sym *)(img + sh->sh_offset);
	for (i = 0; i < sh->sh_size / sizeof(*s); i++)
		if (!strcmp((char *)img + all[sh->sh_link].sh_offset + s[i].st_name, name))
			return &s[i];
	return NULL;
}

/* The PT_LOAD at virtual address 0 (a PIE's first), or NULL. */
static Elf64_Phdr *first_load(unsigned char *img)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
	int i;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr == 0)
			return &ph[i];
	return NULL;
}

static bool sorted_unique(const struct sym_list *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (strcmp(l->v[i - 1].name, l->v[i].name) >= 0)
			return false;
	return true;
}

static const struct sym *need(const struct sym_list *l, const char *name)
{
	const struct sym *s = sym_list_find(l, name);

	if (!s) {
		fprintf(stderr, "  no symbol %s\n", name);
		unit_failed_checks++;
	}
	return s;
}

static const struct usdt_probe *probe(const struct usdt_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	fprintf(stderr, "  no probe %s\n", name);
	unit_failed_checks++;
	return NULL;
}

/* ---- function symbols ------------------------------------------------ */

TEST(symbols_workload_functions)
{
	struct sym_list l;
	const struct sym *s;

	CHECK_EQ(sym_list_functions(workload(), &l), 0);
	CHECK(sorted_unique(&l));
	if ((s = need(&l, "usdt_prog_start"))) {
		CHECK_EQ(s->offset, runtime("usdt_prog_start"));
		CHECK(!s->ifunc);
		CHECK(s->size > 0);
	}
	if ((s = need(&l, "usdt_prog_begin")))       /* an alias */
		CHECK_EQ(s->offset, runtime("usdt_prog_start"));
	if ((s = need(&l, "usdt_prog_work")))        /* static: .symtab only */
		CHECK_EQ(s->offset, runtime("usdt_prog_work"));
	if ((s = need(&l, "usdt_prog_plain")))
		CHECK_EQ(s->offset, runtime("usdt_prog_plain"));
	if ((s = need(&l, "usdt_prog_resolve"))) {
		CHECK_EQ(s->offset, runtime("usdt_prog_resolve"));
		CHECK(!s->ifunc);
	}
	if ((s = need(&l, "usdt_prog_pick"))) {      /* the IFUNC: its resolver */
		CHECK_EQ(s->offset, runtime("usdt_prog_resolve"));
		CHECK(s->ifunc);
	}
	need(&l, "main");
	/* labels (STT_NOTYPE) and imports (undefined) are not functions */
	CHECK(!sym_list_find(&l, "usdt_prog_site_start"));
	CHECK(!sym_list_find(&l, "printf"));
	CHECK(!sym_list_find(&l, "loupe_test_work_semaphore"));
	sym_list_free(&l);
	CHECK_EQ(l.n, 0);
	CHECK(l.v == NULL);
}

TEST(symbols_unique_offsets)
{
	static const struct { const char *name; uint64_t off; bool ifunc; } in[] = {
		{ "a", 0x10, false }, { "b", 0x20, false }, { "c", 0x10, true },
		{ "d", 0x30, false }, { "e", 0x20, false },
		/* libc's aliases: the public name is kept */
		{ "__libc_malloc", 0x40, false }, { "malloc", 0x40, false },
		{ "__GI___libc_free", 0x50, false }, { "__free", 0x50, false },
		{ "free", 0x50, false }, { "cfree", 0x50, false },
	};
	struct sym_list l = { calloc(11, sizeof(struct sym)), 11 };
	struct sym_list w;
	size_t i, j, distinct = 0;
	const struct sym *s;

	for (i = 0; i < 11; i++)
		l.v[i] = (struct sym){ strdup(in[i].name), in[i].off, 1, in[i].ifunc };
	sym_list_unique_offsets(&l);
	CHECK_EQ(l.n, 5);
	if (l.n == 5) {
		CHECK_STR(l.v[0].name, "a");
		CHECK_EQ(l.v[0].offset, 0x10);
		CHECK(l.v[0].ifunc);           /* c, its alias, was an IFUNC */
		CHECK_STR(l.v[1].name, "b");
		CHECK_EQ(l.v[1].offset, 0x20);
		CHECK(!l.v[1].ifunc);
		CHECK_STR(l.v[2].name, "d");
		CHECK_STR(l.v[3].name, "free");
		CHECK_STR(l.v[4].name, "malloc");
	}
	sym_list_free(&l);

	/* the workload: start/begin and pick/resolve share offsets */
	CHECK_EQ(sym_list_functions(workload(), &w), 0);
	for (i = 0; i < w.n; i++) {
		for (j = 0; j < i && w.v[j].offset != w.v[i].offset; j++)
			;
		distinct += j == i;
	}
	sym_list_unique_offsets(&w);
	CHECK_EQ(w.n, distinct);
	CHECK(sorted_unique(&w));
	CHECK(sym_list_find(&w, "usdt_prog_begin"));
	CHECK(!sym_list_find(&w, "usdt_prog_start"));
	CHECK(!sym_list_find(&w, "usdt_prog_resolve"));
	if ((s = need(&w, "usdt_prog_pick")))
		CHECK(s->ifunc);
	sym_list_free(&w);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* libc as the workload runs it: offsets of the code it calls. */
TEST(symbols_libc)
{
	struct timespec t0, t1;
	struct sym_list l;
	const struct sym *s;
	char found[PATH_MAX];
	double ms;

	CHECK_EQ(sym_find_library("c", 0, found, sizeof(found)), 0);
	CHECK(same_file(found, libc_path()));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(sym_list_functions(found, &l), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	fprintf(stderr, "  libc symbols read in %.1f ms\n", ms);
	CHECK(ms < 2000); /* a hang catcher: bench/ measures, tests do not */
	CHECK(l.n > 1000);
	CHECK(sorted_unique(&l));
	if ((s = need(&l, "malloc"))) {
		CHECK_EQ(s->offset, in_libc("malloc"));
		CHECK(!s->ifunc);
	}
	if ((s = need(&l, "free")))
		CHECK_EQ(s->offset, in_libc("free"));
#ifdef __x86_64__
	if ((s = need(&l, "strlen")))
		CHECK(s->ifunc);
	/* the default version, though the old one comes first in the file:
	 * pthread_cond_signal@@GLIBC_2.3.2, not @GLIBC_2.2.5 */
	if ((s = need(&l, "pthread_cond_signal"))) {
		CHECK_EQ(s->offset, in_libc("pthread_cond_signal"));
		CHECK(in_libc("pthread_cond_signal@GLIBC_2.2.5") < (long long)s->offset);
	}
	/* memcpy@@GLIBC_2.14 (an IFUNC), not the old memcpy@GLIBC_2.2.5 */
	if ((s = need(&l, "memcpy"))) {
		CHECK(s->ifunc);
		CHECK(s->offset != (uint64_t)in_libc("memcpy@GLIBC_2.2.5"));
	}
#endif
	sym_list_free(&l);
}

/* ---- USDT probes ----------------------------------------------------- */

TEST(symbols_usdt_workload)
{
	const struct usdt_probe *p;
	struct usdt_list l;

	CHECK_EQ(usdt_list_probes(workload(), &l), 0);
	CHECK_EQ(l.n, 3);
	if (l.n == 3) {  /* sorted by provider, name */
		CHECK_STR(l.v[0].name, "plain");
		CHECK_STR(l.v[1].name, "start");
		CHECK_STR(l.v[2].name, "work");
		CHECK_STR(l.v[2].provider, "loupe_test");
	}
	if ((p = probe(&l, "start"))) {
		CHECK_EQ(p->offset, runtime("site:start"));
		CHECK_EQ(p->semaphore, runtime("semaphore:start"));
	}
	if ((p = probe(&l, "work"))) {
		CHECK_EQ(p->offset, runtime("site:work"));
		CHECK_EQ(p->semaphore, runtime("semaphore:work"));
	}
	if ((p = probe(&l, "plain"))) {
		CHECK_EQ(p->offset, runtime("site:plain"));
		CHECK_EQ(p->semaphore, 0);
	}
	usdt_list_free(&l);
	CHECK_EQ(l.n, 0);
}

/* A copy whose .stapsdt.base moved by 0x10 (as prelink moves it): each
 * site moves with it; the semaphores do not. */
TEST(symbols_usdt_stapsdt_base)
{
	char path[PATH_MAX];
	struct usdt_list l;
	unsigned char *img;
	Elf64_Shdr *base;
	size_t size;

	mktmp();
	img = read_file(workload(), &size);
	CHECK(img && size);
	if (!img || !size || !(base = section(img, ".stapsdt.base"))) {
		CHECK(!"a workload with .stapsdt.base");
		free(img);
		rmtmp();
		return;
	}
	base->sh_addr += 0x10;
	snprintf(path, sizeof(path), "%s/moved", tmpdir);
	CHECK_EQ(write_file(path, img, size, 0644), 0);
	CHECK_EQ(usdt_list_probes(path, &l), 0);
	CHECK_EQ(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ(l.v[1].offset, runtime("site:start") + 0x10);
		CHECK_EQ(l.v[1].semaphore, runtime("semaphore:start"));
		CHECK_EQ(l.v[2].offset, runtime("site:work") + 0x10);
		CHECK_EQ(l.v[0].offset, runtime("site:plain") + 0x10);
	}
	usdt_list_free(&l);
	/* no PT_LOAD at vaddr 0 (as in an ET_EXEC): a semaphore of 0 is
	 * none, not an address to translate */
	base->sh_addr -= 0x10;
	CHECK(first_load(img) != NULL);
	if (first_load(img))
		first_load(img)->p_type = PT_NULL;
	CHECK_EQ(write_file(path, img, size, 0644), 0);
	CHECK_EQ(usdt_list_probes(path, &l), 0);
	CHECK_EQ(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ(l.v[0].offset, runtime("site:plain"));
		CHECK_EQ(l.v[0].semaphore, 0);
		CHECK_EQ(l.v[2].semaphore, runtime("semaphore:work"));
	}
	usdt_list_free(&l);
	free(img);
	rmtmp();
}

/* ---- stripped files, symbols outside the segments -------------------- */

TEST(symbols_stripped_and_unmapped)
{
	char path[PATH_MAX];
	struct sym_list l;
	unsigned char *img;
	Elf64_Sym *work, *plain;
	Elf64_Shdr *symtab;
	size_t size;

	mktmp();
	snprintf(path, sizeof(path), "%s/copy", tmpdir);
	img = read_file(workload(), &size);
	if (!img || !size || !(symtab = section(img, ".symtab")) ||
	    !(work = symtab_entry(img, "usdt_prog_work")) ||
	    !(plain = symtab_entry(img, "usdt_prog_plain"))) {
		CHECK(!"a workload with .symtab and its functions");
		free(img);
		rmtmp();
		return;
	}
	/* usdt_prog_plain undefined (an import): skipped */
	plain->st_shndx = SHN_UNDEF;
	/* usdt_prog_work moved to an address no PT_LOAD holds: skipped */
	work->st_value = 0x7fff0000;
	CHECK_EQ(write_file(path, img, size, 0644), 0);
	CHECK_EQ(sym_list_functions(path, &l), 0);
	CHECK(!sym_list_find(&l, "usdt_prog_work"));
	CHECK(!sym_list_find(&l, "usdt_prog_plain"));
	CHECK(sym_list_find(&l, "usdt_prog_start"));
	sym_list_free(&l);
	/* .symtab gone (as strip does): only .dynsym, which in this PIE
	 * defines no function */
	symtab->sh_type = SHT_NULL;
	CHECK_EQ(write_file(path, img, size, 0644), 0);
	CHECK_EQ(sym_list_functions(path, &l), 0);
	CHECK_EQ(l.n, 0);
	sym_list_free(&l);
	free(img);
	rmtmp();
}

/* A name defined twice: the global definition wins over a local one at a
 * lower offset (usdt_prog_plain renamed usdt_prog_pick in a copy). */
TEST(symbols_duplicate_names)
{
	char path[PATH_MAX];
	struct sym_list l;
	unsigned char *img;
	Elf64_Sym *pick, *plain;
	const struct sym *s;
	size_t size;

	mktmp();
	snprintf(path, sizeof(path), "%s/dup", tmpdir);
	img = read_file(workload(), &size);
	if (!img || !size || !(pick = symtab_entry(img, "usdt_prog_pick")) ||
	    !(plain = symtab_entry(img, "usdt_prog_plain"))) {
		CHECK(!"a workload with .symtab and its functions");
		free(img);
		rmtmp();
		return;
	}
	CHECK_EQ(ELF64_ST_BIND(plain->st_info), STB_LOCAL);
	CHECK_EQ(ELF64_ST_BIND(pick->st_info), STB_GLOBAL);
	CHECK(runtime("usdt_prog_plain") < runtime("usdt_prog_resolve"));
	plain->st_name = pick->st_name;
	CHECK_EQ(write_file(path, img, size, 0644), 0);
	CHECK_EQ(sym_list_functions(path, &l), 0);
	CHECK(sorted_unique(&l));
	CHECK(!sym_list_find(&l, "usdt_prog_plain"));
	if ((s = need(&l, "usdt_prog_pick"))) {
		CHECK_EQ(s->offset, runtime("usdt_prog_resolve"));
		CHECK(s->ifunc);
	}
	sym_list_free(&l);
	free(img);
	rmtmp();
}

/* ---- bad input --------------------------------------------------------- */

TEST(symbols_not_elf)
{
	static const unsigned char elf32[EI_NIDENT + 4] = {
		0x7f, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB, EV_CURRENT, [EI_NIDENT] = ET_DYN,
	};
	struct sym_list l = { (void *)1, 1 };
	struct usdt_list u = { (void *)1, 1 };
	char path[PATH_MAX];
	unsigned char *img;
	size_t size;

	mktmp();
	CHECK_EQ(sym_list_functions("/nonexistent/loupe", &l), -ENOENT);
	CHECK(l.v == NULL && l.n == 0);
	CHECK_EQ(usdt_list_probes("/nonexistent/loupe", &u), -ENOENT);
	CHECK(u.v == NULL && u.n == 0);
	CHECK_EQ(sym_list_functions(tmpdir, &l), -EISDIR);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	CHECK_EQ(write_file(path, "", 0, 0644), 0);
	CHECK_EQ(sym_list_functions(path, &l), -ENOEXEC);
	CHECK_EQ(usdt_list_probes(path, &u), -ENOEXEC);
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	CHECK_EQ(write_file(path, "#!/bin/sh\necho hello\n", 21, 0755), 0);
	CHECK_EQ(sym_list_functions(path, &l), -ENOEXEC);
	snprintf(path, sizeof(path), "%s/elf32", tmpdir);
	CHECK_EQ(write_file(path, elf32, sizeof(elf32), 0644), 0);
	CHECK_EQ(sym_list_functions(path, &l), -ENOEXEC);
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	CHECK_EQ(mkfifo(path, 0600), 0);  /* must not block */
	CHECK_EQ(sym_list_functions(path, &l), -ENOEXEC);
	CHECK_EQ(sym_list_functions("/dev/null", &l), -ENOEXEC);
	/* an object file (ET_REL) takes no uprobe */
	img = read_file(workload(), &size);
	if (img && size > sizeof(Elf64_Ehdr)) {
		((Elf64_Ehdr *)img)->e_type = ET_REL;
		snprintf(path, sizeof(path), "%s/rel", tmpdir);
		CHECK_EQ(write_file(path, img, size, 0644), 0);
		CHECK_EQ(sym_list_functions(path, &l), -ENOEXEC);
	} else {
		CHECK(!"the workload");
	}
	free(img);
	rmtmp();
}

/* Whatever the damage, a result: an error, or lists whose offsets lie in
 * the (possibly truncated) file. */
static void check_damaged(const char *path, size_t size, int *ok, int *failed)
{
	struct sym_list l;
	struct usdt_list u;
	size_t i;
	int r;

	r = sym_list_functions(path, &l);
	CHECK(r <= 0);
	if (!r) {
		CHECK(sorted_unique(&l));
		for (i = 0; i < l.n; i++)
			CHECK(l.v[i].offset < size && *l.v[i].name);
		sym_list_free(&l);
	}
	*(r ? failed : ok) += 1;
	r = usdt_list_probes(path, &u);
	CHECK(r <= 0);
	for (i = 0; !r && i < u.n; i++)
		CHECK(u.v[i].offset < size && u.v[i].semaphore < size);
	usdt_list_free(&u);
}

TEST(symbols_damaged_files)
{
	unsigned char *img, *bad;
	char path[PATH_MAX];
	int ok = 0, failed = 0;
	Elf64_Ehdr *eh;
	size_t size, cut, i, f;
	unsigned seed = 1;

	mktmp();
	snprintf(path, sizeof(path), "%s/bad", tmpdir);
	img = read_file(workload(), &size);
	if (!img || size < 4096) {
		CHECK(!"the workload");
		free(img);
		rmtmp();
		return;
	}
	bad = malloc(size);
	/* every truncation, 61 bytes apart */
	for (cut = 0; cut < size; cut += 61) {
		CHECK_EQ(write_file(path, img, cut, 0644), 0);
		check_damaged(path, cut, &ok, &failed);
	}
	CHECK_EQ(ok + failed, (int)((size + 60) / 61));
	/* cut in the ELF header or program headers: never a list */
	CHECK_EQ(write_file(path, img, 40, 0644), 0);
	CHECK_EQ(sym_list_functions(path, &(struct sym_list){ 0 }), -ENOEXEC);
	/* random bytes over the headers, the section headers and the notes */
	eh = (Elf64_Ehdr *)img;
	for (i = 0; i < 400; i++) {
		size_t region[] = { 0, (size_t)eh->e_shoff, size - 400 };
		size_t at;

		memcpy(bad, img, size);
		for (f = 0; f < 8; f++) {
			seed = seed * 1103515245 + 12345;
			at = region[i % 3] + (seed >> 8) % (i % 3 == 1 ? size - eh->e_shoff : 256);
			if (at < size)
				bad[at] = (unsigned char)(seed >> 24);
		}
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		check_damaged(path, size, &ok, &failed);
	}
	/* specific lies: a symbol table linked to no string table, a
	 * section beyond the end, section and segment counts beyond the
	 * tables */
	{
		Elf64_Shdr *st;

		memcpy(bad, img, size);
		if ((st = section(bad, ".symtab")))
			st->sh_link = 999;
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		check_damaged(path, size, &ok, &failed);
		memcpy(bad, img, size);
		if ((st = section(bad, ".symtab")))
			st->sh_offset = size + 4096;
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		CHECK_EQ(sym_list_functions(path, &(struct sym_list){ 0 }), -ENOEXEC);
		memcpy(bad, img, size);
		((Elf64_Ehdr *)bad)->e_shnum = 0xfff0;
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		check_damaged(path, size, &ok, &failed);
		/* PN_XNUM: the real count in section 0's sh_info, here 2^31 */
		memcpy(bad, img, size);
		((Elf64_Ehdr *)bad)->e_phnum = PN_XNUM;
		((Elf64_Shdr *)(bad + ((Elf64_Ehdr *)bad)->e_shoff))->sh_info = 0x80000000u;
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		CHECK_EQ(sym_list_functions(path, &(struct sym_list){ 0 }), -ENOEXEC);
		memcpy(bad, img, size);
		if ((st = section(bad, ".note.stapsdt")))
			*(uint32_t *)(bad + st->sh_offset + 4) = 0xfffffff0;  /* descsz */
		CHECK_EQ(write_file(path, bad, size, 0644), 0);
		check_damaged(path, size, &ok, &failed);
	}
	CHECK(ok > 0 && failed > 0);
	free(bad);
	free(img);
	rmtmp();
}

/* ---- finding libraries and programs ------------------------------------ */

/* Map a copy of the workload named name (in tmpdir); its address, or NULL. */
static void *map_copy(const char *name, size_t *size, char *path, size_t len)
{
	void *img, *m = NULL;
	int fd;

	snprintf(path, len, "%s/%s", tmpdir, name);
	img = read_file(workload(), size);
	if (img && *size && !write_file(path, img, *size, 0644) && (fd = open(path, O_RDONLY)) >= 0) {
		m = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
	}
	free(img);
	CHECK(m && m != MAP_FAILED);
	return m == MAP_FAILED ? NULL : m;
}

static void mapped_lib_checks(void)
{
	char path[PATH_MAX], want[PATH_MAX + 64], found[PATH_MAX];
	size_t size, old_size;
	unsigned long page;
	void *old, *del;

	mktmp();
	old = map_copy("libloupeold-2.31.so", &old_size, path, sizeof(path));
	snprintf(want, sizeof(want), "/proc/%d/root%s", (int)getpid(), path);
	CHECK_EQ(sym_find_library("loupeold", getpid(), found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library("loupeold", 0, found, sizeof(found)), -ENOENT);
	del = map_copy("libloupedel.so.1", &size, path, sizeof(path));
	CHECK_EQ(unlink(path), 0);
	page = (unsigned long)sysconf(_SC_PAGESIZE);
	snprintf(want, sizeof(want), "/proc/%d/map_files/%lx-%lx", (int)getpid(),
		 (unsigned long)del, ((unsigned long)del + size + page - 1) & ~(page - 1));
	CHECK_EQ(sym_find_library("loupedel", getpid(), found, sizeof(found)), 0);
	CHECK_STR(found, want);
	/* that path given: not looked up inside the process's root, where
	 * the link reads as a path that is gone */
	CHECK_EQ(sym_find_library(want, getpid(), found, sizeof(found)), 0);
	CHECK_STR(found, want);
	if (old)
		munmap(old, old_size);
	if (del)
		munmap(del, size);
	rmtmp();
}

TEST(symbols_find_library)
{
	static const char *const names[] = { "c", "libc", "libc.so.6", "libc.so" };
	char found[PATH_MAX], libc[PATH_MAX], map[PATH_MAX], want[PATH_MAX + 64];
	const char *b;
	size_t i;
	pid_t child;
	int in, n;

	snprintf(libc, sizeof(libc), "%s", libc_path());
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_EQ(sym_find_library(names[i], 0, found, sizeof(found)), 0);
		CHECK(same_file(found, libc));
		/* not the linker script /usr/lib/<multiarch>/libc.so */
		b = strrchr(found, '/');
		CHECK(b && !strcmp(b, "/libc.so.6"));
	}
	CHECK_EQ(sym_find_library("pthread", 0, found, sizeof(found)), 0);
	b = strrchr(found, '/');
	CHECK(b && !strncmp(b, "/libpthread.so.", 15));
	CHECK_EQ(sym_find_library("loupe-no-such-library", 0, found, sizeof(found)), -ENOENT);
	CHECK_EQ(sym_find_library("", 0, found, sizeof(found)), -EINVAL);
	CHECK_EQ(sym_find_library("c", 0, found, 8), -ENAMETOOLONG);
	/* paths: checked, returned as given */
	CHECK_EQ(sym_find_library(libc, 0, found, sizeof(found)), 0);
	CHECK_STR(found, libc);
	CHECK_EQ(sym_find_library("/nonexistent/libx.so", 0, found, sizeof(found)), -ENOENT);
	CHECK_EQ(sym_find_library("./loupe-no-such.so", 0, found, sizeof(found)), -ENOENT);

	/* pid: the file the workload has mapped at malloc's address, seen
	 * through its root */
	child = spawn_waiting(&in, map, sizeof(map));
	snprintf(want, sizeof(want), "/proc/%d/root%s", (int)child, map);
	CHECK_EQ(sym_find_library("c", child, found, sizeof(found)), 0);
	CHECK_STR(found, want);
	/* the same file named by its path, inside the process's root */
	CHECK_EQ(sym_find_library(map, child, found, sizeof(found)), 0);
	CHECK_STR(found, want);
	/* a path through /proc/ is not prefixed twice (bcc #2817) */
	CHECK_EQ(sym_find_library(want, child, found, sizeof(found)), 0);
	CHECK_STR(found, want);
	stop_waiting(child, in);
	/* mapped files: one named the old glibc way (libNAME-VERSION.so),
	 * one deleted since (its path would now name another file or none) */
	mapped_lib_checks();
	/* a process that is gone */
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, &n, 0);
	CHECK_EQ(sym_find_library("c", child, found, sizeof(found)), -ESRCH);
}

/* A file with the first 64 bytes of the workload's header (an ELF file of
 * this machine), made a shared object unless type says otherwise, class
 * changed when asked. */
static void fake_elf(const char *path, int class, int type)
{
	unsigned char hdr[64] = { 0 };
	int fd = open(workload(), O_RDONLY);

	CHECK(fd >= 0 && read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	if (fd >= 0)
		close(fd);
	if (class)
		hdr[EI_CLASS] = (unsigned char)class;
	memcpy(hdr + EI_NIDENT, &(uint16_t){ (uint16_t)(type ? type : ET_DYN) }, 2);
	CHECK_EQ(write_file(path, hdr, sizeof(hdr), 0755), 0);
}

struct cache_entry { const char *key, *value; uint64_t hwcap; };

/* An ld.so.cache in format 1.1, after an old-format table when compat;
 * flags the header's flags byte; nlibs_extra lies about the count. */
static void write_cache(const char *path, const struct cache_entry *e, int n, bool compat,
			int flags, uint32_t nlibs_extra)
{
	unsigned char buf[8192] = { 0 };
	size_t off = 0, hdr, strs;
	int i;

	if (compat) {  /* one old entry: the 1.1 header at 28 rounded up to 32 */
		memcpy(buf, "ld.so-1.7.0", 11);
		memcpy(buf + 12, &(uint32_t){ 1 }, 4);
		off = 32;
	}
	hdr = off;
	memcpy(buf + hdr, "glibc-ld.so.cache1.1", 20);
	memcpy(buf + hdr + 20, &(uint32_t){ (uint32_t)n + nlibs_extra }, 4);
	buf[hdr + 28] = (unsigned char)flags;
	strs = hdr + 48 + (size_t)n * 24;
	for (i = 0; i < n; i++) {
		unsigned char *ent = buf + hdr + 48 + (size_t)i * 24;
		uint32_t k, v;

		k = e[i].key ? (uint32_t)(strs - hdr) : 0xffffff;
		if (e[i].key) {
			strcpy((char *)buf + strs, e[i].key);
			strs += strlen(e[i].key) + 1;
		}
		v = (uint32_t)(strs - hdr);
		strcpy((char *)buf + strs, e[i].value);
		strs += strlen(e[i].value) + 1;
		memcpy(ent, &(int32_t){ 0x0303 }, 4);
		memcpy(ent + 4, &k, 4);
		memcpy(ent + 8, &v, 4);
		memcpy(ent + 16, &e[i].hwcap, 8);
	}
	CHECK_EQ(write_file(path, buf, strs, 0644), 0);
}

TEST(symbols_ldcache)
{
	char p[8][PATH_MAX], cache[PATH_MAX], found[PATH_MAX];

	mktmp();
	snprintf(p[0], PATH_MAX, "%s/missing.so", tmpdir);
	snprintf(p[1], PATH_MAX, "%s/script.so", tmpdir);
	snprintf(p[2], PATH_MAX, "%s/elf32.so", tmpdir);
	snprintf(p[3], PATH_MAX, "%s/exec.so", tmpdir);
	snprintf(p[4], PATH_MAX, "%s/hwcap.so", tmpdir);
	snprintf(p[5], PATH_MAX, "%s/good.so", tmpdir);
	snprintf(p[6], PATH_MAX, "%s/other.so", tmpdir);
	snprintf(cache, sizeof(cache), "%s/ld.so.cache", tmpdir);
	CHECK_EQ(write_file(p[1], "/* GNU ld script */\n", 20, 0644), 0);
	fake_elf(p[2], ELFCLASS32, 0);
	fake_elf(p[3], 0, ET_EXEC);
	fake_elf(p[4], 0, 0);
	fake_elf(p[5], 0, 0);
	fake_elf(p[6], 0, 0);
	{
		const struct cache_entry e[] = {
			{ "libloupe.so.1", p[0], 0 },        /* no such file */
			{ "libloupe.so.1", p[1], 0 },        /* not ELF */
			{ "libloupe.so.1", p[2], 0 },        /* another class */
			{ "libloupe.so.1", p[3], 0 },        /* not a shared object */
			{ "libloupe.so.1", p[4], 1ull << 62 }, /* glibc-hwcaps: last */
			{ "libloupe.so.1", p[5], 0 },
			{ "libloupe.so", p[6], 0 },          /* a development link */
			{ "libloupe2.so.3", p[4], 1ull << 62 },
			{ "libloupexyz.so.1", p[6], 0 },
			{ NULL, p[6], 0 },                   /* key out of the file */
		};

		write_cache(cache, e, 10, false, 2, 0);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), 0);
		CHECK_STR(found, p[5]);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "libloupe", found, sizeof(found)), 0);
		CHECK_STR(found, p[5]);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "libloupe.so.1", found, sizeof(found)), 0);
		CHECK_STR(found, p[5]);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "libloupe.so", found, sizeof(found)), 0);
		CHECK_STR(found, p[6]);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe2", found, sizeof(found)), 0);
		CHECK_STR(found, p[4]);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupex", found, sizeof(found)), -ENOENT);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "libloupe.so.2", found, sizeof(found)), -ENOENT);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, 10), -ENAMETOOLONG);
		/* endianness unset: fine; the other byte order: refused */
		write_cache(cache, e, 10, false, 0, 0);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), 0);
		CHECK_STR(found, p[5]);
		write_cache(cache, e, 10, false,
			    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 3 : 2, 0);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), -ENOEXEC);
		/* more entries than the file holds */
		write_cache(cache, e, 10, false, 2, 1000);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), -ENOEXEC);
		/* the old format's table first (ldconfig -c compat) */
		write_cache(cache, e, 10, true, 2, 0);
		CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), 0);
		CHECK_STR(found, p[5]);
	}
	CHECK_EQ(write_file(cache, "glibc-ld.so.cache1.1", 20, 0644), 0);
	CHECK_EQ(sym_ldcache_lookup(cache, "", "loupe", found, sizeof(found)), -ENOEXEC);
	CHECK_EQ(sym_ldcache_lookup(p[1], "", "loupe", found, sizeof(found)), -ENOEXEC);
	CHECK_EQ(sym_ldcache_lookup(p[0], "", "loupe", found, sizeof(found)), -ENOENT);
	/* the system's: libc.so.6 of this machine, not /lib32's */
	CHECK_EQ(sym_ldcache_lookup("/etc/ld.so.cache", "", "c", found, sizeof(found)), 0);
	CHECK(same_file(found, libc_path()));
	rmtmp();
}

/* The temporary directory without links (as resolved paths come back). */
static const char *real_tmp(void)
{
	static char real[200];
	char buf[PATH_MAX];

	*real = 0;
	if (realpath(tmpdir, buf) && strlen(buf) < sizeof(real))
		strcpy(real, buf);
	CHECK(*real);
	return real;
}

static void mkdirs(const char *root, const char *const *dirs)
{
	char path[PATH_MAX];

	for (; *dirs; dirs++) {
		snprintf(path, sizeof(path), "%s%s", root, *dirs);
		CHECK_EQ(mkdir(path, 0755), 0);
	}
}

static void link_at(const char *root, const char *target, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, name);
	CHECK_EQ(symlink(target, path), 0);
}

/* A process's root (a container's) as a directory tree: links resolved
 * inside it, absolute ones included; its own cache; its directories. */
TEST(symbols_find_in_root)
{
	static const char *const dirs[] = { "/etc", "/usr", "/usr/lib", "/usr/lib/real",
					    "/usr/lib64", "/lib64", NULL };
	char path[PATH_MAX], want[PATH_MAX], found[PATH_MAX];
	const char *root;

	mktmp();
	root = real_tmp();
	mkdirs(root, dirs);
	link_at(root, "usr/lib", "/lib");
	snprintf(path, sizeof(path), "%s/usr/lib/real/libfoo.so.1.0", root);
	fake_elf(path, 0, 0);
	snprintf(want, sizeof(want), "%s", path);
	/* absolute: must not leave root for the host's /usr/lib */
	link_at(root, "/usr/lib/real/libfoo.so.1.0", "/usr/lib/libfoo.so.1");
	/* ".." above root stays at root */
	link_at(root, "../../../../../../../usr/lib/real/./libfoo.so.1.0", "/usr/lib/libbar.so.1");
	link_at(root, "libloop.so.1", "/usr/lib/libloop.so.1");
	{
		const struct cache_entry e[] = {
			{ "libfoo.so.1", "/lib/libfoo.so.1", 0 },
			{ "libbar.so.1", "/lib/libbar.so.1", 0 },
			{ "libloop.so.1", "/usr/lib/libloop.so.1", 0 },
		};

		snprintf(path, sizeof(path), "%s/etc/ld.so.cache", root);
		write_cache(path, e, 3, false, 2, 0);
	}
	CHECK_EQ(sym_ldcache_lookup(path, root, "foo", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "foo", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "libbar.so.1", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "/lib/libfoo.so.1", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "loop", found, sizeof(found)), -ENOENT);
	CHECK_EQ(sym_find_library_in(root, "/lib/libloop.so.1", found, sizeof(found)), -ELOOP);

	/* no cache: the directories, in order, each candidate checked */
	CHECK_EQ(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/lib64/libdir.so.1", root);
	fake_elf(path, ELFCLASS32, 0);       /* first directory, wrong class */
	snprintf(path, sizeof(path), "%s/usr/lib64/libdir.so", root);
	CHECK_EQ(write_file(path, "INPUT(libdir.so.2)\n", 19, 0644), 0);
	snprintf(path, sizeof(path), "%s/usr/lib64/libdir.so.2.0.1", root);
	fake_elf(path, 0, 0);
	snprintf(path, sizeof(path), "%s/usr/lib64/libdir.so.2", root);
	fake_elf(path, 0, 0);
	snprintf(want, sizeof(want), "%s", path);
	CHECK_EQ(sym_find_library_in(root, "dir", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "libdir.so", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	/* libdir.so an ELF file too (a development link): "dir" still
	 * means the runtime name, "libdir.so" that file */
	snprintf(path, sizeof(path), "%s/usr/lib64/libdir.so", root);
	CHECK_EQ(unlink(path), 0);
	fake_elf(path, 0, 0);
	CHECK_EQ(sym_find_library_in(root, "dir", found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_library_in(root, "libdir.so", found, sizeof(found)), 0);
	CHECK_STR(found, path);
	CHECK_EQ(sym_find_library_in(root, "libdir.so.2.0.1", found, sizeof(found)), 0);
	CHECK_STR(found, strcat(want, ".0.1"));
	CHECK_EQ(sym_find_library_in(root, "foo", found, sizeof(found)), 0);  /* /lib -> usr/lib */
	snprintf(want, sizeof(want), "%s/usr/lib/real/libfoo.so.1.0", root);
	CHECK_STR(found, want);
	rmtmp();
}

TEST(symbols_find_program)
{
	static const char *const dirs[] = { "/b0", "/b0/loupe-prog", "/b1", "/b2", NULL };
	char path[PATH_MAX], want[PATH_MAX], found[PATH_MAX], self[PATH_MAX];
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	const char *root;
	ssize_t n;
	pid_t child;
	int status;

	mktmp();
	root = real_tmp();
	mkdirs(root, dirs);
	snprintf(path, sizeof(path), "%s/b1/loupe-prog", root);
	CHECK_EQ(write_file(path, "#!/bin/sh\n", 10, 0644), 0);  /* not executable */
	snprintf(want, sizeof(want), "%s/b2/loupe-prog", root);
	CHECK_EQ(write_file(want, "#!/bin/sh\n", 10, 0755), 0);
	snprintf(path, sizeof(path), "%s/b0:%s/b1:%s/b2", root, root, root);
	setenv("PATH", path, 1);
	CHECK_EQ(sym_find_program("loupe-prog", 0, found, sizeof(found)), 0);
	CHECK_STR(found, want);
	CHECK_EQ(sym_find_program("loupe-none", 0, found, sizeof(found)), -ENOENT);
	CHECK_EQ(sym_find_program("", 0, found, sizeof(found)), -EINVAL);
	CHECK_EQ(sym_find_program(want, 0, found, sizeof(found)), 0);
	CHECK_STR(found, want);
	/* pid: not its program, so $PATH inside its root */
	CHECK_EQ(sym_find_program("loupe-prog", getpid(), found, sizeof(found)), 0);
	snprintf(path, sizeof(path), "/proc/%d/root%s/b2/loupe-prog", (int)getpid(), root);
	CHECK_STR(found, path);
	/* pid: its own program */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n > 0 ? n : 0] = 0;
	CHECK_EQ(sym_find_program(strrchr(self, '/') + 1, getpid(), found, sizeof(found)), 0);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)getpid());
	CHECK_STR(found, path);
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, &status, 0);
	CHECK_EQ(sym_find_program("loupe-prog", child, found, sizeof(found)), -ESRCH);
	if (old)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(old);
	rmtmp();
}

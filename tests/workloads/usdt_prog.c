/*
 * usdt_prog: a program with known functions and USDT probes, for the
 * symbols unit tests (common/symbols.h) and funccount's tests.
 *   usdt_prog            call each function and fire each probe once
 *   usdt_prog N          the same N times
 *   usdt_prog offsets    print "<what> <file offset in hex>" for each
 *                        function, probe site and semaphore, measured at
 *                        run time (address minus its mapping's start plus
 *                        the mapping's file offset, from /proc/self/maps):
 *                        what the tests expect the ELF reader to compute.
 *   usdt_prog libc [wait] print "libc <path>", "map <path>" (the mapping at
 *                        malloc's address, from /proc/self/maps) and
 *                        "<symbol> <file offset>" for functions of the libc
 *                        this process runs, found through the dynamic
 *                        linker (dlsym on libc's handle, so not a
 *                        sanitizer's interceptor); with wait, then "ready",
 *                        and run until stdin is closed.
 *
 * Functions: usdt_prog_start (global) and its alias usdt_prog_begin,
 * usdt_prog_work (static), usdt_prog_pick (an IFUNC whose resolver is
 * usdt_prog_resolve). Probes (provider loupe_test): start and work through
 * <sys/sdt.h> with semaphores, plain written out by hand without one.
 * Each probe site carries a global label (usdt_prog_site_<probe>) so that
 * its run-time address is known.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone, used))

unsigned short loupe_test_start_semaphore __attribute__((section(".probes"), used));
unsigned short loupe_test_work_semaphore __attribute__((section(".probes"), used));

extern char usdt_prog_site_start[], usdt_prog_site_work[], usdt_prog_site_plain[];

static volatile int sink;

NOINLINE void usdt_prog_start(void)
{
	__asm__ __volatile__(".globl usdt_prog_site_start\nusdt_prog_site_start:");
	STAP_PROBE(loupe_test, start);
	sink++;
}

void usdt_prog_begin(void) __attribute__((alias("usdt_prog_start")));

NOINLINE static int usdt_prog_work(int n)
{
	__asm__ __volatile__(".globl usdt_prog_site_work\nusdt_prog_site_work:");
	STAP_PROBE1(loupe_test, work, n);
	sink += n;
	return sink;
}

/* A probe without a semaphore, its note written the way <sys/sdt.h>
 * writes one (type 3, owner "stapsdt", pc, base, semaphore 0, provider,
 * name, no arguments); its site label is in the same asm as the nop. */
NOINLINE static void usdt_prog_plain(void)
{
	__asm__ __volatile__(
		".globl usdt_prog_site_plain\n"
		"usdt_prog_site_plain: nop\n"
		".pushsection .note.stapsdt,\"\",\"note\"\n"
		".balign 4\n"
		".4byte 992f-991f, 994f-993f, 3\n"
		"991: .asciz \"stapsdt\"\n"
		"992: .balign 4\n"
		"993: .8byte usdt_prog_site_plain\n"
		".8byte _.stapsdt.base\n"
		".8byte 0\n"
		".asciz \"loupe_test\"\n"
		".asciz \"plain\"\n"
		".asciz \"\"\n"
		"994: .balign 4\n"
		".popsection\n");
	sink++;
}

static int pick_a(void) { return 1; }
static int pick_b(void) { return 2; }

NOINLINE static int (*usdt_prog_resolve(void))(void)
{
	return getenv("USDT_PROG_PICK_B") ? pick_b : pick_a;
}

int usdt_prog_pick(void) __attribute__((ifunc("usdt_prog_resolve")));

/* addr's offset in the file mapped there (0 if none), and that file's
 * path into path when not NULL. */
static uint64_t file_offset(const void *addr, char *path, size_t len)
{
	unsigned long start, end, off;
	uintptr_t a = (uintptr_t)addr;
	char line[4096];
	uint64_t found = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	int n;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %n", &start, &end, &off, &n) == 3 &&
		    a >= start && a < end) {
			found = a - start + off;
			line[strcspn(line, "\n")] = 0;
			if (path)
				snprintf(path, len, "%s", line + n);
			break;
		}
	if (f)
		fclose(f);
	return found;
}

static void print_offset(const char *what, const void *addr)
{
	if (addr)
		printf("%s %#llx\n", what, (unsigned long long)file_offset(addr, NULL, 0));
}

static int libc_report(bool wait)
{
	void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void *m = h ? dlsym(h, "malloc") : NULL;
	char map[4096];
	Dl_info info;

	if (!m || !dladdr(m, &info) || !info.dli_fname)
		return 1;
	printf("libc %s\n", info.dli_fname);
	file_offset(m, map, sizeof(map));
	printf("map %s\n", map);
	print_offset("malloc", m);
	print_offset("free", dlsym(h, "free"));
	print_offset("pthread_cond_signal", dlsym(h, "pthread_cond_signal"));
	print_offset("pthread_cond_signal@GLIBC_2.2.5", dlvsym(h, "pthread_cond_signal", "GLIBC_2.2.5"));
	print_offset("memcpy@GLIBC_2.2.5", dlvsym(h, "memcpy", "GLIBC_2.2.5"));
	if (wait) {
		char c;

		printf("ready\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "offsets")) {
		print_offset("usdt_prog_start", (void *)usdt_prog_start);
		print_offset("usdt_prog_work", (void *)usdt_prog_work);
		print_offset("usdt_prog_plain", (void *)usdt_prog_plain);
		print_offset("usdt_prog_resolve", (void *)usdt_prog_resolve);
		print_offset("site:start", usdt_prog_site_start);
		print_offset("site:work", usdt_prog_site_work);
		print_offset("site:plain", usdt_prog_site_plain);
		print_offset("semaphore:start", &loupe_test_start_semaphore);
		print_offset("semaphore:work", &loupe_test_work_semaphore);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "libc"))
		return libc_report(argc == 3 && !strcmp(argv[2], "wait"));
	for (int i = 0, n = argc > 1 ? atoi(argv[1]) : 1; i < n; i++) {
		usdt_prog_begin();
		usdt_prog_work(i);
		usdt_prog_plain();
		sink += usdt_prog_pick();
	}
	return 0;
}

/* Output files: atomic replacement, no temporary name to plant anything
 * at, devices and FIFOs in place, refused destinations. Runs without root;
 * the cases that need files owned by another user run only as root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "outfile.h"

/* A fresh directory per test, removed (one level deep) at the end. */
static char dir[64];

static void dir_new(void)
{
	snprintf(dir, sizeof(dir), "/tmp/loupe-unit-outfile-XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = 0;
	CHECK(dir[0]);
	chmod(dir, 0755); /* not sticky, not world-writable */
}

static void dir_remove(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[600];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p))
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static const char *at(const char *name)
{
	static char p[4][600];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* The names in dir, sorted, joined by spaces. */
static const char *listing(void)
{
	static char out[2048];
	struct dirent **e;
	int n, i;

	out[0] = 0;
	n = scandir(dir, &e, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i]->d_name, ".") && strcmp(e[i]->d_name, "..")) {
			if (out[0])
				strcat(out, " ");
			strncat(out, e[i]->d_name, sizeof(out) - strlen(out) - 2);
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	return out;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static const char *get(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf[0] = 0;
	if (fd < 0)
		return "(cannot open)";
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static int text(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

/* Writes a lot, so the stream flushes while it is written. */
static int big(FILE *f, void *arg)
{
	int i;

	for (i = 0; i < 100000; i++)
		fprintf(f, "line %d\n", i);
	return 0;
}

static int fail_midway(FILE *f, void *arg)
{
	big(f, arg);
	return -EIO;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode;
}

/* Each test body runs with O_TMPFILE and with the named fallback. */
#define BOTH_WAYS(...)                                                    \
	for (int tmpfile = 1; tmpfile >= 0; tmpfile--) {                  \
		outfile_set_tmpfile(tmpfile);                             \
		dir_new();                                                \
		__VA_ARGS__                                               \
		dir_remove();                                             \
	}                                                                 \
	outfile_set_tmpfile(true)

TEST(outfile_creates_a_file)
{
	mode_t um = umask(022);

	BOTH_WAYS({
		CHECK_EQ(outfile_check(at("new.svg")), 0);
		CHECK_EQ(outfile_write(at("new.svg"), text, "hello\n"), 0);
		CHECK_STR(get(at("new.svg")), "hello\n");
		CHECK_EQ(mode_of(at("new.svg")), S_IFREG | 0644);
		CHECK_STR(listing(), "new.svg");
		/* relative paths too */
		CHECK_EQ(chdir(dir), 0);
		CHECK_EQ(outfile_write("rel.svg", text, "r\n"), 0);
		CHECK_EQ(chdir("/"), 0);
		CHECK_STR(get(at("rel.svg")), "r\n");
	});
	umask(um);
}

TEST(outfile_replaces_keeping_the_mode)
{
	BOTH_WAYS({
		struct stat a, b;

		put(at("x.svg"), "old content, longer than the new\n", 0600);
		CHECK_EQ(stat(at("x.svg"), &a), 0);
		CHECK_EQ(outfile_write(at("x.svg"), text, "new\n"), 0);
		CHECK_STR(get(at("x.svg")), "new\n");
		CHECK_EQ(stat(at("x.svg"), &b), 0);
		CHECK_EQ(b.st_mode, S_IFREG | 0600);
		CHECK_EQ(b.st_uid, a.st_uid);
		CHECK(a.st_ino != b.st_ino); /* replaced, not rewritten */
		CHECK_STR(listing(), "x.svg");
		chmod(at("x.svg"), 0640);
		CHECK_EQ(outfile_write(at("x.svg"), big, NULL), 0);
		CHECK_EQ(mode_of(at("x.svg")), S_IFREG | 0640);
		CHECK(!strncmp(get(at("x.svg")), "line 0\nline 1\n", 14));
		CHECK_STR(listing(), "x.svg");
	});
}

/* While the new content is written, the old file is whole and, with
 * O_TMPFILE, the directory holds no other name at all. */
TEST(outfile_replacement_is_atomic)
{
	BOTH_WAYS({
		struct outfile *of;

		put(at("a.prom"), "old\n", 0644);
		CHECK_EQ(outfile__open(&of, at("a.prom")), 0);
		if (of) {
			fputs("new\n", outfile__stream(of));
			fflush(outfile__stream(of));
			CHECK_STR(get(at("a.prom")), "old\n");
			if (tmpfile) {
				CHECK_STR(listing(), "a.prom");
			} else {
				/* a hidden random name, not *.prom */
				const char *l = listing();

				CHECK(!strncmp(l, ".a.prom.", 8) && strlen(l) == 8 + 12 + 7 &&
				      !strcmp(l + 20, " a.prom"));
			}
			CHECK_EQ(outfile__commit(of), 0);
		}
		CHECK_STR(get(at("a.prom")), "new\n");
		CHECK_STR(listing(), "a.prom");
	});
}

/* Symlinks at every name an older scheme used: none is followed or
 * touched, and no temporary file is left after success or failure. */
TEST(outfile_planted_symlinks_not_followed)
{
	static const char *const names[] = { "t.svg.tmp", "t.svg~", ".t.svg.tmp",
					     ".t.svg", "t.svg.new", ".t.svg.swp" };

	BOTH_WAYS({
		size_t i;
		struct rlimit rl, small;
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;

		put(at("victim"), "secret\n", 0600);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			CHECK_EQ(symlink(at("victim"), at(names[i])), 0);
		CHECK_EQ(outfile_write(at("t.svg"), text, "svg\n"), 0);
		CHECK_STR(get(at("t.svg")), "svg\n");
		CHECK_STR(get(at("victim")), "secret\n");
		CHECK_EQ(mode_of(at("victim")), S_IFREG | 0600);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			CHECK(S_ISLNK(mode_of(at(names[i]))));
		CHECK_STR(listing(), ".t.svg .t.svg.swp .t.svg.tmp t.svg t.svg.new t.svg.tmp "
			  "t.svg~ victim");
		/* the content fails half-way: old file kept, nothing left */
		CHECK_EQ(outfile_write(at("t.svg"), fail_midway, NULL), -EIO);
		CHECK_STR(get(at("t.svg")), "svg\n");
		CHECK_STR(listing(), ".t.svg .t.svg.swp .t.svg.tmp t.svg t.svg.new t.svg.tmp "
			  "t.svg~ victim");
		/* a write fails (EFBIG past RLIMIT_FSIZE, as ENOSPC would) */
		getrlimit(RLIMIT_FSIZE, &rl);
		small = rl;
		small.rlim_cur = 4096;
		sigaction(SIGXFSZ, &ign, &old);
		CHECK_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
		CHECK_EQ(outfile_write(at("t.svg"), big, NULL), -EFBIG);
		setrlimit(RLIMIT_FSIZE, &rl);
		sigaction(SIGXFSZ, &old, NULL);
		CHECK_STR(get(at("t.svg")), "svg\n");
		CHECK_STR(get(at("victim")), "secret\n");
		CHECK_STR(listing(), ".t.svg .t.svg.swp .t.svg.tmp t.svg t.svg.new t.svg.tmp "
			  "t.svg~ victim");
	});
}

/* A symlink to a regular file is followed (the file is replaced, the link
 * stays); a dangling one is refused. */
TEST(outfile_symlink_to_a_file)
{
	dir_new();
	CHECK_EQ(mkdir(at("real"), 0755), 0);
	put(at("real/f.svg"), "old\n", 0600);
	CHECK_EQ(symlink("real/f.svg", at("link.svg")), 0);
	CHECK_EQ(symlink("real", at("dirlink")), 0);
	CHECK_EQ(outfile_write(at("link.svg"), text, "via link\n"), 0);
	CHECK(S_ISLNK(mode_of(at("link.svg"))));
	CHECK_STR(get(at("real/f.svg")), "via link\n");
	CHECK_EQ(mode_of(at("real/f.svg")), S_IFREG | 0600);
	CHECK_EQ(outfile_write(at("dirlink/g.svg"), text, "g\n"), 0);
	CHECK_STR(get(at("real/g.svg")), "g\n");
	CHECK_EQ(symlink("real/nothing.svg", at("dangling.svg")), 0);
	CHECK_EQ(outfile_check(at("dangling.svg")), -ENOENT);
	CHECK_EQ(outfile_write(at("dangling.svg"), text, "x\n"), -ENOENT);
	CHECK(S_ISLNK(mode_of(at("dangling.svg"))));
	CHECK_EQ(symlink("loop2", at("loop1")), 0);
	CHECK_EQ(symlink("loop1", at("loop2")), 0);
	CHECK_EQ(outfile_check(at("loop1")), -ELOOP);
	CHECK_STR(listing(), "dangling.svg dirlink link.svg loop1 loop2 real");
	unlink(at("real/f.svg"));
	unlink(at("real/g.svg"));
	dir_remove();
}

TEST(outfile_devices_written_in_place)
{
	dir_new();
	CHECK_EQ(outfile_check("/dev/null"), 0);
	CHECK_EQ(outfile_write("/dev/null", big, NULL), 0);
	CHECK(S_ISCHR(mode_of("/dev/null")));
	CHECK_EQ(outfile_check("/dev/full"), 0);
	CHECK_EQ(outfile_write("/dev/full", text, "x\n"), -ENOSPC);
	CHECK_EQ(outfile_write("/dev/full", big, NULL), -ENOSPC);
	CHECK(S_ISCHR(mode_of("/dev/full")));
	/* through a symlink: the device, not the link, is written */
	CHECK_EQ(symlink("/dev/full", at("full.svg")), 0);
	CHECK_EQ(outfile_write(at("full.svg"), text, "x\n"), -ENOSPC);
	CHECK(S_ISLNK(mode_of(at("full.svg"))));
	CHECK(S_ISCHR(mode_of("/dev/full")));
	CHECK_STR(listing(), "full.svg");
	dir_remove();
}

TEST(outfile_fifo_and_proc_fd_in_place)
{
	char path[64], buf[64];
	int rd, p[2];
	ssize_t n;

	dir_new();
	CHECK_EQ(mkfifo(at("fifo"), 0600), 0);
	/* a reader first, so the open does not block */
	rd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
	CHECK(rd >= 0);
	CHECK_EQ(outfile_write(at("fifo"), text, "<svg/>\n"), 0);
	n = read(rd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, "<svg/>\n");
	close(rd);
	CHECK(S_ISFIFO(mode_of(at("fifo"))));
	CHECK_STR(listing(), "fifo");
	/* /dev/stdout is /proc/self/fd/1: a pipe is written, not replaced */
	CHECK_EQ(pipe(p), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	CHECK_EQ(outfile_check(path), 0);
	CHECK_EQ(outfile_write(path, text, "piped\n"), 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, "piped\n");
	close(p[0]);
	close(p[1]);
	/* /dev/fd/N on a regular file: that open file, truncated (as the
	 * shell's > does), also once its name is gone ("x (deleted)") */
	put(at("f.svg"), "", 0600);
	rd = open(at("f.svg"), O_RDWR);
	CHECK(rd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rd);
	CHECK_EQ(outfile_write(path, text, "a long first version\n"), 0);
	CHECK_EQ(outfile_write(path, text, "second\n"), 0);
	CHECK_STR(get(at("f.svg")), "second\n");
	CHECK_EQ(rename(at("f.svg"), at("g.svg")), 0);
	put(at("f.svg"), "another file\n", 0600);
	CHECK_EQ(unlink(at("g.svg")), 0);
	CHECK_EQ(outfile_check(path), 0);
	CHECK_EQ(outfile_write(path, text, "third\n"), 0);
	CHECK_STR(get(at("f.svg")), "another file\n");
	n = pread(rd, buf, sizeof(buf) - 1, 0); /* the deleted file got it */
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, "third\n");
	close(rd);
	CHECK_STR(listing(), "f.svg fifo");
	dir_remove();
}

TEST(outfile_refused_destinations)
{
	struct stat st;
	const char *blk = NULL;
	static const char *const disks[] = { "/dev/vda", "/dev/sda", "/dev/nvme0n1",
					     "/dev/loop0", "/dev/ram0" };
	size_t i;

	dir_new();
	put(at("file"), "f\n", 0644);
	CHECK_EQ(outfile_check(dir), -EISDIR);
	CHECK_EQ(outfile_write(dir, text, "x"), -EISDIR);
	CHECK_EQ(outfile_check(at("")), -EISDIR);     /* "dir/" */
	CHECK_EQ(outfile_check("/"), -EISDIR);
	CHECK_EQ(outfile_check("/tmp"), -EISDIR);
	CHECK_EQ(outfile_check("/tmp/."), -EISDIR);
	CHECK_EQ(outfile_check(""), -ENOENT);
	CHECK_EQ(outfile_check("/proc/nonexist/x.svg"), -ENOENT);
	CHECK_EQ(outfile_write("/proc/nonexist/x.svg", text, "x"), -ENOENT);
	CHECK_EQ(outfile_check(at("nodir/x.svg")), -ENOENT);
	CHECK_EQ(outfile_check(at("file/x.svg")), -ENOTDIR);
	CHECK_EQ(outfile_check(at("file/")), -ENOTDIR);
	for (i = 0; i < sizeof(disks) / sizeof(disks[0]) && !blk; i++)
		if (!stat(disks[i], &st) && S_ISBLK(st.st_mode))
			blk = disks[i];
	if (blk) {
		CHECK_EQ(outfile_check(blk), -EOPNOTSUPP);
		CHECK_EQ(outfile_write(blk, text, "x"), -EOPNOTSUPP);
	}
	if (geteuid()) {
		/* root may write anywhere: only checked without root */
		CHECK_EQ(chmod(dir, 0555), 0);
		CHECK_EQ(outfile_check(at("new.svg")), -EACCES);
		CHECK_EQ(outfile_write(at("new.svg"), text, "x"), -EACCES);
		CHECK_EQ(outfile_check(at("file")), -EACCES);
		chmod(dir, 0755);
	}
	CHECK_STR(listing(), "file");
	dir_remove();
}

/* In a world-writable sticky directory, what another user owns is not
 * followed or replaced (the kernel's protected_* rules, sysctls or not). */
TEST(outfile_sticky_directory)
{
	dir_new();
	CHECK_EQ(chmod(dir, 01777), 0);
	put(at("mine.svg"), "m\n", 0644);
	put(at("victim"), "secret\n", 0600);
	CHECK_EQ(symlink("victim", at("mylink.svg")), 0);
	/* ours: followed, replaced */
	CHECK_EQ(outfile_write(at("mine.svg"), text, "ok\n"), 0);
	CHECK_EQ(outfile_write(at("mylink.svg"), text, "ok\n"), 0);
	CHECK_STR(get(at("victim")), "ok\n");
	if (geteuid() == 0) {
		/* someone else's (nobody's): refused */
		put(at("victim"), "secret\n", 0600);
		CHECK_EQ(symlink("victim", at("planted.svg")), 0);
		CHECK_EQ(lchown(at("planted.svg"), 65534, 65534), 0);
		CHECK_EQ(outfile_check(at("planted.svg")), -EACCES);
		CHECK_EQ(outfile_write(at("planted.svg"), text, "x\n"), -EACCES);
		CHECK_EQ(symlink(at("planted.svg"), at("chain.svg")), 0);
		CHECK_EQ(outfile_write(at("chain.svg"), text, "x\n"), -EACCES);
		CHECK_STR(get(at("victim")), "secret\n");
		put(at("theirs.svg"), "t\n", 0666);
		CHECK_EQ(chown(at("theirs.svg"), 65534, 65534), 0);
		CHECK_EQ(outfile_write(at("theirs.svg"), text, "x\n"), -EACCES);
		CHECK_STR(get(at("theirs.svg")), "t\n");
		CHECK_EQ(mkfifo(at("fifo"), 0666), 0);
		CHECK_EQ(chown(at("fifo"), 65534, 65534), 0);
		CHECK_EQ(outfile_check(at("fifo")), -EACCES);
		/* a planted directory symlink in the path */
		CHECK_EQ(symlink("/etc", at("etc")), 0);
		CHECK_EQ(lchown(at("etc"), 65534, 65534), 0);
		CHECK_EQ(outfile_check(at("etc/loupe-unit.svg")), -EACCES);
	}
	dir_remove();
}

/* Root: the owner and group of the replaced file are kept too. */
TEST(outfile_keeps_the_owner)
{
	struct stat st;

	if (geteuid())
		return;
	BOTH_WAYS({
		put(at("o.svg"), "old\n", 0640);
		CHECK_EQ(chown(at("o.svg"), 65534, 65534), 0);
		CHECK_EQ(outfile_write(at("o.svg"), text, "new\n"), 0);
		CHECK_EQ(stat(at("o.svg"), &st), 0);
		CHECK_EQ(st.st_uid, 65534);
		CHECK_EQ(st.st_gid, 65534);
		CHECK_EQ(st.st_mode, S_IFREG | 0640);
		CHECK_STR(get(at("o.svg")), "new\n");
	});
}

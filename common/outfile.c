/*
 * Output files: resolving a destination safely, replacing a regular file
 * atomically, writing devices and FIFOs in place. See outfile.h.
 *
 * Why O_TMPFILE first: the content is written into an inode that has no
 * name, so nobody can open, replace or plant anything at the temporary
 * file while it is being written, and a tool killed in the middle (SIGKILL,
 * the OOM killer, a crash) leaves nothing behind in the directory, which
 * matters for directories that others scan (node_exporter's textfile
 * directory, a web root). linkat() cannot replace an existing name, so at
 * commit the finished inode is linked under a random hidden name
 * (O_EXCL-like: EEXIST, never over anything) and renamed over the
 * destination: a name exists only between those two calls. File systems
 * without O_TMPFILE (EOPNOTSUPP; EISDIR from kernels older than 3.11) get
 * the same random name from the start, opened O_CREAT|O_EXCL|O_NOFOLLOW
 * with mode 0600, so a planted file or symlink is never opened and the
 * content is never readable by others before the final mode is set.
 *
 * Why fsync before the rename: after a crash the destination is then the
 * old or the new content, not an empty file (ext4 only guards against that
 * for some rename patterns, other file systems not at all). The directory
 * is not fsync'd: losing the last rename in a crash leaves the previous
 * version, which is fine for files rewritten every interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "outfile.h"

#define MAX_LINKS 40     /* the kernel's limit of symlinks in one walk */
#define TMP_TRIES 100

enum kind {
	K_NEW,           /* nothing there: created by rename */
	K_REGULAR,       /* a regular file: replaced by rename */
	K_IN_PLACE,      /* a character device or a FIFO: written in place */
	K_PROC_LINK,     /* a procfs link (/dev/stdout, /dev/fd/3): in place */
};

/* Where a path leads, found by walk(). */
struct dest {
	int dirfd;               /* O_PATH: the directory that holds name */
	char name[NAME_MAX + 1];
	enum kind kind;
	struct stat st;          /* what is there (K_PROC_LINK: where it leads) */
};

struct outfile {
	FILE *f;
	int fd;
	int err;                 /* first write error; once set, nothing more is written */
	bool anon;               /* fd is an O_TMPFILE without a name yet */
	struct dest d;
	mode_t mode;             /* for the replacement */
	char tmp[NAME_MAX + 1];  /* the temporary name while one exists, else "" */
};

static bool use_tmpfile = true;

void outfile_set_tmpfile(bool use)
{
	use_tmpfile = use;
}

/* ---- where a path leads ------------------------------------------------ */

/* The kernel's protected_symlinks/regular/fifos rule: in a world-writable
 * sticky directory, only what we or the directory's owner own is followed
 * or opened. */
static bool planted(int dirfd, uid_t owner)
{
	struct stat dir;

	if (fstat(dirfd, &dir))
		return true;
	return (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH) &&
	       owner != geteuid() && owner != dir.st_uid;
}

static bool on_procfs(int dirfd)
{
	struct statfs sf;

	return !fstatfs(dirfd, &sf) && sf.f_type == PROC_SUPER_MAGIC;
}

/* The final object: refuse what must not be written, classify the rest. */
static int classify(struct dest *d, int dirfd)
{
	const struct stat *st = &d->st;

	if (d->kind != K_PROC_LINK && planted(dirfd, st->st_uid))
		return -EACCES;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (S_ISBLK(st->st_mode))
		return -EOPNOTSUPP;
	if (d->kind != K_PROC_LINK)
		d->kind = S_ISREG(st->st_mode) ? K_REGULAR : K_IN_PLACE;
	return 0;
}

/*
 * Resolve path one component at a time (the kernel would follow symlinks
 * without asking, and fs.protected_symlinks may be 0): directories are
 * entered with O_NOFOLLOW, so one swapped for a symlink after its lstat
 * fails instead of being followed; each symlink is checked (planted()) and
 * its text spliced into what is left of the path. On success d->dirfd is
 * the directory holding d->name (the caller closes it).
 */
static int walk(const char *path, struct dest *d)
{
	char rest[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX];
	bool from_link = false; /* the last component comes from a link's text */
	int cur, links = 0, err;
	char *p = rest;

	d->dirfd = -1;
	if (!*path)
		return -ENOENT;
	if (strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, path);
	cur = open(*rest == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	for (;;) {
		char *comp, *next;
		struct stat st;
		ssize_t n;
		int nfd;

		while (*p == '/')
			p++;
		if (!*p) {             /* "/", "dir/": the destination is a directory */
			err = -EISDIR;
			goto fail;
		}
		comp = p;
		next = strchr(p, '/');
		if (next)
			*next++ = 0;
		if (strlen(comp) > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW)) {
			err = -errno;
			if (err == -ENOENT && !next && !from_link) {
				d->kind = K_NEW;
				break;
			}
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_LINKS) {
				err = -ELOOP;
				goto fail;
			}
			if (planted(cur, st.st_uid)) {
				err = -EACCES;
				goto fail;
			}
			if (!next && on_procfs(cur) && !fstatat(cur, comp, &st, 0)) {
				/* /proc/<pid>/fd/N: an open file, not a path */
				d->kind = K_PROC_LINK;
				d->st = st;
				break;
			}
			n = readlinkat(cur, comp, link, sizeof(link));
			if (n < 0) {
				err = -errno;
				goto fail;
			}
			if ((size_t)n >= sizeof(link) ||
			    snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)n, link,
				     next ? "/" : "", next ? next : "") >= (int)sizeof(tmp)) {
				err = -ENAMETOOLONG;
				goto fail;
			}
			from_link |= !next;
			strcpy(rest, tmp);
			p = rest;
			if (*rest == '/') {
				close(cur);
				cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (cur < 0)
					return -errno;
			}
			continue;
		}
		if (!next) {
			d->kind = K_REGULAR; /* or in place: classify() */
			d->st = st;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			err = -ENOTDIR;
			goto fail;
		}
		nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			err = -errno;
			goto fail;
		}
		close(cur);
		cur = nfd;
		p = next;
	}
	/* p points at the last component */
	snprintf(d->name, sizeof(d->name), "%s", p);
	if (d->kind != K_NEW) {
		err = classify(d, cur);
		if (err)
			goto fail;
	}
	d->dirfd = cur;
	return 0;
fail:
	close(cur);
	return err;
}

int outfile_check(const char *path)
{
	struct dest d;
	int err = walk(path, &d);

	if (err)
		return err;
	if (d.kind == K_NEW || d.kind == K_REGULAR)
		/* the temporary file and the rename need the directory */
		err = faccessat(d.dirfd, ".", W_OK | X_OK, AT_EACCESS) ? -errno : 0;
	else
		err = faccessat(d.dirfd, d.name, W_OK, AT_EACCESS) ? -errno : 0;
	close(d.dirfd);
	return err;
}

/* ---- writing ----------------------------------------------------------- */

/* stdio's sink: every byte or the first error, kept with its errno (stdio
 * itself keeps only an error flag). */
static ssize_t sink_write(void *c, const char *buf, size_t len)
{
	struct outfile *of = c;
	size_t done = 0;

	while (!of->err && done < len) {
		ssize_t n = write(of->fd, buf + done, len - done);

		if (n > 0)
			done += (size_t)n;
		else
			of->err = n < 0 ? -errno : -EIO;
	}
	return of->err ? 0 : (ssize_t)len; /* 0: an error, for stdio */
}

/* ".<name>.<12 random characters>": hidden, and matching no *.svg or
 * *.prom glob. getrandom() without entropy yet (early boot) falls back to
 * the clock: unpredictability is then weaker, but O_EXCL/linkat never
 * follow or replace anything, so a guessed name only costs a retry. */
static void tmp_name(struct outfile *of)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static uint64_t counter;
	unsigned char r[12];
	size_t i, n;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    ((uint64_t)getpid() << 40) ^ ++counter * 0x9e3779b97f4a7c15ULL;
		for (i = 0; i < sizeof(r); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	}
	snprintf(of->tmp, sizeof(of->tmp), ".%.*s.", NAME_MAX - 2 - (int)sizeof(r),
		 of->d.name);
	n = strlen(of->tmp);
	for (i = 0; i < sizeof(r); i++)
		of->tmp[n + i] = abc[r[i] & 63];
	of->tmp[n + sizeof(r)] = 0;
}

static int open_temp(struct outfile *of)
{
	int i;

	if (of->d.kind == K_NEW) {
		/* what open(O_CREAT, 0666) would have made; umask() is the only
		 * way to read it (the tools are single-threaded here) */
		mode_t um = umask(0);

		umask(um);
		of->mode = 0666 & ~um;
	} else {
		of->mode = of->d.st.st_mode & 0777;
	}
	if (use_tmpfile) {
		of->fd = openat(of->d.dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (of->fd >= 0) {
			of->anon = true;
			return 0;
		}
		if (errno != EOPNOTSUPP && errno != EISDIR)
			return -errno;
	}
	for (i = 0; i < TMP_TRIES; i++) {
		tmp_name(of);
		of->fd = openat(of->d.dirfd, of->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (of->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	of->tmp[0] = 0;
	return i == TMP_TRIES ? -EEXIST : -errno;
}

static int open_in_place(struct outfile *of)
{
	int flags = O_WRONLY | O_NOCTTY | O_CLOEXEC;
	struct stat st;

	if (of->d.kind == K_IN_PLACE)
		flags |= O_NOFOLLOW;
	else if (S_ISREG(of->d.st.st_mode))
		flags |= O_TRUNC; /* a procfs link to a regular file, as > does */
	of->fd = openat(of->d.dirfd, of->d.name, flags);
	if (of->fd < 0)
		return -errno;
	/* the object the walk checked, not one put there since */
	if (fstat(of->fd, &st))
		return -errno;
	if (st.st_dev != of->d.st.st_dev || st.st_ino != of->d.st.st_ino)
		return -EAGAIN;
	return 0;
}

int outfile__open(struct outfile **out, const char *path)
{
	static const cookie_io_functions_t sink = { .write = sink_write };
	struct outfile *of;
	int err;

	*out = NULL;
	of = calloc(1, sizeof(*of));
	if (!of)
		return -ENOMEM;
	of->fd = -1;
	err = walk(path, &of->d);
	if (err) {
		free(of);
		return err;
	}
	if (of->d.kind == K_NEW || of->d.kind == K_REGULAR)
		err = open_temp(of);
	else
		err = open_in_place(of);
	if (!err) {
		of->f = fopencookie(of, "w", sink);
		if (!of->f)
			err = -ENOMEM;
		else
			setvbuf(of->f, NULL, _IOFBF, 64 << 10);
	}
	if (err) {
		outfile__abort(of);
		return err;
	}
	*out = of;
	return 0;
}

FILE *outfile__stream(struct outfile *of)
{
	return of->f;
}

/* Name the anonymous inode: a random name, never over an existing one.
 * AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH before Linux 6.10 (ENOENT
 * without it); /proc/self/fd works for anyone where /proc is mounted. */
static int link_anon(struct outfile *of)
{
	char proc[64];
	int i, err = -EEXIST;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", of->fd);
	for (i = 0; i < TMP_TRIES && err == -EEXIST; i++) {
		tmp_name(of);
		if (!linkat(of->fd, "", of->d.dirfd, of->tmp, AT_EMPTY_PATH))
			return 0;
		err = -errno;
		if (err == -ENOENT || err == -EPERM) {
			if (!linkat(AT_FDCWD, proc, of->d.dirfd, of->tmp, AT_SYMLINK_FOLLOW))
				return 0;
			err = -errno;
		}
	}
	of->tmp[0] = 0;
	return err;
}

/* The finished temporary file takes the old one's owner and mode. */
static int finish_temp(struct outfile *of)
{
	const struct stat *old = &of->d.st;
	struct stat st;

	if (fsync(of->fd) || fstat(of->fd, &st))
		return -errno;
	/* an owner or group that cannot be kept (not root) is an error: the
	 * old file stays as it was rather than changing hands */
	if (of->d.kind == K_REGULAR && (st.st_uid != old->st_uid || st.st_gid != old->st_gid) &&
	    fchown(of->fd, old->st_uid, old->st_gid))
		return -errno;
	if (fchmod(of->fd, of->mode))
		return -errno;
	return of->anon ? link_anon(of) : 0;
}

int outfile__commit(struct outfile *of)
{
	bool temp = of->d.kind == K_NEW || of->d.kind == K_REGULAR;
	int err;

	if (fclose(of->f) && !of->err) /* flushes through sink_write */
		of->err = -EIO;
	of->f = NULL;
	err = of->err;
	if (!err && temp)
		err = finish_temp(of);
	if (!err) {
		/* NFS reports some write errors only at close */
		err = close(of->fd) ? -errno : 0;
		of->fd = -1;
	}
	if (!err && temp) {
		if (renameat(of->d.dirfd, of->tmp, of->d.dirfd, of->d.name))
			err = -errno;
		else
			of->tmp[0] = 0;
	}
	outfile__abort(of);
	return err;
}

void outfile__abort(struct outfile *of)
{
	if (!of)
		return;
	if (of->f) {
		of->err = -ECANCELED; /* fclose writes nothing more */
		fclose(of->f);
	}
	if (of->fd >= 0)
		close(of->fd);
	if (of->tmp[0])
		unlinkat(of->d.dirfd, of->tmp, 0);
	if (of->d.dirfd >= 0)
		close(of->d.dirfd);
	free(of);
}

int outfile_write(const char *path, int (*fn)(FILE *f, void *arg), void *arg)
{
	struct outfile *of;
	int err = outfile__open(&of, path);

	if (err)
		return err;
	err = fn(outfile__stream(of), arg);
	if (err) {
		outfile__abort(of);
		return err;
	}
	return outfile__commit(of);
}

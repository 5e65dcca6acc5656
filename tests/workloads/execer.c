/*
 * execer: exec a program in known ways, for the execsnoop tests.
 *   execer MODE PATH [ARG...]
 *     execve   a child calls execve(PATH, ARGS)
 *     fexecve  a child opens PATH and calls fexecve (execveat, AT_EMPTY_PATH)
 *     thread   a child starts a thread that calls execve (the exec leaves
 *              as the process's PID: the thread's TID is gone)
 * ARGS are ARG... (argv[0] included: give it first). Prints "pid <child>"
 * and "status <exit status>" (or "errno <e>" when the exec failed: the
 * child exits 100 + errno), then exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char *path;
static char **args;

static void *thread_exec(void *unused)
{
	(void)unused;
	execve(path, args, environ);
	_exit(100 + errno);
}

int main(int argc, char **argv)
{
	const char *mode;
	pid_t pid;
	int status;

	if (argc < 4) {
		fprintf(stderr, "usage: execer execve|fexecve|thread PATH ARG0 [ARG...]\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	args = argv + 3;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!strcmp(mode, "execve")) {
			execve(path, args, environ);
		} else if (!strcmp(mode, "fexecve")) {
			int fd = open(path, O_RDONLY);

			if (fd >= 0)
				fexecve(fd, args, environ);
		} else if (!strcmp(mode, "thread")) {
			pthread_t t;

			if (pthread_create(&t, NULL, thread_exec, NULL) == 0)
				for (;;)
					pause(); /* the exec ends us */
		}
		_exit(100 + errno);
	}
	printf("pid %d\n", (int)pid);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
		printf("errno %d\n", WEXITSTATUS(status) - 100);
	else
		printf("status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

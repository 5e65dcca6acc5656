/*
 * Names the build machine's headers do not know (DESIGN.md §10).
 * Read by scripts/gen-names.sh: one LOUPE_ERRNO / LOUPE_SYSCALL per line.
 *
 * Kernel-internal errnos (include/linux/errno.h): user space never sees
 * them, but raw_syscalls:sys_exit and kernel functions return them.
 */
LOUPE_ERRNO(ERESTARTSYS, 512)
LOUPE_ERRNO(ERESTARTNOINTR, 513)
LOUPE_ERRNO(ERESTARTNOHAND, 514)
LOUPE_ERRNO(ENOIOCTLCMD, 515)
LOUPE_ERRNO(ERESTART_RESTARTBLOCK, 516)
LOUPE_ERRNO(EPROBE_DEFER, 517)
LOUPE_ERRNO(EOPENSTALE, 518)
LOUPE_ERRNO(ENOPARAM, 519)
LOUPE_ERRNO(EBADHANDLE, 521)
LOUPE_ERRNO(ENOTSYNC, 522)
LOUPE_ERRNO(EBADCOOKIE, 523)
LOUPE_ERRNO(ENOTSUPP, 524)
LOUPE_ERRNO(ETOOSMALL, 525)
LOUPE_ERRNO(ESERVERFAULT, 526)
LOUPE_ERRNO(EBADTYPE, 527)
LOUPE_ERRNO(EJUKEBOX, 528)
LOUPE_ERRNO(EIOCBQUEUED, 529)
LOUPE_ERRNO(ERECALLCONFLICT, 530)
LOUPE_ERRNO(ENOGRACE, 531)
/*
 * x86-64 syscalls newer than Debian 12's linux-libc-dev 6.1 (which stops
 * at 450); numbers from arch/x86/entry/syscalls/syscall_64.tbl.
 */
LOUPE_SYSCALL(cachestat, 451)
LOUPE_SYSCALL(fchmodat2, 452)
LOUPE_SYSCALL(map_shadow_stack, 453)
LOUPE_SYSCALL(futex_wake, 454)
LOUPE_SYSCALL(futex_wait, 455)
LOUPE_SYSCALL(futex_requeue, 456)
LOUPE_SYSCALL(statmount, 457)
LOUPE_SYSCALL(listmount, 458)
LOUPE_SYSCALL(lsm_get_self_attr, 459)
LOUPE_SYSCALL(lsm_set_self_attr, 460)
LOUPE_SYSCALL(lsm_list_modules, 461)
LOUPE_SYSCALL(mseal, 462)
LOUPE_SYSCALL(setxattrat, 463)
LOUPE_SYSCALL(getxattrat, 464)
LOUPE_SYSCALL(listxattrat, 465)
LOUPE_SYSCALL(removexattrat, 466)
LOUPE_SYSCALL(open_tree_attr, 467)
LOUPE_SYSCALL(file_getattr, 468)
LOUPE_SYSCALL(file_setattr, 469)
/* in the gap below 424, newer than those headers too (the running kernel's
 * syscalls:sys_enter_uretprobe and _uprobe carry these numbers) */
LOUPE_SYSCALL(uretprobe, 335)
LOUPE_SYSCALL(uprobe, 336)

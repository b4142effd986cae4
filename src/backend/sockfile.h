/* The file of a unix socket hvrun bound (--net socket=, --chan): removed
 * at exit only while it is still that socket, never one another process
 * put at the same path since. */
#ifndef HVRUN_BACKEND_SOCKFILE_H
#define HVRUN_BACKEND_SOCKFILE_H

#include <sys/types.h>

struct sock_file {
	char *path;		/* NULL: nothing bound */
	dev_t dev;
	ino_t ino;
};

/*
 * Right after bind(path): remember the file, and let the sandboxed loop
 * remove it. 0, or -errno (the file is removed again on -ENOMEM).
 */
int sock_file_claim(struct sock_file *f, const char *path);
/* Remove the file if it is still ours; forget it either way. */
void sock_file_release(struct sock_file *f);

#endif

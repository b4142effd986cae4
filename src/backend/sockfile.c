#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sandbox.h"
#include "sockfile.h"

int sock_file_claim(struct sock_file *f, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	f->path = strdup(path);
	if (!f->path) {
		unlink(path);
		return -ENOMEM;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	sandbox_allow_unlink(f->path);	/* sock_file_release removes it */
	return 0;
}

void sock_file_release(struct sock_file *f)
{
	struct stat st;

	if (f->path && stat(f->path, &st) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
	free(f->path);
	f->path = NULL;
}

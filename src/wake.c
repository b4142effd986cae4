/* The wake-up primitive (wake.h). */
#include <errno.h>
#include <time.h>

#include "wake.h"

void wake_init(struct wake *w)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);	/* deadlines */
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&w->gen, 0);
}

void wake_destroy(struct wake *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

uint64_t wake_gen(struct wake *w)
{
	return atomic_load(&w->gen);
}

void wake_signal(struct wake *w)
{
	pthread_mutex_lock(&w->lock);
	atomic_fetch_add(&w->gen, 1);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

uint64_t wake_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool wake_wait(struct wake *w, uint64_t gen, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
		.tv_nsec = (long)(deadline_ns % 1000000000ULL),
	};
	bool woken = true;

	pthread_mutex_lock(&w->lock);
	while (atomic_load(&w->gen) == gen) {
		if (deadline_ns == UINT64_MAX) {
			pthread_cond_wait(&w->cond, &w->lock);
		} else if (pthread_cond_timedwait(&w->cond, &w->lock,
						  &ts) == ETIMEDOUT) {
			woken = false;
			break;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return woken;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mutexes that live in memory shared between processes (the placeholder map,
 * the session store): process-shared and robust, so a holder that dies
 * leaves EOWNERDEAD for the next locker instead of a lock held forever. */
#ifndef S6_PSHARED_H
#define S6_PSHARED_H

#include <pthread.h>
#include "s6_error.h"

/* S6_OK, or S6_ERR_IO when the attributes or the init fail. */
s6_err s6_pshared_mutex_init(pthread_mutex_t *lock);

#endif

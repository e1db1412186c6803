/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the shim keeps its SOCKS6 session (s6_s6sess.h): in the table
 * shared by the user's processes (src/s6_s6store*.h), or, with
 * `session-store process`, under AT_SECURE, or when the shared file cannot
 * be used, in this process alone. s6p_sess_lock()/s6p_sess_unlock()
 * (s6p_state.h) hide which.
 *
 * A shared session outlives the process that opened it: nobody tears it
 * down at exit. Whoever finds it unused for longer than `session-idle`
 * drops it and tears it down when it exits. */
#ifndef S6P_S6STORE_H
#define S6P_S6STORE_H

#include <stdbool.h>
#include <stdint.h>

/* In a forked child (from s6p_state's atfork handler). */
void s6p_s6store_atfork_child(void);

/* At exit: the Session ID this process should tear down, if any (its own
 * per-process session, or a shared one it found expired). Gives up on the
 * lock after timeout_ms. */
bool s6p_sess_take_for_bye(int timeout_ms, uint8_t *id, uint16_t *id_len);

#endif

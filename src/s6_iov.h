/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers for scatter/gather buffers (struct iovec). */
#ifndef S6_IOV_H
#define S6_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Bytes the cnt buffers hold together (saturating at SIZE_MAX). */
size_t s6_iov_total(const struct iovec *iov, size_t cnt);

/* Copy up to len bytes of src into the buffers in order; returns the bytes
 * copied (less than len when the buffers are full). NULL buffers of length
 * zero are fine. */
size_t s6_iov_scatter(const struct iovec *iov, size_t cnt, const uint8_t *src, size_t len);

/* The other way: copy up to max bytes of the buffers, in order, into dst;
 * returns the bytes copied. */
size_t s6_iov_gather(const struct iovec *iov, size_t cnt, uint8_t *dst, size_t max);

#endif

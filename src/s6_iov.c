/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "s6_iov.h"

size_t s6_iov_total(const struct iovec *iov, size_t cnt)
{
	size_t sum = 0;

	for (size_t i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - sum)
			return SIZE_MAX;
		sum += iov[i].iov_len;
	}
	return sum;
}

size_t s6_iov_scatter(const struct iovec *iov, size_t cnt, const uint8_t *src, size_t len)
{
	size_t done = 0;

	for (size_t i = 0; i < cnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		if (n)
			memcpy(iov[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

size_t s6_iov_gather(const struct iovec *iov, size_t cnt, uint8_t *dst, size_t max)
{
	size_t done = 0;

	for (size_t i = 0; i < cnt && done < max; i++) {
		size_t n = iov[i].iov_len < max - done ? iov[i].iov_len : max - done;
		if (n)
			memcpy(dst + done, iov[i].iov_base, n);
		done += n;
	}
	return done;
}

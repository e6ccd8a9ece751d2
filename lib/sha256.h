/*
 * sha256.h - SHA-256 (FIPS 180-4) for message and attachment hashes.
 * Small enough to carry rather than link a crypto library for it.
 */
#ifndef BPT_SHA256_H
#define BPT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char blk[64];
	size_t fill;
};

#define SHA256_HEX_LEN 64

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Hex digest of p[0..n) into hex (65 bytes with the NUL). */
void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1]);
void sha256_tohex(const unsigned char d[32], char hex[SHA256_HEX_LEN + 1]);

/*
 * The same as sha256_hex(), through GnuTLS (linked for certificate
 * checks already), which uses the CPU's SHA instructions: some ten
 * times faster for the megabytes of a transcript.
 */
void sha256_hex_fast(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1]);

#endif

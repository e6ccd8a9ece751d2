/*
 * imgmeta.h - photos without where and with what they were taken.
 *
 * A photo from a phone carries its GPS position, the camera, the time
 * and often a thumbnail of the uncropped picture.  Members get the
 * picture only: imgmeta_strip() copies a JPEG or PNG without its
 * metadata and leaves the image data byte for byte as it was, so the
 * pixels are the same.  The stored original is never changed (it is
 * evidence for the police).
 *
 * JPEG: kept are the segments a decoder needs (SOF, DHT, DQT, DRI,
 * SOS and the scans), APP0 JFIF (without its thumbnail), APP2
 * ICC_PROFILE and APP14 Adobe (colour); every other APPn (EXIF and
 * its thumbnail, XMP, IPTC, MPF, maker notes), COM and anything after
 * EOI go.
 * PNG: kept are the critical chunks and the ancillary chunks of colour
 * and layout (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, bKGD, pHYs, hIST,
 * cICP, mDCv, cLLi, and acTL/fcTL/fdAT of an animation); eXIf, tEXt,
 * iTXt, zTXt, tIME, private chunks and anything after IEND go.
 * Every byte is hostile: lengths are checked against what is left.
 */
#ifndef BPT_IMGMETA_H
#define BPT_IMGMETA_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"

enum imgmeta_type { IMG_OTHER, IMG_JPEG, IMG_PNG };

/* The type by its first bytes (not by what the mail claims). */
enum imgmeta_type imgmeta_sniff(const unsigned char *data, size_t len);

/*
 * Appends data[0..len) without its metadata to out; *removed (may be
 * NULL) counts the segments or chunks left out.  BPT_EDATA when data
 * is not a JPEG or PNG this function can read to its end (the caller
 * must not pass it on as it is), BPT_ENOMEM.
 */
enum bpt_status imgmeta_strip(struct bpt_ctx *ctx, const unsigned char *data,
    size_t len, struct buf *out, size_t *removed);

/*
 * 1 when data[0..len) may go into a member's copy: it is no JPEG or
 * PNG by its bytes, or one imgmeta_strip() can read to its end.
 */
int imgmeta_passable(const unsigned char *data, size_t len);

#endif

/*
 * imgmeta.h - photos without where and with what they were taken.
 *
 * A photo from a phone carries its GPS position, the camera, the time
 * and often a thumbnail of the uncropped picture.  Members get the
 * picture only: imgmeta_strip() copies a JPEG, PNG, WebP or GIF
 * without its metadata and leaves the image data byte for byte as it
 * was, so the pixels are the same.  The stored original is never
 * changed (it is evidence for the police).
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
 * WebP: kept are the chunks VP8, VP8L, VP8X, ALPH, ANIM, ANMF and ICCP
 * (in an ANMF frame: ALPH, VP8 and VP8L); EXIF, XMP, every other chunk
 * and anything after the RIFF's end go.  VP8X loses its EXIF and XMP
 * flags and the RIFF and ANMF sizes are written for what is left.
 * GIF: kept are the header, the colour tables, graphic control and
 * plain text extensions, the images (descriptor, LZW data) and the
 * application extension NETSCAPE2.0 or ANIMEXTS1.0 (how often an
 * animation loops); comments, every other application extension
 * (XMP, ICC colours), unknown extensions and anything after the
 * trailer go.
 * HEIF (HEIC, AVIF) and TIFF keep their metadata in boxes and
 * directories that point into the file: they cannot be cleaned without
 * writing the whole file again, which this module does not do, so they
 * are refused and never passed on.
 * Every byte is hostile: lengths are checked against what is left.
 */
#ifndef BPT_IMGMETA_H
#define BPT_IMGMETA_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"

enum imgmeta_type {
	IMG_OTHER, IMG_JPEG, IMG_PNG, IMG_WEBP, IMG_GIF, IMG_HEIF, IMG_TIFF
};

/*
 * The type by its first bytes (not by what the mail claims).  HEIF is
 * an ISO BMFF file whose 'ftyp' box names a HEIF or AVIF brand (heic,
 * heix, hevc, mif1, msf1, avif...).
 */
enum imgmeta_type imgmeta_sniff(const unsigned char *data, size_t len);

/* 0 for a type whose metadata imgmeta_strip() cannot remove (HEIF, TIFF). */
int imgmeta_cleanable(enum imgmeta_type type);

/*
 * Appends data[0..len) without its metadata to out; *removed (may be
 * NULL) counts the segments, chunks or extensions left out (and a
 * VP8X whose flags were cleared).  BPT_EDATA when data is not a JPEG,
 * PNG, WebP or GIF this function can read to its end, or is HEIF or
 * TIFF (the caller must not pass it on as it is), BPT_ENOMEM.
 */
enum bpt_status imgmeta_strip(struct bpt_ctx *ctx, const unsigned char *data,
    size_t len, struct buf *out, size_t *removed);

/*
 * 1 when data[0..len) may go into a member's copy: it is none of the
 * types above by its bytes, or one imgmeta_strip() can read to its end.
 * 0 for every HEIF and TIFF file and for a damaged image.
 */
int imgmeta_passable(const unsigned char *data, size_t len);

#endif

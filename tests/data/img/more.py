#!/usr/bin/env python3
# Writes the WebP, GIF, HEIC and TIFF files of this folder (see README):
# containers built byte by byte, with metadata where phones put it.
import struct

def chunk(t, b):
    return t + struct.pack("<I", len(b)) + b + (b"\0" if len(b) % 2 else b"")

def riff(chunks):
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks

def vp8x(flags):
    return chunk(b"VP8X", bytes([flags, 0, 0, 0, 15, 0, 0, 11, 0, 0]))

def box(t, b):
    return struct.pack(">I", 8 + len(b)) + t + b

tiff = b"MM\0*\0\0\0\x08GPSLatitude 51.6978N GPSLongitude 5.3037E TestCam"
xmp = b"<x:xmpmeta><dc:creator>Jan 0612345678</dc:creator></x:xmpmeta>"
vp8l = bytes([0x2f, 0x0f, 0xc0, 0x02, 0x10, 0x07, 0x10, 0x11, 0x88])
vp8 = bytes([0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 16, 0, 12, 0, 7])
frame = bytes(12) + bytes([0x64, 0, 0, 0])

with open("gps.webp", "wb") as f:
    f.write(riff(vp8x(0x3c) + chunk(b"ICCP", b"icc\0\1\2\3") +
        chunk(b"ALPH", b"\0\xff\xff") + chunk(b"VP8 ", vp8) +
        chunk(b"EXIF", tiff) + chunk(b"XMP ", xmp) + chunk(b"TXT!", b"x")))
with open("anim.webp", "wb") as f:
    f.write(riff(vp8x(0x0a) + chunk(b"ANIM", b"\xff\xff\xff\xff\0\0") +
        chunk(b"ANMF", frame + chunk(b"VP8L", vp8l) + chunk(b"EXIF", tiff)) +
        chunk(b"ANMF", frame + chunk(b"ALPH", b"\0\1") + chunk(b"VP8 ", vp8)) +
        chunk(b"EXIF", tiff)))

head = b"GIF89a" + bytes([2, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255])
loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
text = b"bel 06-12345678"
gce = bytes([0x21, 0xf9, 4, 1, 10, 0, 1, 0])
image = bytes([0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0x80, 255, 0, 0, 0, 255, 0,
    2, 2, 0x44, 0x01, 0])
with open("comment.gif", "wb") as f:
    f.write(head + loop + b"\x21\xfe" + bytes([len(text)]) + text + b"\0" +
        b"\x21\xff\x0bXMP DataXMP" + bytes([len(xmp)]) + xmp + b"\0" +
        gce + image + gce + image + b"\x3b" + b"after the trailer")

with open("gps.heic", "wb") as f:
    f.write(box(b"ftyp", b"heic\0\0\0\0mif1heic") +
        box(b"meta", b"\0\0\0\0" + box(b"Exif", b"Exif\0\0" + tiff)) +
        box(b"mdat", bytes(32)))
with open("gps.tif", "wb") as f:
    f.write(b"II*\0\x08\0\0\0" + tiff[8:])

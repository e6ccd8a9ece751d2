#!/bin/sh
# Android's WebP and a GIF reach the group without their metadata (EXIF
# with GPS, XMP, comments); an iPhone's HEIC and a TIFF, whose metadata
# cannot be taken out, do not reach it at all, whatever the mail calls
# them, and the copy says why.  The stored original keeps every byte.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"

# the images, written byte by byte (the stripper reads the container, it
# does not decode pixels), each with what a member's copy should hold
test_expect_success 'a WebP with EXIF (GPS) and XMP, a GIF with a comment' '
	python3 - <<-PY
	import struct
	def chunk(t, b):
	    return t + struct.pack("<I", len(b)) + b + (b"\0" if len(b) % 2 else b"")
	def riff(chunks):
	    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks
	vp8l = bytes([0x2f, 0x0f, 0xc0, 0x02, 0x10, 0x07, 0x10, 0x11, 0x88])
	exif = b"MM\0*\0\0\0\x08GPSLatitude 51.6978N GPSLongitude 5.3037E TestCam"
	xmp = b"<x:xmpmeta><dc:creator>Jan de Vries</dc:creator></x:xmpmeta>"
	def vp8x(flags):
	    return chunk(b"VP8X", bytes([flags, 0, 0, 0, 15, 0, 0, 11, 0, 0]))
	open("photo.webp", "wb").write(riff(vp8x(0x0c) + chunk(b"VP8L", vp8l) +
	    chunk(b"EXIF", exif) + chunk(b"XMP ", xmp)))
	open("want.webp", "wb").write(riff(vp8x(0) + chunk(b"VP8L", vp8l)))
	head = b"GIF89a" + bytes([2, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255])
	loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
	text = b"GPS 51.6978N 5.3037E TestCam"
	comment = b"\x21\xfe" + bytes([len(text)]) + text + b"\0"
	image = bytes([0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0])
	open("anim.gif", "wb").write(head + loop + comment + image + b"\x3b")
	open("want.gif", "wb").write(head + loop + image + b"\x3b")
	PY
'

test_expect_success 'a HEIC and a TIFF with GPS' '
	python3 - <<-PY
	import struct
	def box(t, b):
	    return struct.pack(">I", 8 + len(b)) + t + b
	exif = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 51.6978N TestCam"
	open("IMG_0413.HEIC", "wb").write(
	    box(b"ftyp", b"heic\0\0\0\0mif1heic") +
	    box(b"meta", b"\0\0\0\0" + box(b"Exif", exif)) + box(b"mdat", b"\0" * 32))
	open("scan.tif", "wb").write(b"II*\0\x08\0\0\0" + exif[6:])
	PY
'

test_expect_success 'an alert with all four reaches the group' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add anna@bewoners.example --name "Anna Beheer" --role admin &&
	python3 - <<-PY &&
	from email.message import EmailMessage
	m = EmailMessage()
	m["From"] = "Jan de Vries <jan@bewoners.example>"
	m["To"] = "bpt@bars.example"
	m["Subject"] = "Twee mannen bij het speelveld"
	m["Message-ID"] = "<photos-more-1@bewoners.example>"
	m.set_content("Twee mannen kijken bij de schuurtjes. Foto\x27s erbij.\n")
	for name, sub, fn in (("photo.webp", "webp", "IMG_0412.webp"),
	    ("anim.gif", "gif", "fiets.gif"),
	    ("IMG_0413.HEIC", "heic", "IMG_0413.HEIC"),
	    ("scan.tif", "jpeg", "scan.jpg")):   # a TIFF that says it is a JPEG
	    m.add_attachment(open(name, "rb").read(), maintype="image",
	        subtype=sub, filename=fn)
	open("alert.eml", "wb").write(bytes(m))
	PY
	bpt-report <alert.eml &&
	f=$(ls -t "$TRASH"/outbox/piet@bewoners.example/new/* | head -n 1) &&
	cp "$f" copy.eml &&
	python3 - <<-PY
	import email, email.policy
	m = email.message_from_binary_file(open("copy.eml", "rb"),
	    policy=email.policy.default)
	for p in m.walk():
	    fn = p.get_filename()
	    if fn:
	        open("got-" + fn, "wb").write(p.get_content())
	    elif p.get_content_type() == "text/plain":
	        open("copy.txt", "w").write(p.get_content())
	PY
'

test_expect_success 'the WebP and the GIF arrive without EXIF, XMP or comment' '
	cmp want.webp got-IMG_0412.webp &&
	cmp want.gif got-fiets.gif &&
	! grep -a -q -e 51.6978 -e TestCam -e xmpmeta got-IMG_0412.webp got-fiets.gif
'

test_expect_success 'the HEIC and the TIFF are left out, with the reason' '
	test ! -e got-IMG_0413.HEIC && test ! -e got-scan.jpg &&
	tr -d "\n" <copy.txt >copy.line &&	# format=flowed: soft breaks
	grep -q "IMG_0413.HEIC (gegevens zoals de locatie kunnen er niet uit)" copy.line &&
	grep -q "scan.jpg (gegevens zoals de locatie kunnen er niet uit)" copy.line &&
	! grep -q "fiets.gif (" copy.line
'

test_expect_success 'no GPS in any member copy, decoded' '
	for f in "$TRASH"/outbox/*/new/*; do
		python3 - "$f" <<-PY || return 1
		import sys, email, email.policy
		m = email.message_from_binary_file(open(sys.argv[1], "rb"),
		    policy=email.policy.default)
		for p in m.walk():
		    if p.is_multipart():
		        continue
		    b = p.get_payload(decode=True) or b""
		    if b"51.6978" in b or b"TestCam" in b or b"ftypheic" in b:
		        sys.exit("GPS in " + sys.argv[1])
		PY
	done
'

test_expect_success 'the stored original keeps every byte' '
	bpt-report message 1 --raw --as anna@bewoners.example >raw.eml &&
	cmp alert.eml raw.eml &&
	python3 - <<-PY
	import email, email.policy
	m = email.message_from_binary_file(open("raw.eml", "rb"),
	    policy=email.policy.default)
	got = {p.get_filename(): p.get_content() for p in m.walk() if p.get_filename()}
	for name, fn in (("photo.webp", "IMG_0412.webp"), ("anim.gif", "fiets.gif"),
	    ("IMG_0413.HEIC", "IMG_0413.HEIC"), ("scan.tif", "scan.jpg")):
	    assert got[fn] == open(name, "rb").read(), fn
	    assert b"51.6978" in got[fn], fn
	PY
'

test_expect_success 'an English group reads the reason in English' '
	sed -i "s/^  address: bpt@bars.example/&\n  language: en/" bpt.yaml &&
	sed "s/photos-more-1@/photos-more-2@/" alert.eml >alert2.eml &&
	bpt-report <alert2.eml &&
	f=$(ls -t "$TRASH"/outbox/piet@bewoners.example/new/* | head -n 1) &&
	python3 - "$f" <<-PY >en.txt &&
	import sys, email, email.policy
	m = email.message_from_binary_file(open(sys.argv[1], "rb"),
	    policy=email.policy.default)
	for p in m.walk():
	    if p.get_content_type() == "text/plain" and not p.get_filename():
	        print(p.get_content().replace("\n", ""))
	PY
	grep -q "IMG_0413.HEIC (data such as the location cannot be removed)" en.txt &&
	grep -q "IMG_0412.webp" "$f" && ! grep -q "fiets.gif (" en.txt
'

test_done

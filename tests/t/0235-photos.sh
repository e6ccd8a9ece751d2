#!/bin/sh
# Photos reach the group without where and with what they were taken:
# a phone's JPEG with GPS, camera data, XMP and a comment holding a
# phone number, and a PNG with eXIf and tEXt, leave with none of it and
# with the same pixels; the stored original keeps all of it (it is the
# evidence the police export hands over).
. "$top_srcdir/tests/lib.sh"

for t in python3 exiftool cjpeg djpeg; do
	command -v $t >/dev/null ||
		test_skip_all "$t not installed (contrib/deps.sh installs it)"
done

# segs FILE: the JPEG markers or PNG chunk types of FILE, one a line
segs() {
	python3 - "$1" <<'PY'
import sys, struct
d = open(sys.argv[1], 'rb').read()
if d[:8] == b'\x89PNG\r\n\x1a\n':
    i = 8
    while i + 8 <= len(d):
        n, = struct.unpack('>I', d[i:i+4]); t = d[i+4:i+8].decode()
        print(t)
        i += 12 + n
        if t == 'IEND':
            break
    sys.exit(0)
i = 2
while i < len(d):
    while d[i+1] == 0xff:
        i += 1
    m = d[i+1]
    if m == 0xd9:
        print('EOI'); break
    n = (d[i+2] << 8) | d[i+3]
    name = {0xe0: 'APP0', 0xe1: 'APP1', 0xe2: 'APP2', 0xed: 'APP13',
            0xee: 'APP14', 0xfe: 'COM', 0xda: 'SOS', 0xdb: 'DQT',
            0xc4: 'DHT', 0xc0: 'SOF0', 0xc2: 'SOF2'}.get(m, '%02x' % m)
    print(name)
    i += 2 + n
    if m == 0xda:   # entropy-coded data up to the next real marker
        while not (d[i] == 0xff and d[i+1] not in (0, *range(0xd0, 0xd8))):
            i += 1
PY
}

# pixels FILE: the decoded image (JPEG by djpeg; PNG: header and the
# inflated scanlines)
pixels() {
	case $1 in
	*.jpg) djpeg -pnm "$1" ;;
	*.png) python3 - "$1" <<'PY'
import sys, struct, zlib
d = open(sys.argv[1], 'rb').read(); i = 8; idat = b''; out = sys.stdout.buffer
while i < len(d):
    n, = struct.unpack('>I', d[i:i+4]); t = d[i+4:i+8]; body = d[i+8:i+8+n]
    if t in (b'IHDR', b'PLTE', b'tRNS'):
        out.write(t + body)
    if t == b'IDAT':
        idat += body
    i += 12 + n
out.write(zlib.decompress(idat))
PY
	;;
	esac
}

# parts MAIL DIR: the attachments of MAIL into DIR, as 1.jpg, 2.png...
parts() {
	python3 - "$1" "$2" <<'PY'
import sys, email, email.policy, os
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
k = 0
for p in m.walk():
    if p.get_content_maintype() == 'image':
        k += 1
        ext = 'png' if p.get_content_subtype() == 'png' else 'jpg'
        open(os.path.join(sys.argv[2], '%d.%s' % (k, ext)), 'wb').write(p.get_content())
PY
}

copy_of() { # the newest copy a member got
	ls -t "$TRASH/outbox/$1/new"/* | head -n 1
}

test_expect_success 'a phone photo: JPEG with GPS, camera, XMP, a comment' '
	python3 -c "
import sys
w, h = 48, 32
sys.stdout.buffer.write(b\"P6 %d %d 255\n\" % (w, h) + bytes(
    v for y in range(h) for x in range(w) for v in (x * 5, y * 7, (x + y) * 3)))
" >photo.ppm &&
	cjpeg -quality 90 photo.ppm >plain.jpg &&
	cjpeg -quality 50 -grayscale photo.ppm >thumb.jpg &&
	cp plain.jpg photo.jpg &&
	exiftool -q -overwrite_original -GPSLatitude=51.6978 -GPSLatitudeRef=N \
		-GPSLongitude=5.3037 -GPSLongitudeRef=E -Make=TestCam \
		-Model="Test 1" -DateTimeOriginal="2026:11:28 21:04:05" \
		-XMP:Creator="Jan de Vries" -IPTC:By-line="Jan de Vries" \
		"-ThumbnailImage<=thumb.jpg" -Comment="bel mij 06-12345678" \
		photo.jpg &&
	segs photo.jpg >photo.segs &&
	grep -qx APP1 photo.segs && grep -qx APP13 photo.segs &&
	grep -qx COM photo.segs &&
	exiftool -s -GPSLatitude -XMP:Creator -Comment -ThumbnailImage photo.jpg >meta &&
	grep -q "^GPSLatitude" meta && grep -q "^Creator" meta &&
	grep -q "^Comment.*06-12345678" meta && grep -q "^ThumbnailImage" meta
'

test_expect_success 'a PNG with eXIf and tEXt' '
	python3 -c "
import sys, struct, zlib
w, h = 40, 30
def chunk(t, b):
    return struct.pack(\">I\", len(b)) + t + b + struct.pack(\">I\", zlib.crc32(t + b))
raw = b\"\".join(b\"\\0\" + bytes(v for x in range(w) for v in (x * 6, y * 8, 200))
    for y in range(h))
sys.stdout.buffer.write(b\"\\x89PNG\\r\\n\\x1a\\n\" +
    chunk(b\"IHDR\", struct.pack(\">IIBBBBB\", w, h, 8, 2, 0, 0, 0)) +
    chunk(b\"IDAT\", zlib.compress(raw)) + chunk(b\"IEND\", b\"\"))
" >photo.png &&
	exiftool -q -overwrite_original -GPSLatitude=51.6978 -GPSLatitudeRef=N \
		-Make=TestCam -PNG:Comment="bel 06-12345678" photo.png &&
	segs photo.png >png.segs &&
	grep -qx eXIf png.segs && grep -qx tEXt png.segs
'

test_expect_success 'an alert with both photos reaches the group' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	python3 - <<-PY &&
	from email.message import EmailMessage
	m = EmailMessage()
	m["From"] = "Jan de Vries <jan@bewoners.example>"
	m["To"] = "bpt@bars.example"
	m["Subject"] = "Man met rode jas bij Dorpsstraat 4"
	m["Message-ID"] = "<photos-1@bewoners.example>"
	m.set_content("Man met rode jas loopt langs de auto\x27s. Foto erbij.\n")
	m.add_attachment(open("photo.jpg", "rb").read(), maintype="image",
	    subtype="jpeg", filename="IMG_0412.jpg")
	m.add_attachment(open("photo.png", "rb").read(), maintype="image",
	    subtype="png", filename="scherm.png")
	open("alert.eml", "wb").write(bytes(m))
	PY
	bpt-report <alert.eml &&
	mkdir copy && parts "$(copy_of piet@bewoners.example)" copy &&
	test -f copy/1.jpg && test -f copy/2.png
'

test_expect_success 'the JPEG copy has no EXIF, XMP, IPTC, comment or thumbnail' '
	segs copy/1.jpg >copy.segs &&
	! grep -qx -e APP1 -e APP13 -e COM copy.segs &&
	grep -qx SOS copy.segs &&
	exiftool -a -s -G1 copy/1.jpg >copy.meta &&
	! grep -i -e GPS -e TestCam -e Creator -e By-line -e Comment \
		-e Thumbnail -e DateTimeOriginal -e XMP copy.meta
'

test_expect_success 'the PNG copy has no eXIf or text chunks' '
	segs copy/2.png >copy-png.segs &&
	! grep -qx -e eXIf -e tEXt -e iTXt -e zTXt copy-png.segs &&
	exiftool -a -s -G1 copy/2.png >copy-png.meta &&
	! grep -i -e GPS -e TestCam -e Comment copy-png.meta
'

test_expect_success 'the pixels are the same' '
	pixels photo.jpg >orig.pnm && pixels copy/1.jpg >copy.pnm &&
	test -s orig.pnm && cmp orig.pnm copy.pnm &&
	pixels photo.png >orig.px && pixels copy/2.png >copy.px &&
	test -s orig.px && cmp orig.px copy.px
'

test_expect_success 'the phone number in the comment reaches no member' '
	for f in "$TRASH"/outbox/*/new/*; do
		! grep -q 06-12345678 "$f" || return 1
	done &&
	! grep -q -a 06-12345678 copy/1.jpg copy/2.png
'

test_expect_success 'the stored original keeps every byte' '
	python3 - "$TRASH/store/bpt.db" <<-PY &&
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	raw, = db.execute("SELECT raw FROM messages ORDER BY id LIMIT 1").fetchone()
	open("stored.eml", "wb").write(raw)
	PY
	mkdir stored && parts stored.eml stored &&
	cmp photo.jpg stored/1.jpg && cmp photo.png stored/2.png
'

test_expect_success '... as an admin sees it with bpt-report message --raw' '
	bpt-member add anna@bewoners.example --name "Anna Beheer" --role admin &&
	bpt-report message 1 --raw --as anna@bewoners.example >raw.eml &&
	cmp stored.eml raw.eml
'

cat >broken.in <<EOF_MAIL
From: Jan de Vries <jan@bewoners.example>
To: bpt@bars.example
Subject: Scooter zonder licht Kerkstraat
Message-ID: <photos-2@bewoners.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Scooter zonder licht rijdt rondjes door de Kerkstraat.
--b1
Content-Type: image/jpeg; name="kapot.jpg"
Content-Disposition: inline; filename="kapot.jpg"
Content-Transfer-Encoding: base64

EOF_MAIL

test_expect_success 'a JPEG that cannot be read to its end is not passed on' '
	{
		sed -n "1,/^Content-Transfer-Encoding: base64/p" broken.in &&
		echo && head -c 600 photo.jpg | base64 && echo "--b1--"
	} >broken.eml &&
	bpt-report <broken.eml &&
	f=$(copy_of piet@bewoners.example) &&
	grep -q "Scooter zonder licht" "$f" &&
	! grep -q "^Content-Type: image/" "$f" &&
	grep -q "kapot.jpg (beschadigd bestand)" "$f"
'

test_done

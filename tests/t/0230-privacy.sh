#!/bin/sh
# No member's phone number or address reaches the group through a side
# door: numbers in any spelling in the text and the subject, and file
# names of photos and of what was not passed on.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"

# everything a member can read of a copy: headers, decoded text parts
# and the file name of every part, one per line
readable() {
	python3 - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for k, v in m.items():
    print('%s: %s' % (k, v))
for part in m.walk():
    if part.get_filename():
        print('file: %s' % part.get_filename())
    if part.get_content_type() == 'text/plain':
        print(part.get_content())
PY
}
copy_of() { # the newest copy a member got
	ls -t "$TRASH/outbox/$1/new"/* | head -n 1
}
JPEG=/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==

test_expect_success 'set up a group' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --phone "06-12345678" &&
	bpt-member add piet@bewoners.example --name "Piet Bakker"
'

cat >alert.eml <<EOF_MAIL
From: Jan de Vries <jan@bewoners.example>
To: bpt@bars.example
Subject: Verdacht bij nr 4, bel Tel:0612345678
Message-ID: <privacy-1@bewoners.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Man met rode jas bij Dorpsstraat 4, sinds 06-12-2026 14:30.
Mobiel:06-12345678
Mijn nummers: 0612345678 0623456789 of 06-12345678/06-23456789.
Of bel 06 - 12 34 56 78, +31 (0)6 1234 5678, 0031 6 12345678,
020-1234567 of mail jan@bewoners.example. Politie: 0900-8844.
--b1
Content-Type: image/jpeg; name="jan-0612345678.jpg"
Content-Disposition: inline; filename="jan-0612345678.jpg"
Content-Transfer-Encoding: base64

$JPEG
--b1
Content-Type: image/jpeg; name="scooter.jpg"
Content-Disposition: inline; filename="scooter.jpg"
Content-Transfer-Encoding: base64

$JPEG
--b1
Content-Type: application/pdf; name="brief van jan@bewoners.example.pdf"
Content-Disposition: attachment; filename="brief van jan@bewoners.example.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1
Content-Type: application/pdf; name="plattegrond.pdf"
Content-Disposition: attachment; filename="plattegrond.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1--
EOF_MAIL

test_expect_success 'an alert full of numbers reaches the group' '
	bpt-report <alert.eml &&
	readable "$(copy_of piet@bewoners.example)" >copy.txt &&
	grep "^Subject: " copy.txt
'

test_expect_success 'no number in any spelling is left in the copy' '
	! grep -E "12345678|1234 5678|12 34 56 78|0623456789|23456789|1234567" copy.txt &&
	! grep "jan@bewoners.example" copy.txt
'

test_expect_success 'the subject lost its number, not its words' '
	grep "^Subject: .*Verdacht bij nr 4, bel Tel:\[nummer\]" copy.txt
'

test_expect_success 'what an alert needs stays: date, time, street, 0900 number' '
	grep "Dorpsstraat 4, sinds 06-12-2026 14:30" copy.txt &&
	grep "0900-8844" copy.txt &&
	grep "^Mobiel:\[telefoonnummer verwijderd\]" copy.txt
'

test_expect_success 'a photo whose name held a number goes out under another name' '
	grep "^file: foto-1.jpeg" copy.txt &&
	grep "^file: scooter.jpg" copy.txt
'

test_expect_success 'what was not passed on is named by type and size when its name held an address' '
	grep "niet doorgestuurd: application/pdf, 1 KB, plattegrond.pdf" copy.txt
'

test_done

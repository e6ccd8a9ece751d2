#!/bin/sh
# Who did not get the alert: the reporter and the admins are told once
# when copies are still undelivered after delivery.undelivered_after, and
# the admins once when copies fail for good.  The clock stands still
# (BPT_NOW) until a test moves it: a slow machine changes nothing.
. "$top_srcdir/tests/lib.sh"

write_config "  undelivered_after: 0s
  retry_min: 1s
  retry_max: 1s
  max_age: 3s"

grep_box() { grep -rl "$2" "$TRASH/outbox/$1/new" >/dev/null 2>&1; }

test_expect_success 'a group where one mailbox cannot take mail' '
	clock_advance 0 &&
	bpt-member add --no-welcome jan@bewoners.example --name "Jan Beheer" --role admin &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Jansen" &&
	mkdir -p "$TRASH/outbox" &&
	: >"$TRASH/outbox/anna@bewoners.example" &&
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: verdacht\nMessage-ID: <w1@x>\n\nman bij de garage\n" | bpt-report &&
	test "$(copies jan@bewoners.example)" = 1 &&
	test "$(copies piet@bewoners.example)" = 1 &&
	bpt-send --format tsv --queue | cut -f4,5 >q &&
	printf "anna@bewoners.example\tdeferred\n" >expect && test_cmp expect q
'

test_expect_success 'bpt-send tells the reporter how many, the admins who' '
	bpt-send &&
	test "$(copies piet@bewoners.example)" = 2 &&
	grep_box piet@bewoners.example "^1 van de 3 leden\." &&
	! grep_box piet@bewoners.example "Anna" &&
	! grep_box piet@bewoners.example "mailserver" &&
	test "$(copies jan@bewoners.example)" = 2 &&
	grep_box jan@bewoners.example "^- Anna Jansen <anna@bewoners.example>: uitgesteld (maildir: " &&
	grep_box jan@bewoners.example "^Geen van deze berichten is al aangenomen door de uitgaande" &&
	! grep_box jan@bewoners.example "deferred"
'

test_expect_success 'only once' '
	bpt-send &&
	test "$(copies piet@bewoners.example)" = 2 &&
	test "$(copies jan@bewoners.example)" = 2
'

test_expect_success 'after delivery.max_age the copy fails and the admins are told once' '
	clock_advance 4 &&
	bpt-send && bpt-send &&
	test -z "$(bpt-send --format tsv --queue)" &&
	test "$(copies jan@bewoners.example)" = 3 &&
	grep_box jan@bewoners.example "anna@bewoners.example" &&
	bpt-send &&
	test "$(copies jan@bewoners.example)" = 3 &&
	bpt-report --format json show 1 >show.json &&
	python3 -c "import json; d=json.load(open(\"show.json\")); assert d[\"copies_failed\"]==1 and d[\"copies_sent\"]==2, d" &&
	python3 - <<-\EOF
	import json
	d = json.load(open("show.json"))
	st = {x["recipient"]: (x["state"], x["name"]) for x in d["deliveries"]}
	assert st["anna@bewoners.example"] == ("failed", "Anna Jansen"), st
	assert st["piet@bewoners.example"][0] == "sent", st
	assert len(st) == 3, st
	EOF
'

test_expect_success 'copies for a member removed meanwhile are dropped' '
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: nog een\nMessage-ID: <w2@x>\n\ntweede\n" | bpt-report --no-deliver &&
	bpt-member remove anna@bewoners.example &&
	bpt-send &&
	bpt-report --format json show 2 >show2.json &&
	python3 - <<-\EOF
	import json
	d = json.load(open("show2.json"))
	st = {x["recipient"]: x["state"] for x in d["deliveries"]}
	assert st == {"jan@bewoners.example": "sent", "piet@bewoners.example": "sent",
	    "anna@bewoners.example": "dropped"}, st
	EOF
'

test_done

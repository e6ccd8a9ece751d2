#!/bin/sh
# Who may act for the group: an --as of bpt-member must name an active
# admin or coordinator (else 77, nothing written).
. "$top_srcdir/tests/lib.sh"

# what the store holds, as the tools show it
state() { bpt-member --format tsv list; bpt-member --format tsv log; }

test_expect_success 'a group: an admin, a coordinator, a member, a suspended admin, a removed one' '
	bpt-member add anna@bewoners.example --role admin >/dev/null &&
	bpt-member add cor@bewoners.example --role coordinator >/dev/null &&
	bpt-member add piet@bewoners.example --name "Piet" >/dev/null &&
	bpt-member add kees@bewoners.example --role admin >/dev/null &&
	bpt-member suspend kees@bewoners.example --reason vakantie >/dev/null &&
	bpt-member add bob@bewoners.example --role admin >/dev/null &&
	bpt-member remove bob@bewoners.example >/dev/null
'

test_expect_success 'an --as of a stranger, a member, a suspended or removed admin is 77; nothing written' '
	state >before &&
	{ bpt-member --as nobody@evil.example remove piet@bewoners.example 2>err; test $? = 77; } &&
	grep -q "nobody@evil.example. is not a member of this group" err &&
	{ bpt-member --as piet@bewoners.example set piet@bewoners.example --name P 2>err; test $? = 77; } &&
	grep -q "piet@bewoners.example. is not an active admin or coordinator (role member, status active)" err &&
	{ bpt-member set piet@bewoners.example --name P --as kees@bewoners.example 2>/dev/null; test $? = 77; } &&
	{ bpt-member --as bob@bewoners.example add x@bewoners.example 2>/dev/null; test $? = 77; } &&
	{ bpt-member --as "not an address" add x@bewoners.example 2>/dev/null; test $? = 65; } &&
	state >after &&
	test_cmp before after
'

test_expect_success 'an --as of an active coordinator is recorded as her stored address' '
	bpt-member --as Cor@Bewoners.Example set piet@bewoners.example --name "Piet B." >/dev/null &&
	bpt-member --format tsv log piet@bewoners.example | tail -1 | cut -f3,4 >actual &&
	printf "cor@bewoners.example\tupdate\n" >expect &&
	test_cmp expect actual
'

test_done

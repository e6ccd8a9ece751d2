#!/bin/sh
# Who may act for the group: an --as of bpt-member must name an active
# admin or coordinator (else 77, nothing written); a login name is linked
# to a member with set --login.
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

test_expect_success 'set --login links a login name, with an audit row' '
	bpt-member set anna@bewoners.example --login beheer >out &&
	grep -q "^detail  *login .. -> .beheer.$" out &&
	bpt-member --format tsv show anna@bewoners.example | grep -q "^login	beheer$" &&
	bpt-member --format tsv log anna@bewoners.example | tail -1 | cut -f4,7 >actual &&
	printf "update\tlogin '"''"' -> '"'beheer'"'\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'one login belongs to one member; a login is one word' '
	{ bpt-member set cor@bewoners.example --login beheer 2>err; test $? = 65; } &&
	grep -q "already linked to .anna@bewoners.example." err &&
	{ bpt-member set cor@bewoners.example --login "two words" 2>/dev/null; test $? = 65; } &&
	bpt-member --format tsv show cor@bewoners.example | grep -q "^login	$"
'

test_expect_success 'set --login with other fields changes both in one go; -n changes nothing' '
	bpt-member -n set cor@bewoners.example --name Cor --login cor >out &&
	grep -q "^detail  *name .. -> .Cor., login .. -> .cor.$" out &&
	bpt-member --format tsv show cor@bewoners.example | grep -q "^login	$" &&
	bpt-member set cor@bewoners.example --name Cor --login cor >/dev/null &&
	bpt-member --format tsv show cor@bewoners.example >show &&
	grep -q "^login	cor$" show && grep -q "^name	Cor$" show &&
	bpt-member set cor@bewoners.example --login cor >out &&
	grep -q "^action  *none$" out &&
	bpt-member set cor@bewoners.example --login "" >/dev/null &&
	bpt-member --format tsv show cor@bewoners.example | grep -q "^login	$"
'

test_expect_failure_code 64 '--login goes with set only' \
	'bpt-member add y@bewoners.example --login y'

test_done

/* template.c - built-in texts, admin overrides, {{var}} expansion. */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fileio.h"
#include "template.h"

struct builtin {
	const char *name;
	const char *nl;
	const char *en;
};

/* Keep these short: residents read them on a phone, often at night. */
static const struct builtin builtins[] = {
{ "alert",
"MELDING #{{number}} - {{time}} - gemeld door {{reporter}}\n"
"{{#called_yes}}112 is gebeld door {{called_by}} om {{called_at}} - bel alleen opnieuw met nieuwe informatie.\n{{/called_yes}}"
"{{#called_no}}112 is NIET gebeld: twijfel. Vindt u het ook verdacht, bel 112 en meld het hier.\n{{/called_no}}"
"{{#called_unknown}}Niet gemeld of 112 is gebeld. Bij direct gevaar: bel 112 en meld het hier.\n{{/called_unknown}}"
"{{#plates}}Kenteken: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}\n[eerdere berichten ingekort]\n{{/folded}}"
"{{#stripped}}\n[niet doorgestuurd: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n",
"ALERT #{{number}} - {{time}} - reported by {{reporter}}\n"
"{{#called_yes}}112 was called by {{called_by}} at {{called_at}} - only call again with new information.\n{{/called_yes}}"
"{{#called_no}}112 was NOT called: in doubt. If you find it suspicious too, call 112 and say so here.\n{{/called_no}}"
"{{#called_unknown}}Not said whether 112 was called. In immediate danger: call 112 and say so here.\n{{/called_unknown}}"
"{{#plates}}Licence plate: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}\n[earlier messages shortened]\n{{/folded}}"
"{{#stripped}}\n[not passed on: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n" },
{ "reply",
"Melding #{{number}} - {{time}} - {{sender}}\n"
"{{#called_yes}}112 is gebeld door {{called_by}} om {{called_at}} - bel alleen opnieuw met nieuwe informatie.\n{{/called_yes}}"
"{{#called_no}}112 is NIET gebeld: twijfel. Vindt u het ook verdacht, bel 112 en meld het hier.\n{{/called_no}}"
"{{#plates}}Kenteken: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}\n[eerdere berichten ingekort]\n{{/folded}}"
"{{#stripped}}\n[niet doorgestuurd: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n",
"Alert #{{number}} - {{time}} - {{sender}}\n"
"{{#called_yes}}112 was called by {{called_by}} at {{called_at}} - only call again with new information.\n{{/called_yes}}"
"{{#called_no}}112 was NOT called: in doubt. If you find it suspicious too, call 112 and say so here.\n{{/called_no}}"
"{{#plates}}Licence plate: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}\n[earlier messages shortened]\n{{/folded}}"
"{{#stripped}}\n[not passed on: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n" },
{ "footer",
"{{group}}: alleen verdachte situaties - eerst 112 bellen - neutraal taalgebruik - foto's alleen voor een signalement",
"{{group}}: suspicious situations only - call 112 first - neutral language - photos only for a description" },
{ "notice-nonmember",
"Subject: Uw bericht aan {{group}} is niet doorgestuurd\n\n"
"Beste afzender,\n\n"
"Uw bericht \"{{subject}}\" aan {{list}} is niet doorgestuurd: het adres\n"
"waarvan u schreef is geen actief lid van {{group}}.\n\n"
"Wilt u meedoen? Neem contact op met een beheerder via {{request}}.\n"
"Is er direct gevaar? Bel 112.\n\n"
"Dit is een automatisch bericht; u krijgt het hooguit een keer per dag.\n",
"Subject: Your message to {{group}} was not passed on\n\n"
"Dear sender,\n\n"
"Your message \"{{subject}}\" to {{list}} was not passed on: the address\n"
"you wrote from is not an active member of {{group}}.\n\n"
"Want to join? Contact an administrator at {{request}}.\n"
"In immediate danger? Call 112.\n\n"
"This is an automatic message; you get it at most once a day.\n" },
{ "notice-closed",
"Subject: Melding #{{number}} is al afgesloten\n\n"
"Beste {{name}},\n\n"
"Uw reactie \"{{subject}}\" hoort bij melding #{{number}}, die is afgesloten\n"
"op {{closed_at}}. Uw reactie is bewaard, maar niet doorgestuurd.\n\n"
"Ziet u nu iets verdachts? Bel eerst 112 en stuur dan een NIEUW bericht\n"
"(niet als antwoord) aan {{list}}: dan start een nieuwe melding.\n",
"Subject: Alert #{{number}} is already closed\n\n"
"Dear {{name}},\n\n"
"Your reply \"{{subject}}\" belongs to alert #{{number}}, which was closed\n"
"on {{closed_at}}. Your reply was kept but not passed on.\n\n"
"Seeing something suspicious now? Call 112 first, then send a NEW message\n"
"(not a reply) to {{list}}: that starts a new alert.\n" },
{ "notice-toolarge",
"Subject: Uw bericht aan {{group}} is te groot\n\n"
"Beste {{name}},\n\n"
"Uw bericht \"{{subject}}\" is {{size}} groot; {{group}} neemt berichten tot\n"
"{{limit}} aan. Het is niet doorgestuurd. Stuur de tekst opnieuw, met hooguit\n"
"een of twee kleine foto's.\n",
"Subject: Your message to {{group}} is too large\n\n"
"Dear {{name}},\n\n"
"Your message \"{{subject}}\" is {{size}}; {{group}} takes messages up to\n"
"{{limit}}. It was not passed on. Send the text again, with one or two\n"
"small photos at most.\n" },
{ "notice-unreadable",
"Subject: Uw bericht aan {{group}} kon niet worden gelezen\n\n"
"Beste {{name}},\n\n"
"Uw bericht \"{{subject}}\" kon niet worden gelezen ({{reason}}) en is niet\n"
"doorgestuurd. Stuur het opnieuw als gewone tekst.\n",
"Subject: Your message to {{group}} could not be read\n\n"
"Dear {{name}},\n\n"
"Your message \"{{subject}}\" could not be read ({{reason}}) and was not\n"
"passed on. Please send it again as plain text.\n" },
{ "admin-bounces",
"Subject: [{{group}}] {{name}} geschorst wegens onbestelbare mail\n\n"
"Het adres van {{name}} <{{email}}> heeft {{count}} keer blijvend niet\n"
"kunnen ontvangen (grens: {{limit}}). Het lid is geschorst met reden\n"
"\"bounces\" en krijgt geen meldingen meer.\n\n"
"Laatste fout: {{status}} {{diagnostic}}\n\n"
"Klopt het adres weer, zet het lid dan terug met:\n"
"  bpt-member reinstate {{email}}\n",
"Subject: [{{group}}] {{name}} suspended for undeliverable mail\n\n"
"The address of {{name}} <{{email}}> has failed permanently {{count}}\n"
"times (limit: {{limit}}). The member is suspended with reason\n"
"\"bounces\" and gets no more alerts.\n\n"
"Last error: {{status}} {{diagnostic}}\n\n"
"When the address works again, reinstate the member with:\n"
"  bpt-member reinstate {{email}}\n" },
{ "notice-undelivered",
"Subject: Melding #{{number}} is nog niet bij iedereen aangekomen\n\n"
"Beste {{name}},\n\n"
"Uw melding #{{number}} van {{time}} is nog niet aangekomen bij {{missing}}\n"
"van de {{total}} leden: hun mailserver neemt hem (nog) niet aan. bpt blijft\n"
"het proberen. Is het dringend, bel dan 112; de beheerders weten ervan.\n",
"Subject: Alert #{{number}} has not reached everyone yet\n\n"
"Dear {{name}},\n\n"
"Your alert #{{number}} of {{time}} has not reached {{missing}} of the\n"
"{{total}} members yet: their mail server does not take it (yet). bpt keeps\n"
"trying. If it is urgent, call 112; the admins have been told.\n" },
{ "admin-undelivered",
"Subject: [{{group}}] Melding #{{number}}: {{missing}} van {{total}} leden nog zonder bericht\n\n"
"Melding #{{number}} van {{time}} is nog niet aangekomen bij:\n\n"
"{{names}}\n"
"bpt blijft het proberen; bekijk de wachtrij met: bpt-send --queue\n",
"Subject: [{{group}}] Alert #{{number}}: {{missing}} of {{total}} members without it\n\n"
"Alert #{{number}} of {{time}} has not reached:\n\n"
"{{names}}\n"
"bpt keeps trying; see the queue with: bpt-send --queue\n" },
{ "admin-failed",
"Subject: [{{group}}] Melding #{{number}}: {{failed}} kopie(en) niet afgeleverd\n\n"
"Deze leden hebben een bericht van melding #{{number}} niet gekregen;\n"
"bpt probeert het niet meer:\n\n"
"{{names}}\n"
"Kijk of hun adres nog klopt (bpt-member show ADRES).\n",
"Subject: [{{group}}] Alert #{{number}}: {{failed}} copies not delivered\n\n"
"These members did not get a message of alert #{{number}}; bpt has\n"
"stopped trying:\n\n"
"{{names}}\n"
"Check whether their address is still right (bpt-member show ADDRESS).\n" },
{ "admin-quarantine",
"Subject: [{{group}}] Bericht in quarantaine\n\n"
"Een binnenkomend bericht heeft bpt-report {{attempts}} keer laten vastlopen\n"
"en is in quarantaine gezet, zodat het de berichten erachter niet ophoudt.\n\n"
"Bericht-nummer in de opslag: {{message}}\n"
"SHA-256: {{sha256}}\n"
"Ontvangen: {{received}}\n\n"
"Het is bewaard en niet doorgestuurd. Bekijk het met: bpt-report show-message {{message}}\n",
"Subject: [{{group}}] Message quarantined\n\n"
"An incoming message made bpt-report fail {{attempts}} times and was put in\n"
"quarantine so that it does not hold up the messages behind it.\n\n"
"Message number in the store: {{message}}\n"
"SHA-256: {{sha256}}\n"
"Received: {{received}}\n\n"
"It was kept and not passed on. Look at it with: bpt-report show-message {{message}}\n" },
{ "end",
"EINDE MELDING #{{number}} - {{time}}\n"
"{{#by}}{{by}} heeft deze melding afgesloten.{{/by}}{{^by}}Deze melding is afgesloten.{{/by}}\n"
"{{#reason}}Reden: {{reason}}\n{{/reason}}"
"------------------------------------------------------------\n"
"Ziet u de persoon weer? Bel 112 en start een nieuwe melding.\n"
"Dat doet u met een nieuw bericht aan {{list}},\n"
"niet met een antwoord op deze mail. Antwoorden op deze melding\n"
"worden niet meer doorgestuurd.\n"
"\n-- \n{{footer}}\n",
"END OF ALERT #{{number}} - {{time}}\n"
"{{#by}}{{by}} has closed this alert.{{/by}}{{^by}}This alert has been closed.{{/by}}\n"
"{{#reason}}Reason: {{reason}}\n{{/reason}}"
"------------------------------------------------------------\n"
"Seeing the person again? Call 112 and start a new alert.\n"
"You do that with a new message to {{list}},\n"
"not with a reply to this mail. Replies to this alert are no\n"
"longer passed on.\n"
"\n-- \n{{footer}}\n" },
{ "reopen",
"Melding #{{number}} is weer open: reacties gaan weer naar iedereen.\n"
"\n-- \n{{footer}}\n",
"Alert #{{number}} is open again: replies go to everyone again.\n"
"\n-- \n{{footer}}\n" },
{ "outcome",
"TERUGKOPPELING MELDING #{{number}}\n"
"Resultaat: {{#arrest}}er is iemand aangehouden{{/arrest}}{{#police}}de politie is in actie gekomen{{/police}}{{#prevented}}erger is voorkomen{{/prevented}}{{#nothing}}er is niets gevonden{{/nothing}}{{#unknown}}niet bekend{{/unknown}}\n"
"------------------------------------------------------------\n"
"{{outcome}}\n"
"{{#replaced}}\n"
"\n(Dit vervangt de eerdere terugkoppeling over deze melding.)\n"
"{{/replaced}}\n"
"\nBedankt aan iedereen die heeft opgelet en gereageerd.\n"
"\n-- \n{{footer}}\n",
"OUTCOME OF ALERT #{{number}}\n"
"Result: {{#arrest}}someone was arrested{{/arrest}}{{#police}}the police took action{{/police}}{{#prevented}}worse was prevented{{/prevented}}{{#nothing}}nothing was found{{/nothing}}{{#unknown}}not known{{/unknown}}\n"
"------------------------------------------------------------\n"
"{{outcome}}\n"
"{{#replaced}}\n"
"\n(This replaces the earlier outcome of this alert.)\n"
"{{/replaced}}\n"
"\nThank you to everyone who kept watch and replied.\n"
"\n-- \n{{footer}}\n" },
{ "admin-remind",
"Subject: [{{group}}] Graag terugkoppeling over afgesloten meldingen\n\n"
"Van deze afgesloten meldingen staat nog niet vast wat ze hebben\n"
"opgeleverd. Laat de groep weten of er resultaat was (stap 7 van de\n"
"werkwijze). Zet de uitkomst vast met de opdracht onder elke melding:\n\n"
"{{incidents}}"
"Vul bij SOORT in: arrest (iemand aangehouden), police (de politie\n"
"kwam in actie), prevented (erger voorkomen), nothing (niets gevonden)\n"
"of unknown (niet bekend). De leden krijgen de terugkoppeling per mail.\n\n"
"U krijgt per melding hooguit {{max}} keer zo'n herinnering, een keer\n"
"per week.\n",
"Subject: [{{group}}] Please report the outcome of closed alerts\n\n"
"For these closed alerts it has not been recorded yet what came of\n"
"them. Let the group know whether there was a result (step 7 of the\n"
"procedure). Record the outcome with the command under each alert:\n\n"
"{{incidents}}"
"For KIND write: arrest (someone was arrested), police (the police\n"
"took action), prevented (worse was prevented), nothing (nothing was\n"
"found) or unknown (not known). The members get the outcome by mail.\n\n"
"You get such a reminder at most {{max}} times per alert, once a week.\n" },
{ "admin-remind-item",
"#{{number}} {{subject}}\n"
"  afgesloten op {{closed_at}}; naar de politie: {{#exported}}ja{{/exported}}{{^exported}}nee{{/exported}}\n"
"  herinnering {{round}} van {{max}}\n"
"  bpt-close {{config}}--outcome \"TEKST\" --result SOORT {{number}}\n\n",
"#{{number}} {{subject}}\n"
"  closed on {{closed_at}}; sent to the police: {{#exported}}yes{{/exported}}{{^exported}}no{{/exported}}\n"
"  reminder {{round}} of {{max}}\n"
"  bpt-close {{config}}--outcome \"TEXT\" --result KIND {{number}}\n\n" },
};

const char *
tpl_builtin(const char *name, const char *lang)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return strcmp(lang, "en") == 0 ? builtins[i].en : builtins[i].nl;
	return NULL;
}

static const char *
var_value(const struct tvar *vars, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && strncmp(vars[i].name, name, len) == 0)
			return vars[i].value ? vars[i].value : "";
	return "";
}

#define TPL_MAXDEPTH 16

enum bpt_status
tpl_expand(struct bpt_ctx *ctx, const char *text, const struct tvar *vars,
    size_t n, struct buf *out)
{
	const char *p = text, *line = text;
	int depth = 0, skip = 0;	/* skip: depth of the first false section, 0 none */

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *name, *e;
		size_t nlen;
		char kind;

		if (open == NULL) {
			if (!skip)
				buf_adds(out, p);
			break;
		}
		close = strstr(open + 2, "}}");
		if (close == NULL)
			return bpt_err(ctx, BPT_EDATA, "template: '{{' without '}}'");
		/* text before the tag; track the start of the current line */
		for (e = p; e < open; e++)
			if (*e == '\n')
				line = e + 1;
		if (!skip)
			buf_add(out, p, (size_t)(open - p));
		kind = open[2];
		name = open + 2 + (kind == '#' || kind == '^' || kind == '/');
		nlen = (size_t)(close - name);
		p = close + 2;
		if (kind != '#' && kind != '^' && kind != '/') {
			if (!skip)
				buf_adds(out, var_value(vars, n, name, nlen));
			continue;
		}
		/* a section tag alone on its line takes the line with it */
		{
			const char *a = line, *b = p;
			int alone = 1;

			for (; a < open; a++)
				if (*a != ' ' && *a != '\t')
					alone = 0;
			while (*b == ' ' || *b == '\t')
				b++;
			if (alone && (*b == '\n' || *b == '\0')) {
				if (!skip)
					buf_setlen(out, out->len - (size_t)(open - line));
				p = *b == '\n' ? b + 1 : b;
				line = p;
			}
		}
		if (kind == '/') {
			if (depth == 0)
				return bpt_err(ctx, BPT_EDATA, "template: '{{/%.*s}}' without "
				    "an opening tag", (int)nlen, name);
			if (skip == depth)
				skip = 0;
			depth--;
			continue;
		}
		if (++depth > TPL_MAXDEPTH)
			return bpt_err(ctx, BPT_EDATA, "template: sections nested too deep");
		if (!skip) {
			int set = *var_value(vars, n, name, nlen) != '\0';

			if ((kind == '#' && !set) || (kind == '^' && set))
				skip = depth;
		}
	}
	if (depth != 0)
		return bpt_err(ctx, BPT_EDATA, "template: a section is not closed");
	if (buf_failed(out))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

enum bpt_status
tpl_render(struct bpt_ctx *ctx, const char *name, const struct tvar *vars,
    size_t n, struct buf *out)
{
	const char *lang = ctx->cfg && ctx->cfg->group.language == CFG_EN ? "en" : "nl";
	const char *dir = ctx->cfg ? ctx->cfg->group.templates : NULL;
	struct buf path = BUF_INIT, text = BUF_INIT;
	enum bpt_status st;
	const char *builtin;
	int i;

	if (dir != NULL && *dir != '\0') {
		for (i = 0; i < 2; i++) {
			buf_reset(&path);
			if (i == 0)
				buf_addf(&path, "%s/%s.%s.txt", dir, name, lang);
			else
				buf_addf(&path, "%s/%s.txt", dir, name);
			if (buf_failed(&path)) {
				st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
				goto out;
			}
			st = fio_read_file(ctx, path.buf, 256 * 1024, &text);
			if (st == BPT_OK) {
				st = tpl_expand(ctx, text.buf ? text.buf : "", vars, n, out);
				if (st != BPT_OK)
					bpt_err_prefix(ctx, "%s", path.buf);
				goto out;
			}
			if (st != BPT_ENOENT)
				goto out;
		}
	}
	builtin = tpl_builtin(name, lang);
	if (builtin == NULL) {
		st = bpt_err(ctx, BPT_ENOENT, "no template '%s'", name);
		goto out;
	}
	st = tpl_expand(ctx, builtin, vars, n, out);
out:
	buf_release(&path);
	buf_release(&text);
	return st;
}

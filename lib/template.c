/* template.c - built-in texts, admin overrides, {{var}} expansion. */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fileio.h"
#include "log.h"
#include "template.h"

struct builtin {
	const char *name;
	const char *nl;
	const char *en;
};

/*
 * Keep these short: residents read them on a phone, often at night.
 * Plain Dutch (B1) and English in step; no line longer than 72
 * characters where the text decides (text a person wrote stands on a
 * line of its own, and compose.c wraps it).  Every name and variable
 * is described in bpt.templates(5).
 */
static const struct builtin builtins[] = {
{ "alert",
"MELDING #{{number}} - {{time}} - gemeld door {{reporter}}\n"
"{{#called_yes}}112 is gebeld door {{called_by}} om {{called_at}}.\n"
"Bel alleen opnieuw als u iets nieuws ziet.\n{{/called_yes}}"
"{{#called_no}}112 is nog niet gebeld (volgens de berichten).\n"
"Vindt u het ook verdacht? Bel dan 112 en meld dat hier.\n{{/called_no}}"
"{{#called_unknown}}Nog niet bekend of 112 is gebeld.\n"
"Is er direct gevaar? Bel dan 112 en meld dat hier.\n{{/called_unknown}}"
"{{#plates}}{{#plates_many}}Kentekens{{/plates_many}}{{^plates_many}}Kenteken{{/plates_many}}: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}[eerdere berichten weggelaten]\n{{/folded}}"
"{{#stripped}}[niet doorgestuurd: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n",
"ALERT #{{number}} - {{time}} - reported by {{reporter}}\n"
"{{#called_yes}}112 was called by {{called_by}} at {{called_at}}.\n"
"Only call again if you see something new.\n{{/called_yes}}"
"{{#called_no}}112 has not been called yet (according to the messages).\n"
"Do you find it suspicious too? Call 112 and say so here.\n{{/called_no}}"
"{{#called_unknown}}Not known yet whether 112 was called.\n"
"In immediate danger? Call 112 and say so here.\n{{/called_unknown}}"
"{{#plates}}{{#plates_many}}Licence plates{{/plates_many}}{{^plates_many}}Licence plate{{/plates_many}}: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}[earlier messages left out]\n{{/folded}}"
"{{#stripped}}[not passed on: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n" },
{ "reply",
"Melding #{{number}} - {{time}} - reactie van {{sender}}\n"
"{{#called_yes}}112 is gebeld door {{called_by}} om {{called_at}}.\n"
"Bel alleen opnieuw als u iets nieuws ziet.\n{{/called_yes}}"
"{{#called_no}}112 is nog niet gebeld (volgens de berichten).\n"
"Vindt u het ook verdacht? Bel dan 112 en meld dat hier.\n{{/called_no}}"
"{{#called_unknown}}Nog niet bekend of 112 is gebeld.\n"
"Is er direct gevaar? Bel dan 112 en meld dat hier.\n{{/called_unknown}}"
"{{#plates}}{{#plates_many}}Kentekens{{/plates_many}}{{^plates_many}}Kenteken{{/plates_many}}: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}[eerdere berichten weggelaten]\n{{/folded}}"
"{{#stripped}}[niet doorgestuurd: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n",
"Alert #{{number}} - {{time}} - reply from {{sender}}\n"
"{{#called_yes}}112 was called by {{called_by}} at {{called_at}}.\n"
"Only call again if you see something new.\n{{/called_yes}}"
"{{#called_no}}112 has not been called yet (according to the messages).\n"
"Do you find it suspicious too? Call 112 and say so here.\n{{/called_no}}"
"{{#called_unknown}}Not known yet whether 112 was called.\n"
"In immediate danger? Call 112 and say so here.\n{{/called_unknown}}"
"{{#plates}}{{#plates_many}}Licence plates{{/plates_many}}{{^plates_many}}Licence plate{{/plates_many}}: {{plates}}\n{{/plates}}"
"------------------------------------------------------------\n"
"{{text}}\n"
"{{#folded}}[earlier messages left out]\n{{/folded}}"
"{{#stripped}}[not passed on: {{stripped}}]\n{{/stripped}}"
"\n-- \n{{footer}}\n" },
{ "footer",
"{{group}}: alleen verdachte situaties.\n"
"Eerst 112 bellen, dan hier melden. Schrijf neutraal.\n"
"Foto's alleen voor een signalement.",
"{{group}}: suspicious situations only.\n"
"Call 112 first, then report here. Keep the language neutral.\n"
"Photos only for a description." },
{ "notice-nonmember",
"Subject: Uw bericht aan {{group}} is niet doorgestuurd\n\n"
"Beste {{#name}}{{name}}{{/name}}{{^name}}afzender{{/name}},\n\n"
"Uw bericht aan {{group}} is niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"{{#stranger}}"
"Het adres waarmee u schreef, staat niet op de ledenlijst.\n"
"Alleen leden kunnen berichten naar {{group}} sturen.\n\n"
"Wilt u meedoen? Neem dan contact op met de beheerders:\n"
"{{request}}\n\n"
"{{/stranger}}"
"{{#suspended}}"
"U bent geschorst als lid van {{group}}.\n"
"{{#until}}Dat duurt tot {{until}}.\n{{/until}}"
"Zolang dat zo is, worden uw berichten niet doorgestuurd\n"
"en krijgt u geen meldingen.\n\n"
"{{/suspended}}"
"{{#removed}}"
"U bent geen lid meer van {{group}}.\n"
"Daarom worden uw berichten niet doorgestuurd.\n\n"
"{{/removed}}"
"{{#banned}}"
"U bent uitgesloten van {{group}}.\n"
"Daarom worden uw berichten niet doorgestuurd.\n\n"
"{{/banned}}"
"{{#pending}}"
"Uw aanmelding bij {{group}} is nog niet goedgekeurd.\n"
"Tot die tijd worden uw berichten niet doorgestuurd.\n\n"
"{{/pending}}"
"{{^stranger}}"
"Hebt u hier vragen over? Mail dan de beheerders:\n"
"{{request}}\n\n"
"{{/stranger}}"
"Is er direct gevaar? Bel 112.\n\n"
"Dit is een automatisch bericht. U krijgt het hooguit één keer per dag.\n",
"Subject: Your message to {{group}} was not passed on\n\n"
"Dear {{#name}}{{name}}{{/name}}{{^name}}sender{{/name}},\n\n"
"Your message to {{group}} was not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"{{#stranger}}"
"The address you wrote from is not on the list of members.\n"
"Only members can send messages to {{group}}.\n\n"
"Would you like to join? Please contact the administrators:\n"
"{{request}}\n\n"
"{{/stranger}}"
"{{#suspended}}"
"Your membership of {{group}} is suspended.\n"
"{{#until}}That lasts until {{until}}.\n{{/until}}"
"Until then, your messages are not passed on\n"
"and you get no alerts.\n\n"
"{{/suspended}}"
"{{#removed}}"
"You are no longer a member of {{group}}.\n"
"That is why your messages are not passed on.\n\n"
"{{/removed}}"
"{{#banned}}"
"You have been excluded from {{group}}.\n"
"That is why your messages are not passed on.\n\n"
"{{/banned}}"
"{{#pending}}"
"{{group}} has not approved your application yet.\n"
"Until then, your messages are not passed on.\n\n"
"{{/pending}}"
"{{^stranger}}"
"Any questions about this? Mail the administrators:\n"
"{{request}}\n\n"
"{{/stranger}}"
"In immediate danger? Call 112.\n\n"
"This is an automatic message. You get it at most once a day.\n" },
{ "notice-closed",
"Subject: Melding #{{number}} is al afgesloten\n\n"
"Beste {{name}},\n\n"
"Uw reactie hoort bij melding #{{number}}.\n"
"Die melding is afgesloten op {{closed_at}}.\n"
"Uw reactie is bewaard, maar niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"Ziet u nu iets verdachts? Bel eerst 112.\n"
"Stuur daarna een NIEUW bericht aan {{list}},\n"
"dus geen antwoord op een oude mail. Dan start een nieuwe melding.\n",
"Subject: Alert #{{number}} is already closed\n\n"
"Dear {{name}},\n\n"
"Your reply belongs to alert #{{number}}.\n"
"That alert was closed on {{closed_at}}.\n"
"Your reply was kept, but not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"Seeing something suspicious now? Call 112 first.\n"
"Then send a NEW message to {{list}},\n"
"not a reply to an old mail. That starts a new alert.\n" },
{ "notice-toolarge",
"Subject: Uw bericht aan {{group}} is te groot\n\n"
"Beste {{name}},\n\n"
"Uw bericht is {{size}} groot.\n"
"{{group}} neemt berichten aan tot {{limit}}.\n"
"Daarom is het niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"Stuur de tekst opnieuw, met hooguit één of twee kleine foto's.\n",
"Subject: Your message to {{group}} is too large\n\n"
"Dear {{name}},\n\n"
"Your message is {{size}}.\n"
"{{group}} takes messages up to {{limit}}.\n"
"That is why it was not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"Please send the text again, with one or two small photos at most.\n" },
{ "notice-unreadable",
"Subject: Uw bericht aan {{group}} kon niet worden gelezen\n\n"
"Beste {{name}},\n\n"
"Uw bericht kon niet worden gelezen en is niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"{{#too_many_parts}}Het bestaat uit te veel delen, zoals bijlagen.{{/too_many_parts}}\n"
"{{#too_deep}}Er zitten te veel berichten in elkaar. Dat gebeurt als\n"
"mail vaak achter elkaar is doorgestuurd.{{/too_deep}}\n"
"{{#too_many_headers}}Het heeft te veel kopregels.{{/too_many_headers}}\n"
"{{#too_long_line}}Er staat een te lange regel in.{{/too_long_line}}\n"
"\n"
"Stuur het opnieuw als gewone tekst, zonder doorgestuurde mail.\n",
"Subject: Your message to {{group}} could not be read\n\n"
"Dear {{name}},\n\n"
"Your message could not be read and was not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"{{#too_many_parts}}It has too many parts, such as attachments.{{/too_many_parts}}\n"
"{{#too_deep}}Too many messages sit inside each other. That happens\n"
"when mail has been forwarded many times over.{{/too_deep}}\n"
"{{#too_many_headers}}It has too many header lines.{{/too_many_headers}}\n"
"{{#too_long_line}}It has a line that is too long.{{/too_long_line}}\n"
"\n"
"Please send it again as plain text, without forwarded mail.\n" },
{ "admin-bounces",
"Subject: [{{group}}] {{#name}}{{name}}{{/name}}{{^name}}{{email}}{{/name}} geschorst: mail komt niet aan\n\n"
"Mail aan dit lid kwam {{count}} keer blijvend niet aan\n"
"(de grens is {{limit}}):\n\n"
"  {{#name}}{{name}} {{/name}}<{{email}}>\n\n"
"Daarom is het lid geschorst en krijgt het geen meldingen meer.\n\n"
"Laatste foutmelding van de mailserver:\n"
"{{status}} {{diagnostic}}\n\n"
"Werkt het adres weer? Zet het lid dan terug met:\n"
"  bpt-member reinstate {{email}}\n",
"Subject: [{{group}}] {{#name}}{{name}}{{/name}}{{^name}}{{email}}{{/name}} suspended: mail does not arrive\n\n"
"Mail to this member failed permanently {{count}} times\n"
"(the limit is {{limit}}):\n\n"
"  {{#name}}{{name}} {{/name}}<{{email}}>\n\n"
"That is why the member is suspended and gets no more alerts.\n\n"
"Last error from the mail server:\n"
"{{status}} {{diagnostic}}\n\n"
"Does the address work again? Reinstate the member with:\n"
"  bpt-member reinstate {{email}}\n" },
{ "notice-undelivered",
"Subject: Melding #{{number}} is nog niet bij iedereen aangekomen\n\n"
"Beste {{#name}}{{name}}{{/name}}{{^name}}melder{{/name}},\n\n"
"Uw melding #{{number}} van {{time}} is nog niet aangekomen bij\n"
"{{missing}} van de {{total}} leden. We proberen het automatisch opnieuw.\n"
"De beheerders weten ervan.\n\n"
"Is het dringend? Bel dan 112.\n",
"Subject: Alert #{{number}} has not reached everyone yet\n\n"
"Dear {{#name}}{{name}}{{/name}}{{^name}}reporter{{/name}},\n\n"
"Your alert #{{number}} of {{time}} has not reached\n"
"{{missing}} of the {{total}} members yet. We keep trying automatically.\n"
"The administrators know about it.\n\n"
"If it is urgent, call 112.\n" },
{ "admin-undelivered",
"Subject: [{{group}}] Melding #{{number}}: {{missing}} van {{total}} leden nog zonder bericht\n\n"
"Melding #{{number}} van {{time}} is nog niet aangekomen bij:\n\n"
"{{names}}\n"
"{{#not_handed}}"
"Geen van deze berichten is al aangenomen door de uitgaande\n"
"mailserver. Kijk of die werkt (delivery in bpt.yaml).\n\n"
"{{/not_handed}}"
"bpt probeert het opnieuw. Bekijk de wachtrij met: bpt-send --queue\n",
"Subject: [{{group}}] Alert #{{number}}: {{missing}} of {{total}} members without it\n\n"
"Alert #{{number}} of {{time}} has not reached:\n\n"
"{{names}}\n"
"{{#not_handed}}"
"The outgoing mail server has not accepted any of these messages\n"
"yet. Check that it works (delivery in bpt.yaml).\n\n"
"{{/not_handed}}"
"bpt keeps trying. See the queue with: bpt-send --queue\n" },
{ "admin-failed",
"Subject: [{{group}}] Melding #{{number}}: {{#one}}1 lid kreeg{{/one}}{{^one}}{{failed}} leden kregen{{/one}} het bericht niet\n\n"
"{{#one}}Dit lid heeft{{/one}}{{^one}}Deze leden hebben{{/one}} een bericht van melding #{{number}} niet gekregen.\n"
"bpt probeert het niet meer:\n\n"
"{{names}}\n"
"Kijk of het adres nog klopt: bpt-member show ADRES\n",
"Subject: [{{group}}] Alert #{{number}}: {{#one}}1 member{{/one}}{{^one}}{{failed}} members{{/one}} did not get the message\n\n"
"{{#one}}This member{{/one}}{{^one}}These members{{/one}} did not get a message of alert #{{number}}.\n"
"bpt has stopped trying:\n\n"
"{{names}}\n"
"Check whether the address is still right: bpt-member show ADDRESS\n" },
{ "notice-held",
"Subject: Uw bericht aan {{group}} wacht op een beheerder\n\n"
"Beste {{name}},\n\n"
"Uw bericht aan {{group}} is nog niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"Reden: {{rule}}.\n"
"Een beheerder bekijkt het bericht. Daarna gaat het alsnog naar\n"
"de groep, of u hoort waarom niet. Na {{expiry}} zonder besluit\n"
"vervalt het.\n\n"
"{{#forged}}Hebt u dit bericht niet zelf gestuurd? Dan heeft iemand anders\n"
"uw adres gebruikt. U hoeft dan niets te doen.\n\n{{/forged}}"
"Is er direct gevaar? Bel 112.\n",
"Subject: Your message to {{group}} waits for an administrator\n\n"
"Dear {{name}},\n\n"
"Your message to {{group}} has not been passed on yet.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"Reason: {{rule}}.\n"
"An administrator will look at it. Then it goes to the group after\n"
"all, or you hear why not. Without a decision it expires after\n"
"{{expiry}}.\n\n"
"{{#forged}}Did you not send this message yourself? Then someone else used\n"
"your address. You need not do anything.\n\n{{/forged}}"
"In immediate danger? Call 112.\n" },
{ "admin-held",
"Subject: [{{group}}] Bericht wacht op een beheerder: {{rule}}\n\n"
"{{#alert}}Dit is een nieuwe melding. Beslis zo snel mogelijk.\n\n{{/alert}}"
"Een bericht is tegengehouden en niet doorgestuurd.\n\n"
"Van: {{sender}}\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"Regel: {{rule}}\n"
"{{#evidence}}Gevonden: {{evidence}}{{/evidence}}\n\n"
"{{#automatic}}De afzender krijgt hier geen bericht over.\n\n{{/automatic}}"
"Begin van de tekst:\n"
"{{excerpt}}\n\n"
"Doorsturen naar de groep:\n"
"  bpt-report approve {{hold}}\n"
"Afwijzen (de afzender hoort het):\n"
"  bpt-report reject {{hold}} --reason \"...\"\n"
"Dat kan ook per mail aan {{request}},\n"
"met een regel \"goedkeuren {{hold}}\" of \"afwijzen {{hold}} reden\".\n"
"Zonder besluit vervalt het bericht op {{expires}}.\n",
"Subject: [{{group}}] Message waits for an administrator: {{rule}}\n\n"
"{{#alert}}This is a new alert. Please decide as soon as you can.\n\n{{/alert}}"
"A message was held and not passed on.\n\n"
"From: {{sender}}\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"Rule: {{rule}}\n"
"{{#evidence}}Found: {{evidence}}{{/evidence}}\n\n"
"{{#automatic}}The sender is not told about this.\n\n{{/automatic}}"
"Start of the text:\n"
"{{excerpt}}\n\n"
"Pass it on to the group:\n"
"  bpt-report approve {{hold}}\n"
"Reject it (the sender is told):\n"
"  bpt-report reject {{hold}} --reason \"...\"\n"
"You can also mail {{request}}\n"
"with a line \"approve {{hold}}\" or \"reject {{hold}} reason\".\n"
"Without a decision the message expires on {{expires}}.\n" },
{ "notice-rejected",
"Subject: Uw bericht aan {{group}} is niet doorgestuurd\n\n"
"Beste {{name}},\n\n"
"Uw bericht aan {{group}} is niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"Reden: {{rule}}.\n"
"{{#reason}}Toelichting van de beheerder: {{reason}}{{/reason}}\n"
"\n"
"Lees de regels van de groep nog eens. Ziet u iets verdachts?\n"
"Bel eerst 112. Stuur daarna een nieuw bericht, neutraal geschreven.\n",
"Subject: Your message to {{group}} was not passed on\n\n"
"Dear {{name}},\n\n"
"Your message to {{group}} was not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"Reason: {{rule}}.\n"
"{{#reason}}The administrator adds: {{reason}}{{/reason}}\n"
"\n"
"Please read the rules of the group again. Seeing something\n"
"suspicious? Call 112 first. Then send a new, neutral message.\n" },
{ "notice-expired",
"Subject: Uw bericht aan {{group}} is niet doorgestuurd\n\n"
"Beste {{name}},\n\n"
"Uw bericht aan {{group}} wachtte op een beheerder.\n"
"Binnen {{expiry}} is er geen besluit over genomen.\n"
"Daarom is het niet doorgestuurd.\n"
"{{#subject}}Onderwerp: {{subject}}{{/subject}}\n"
"\n"
"Is het nog van belang? Stuur dan een nieuw bericht.\n"
"Is er direct gevaar? Bel 112.\n",
"Subject: Your message to {{group}} was not passed on\n\n"
"Dear {{name}},\n\n"
"Your message to {{group}} waited for\n"
"an administrator.\n"
"No decision was made within {{expiry}}.\n"
"That is why it was not passed on.\n"
"{{#subject}}Subject: {{subject}}{{/subject}}\n"
"\n"
"Does it still matter? Then send a new message.\n"
"In immediate danger? Call 112.\n" },
{ "admin-quarantine",
"Subject: [{{group}}] Bericht in quarantaine\n\n"
"Een binnenkomend bericht is in quarantaine gezet, zodat het de\n"
"berichten erna niet ophoudt.\n"
"{{#signal}}bpt-report is erop vastgelopen (signaal {{signal}}).\n{{/signal}}"
"{{#timeout}}bpt-report was er binnen limits.parse_timeout niet mee klaar.\n{{/timeout}}"
"{{#killed}}bpt-report is {{killed}} keer gestopt terwijl het dit bericht las.\n{{/killed}}"
"\n"
"Nummer in de opslag: {{message}}\n"
"Ontvangen: {{received}}\n"
"Controlegetal (SHA-256):\n"
"  {{sha256}}\n\n"
"Het is bewaard en niet doorgestuurd. Bekijk het met:\n"
"  bpt-report message {{message}}\n\n"
"Is bpt bijgewerkt, of denkt u dat het bericht toch in orde is?\n"
"Laat het dan opnieuw verwerken met:\n"
"  bpt-report release {{message}}\n",
"Subject: [{{group}}] Message quarantined\n\n"
"An incoming message was put in quarantine, so that it does not hold\n"
"up the messages after it.\n"
"{{#signal}}bpt-report crashed on it (signal {{signal}}).\n{{/signal}}"
"{{#timeout}}bpt-report did not finish it within limits.parse_timeout.\n{{/timeout}}"
"{{#killed}}bpt-report was stopped {{killed}} times while reading it.\n{{/killed}}"
"\n"
"Number in the store: {{message}}\n"
"Received: {{received}}\n"
"Checksum (SHA-256):\n"
"  {{sha256}}\n\n"
"It was kept and not passed on. Look at it with:\n"
"  bpt-report message {{message}}\n\n"
"Once bpt has been upgraded, or if you think the message is fine\n"
"after all, have it processed again with:\n"
"  bpt-report release {{message}}\n" },
{ "admin-template",
"Subject: [{{group}}] Fout in de tekst {{name}}\n\n"
"De tekst {{name}} die u heeft aangepast, bevat een fout:\n\n"
"  {{file}}\n"
"  {{error}}\n\n"
"Meldingen gaan gewoon door: bpt gebruikt de standaardtekst\n"
"tot het bestand is hersteld. Tot die tijd stoppen de\n"
"beheeropdrachten (zoals bpt-member) met deze fout.\n\n"
"U krijgt dit bericht één keer voor deze versie van het bestand.\n",
"Subject: [{{group}}] Error in the text {{name}}\n\n"
"The text {{name}} that you changed contains an error:\n\n"
"  {{file}}\n"
"  {{error}}\n\n"
"Alerts keep going out: bpt uses the built-in text until the\n"
"file is fixed. Until then the admin commands (such as\n"
"bpt-member) stop with this error.\n\n"
"You get this message once for this version of the file.\n" },
{ "notice-bounce-probe",
"Subject: Komt mail van {{group}} bij u aan?\n\n"
"Beste {{name}},\n\n"
"Mail van onze groep aan uw adres kwam de laatste tijd een paar keer\n"
"terug als onbestelbaar:\n\n"
"  {{email}}\n\n"
"Met dit bericht testen we of uw adres nog werkt. U hoeft niets te\n"
"doen: leest u dit, dan werkt uw adres en krijgt u de meldingen\n"
"gewoon.\n\n"
"Komt ook dit bericht terug, dan krijgt u geen meldingen meer. Een\n"
"beheerder kan u daarna weer aanmelden. Vragen? Mail de beheerders:\n"
"  {{request}}\n",
"Subject: Does mail from {{group}} reach you?\n\n"
"Dear {{name}},\n\n"
"Mail from our group to your address has come back as undeliverable\n"
"a few times lately:\n\n"
"  {{email}}\n\n"
"This message tests whether your address still works. You need not\n"
"do anything: if you can read this, your address works and you keep\n"
"getting the alerts.\n\n"
"If this message comes back too, you will get no more alerts. An\n"
"administrator can add you again after that. Questions? Mail the\n"
"administrators:\n"
"  {{request}}\n" },
{ "admin-bounce-probe",
"Subject: [{{group}}] Mail aan {{name}} komt terug; testbericht gestuurd\n\n"
"Mail aan dit lid kwam {{count}} keer blijvend niet aan\n"
"(de grens is {{limit}}):\n\n"
"  {{name}} <{{email}}>\n\n"
"bpt heeft een testbericht naar dit adres gestuurd. Komt dat terug,\n"
"dan wordt het lid geschorst en krijgt u daarover bericht. Komt het\n"
"binnen {{days}} dagen niet terug, dan blijft het lid actief en telt\n"
"bpt weer vanaf nul.\n\n"
"Laatste foutmelding van de mailserver:\n"
"{{status}} {{diagnostic}}\n",
"Subject: [{{group}}] Mail to {{name}} bounces; test message sent\n\n"
"Mail to this member failed permanently {{count}} times\n"
"(the limit is {{limit}}):\n\n"
"  {{name}} <{{email}}>\n\n"
"bpt has sent a test message to this address. If it comes back, the\n"
"member is suspended and you will be told. If it does not come back\n"
"within {{days}} days, the member stays active and bpt starts counting\n"
"again from zero.\n\n"
"Last error from the mail server:\n"
"{{status}} {{diagnostic}}\n" },
{ "end",
"EINDE MELDING #{{number}} - {{time}}\n"
"{{#by}}{{by}} heeft deze melding afgesloten.{{/by}}{{^by}}Deze melding is afgesloten.{{/by}}\n"
"{{#reason}}Reden: {{reason}}\n{{/reason}}"
"------------------------------------------------------------\n"
"Ziet u de persoon weer? Bel 112 en start een nieuwe melding met een\n"
"nieuw bericht (geen antwoord op deze mail) aan:\n"
"  {{list}}\n"
"Antwoorden op deze melding worden niet meer doorgestuurd.\n"
"\n-- \n{{footer}}\n",
"END OF ALERT #{{number}} - {{time}}\n"
"{{#by}}{{by}} has closed this alert.{{/by}}{{^by}}This alert has been closed.{{/by}}\n"
"{{#reason}}Reason: {{reason}}\n{{/reason}}"
"------------------------------------------------------------\n"
"Seeing the person again? Call 112 and start a new alert with a new\n"
"message (not a reply to this mail) to:\n"
"  {{list}}\n"
"Replies to this alert are no longer passed on.\n"
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
"U krijgt per melding hooguit {{max}} keer zo'n herinnering, één keer\n"
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
{ "transcript",
"Subject: [{{group}}] Melding #{{number}}: verslag voor het politiedossier\n\n"
"VERSLAG VAN MELDING #{{number}} - {{group}}\n"
"\n"
"Groep:            {{group}}\n"
"Lijstadres:       {{list}}\n"
"Melding:          #{{number}}\n"
"{{#subject}}Onderwerp:\n  {{subject}}\n{{/subject}}"
"Geopend:          {{opened}}\n"
"Gesloten:         {{#closed}}{{closed}}{{/closed}}{{^closed}}nog niet gesloten{{/closed}}\n"
"{{#closed_by}}Gesloten door:    {{closed_by}}\n{{/closed_by}}"
"{{#close_reason}}Reden:            {{close_reason}}\n{{/close_reason}}"
"{{#outcome}}Uitkomst:         {{outcome}} ({{outcome_at}})\n{{/outcome}}"
"Melder:           {{#reporter}}{{reporter}}{{/reporter}}{{^reporter}}niet meer bekend{{/reporter}}\n"
"{{#reporter_email}}E-mail melder:    {{reporter_email}}\n{{/reporter_email}}"
"{{#reporter_phone}}Telefoon melder:  {{reporter_phone}}\n{{/reporter_phone}}"
"{{#called_yes}}112 gebeld:       ja, door {{called_by}} om {{called_at}}\n{{/called_yes}}"
"{{#called_no}}112 gebeld:       nog niet, volgens {{called_by}}\n"
"                  om {{called_at}}\n{{/called_no}}"
"{{#called_unknown}}112 gebeld:       niet gezegd in de berichten\n{{/called_unknown}}"
"{{#plates}}Kentekens:        {{plates}}\n{{/plates}}"
"Berichten:        {{messages}}\n"
"Deelnemers:       {{participants}}\n"
"\n"
"Hieronder staan de berichten in de volgorde waarin ze binnenkwamen.\n"
"Tekst die een bericht uit eerdere berichten citeert, is weggelaten om\n"
"het lezen makkelijker te maken. De originele berichten zitten volledig\n"
"en onveranderd in de bijlage {{originals}}.\n",
"Subject: [{{group}}] Alert #{{number}}: transcript for the police file\n\n"
"TRANSCRIPT OF ALERT #{{number}} - {{group}}\n"
"\n"
"Group:            {{group}}\n"
"List address:     {{list}}\n"
"Alert:            #{{number}}\n"
"{{#subject}}Subject:\n  {{subject}}\n{{/subject}}"
"Opened:           {{opened}}\n"
"Closed:           {{#closed}}{{closed}}{{/closed}}{{^closed}}not closed yet{{/closed}}\n"
"{{#closed_by}}Closed by:        {{closed_by}}\n{{/closed_by}}"
"{{#close_reason}}Reason:           {{close_reason}}\n{{/close_reason}}"
"{{#outcome}}Outcome:          {{outcome}} ({{outcome_at}})\n{{/outcome}}"
"Reporter:         {{#reporter}}{{reporter}}{{/reporter}}{{^reporter}}no longer known{{/reporter}}\n"
"{{#reporter_email}}Reporter e-mail:  {{reporter_email}}\n{{/reporter_email}}"
"{{#reporter_phone}}Reporter phone:   {{reporter_phone}}\n{{/reporter_phone}}"
"{{#called_yes}}112 called:       yes, by {{called_by}} at {{called_at}}\n{{/called_yes}}"
"{{#called_no}}112 called:       not yet, said {{called_by}}\n"
"                  at {{called_at}}\n{{/called_no}}"
"{{#called_unknown}}112 called:       not said in the messages\n{{/called_unknown}}"
"{{#plates}}Licence plates:   {{plates}}\n{{/plates}}"
"Messages:         {{messages}}\n"
"Participants:     {{participants}}\n"
"\n"
"The messages follow in the order they arrived.  Text that quotes\n"
"earlier messages is left out to make them easier to read.  The\n"
"original messages are enclosed whole and unchanged in\n"
"{{originals}}.\n" },
{ "transcript-message",
"\n"
"------------------------------------------------------------------------\n"
"Bericht {{seq}} van {{count}}, ontvangen {{received}}\n"
"Van:        {{author}}{{#email}} <{{email}}>{{/email}}\n"
"{{#subject}}Onderwerp:  {{subject}}\n{{/subject}}"
"{{#forgotten}}Origineel:  verwijderd op verzoek van de schrijver (AVG)\n{{/forgotten}}"
"{{#redacted}}Origineel:  niet bijgevoegd: er zijn gegevens van een ander\n"
"            lid uit gehaald (AVG)\n{{/redacted}}"
"SHA-256 van het origineel:\n"
"  {{sha256}}\n"
"\n"
"{{text}}"
"{{#folded}}[geciteerde tekst weggelaten, zie het origineel]\n{{/folded}}"
"{{#attachments}}\nBijlagen:\n{{attachments}}{{/attachments}}",
"\n"
"------------------------------------------------------------------------\n"
"Message {{seq}} of {{count}}, received {{received}}\n"
"From:       {{author}}{{#email}} <{{email}}>{{/email}}\n"
"{{#subject}}Subject:    {{subject}}\n{{/subject}}"
"{{#forgotten}}Original:   removed at the writer's request (GDPR)\n{{/forgotten}}"
"{{#redacted}}Original:   not enclosed: another member's details were\n"
"            taken out of it (GDPR)\n{{/redacted}}"
"SHA-256 of the original:\n"
"  {{sha256}}\n"
"\n"
"{{text}}"
"{{#folded}}[quoted text left out, see the original]\n{{/folded}}"
"{{#attachments}}\nAttachments:\n{{attachments}}{{/attachments}}" },
{ "transcript-end",
"\n"
"------------------------------------------------------------------------\n"
"{{#mime}}Bijlagen bij dit verslag:\n"
"- {{originals}}: de originele berichten, byte voor byte\n"
"  zoals ontvangen, in mbox-formaat (mboxrd)\n"
"{{#photos}}- de foto's zoals ontvangen, met hun metadata: {{photos}}\n{{/photos}}"
"- {{json}}: dezelfde gegevens in JSON, voor politiesystemen\n"
"- {{chain}}: de hashketen van de berichten\n"
"\n"
"Dit verslag is ondertekend met OpenPGP. Het is te controleren zonder\n"
"de gegevens van de groep, met alleen dit bestand en de publieke sleutel\n"
"van wie het ondertekende:\n"
"  bpt-export --verify BESTAND\n"
"Of zonder bpt: controleer de handtekening met gpg en vergelijk de\n"
"SHA-256 van elk origineel met de keten (zie bpt.transcript(5)).\n{{/mime}}"
"{{^mime}}Einde van het verslag.\n{{/mime}}",
"\n"
"------------------------------------------------------------------------\n"
"{{#mime}}Enclosed with this transcript:\n"
"- {{originals}}: the original messages, byte for byte\n"
"  as received, in mbox format (mboxrd)\n"
"{{#photos}}- the photos as received, with their metadata: {{photos}}\n{{/photos}}"
"- {{json}}: the same data in JSON, for police systems\n"
"- {{chain}}: the hash chain of the messages\n"
"\n"
"This transcript is signed with OpenPGP.  It can be checked without the\n"
"group's data, with only this file and the signer's public key:\n"
"  bpt-export --verify FILE\n"
"Or without bpt: check the signature with gpg and compare the SHA-256\n"
"of every original with the chain (see bpt.transcript(5)).\n{{/mime}}"
"{{^mime}}End of the transcript.\n{{/mime}}" },
{ "admin-unexported",
"Subject: [{{group}}] Meldingen over de bewaartermijn, niet naar de politie\n\n"
"Deze meldingen zijn meer dan {{days}} dagen geleden gesloten en zijn\n"
"nooit naar de politie gestuurd:\n"
"\n"
"{{list}}"
"\n"
"{{#kept}}Ze blijven bewaard tot ze naar de politie zijn gestuurd:\n"
"  bpt-export NUMMER\n"
"Zijn ze niet nodig voor de politie, zet dan retention.unexported op\n"
"purge: dan worden ze bij de volgende opruimronde verwijderd.\n{{/kept}}"
"{{#purged}}Ze zijn verwijderd zonder export, omdat retention.unexported\n"
"op purge staat.\n{{/purged}}",
"Subject: [{{group}}] Alerts past the retention time, not sent to the police\n\n"
"These alerts were closed more than {{days}} days ago and were never\n"
"sent to the police:\n"
"\n"
"{{list}}"
"\n"
"{{#kept}}They are kept until they have been sent to the police:\n"
"  bpt-export NUMBER\n"
"If the police do not need them, set retention.unexported to purge:\n"
"the next purge then removes them.\n{{/kept}}"
"{{#purged}}They were removed without an export, because\n"
"retention.unexported is set to purge.\n{{/purged}}" },
#include "template_request.h"
};

const char *
tpl_builtin(const char *name, const char *lang)
{
	size_t i;

	for (i = 0; i < nitems(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return strcmp(lang, "en") == 0 ? builtins[i].en : builtins[i].nl;
	return NULL;
}

const char *
tpl_builtin_name(size_t i)
{
	return i < nitems(builtins) ? builtins[i].name : NULL;
}

/* vars of tpl_expand_sample(): every variable set to a sample value */
static const struct tvar all_set[1] = { { "", "x" } };

/* Variables the tools pass that no built-in text uses, for admins'
 * own texts (bpt.templates(5) describes them). */
static const char *const extra_vars[] = { "attempts", "result" };

/* 1 when the tag {{...}} at t (kind character and name, before "}}")
 * names name[0..len). */
static int
tag_is(const char *t, const char *name, size_t len)
{
	if (*t == '#' || *t == '^' || *t == '/')
		t++;
	return strncmp(t, name, len) == 0 && strncmp(t + len, "}}", 2) == 0;
}

int
tpl_var_known(const char *name, size_t len)
{
	const char *t, *texts[2];
	size_t i, k;

	if (len == 0)
		return 0;
	for (i = 0; i < nitems(extra_vars); i++)
		if (strlen(extra_vars[i]) == len &&
		    strncmp(extra_vars[i], name, len) == 0)
			return 1;
	for (i = 0; i < nitems(builtins); i++) {
		texts[0] = builtins[i].nl;
		texts[1] = builtins[i].en;
		for (k = 0; k < 2; k++)
			for (t = texts[k]; (t = strstr(t, "{{")) != NULL; t += 2)
				if (tag_is(t + 2, name, len))
					return 1;
	}
	return 0;
}

enum bpt_status
tpl_vars_check(struct bpt_ctx *ctx, const char *text)
{
	const char *t, *name, *close;

	for (t = text; (t = strstr(t, "{{")) != NULL; t = close + 2) {
		if ((close = strstr(t + 2, "}}")) == NULL)
			return bpt_err(ctx, BPT_EDATA, "template: '{{' without '}}'");
		name = t + 2 + (t[2] == '#' || t[2] == '^' || t[2] == '/');
		if (!tpl_var_known(name, (size_t)(close - name)))
			return bpt_err(ctx, BPT_EDATA, "template: {{%.*s}} is no "
			    "variable bpt fills in (bpt.templates(5) lists them)",
			    (int)(close - name > 64 ? 64 : close - name), name);
	}
	return BPT_OK;
}

enum bpt_status
tpl_expand_sample(struct bpt_ctx *ctx, const char *text, struct buf *out)
{
	return tpl_expand(ctx, text, all_set, nitems(all_set), out);
}

static const char *
var_value(const struct tvar *vars, size_t n, const char *name, size_t len)
{
	size_t i;

	if (vars == all_set)
		return "x";

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && strncmp(vars[i].name, name, len) == 0)
			return vars[i].value ? vars[i].value : "";
	return "";
}

#define TPL_MAXDEPTH 16

/* The output line being written, for lines that sections emptied. */
struct outline {
	size_t start;	/* out->len where it began */
	int tagged;	/* a section tag stood on it */
};

/*
 * Appends template text s[0..n): a line that holds a section tag and
 * nothing else in the output is dropped with its line break, so that
 * "{{#x}}Kenteken: {{x}}{{/x}}" leaves no empty line behind.
 */
static void
emit_text(struct buf *out, const char *s, size_t n, struct outline *ol)
{
	const char *nl;

	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		size_t k = (size_t)(nl - s);

		buf_add(out, s, k);
		if (!(ol->tagged && out->len == ol->start))
			buf_addch(out, '\n');
		ol->start = out->len;
		ol->tagged = 0;
		s += k + 1;
		n -= k + 1;
	}
	buf_add(out, s, n);
}

/* Appends a variable's value as it is; its own lines are never dropped. */
static void
emit_value(struct buf *out, const char *v, struct outline *ol)
{
	const char *nl = strrchr(v, '\n');

	buf_adds(out, v);
	if (nl != NULL) {
		ol->start = out->len - strlen(nl + 1);
		ol->tagged = 0;
	}
}

enum bpt_status
tpl_expand(struct bpt_ctx *ctx, const char *text, const struct tvar *vars,
    size_t n, struct buf *out)
{
	const char *p = text, *line = text;
	int depth = 0, skip = 0;	/* skip: depth of the first false section, 0 none */
	struct outline ol = { out->len, 0 };

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *name, *e;
		size_t nlen;
		char kind;

		if (open == NULL) {
			if (!skip)
				emit_text(out, p, strlen(p), &ol);
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
			emit_text(out, p, (size_t)(open - p), &ol);
		kind = open[2];
		name = open + 2 + (kind == '#' || kind == '^' || kind == '/');
		nlen = (size_t)(close - name);
		p = close + 2;
		if (kind != '#' && kind != '^' && kind != '/') {
			if (!skip)
				emit_value(out, var_value(vars, n, name, nlen), &ol);
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
			} else {
				ol.tagged = 1;
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
tpl_override_path(struct bpt_ctx *ctx, const char *dir, const char *name,
    const char *lang, int i, struct buf *path)
{
	buf_reset(path);
	if (i == 0)
		buf_addf(path, "%s/%s.%s.txt", dir, name, lang);
	else
		buf_addf(path, "%s/%s.txt", dir, name);
	return buf_failed(path) ? bpt_err(ctx, BPT_ENOMEM, "out of memory") :
	    BPT_OK;
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
			if ((st = tpl_override_path(ctx, dir, name, lang, i,
			    &path)) != BPT_OK)
				goto out;
			st = fio_read_file(ctx, path.buf, 256 * 1024, &text);
			if (st == BPT_OK) {
				size_t start = out->len;
				const char *t = text.buf ? text.buf : "";

				/* a name misspelt would be left empty */
				if ((st = tpl_vars_check(ctx, t)) == BPT_OK)
					st = tpl_expand(ctx, t, vars, n, out);
				if (st != BPT_EDATA)
					goto out;
				/* an admin's typo never costs a message */
				log_warnx("%s: %s; the built-in text is used instead",
				    path.buf, ctx->errmsg);
				buf_setlen(out, start);
				break;
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

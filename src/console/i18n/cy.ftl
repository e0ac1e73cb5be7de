# Negeseuon Cymraeg y consol. The console's Welsh messages.
# AWAITING REVIEW BY A TRANSLATOR: this catalogue was written by the developers, not by a
# professional translator; the terms a translator should check first are listed in README.md
# (the console section). The ids must be the same as en.ftl's (src/console/i18n/tests.rs).
# Welsh has six plural categories (zero, one, two, few, many, other); numerals take the
# singular noun, with the mutations after 2 (soft), 3 and 6 (aspirate).

## Layout and navigation

page-title = { $title } — consol pupilmatch, { $authority }
skip-to-content = Neidio i'r prif gynnwys
nav-main = Prif ddewislen
nav-dashboard = Dangosfwrdd
nav-search = Chwiliad cenedlaethol
nav-uploads = Uwchlwytho
nav-cases = Achosion
nav-fingerprints = Olion bysedd
nav-data-protection = Diogelu data
signed-in-as = Wedi mewngofnodi fel
sign-out = Allgofnodi
language-switch = Iaith
error-title = Gwall
error-heading = Aeth rhywbeth o'i le
back-to-dashboard = Yn ôl i'r dangosfwrdd
form-refused = gwrthodwyd: mae'r ffurflen hon wedi dod i ben neu ni ddaeth o'r consol hwn; ail-lwythwch y dudalen a rhowch gynnig arall arni

## Numbers and dates

percent-over = dros 99.9%
percent-under = llai na 0.1%
date = { $day } { $month } { $year }
month-1 = Ionawr
month-2 = Chwefror
month-3 = Mawrth
month-4 = Ebrill
month-5 = Mai
month-6 = Mehefin
month-7 = Gorffennaf
month-8 = Awst
month-9 = Medi
month-10 = Hydref
month-11 = Tachwedd
month-12 = Rhagfyr
days = { $n ->
    [zero] { $n } diwrnod
    [one] { $n } diwrnod
    [two] { $n } ddiwrnod
    [few] { $n } diwrnod
    [many] { $n } diwrnod
   *[other] { $n } diwrnod
}
in-days = ymhen { $days }

## Problems

error-fingerprint-mismatch = nid oes gan yr allwedd y mae'r hwb yn ei chyhoeddi ar gyfer { $authority } yr ôl bys a gofnodwyd ar ei gyfer: peidiwch â chadarnhau; ffoniwch eu cydlynydd a darllenwch yr ôl bys eto, a rhowch wybod i weithredwr yr hwb am wir anghysondeb
error-no-counterpart-key = nid yw { $authority } wedi cofrestru allwedd ddatgelu eto; gofynnwch i'w cydlynydd gofrestru un
error-own-record-missing = nid yw ein cofnod o'r ymgeisydd hwn yn ffeiliau disgyblion y gweithle (cyfeirnod { $reference })
error-hub = Gwrthododd yr hwb, neu nid oedd modd ei gyrraedd: { $cause }
error-other = Aeth rhywbeth o'i le: { $cause }
staff-name-refused = mae gan enw aelod o staff rhwng 1 a 100 nod a dim nodau rheoli
staff-name-taken = mae cyfrif staff o'r enw { $name } yn bodoli eisoes
password-too-short = mae gan gyfrinair o leiaf { $n } nod
password-unhashable = wrth stwnshio'r cyfrinair: { $cause }
upload-unreadable = nid oedd modd darllen yr uwchlwythiad: { $cause }
export-failed = wrth ysgrifennu'r allforiad: { $cause }
error-fingerprint-not-recorded = nid oes ôl bys o allwedd ddatgelu { $authority } wedi'i gofnodi: gofynnwch i'w cydlynydd ei ddarllen dros y ffôn a'i gofnodi ar y dudalen olion bysedd cyn i chi gadarnhau
fingerprint-no-authority = dewiswch yr awdurdod y mae'r ôl bys hwn yn perthyn iddo
fingerprint-own-authority = { $authority } yw'r awdurdod hwn: cofnodwch yr olion bysedd y mae cydlynwyr yr awdurdodau eraill yn eu darllen i chi
fingerprint-malformed = mae ôl bys yn 32 o lythrennau a digidau (0–9, A–F) mewn grwpiau o bedwar, ac mae gan hwn { $digits }: gofynnwch i'w cydlynydd ei ddarllen eto
counterpart-key-unusable = cyhoeddodd yr hwb allwedd na ellir ei defnyddio: { $cause }
contact-required = rhowch enw a chyfeiriad e-bost cyswllt ar gyfer yr awdurdod arall
refuse-confirm-reason = dewiswch reswm dros gadarnhau
refuse-reject-reason = dewiswch reswm dros wrthod
refuse-verdict = dewiswch yr un plentyn neu blentyn gwahanol
refuse-outcome = dewiswch ganlyniad yr achos cyn ei gau; ni chaewyd dim
proxy-identity-unknown = Nid yw'r mewngofnod a roddodd system eich sefydliad, “{ $name }”, yn gyfrif staff ar y consol hwn: gofynnwch i weinyddwr y consol ychwanegu un â'r enw hwnnw. Ni ddangoswyd nac ni wnaed dim.
setup-closed = mae gan y consol hwn gyfrifon staff eisoes: mewngofnodwch

## Sign-in and set-up

sign-in = Mewngofnodi
your-name = Eich enw
password = Cyfrinair
password-with-minimum = Cyfrinair (o leiaf { $n } nod)
sign-in-refused = Nid yw'r enw a'r cyfrinair hwnnw'n cyfateb i gyfrif staff ar y consol hwn.
setup-title = Gosod
setup-heading = Gosod y consol hwn
setup-key-heading = Eich allwedd ddatgelu
setup-key-read-out = Darllenwch yr ôl bys hwn i gydlynwyr yr awdurdodau eraill dros y ffôn:
setup-account-heading = Creu'r cyfrif staff cyntaf
setup-theirs = Pan fydd cydlynwyr yr awdurdodau eraill yn darllen eu rhai nhw i chi, cofnodwch nhw ar y dudalen
fingerprints-theirs = Allweddi'r awdurdodau eraill
fingerprints-theirs-lead = Ar gyfer pob awdurdod y mae gennym gytundeb ag ef: a oes gan yr allwedd y mae'r hwb yn ei chyhoeddi ar ei gyfer yr ôl bys a ddarllenodd ei gydlynydd i chi. Caiff cadarnhadau eu gwirio yn ei erbyn; os nad yw'n cyfateb, peidiwch â chadarnhau.
fingerprints-col-key = Eu hallwedd
fingerprint-record-heading = Cofnodi ôl bys a ddarllenwyd i chi
fingerprint-read-out-label = Eu hôl bys, fel y'i darllenwyd gan eu cydlynydd
fingerprint-read-out-hint = 32 o lythrennau a digidau; priflythrennau neu beidio, gyda bylchau neu doriadau fel y mynnwch.
fingerprint-record = Cofnodi'r ôl bys
fingerprint-recorded = Cofnodwyd yr ôl bys a ddarllenodd cydlynydd { $authority } —
fingerprint-matches = gwiriwyd dros y ffôn ar { $date }: mae'n cyfateb i'r allwedd y mae'r hwb yn ei chyhoeddi
fingerprint-differs = gwiriwyd dros y ffôn ar { $date }: NID yw'n cyfateb i'r allwedd y mae'r hwb yn ei chyhoeddi. Peidiwch â chadarnhau; ffoniwch eu cydlynydd, a rhowch wybod i weithredwr yr hwb os yw'n dal yn wahanol
fingerprint-not-checked = heb ei wirio eto: gofynnwch i'w cydlynydd ddarllen eu hôl bys a'i gofnodi yma
setup-create = Creu cyfrif a mewngofnodi

## Dashboard

dashboard-title = Dangosfwrdd
dashboard-groups = Grwpiau
group-new = Ymgeiswyr newydd
group-awaiting-me = Yn aros am fy mhenderfyniad
group-awaiting-them = Yn aros am yr ochr arall
group-released = Wedi'u rhyddhau, yn barod i'w hagor
group-to-close = Wedi'u gwirio, achos i'w gau
roll-stale = Anfonwyd eich cofrestr ddiwethaf { $days } diwrnod yn ôl.
roll-stale-why = Nid yw plant a gofrestrwyd ers hynny'n cael eu paru ag achosion agored yn unman.
roll-stale-upload = Uwchlwythwch y gofrestr gyfredol
card-follow-ups-due = Gwiriadau dilynol sy'n ddyledus
card-about-to-expire = Ar fin dod i ben
none = Dim.
none-due = Dim yn ddyledus.
col-candidate = Ymgeisydd
col-our-record = Ein cofnod
col-other-authority = Awdurdod arall
col-probability = Tebygolrwydd
col-proposed = Cynigiwyd
col-expires = Yn dod i ben
col-check = Gwiriad
col-due = Yn ddyledus
candidate-n = Ymgeisydd { $id }
standing-ambiguous = amwys: mae ymgeisydd arall ar gyfer y plentyn hwn bron cyn gryfed
standing-runner-up = ail: mae ymgeisydd cryfach ar gyfer y plentyn hwn
page-of = Tudalen { $page } o { $pages }
page-previous = Tudalen flaenorol
page-next = Tudalen nesaf
expiring-why = Oni bai bod y ddwy ochr yn cadarnhau, daw'r ymgeiswyr hyn i ben ac ni chaiff dim ei ryddhau. Penderfynwch arnynt, neu gofynnwch i'r awdurdod arall wneud hynny.
expires-in = { $days ->
    [one] (o fewn diwrnod)
    [two] (ymhen { $days } ddiwrnod)
   *[other] (ymhen { $days } diwrnod)
}
follow-up-after-closing = { $weeks } wythnos ar ôl cau
audit-checkpoint-unavailable = Nid yw pwynt gwirio archwilio'r hwb ar gael: { $cause }
audit-checkpoint-kept = Log archwilio'r hwb: { $n } digwyddiad, cadwyd pwynt gwirio wedi'i lofnodi (allwedd yr hwb
not-in-our-files = nid yw yn ein ffeiliau

## Candidate and disclosure

done-confirmed = Rydych wedi cadarnhau'r ymgeisydd hwn. Seliwyd ein cofnod ag allwedd yr awdurdod arall; caiff ei ryddhau dim ond pan fyddant hwythau'n cadarnhau hefyd.
done-rejected = Rydych wedi gwrthod yr ymgeisydd hwn. Ni chaiff dim ei ryddhau i'r naill ochr na'r llall.
done-verified = Cofnodwyd eich dyfarniad.
match-weight-parenthesised = (pwysau cyfatebiaeth { $weight })
state = Cyflwr
agreement = Cytundeb
key-epoch = cyfnod allwedd { $epoch }
key-epoch-parenthesised = (cyfnod allwedd { $epoch })
open-their-record = Agor cofnod yr awdurdod arall
why-proposed = Pam y cynigiodd y paru hwn
chart-title = Sut y symudodd pob maes y dystiolaeth, o'r man cychwyn i'r pwysau cyfatebiaeth
chart-even-odds = siawns gyfartal
evidence-uncharted = Mae tystiolaeth yr hwb ar ffurf na all y consol hwn ei dangos mewn siart.
own-record-missing = Nid yw'r cofnod hwn yn ffeiliau disgyblion y gweithle.
record-id = Rhif cofnod
forename = Enw cyntaf
middle-names = Enwau canol
surname = Cyfenw
former-surname = Cyfenw blaenorol
date-of-birth = Dyddiad geni
sex = Rhyw
confirm = Cadarnhau
confirm-hint = Caiff ein cofnod ei selio ag allwedd yr awdurdod arall a'i ryddhau dim ond pan fyddant hwythau'n cadarnhau hefyd.
reason = Rheswm
contact-name = Enw cyswllt
contact-email = E-bost cyswllt
contact-phone = Ffôn cyswllt
school-optional = Yr ysgol bresennol neu ddiwethaf (dewisol)
note-stored-in-clear = Nodyn (dim data personol: mae'r hwb yn ei gadw heb ei amgryptio)
note-no-personal-data = Nodyn (dim data personol)
confirm-and-send = Cadarnhau ac anfon ein cofnod wedi'i selio
reject = Gwrthod
reject-hint = Ni chaiff dim ei ryddhau i'r naill ochr na'r llall.
decisions = Penderfyniadau
no-decision = Dim penderfyniad eto.
col-when = Pryd
col-authority = Awdurdod
col-decision = Penderfyniad
col-by = Gan
disclosure-title = Datgelu ymgeisydd { $id }
disclosure-heading = Ymgeisydd { $id }: y ddau gofnod
record-of = Cofnod
sealed-at = wedi'i selio { $at }.
contact = Cyswllt:
disclosure-opened-here = Agorwyd yma â'n hallwedd ni; dim ond trosglwyddo'r cofnod wedi'i selio a wnaeth yr hwb.
disclosure-differs-highlighted = Amlygir y rhesi lle mae'r ddau gofnod yn wahanol.
col-field = Maes
col-their-record = Eu cofnod nhw
col-comparison = Cymhariaeth
your-verdict = Eich dyfarniad
verdict-question = Ai'r un plentyn yw'r cofnodion hyn?
record-verdict = Cofnodi'r dyfarniad
back-to-candidate = Yn ôl i'r ymgeisydd
verdict-same = yr un fath
verdict-similar = tebyg (Jaro–Winkler { $jaro_winkler }, { $edits } golygiad)
verdict-day-month-swapped = diwrnod a mis wedi'u cyfnewid
verdict-different-names = GWAHANOL (Jaro–Winkler { $jaro_winkler })
verdict-different = GWAHANOL
verdict-only-ours = ein un ni yn unig
verdict-only-theirs = eu un nhw yn unig

## Evidence

field-meaning = { $field }: { $meaning }
field-label-identifier = Dynodydd disgybl
level-not-compared = heb ei gymharu (ar goll ar un ochr)
level-unknown = cymharwyd ar lefel nad yw'r fersiwn hon yn ei hadnabod
step-starting-point = Man cychwyn
step-starting-point-meaning = pa mor debygol yw hi mai'r un plentyn yw dau gofnod a ddewiswyd ar hap
step-adjustment = Addasiad
step-match-weight = Pwysau cyfatebiaeth
step-match-weight-meaning = y dystiolaeth gyda'i gilydd: tebygolrwydd { $probability }
adjustment-sibling-pattern = yr un cyfenw a dyddiad geni ond enw cyntaf gwahanol: gefell neu frawd neu chwaer yn aml

## Cases

case = Achos
card-open-cases = achosion agored
card-follow-ups = gwiriadau dilynol i'w gwneud, { $due } yn ddyledus nawr
open-cases = Achosion agored
no-open-case = Dim achos agored. Agorir achosion drwy uwchlwytho ffeil o Blant sy'n Colli Addysg, neu o chwiliad cenedlaethol.
open-cases-hint = Yr hynaf yn gyntaf. Caewch achos pan ddeuir o hyd i'r plentyn neu pan ddaw'r ymholiadau i ben: mae'n peidio â chael ei baru, ac mae plentyn y deuir o hyd iddo mewn addysg yn cael gwiriadau dilynol ar ôl 6 a 18 wythnos.
col-referral = Atgyfeiriad
col-opened = Agorwyd
col-age = Oedran
col-close-with-outcome = Cau gyda chanlyniad
col-done = Wedi'i wneud?
reference = Cyfeirnod
referred-on = atgyfeiriwyd ar { $date }
since-referral = ers yr atgyfeiriad
outcome-for = Canlyniad ar gyfer { $record }
choose-outcome = Dewiswch ganlyniad
close-case = Cau'r achos
follow-ups = Gwiriadau dilynol
no-follow-up = Nid oes gwiriad dilynol yn aros. Caiff achos a gaewyd am i'r plentyn gael ei ganfod mewn addysg (EHE, IND, OLA, WLA) ei wirio eto ar ôl 6 a 18 wythnos.
follow-ups-hint = Ydy'r plentyn mewn addysg o hyd? Marciwch bob gwiriad yn un wedi'i wneud pan fyddwch wedi'i wneud.
due-now = yn ddyledus nawr
mark-done = Marcio wedi'i wneud
check-for = { $check } ar gyfer { $record }
case-closed = wedi'i gau: { $outcome }.
case-closed-follow-ups = Rhestrir ei wiriadau dilynol ar ôl 6 a 18 wythnos isod.
follow-up-done = Marciwyd y gwiriad dilynol yn un wedi'i wneud.
follow-up-6-weeks = Gwiriad 6 wythnos
follow-up-18-weeks = Gwiriad 18 wythnos

## Data protection

dpo-lead = Ar gyfer swyddog diogelu data { $authority }: y cytundebau y caiff ei gofnodion eu paru oddi tanynt, a phopeth a gofnododd yr hwb amdanynt.
agreements = Cytundebau
no-agreement = Nid yw'r awdurdod hwn yn rhan o unrhyw gytundeb eto: mae gweithredwr yr hwb yn ei ychwanegu pan gaiff y cytundeb ei lofnodi.
purpose = Diben
lawful-basis = Sail gyfreithlon
retention = Cyfnod cadw
key-epochs = Cyfnodau allwedd a dderbynnir
key-epochs-none = dim (mae'r cytundeb wedi'i ddirwyn i ben)
members-of = Aelodau { $agreement }
col-member = Aelod
us = ni
audit-log = Log archwilio
audit-log-lead = Pob cyflwyniad, chwiliad, penderfyniad ar ymgeisydd, datgeliad ac allforiad sy'n ymwneud â'r awdurdod hwn, fel y'u cofnodwyd gan yr hwb. Caiff ei lawrlwytho ei gofnodi hefyd.
download-csv = Lawrlwytho fel CSV
download-jsonl = Lawrlwytho fel llinellau JSON

## National search

search-lead = Chwiliwch am un plentyn ar draws pob awdurdod y mae gennych gytundeb ag ef. Caiff y manylion eu gwirio a'u hamgodio ar y cyfrifiadur hwn; dim ond yr amgodiad sy'n mynd i'r hwb.
search-failed = Nid oedd modd gwneud y chwiliad
search-child = Y plentyn
search-before = Cyn i chi chwilio
search-safety-first = Diogelwch yn gyntaf.
search-safety = Os ydych yn poeni am ddiogelwch y plentyn, cysylltwch â'r heddlu a gofal cymdeithasol plant nawr: nid y chwiliad hwn yw'r llwybr diogelu.
search-guidance-dob = Teipiwch fanylion y plentyn fel y maent yn eich atgyfeiriad. Gellir ysgrifennu dyddiad geni fel
or = neu
search-guidance-private = Nid yw'r hwb byth yn gweld yr enw na'r dyddiad geni, ac ni chaiff dim a deipir yma ei gadw, gan y consol hwn na'ch porwr.
search-guidance-release = Mae cyfatebiaeth yn dweud wrthych pa awdurdod sy'n dal y plentyn. Caiff ei gofnod ei ryddhau dim ond ar ôl i'r ddau ohonoch gadarnhau.
search-problems = Ni ellir chwilio am y plentyn eto
middle-names-optional = Enwau canol (dewisol)
search-dob-hint = Er enghraifft 2015-01-09 neu 09/01/2015
sex-not-known = Anhysbys
sex-female = Benyw
sex-male = Gwryw
search-identifier-optional = Dynodydd disgybl (dewisol)
search-identifier-kind = Math o ddynodydd
search-identifier = Dynodydd
scheme-upn = UPN (Lloegr, Cymru)
scheme-scn = SCN (Yr Alban)
scheme-ppsn = PPSN (Iwerddon)
scheme-ni-pupil-id = Rhif disgybl GI (Gogledd Iwerddon)
search = Chwilio
search-open-case-optional = Agor fel achos Plant sy'n Colli Addysg (dewisol)
search-open-case-hint = Mae'r hwb yn cadw amgodiad y plentyn ac yn paru pob cofrestriad diweddarach ag ef; mae cyfatebiaethau'n ymddangos ar eich dangosfwrdd.
search-record-id = Eich rhif cofnod ar gyfer y plentyn hwn
search-record-id-hint = Caiff cyfeirnod yr achos ei wneud ohono, fel y gallwch gau'r achos yn nes ymlaen.
referral-reason = Rheswm dros atgyfeirio
referral-source = Ffynhonnell yr atgyfeiriad
referred-on-label = Dyddiad atgyfeirio
search-and-open-case = Chwilio ac agor fel achos
search-record-id-missing = rhowch eich rhif cofnod ar gyfer y plentyn hwn: caiff cyfeirnod yr achos ei wneud ohono, fel y gallwch gau'r achos yn nes ymlaen
search-reason-missing = dewiswch pam yr agorwyd yr achos
search-source-missing = dewiswch pwy a atgyfeiriodd y plentyn
search-referred-on-unreadable = rhowch ddyddiad yr atgyfeiriad fel BBBB-MM-DD
search-no-secret = nid oes gan y gweithle hwn gyfrinach cytundeb: ychwanegwch ei ffeil at `agreement_secrets` yn console.json
tag-problem = Problem
tag-left-out = Wedi'i hepgor
results = Canlyniadau
case-opened = Agorwyd fel achos Plant sy'n Colli Addysg
case-opened-under = o dan eich rhif cofnod
case-opened-candidates = Cynigiodd yr hwb { $n ->
    [zero] { $n } ymgeisydd
    [one] { $n } ymgeisydd
    [two] { $n } ymgeisydd
    [few] { $n } ymgeisydd
    [many] { $n } ymgeisydd
   *[other] { $n } ymgeisydd
} ar ei gyfer, ar eich
case-opened-dashboard = dangosfwrdd
case-opened-under-new = o dan Ymgeiswyr newydd.
case-opened-stays-open = Mae'r achos yn aros ar agor: caiff cofrestriad diweddarach yn unrhyw le ei baru ag ef.
case-in-our-files = Mae gan eich ffeiliau disgyblion gofnod â'r rhif hwn: mae'r consol yn ei ddangos wrth ymyl ymgeiswyr yr achos.
case-not-in-our-files = Nid oes gan eich ffeiliau disgyblion gofnod â'r rhif hwn eto. Ychwanegwch y plentyn at eich ffeil Plant sy'n Colli Addysg o dan y rhif hwnnw (mae'r consol yn darllen ei ffeiliau pan fydd yn cychwyn), fel y gall ddangos ein cofnod wrth ymyl ymgeiswyr yr achos a'i selio pan fyddwch yn cadarnhau un.
case-not-opened = Atebodd yr hwb y chwiliad ond ni agorodd achos: efallai ei fod yn hŷn na'r consol hwn. Cyflwynwch y plentyn gyda'ch ffeil Plant sy'n Colli Addysg yn lle hynny.
no-match = Dim cyfatebiaeth
no-match-why = Nid oes gan unrhyw awdurdod yn eich cytundebau gofnod sy'n ddigon agos at y plentyn hwn.
next-step = Y cam nesaf
no-match-case-open = Ewch ymlaen â'ch ymholiadau arferol. Os bydd y plentyn yn cofrestru yn unrhyw le yn nes ymlaen, bydd y gyfatebiaeth yn ymddangos ar eich dangosfwrdd.
no-match-open-case = Agorwch ef fel achos, fel bod cofrestriad diweddarach yn unrhyw le yn cael ei baru ag ef: llenwch
search-open-case = Agor fel achos Plant sy'n Colli Addysg
no-match-open-case-below = isod a phwyswch Chwilio ac agor fel achos.
no-match-meanwhile = Ewch ymlaen â'ch ymholiadau arferol yn y cyfamser.
possible-matches = { $n ->
    [zero] { $n } cyfatebiaeth bosibl
    [one] { $n } cyfatebiaeth bosibl
    [two] { $n } gyfatebiaeth bosibl
    [few] { $n } chyfatebiaeth bosibl
    [many] { $n } chyfatebiaeth bosibl
   *[other] { $n } cyfatebiaeth bosibl
}, y dystiolaeth gryfaf yn gyntaf.
next-step-contact = I gysylltu drwy'r hwb â'r awdurdod sy'n dal y plentyn,
next-step-open-case = agorwch ef fel achos
next-step-then = : daw'r gyfatebiaeth yn ymgeisydd y mae'r ddau ohonoch yn ei gadarnhau cyn i ddim gael ei ryddhau.
band-very-strong = Cyfatebiaeth gref iawn
band-strong = Cyfatebiaeth gref
band-possible = Cyfatebiaeth bosibl
band-weak = Cyfatebiaeth wan
band-name-very-strong = cryf iawn
band-name-strong = cryf
band-name-possible = posibl
band-name-weak = gwan
nation = Gwlad
not-given = heb ei roi
held-as = Maen nhw'n ei ddal fel
held-as-roll = disgybl ar eu cofrestr
held-as-missing = plentyn sy'n colli addysg (eu hachos agored)
confidence = Hyder
confidence-with-weight = { $band } (pwysau { $weight }), tebygolrwydd { $probability }
against-other-results = O'i gymharu â'r canlyniadau eraill
result-standing-best = y gorau: nid oes canlyniad arall yn agos
result-standing-ambiguous = amwys: mae canlyniad arall bron cyn gryfed; diystyrwch hwnnw cyn gweithredu ar hwn
result-standing-runner-up = y tu ôl i ganlyniad cryfach
the-evidence = Y dystiolaeth
evidence-for = O blaid
evidence-against = Yn erbyn
evidence-not-used = Heb ei defnyddio
evidence-as-chart = Dangos y dystiolaeth fel siart
evidence-unreadable = Mae tystiolaeth yr hwb ar ffurf na all y consol hwn ei darllen.

## Uploads

upload-title = Uwchlwytho ffeil
upload-lead = Dewiswch ffeil disgyblion. Mae'r consol yn ei darllen a'i hamgodio yma, ar y cyfrifiadur hwn, ac yn dangos i chi beth a ganfu cyn i ddim gael ei anfon. Dim ond amgodiadau sy'n gadael: nid yw enwau a dyddiadau geni byth yn gadael.
upload-file = Ffeil disgyblion
upload-file-hint = Ffeil CSV gyda rhes pennawd, neu Ffeil Trosglwyddo Gyffredin yr Adran Addysg (XML).
upload-what = Beth sydd yn y ffeil?
upload-roll-hint = Plant ar gofrestrau eich ysgolion: cânt eu paru â phlant sy'n colli addysg mewn awdurdodau eraill.
upload-missing-hint = Plant sy'n Colli Addysg: daw pob un yn achos agored, wedi'i baru â phob cofrestr.
upload-whole-roll = Y ffeil yw ein cofrestr gyfan
upload-whole-roll-hint = Caiff ein disgyblion sydd gan yr hwb ond nad ydynt yn y ffeil hon eu tynnu allan o'r paru. Gadewch heb ei dicio i ychwanegu neu ddiweddaru disgyblion yn unig.
upload-missing-only = Ar gyfer Plant sy'n Colli Addysg yn unig
upload-missing-only-hint = Caiff pob achos yn y ffeil ei agor gyda'r atgyfeiriad hwn. Mae cofrestr yn ei anwybyddu.
upload-read = Darllen y ffeil
upload-choose-file = Dewiswch ffeil CSV neu CTF i'w huwchlwytho.
upload-no-secret = Nid oes gan y gweithle hwn gyfrinach cytundeb: ychwanegwch ei ffeil at `agreement_secrets` yn console.json.
upload-encode-failed = Nid oedd modd amgodio'r ffeil; rhowch gynnig arall arni.
upload-choose-role = Dewiswch beth sydd yn y ffeil.
upload-choose-reason = Dewiswch pam yr agorwyd yr achosion.
upload-choose-source = Dewiswch pwy a atgyfeiriodd y plant.
upload-referred-on-unreadable = Rhowch ddyddiad yr atgyfeiriad fel BBBB-MM-DD.
upload-gone = nid yw'r uwchlwythiad hwn yn aros mwyach: caiff uwchlwythiadau eu hanghofio 30 munud ar ôl eu darllen, a dim ond y sawl a uwchlwythodd un sy'n ei weld. Dewiswch y ffeil eto.
upload-sent = Anfonwyd yr uwchlwythiad
upload-check = Gwirio'r ffeil cyn anfon
upload-stored = Cadwodd yr hwb { $n ->
    [zero] { $n } cofnod
    [one] { $n } cofnod
    [two] { $n } gofnod
    [few] { $n } chofnod
    [many] { $n } chofnod
   *[other] { $n } cofnod
} o { $file }.
upload-replayed = Roedd eisoes wedi derbyn y ffeil hon; dyma ei ateb cyntaf.
card-stored = wedi'u cadw
card-withdrawn = wedi'u tynnu'n ôl
card-new-candidates = ymgeiswyr newydd
upload-see-candidates = Gweld yr ymgeiswyr newydd ar eich dangosfwrdd
upload-no-candidate = Dim ymgeisydd newydd: nid oes dim sydd gan yr hwb yn ddigon agos at y cofnodion hyn. Mae cyfatebiaethau a ganfyddir yn nes ymlaen yn ymddangos ar eich
upload-kept = Mae'r consol yn cadw'r ffeil yn ei weithle ({ $path }) fel y gall ddangos a selio ein cofnod wrth ymyl pob ymgeisydd.
upload-not-kept = Nid oedd modd i'r consol gadw'r ffeil yn ei weithle ({ $cause }): ni chaiff ein cofnod ei ddangos wrth ymyl ymgeiswyr ohoni nes i chi ychwanegu'r ffeil at pupil_files yn console.json.
upload-another = Uwchlwytho ffeil arall
upload-sending = Yn anfon
upload-sending-status = { $sent } o { $total } cofnod wedi'u hanfon
upload-cannot-send = Ni ellir anfon y ffeil hon
nothing-sent = Ni anfonwyd dim.
upload-choose-another = Dewis ffeil arall
upload-choose-instead = Dewis ffeil arall yn lle hynny
upload-failed = Ni chadwodd yr hwb y swp: { $cause }. Ni chadwyd dim; gallwch ei anfon eto.
upload-nothing-sent-yet = Nid oes dim wedi'i anfon eto.
upload-read-then-send = Darllenwch beth a ganfu'r consol, yna anfonwch.
file = Ffeil
it-holds = Mae'n cynnwys
the-whole-roll = y gofrestr gyfan
card-records-read = cofnod wedi'u darllen
card-ready-to-send = yn barod i'w hanfon
card-skipped = wedi'u hepgor (heb eu hanfon)
card-warnings = { $n ->
    [zero] rhybudd
    [one] rhybudd
    [two] rybudd
    [few] rhybudd
    [many] rhybudd
   *[other] rhybudd
}
pupil-identifiers = Dynodyddion disgyblion
upload-no-identifier = Nid oes dynodydd disgybl yn y ffeil (UPN, SCN, PPSN neu rif disgybl GI). Caiff cofnodion eu paru ar enwau a dyddiadau geni.
identifiers-by-scheme = Dynodyddion yn ôl cynllun
col-valid = Dilys
col-invalid = Annilys (wedi'u hepgor)
col-not-given = Heb eu rhoi
columns-not-read = Colofnau na ddarllenwyd
column-ignored = heb ei adnabod, wedi'i anwybyddu
did-you-mean = Oeddech chi'n golygu
rename-header = Ailenwch y pennawd a dewiswch y ffeil eto.
problems = Problemau
problems-none-no-records = Dim wedi'u canfod: nid oes cofnodion yn y ffeil.
problems-none = Dim: gellir anfon pob cofnod fel y mae.
problems-hint = Nid yw cofnod sydd â phroblem yn cael ei anfon; mae rhybudd yn golygu bod y cofnod yn cael ei anfon heb y maes hwnnw.
problems-by-line = Pob problem, yn ôl llinell
col-line = Llinell
col-record = Cofnod
tag-not-sent = Heb ei anfon
tag-warning = Rhybudd
upload-only-encodings = Dim ond amgodiadau'r { $n ->
    [zero] { $n } cofnod
    [one] { $n } cofnod
    [two] { $n } gofnod
    [few] { $n } chofnod
    [many] { $n } chofnod
   *[other] { $n } cofnod
} hyn a anfonir. Gall anfon cofrestr fawr gymryd munud: cadwch y dudalen hon ar agor nes bod yr ateb yn ymddangos.
upload-send = Anfon { $n ->
    [zero] { $n } cofnod
    [one] { $n } cofnod
    [two] { $n } gofnod
    [few] { $n } chofnod
    [many] { $n } chofnod
   *[other] { $n } cofnod
} i'r hwb
upload-sending-to-hub = Yn anfon i'r hwb
upload-starting = Yn dechrau
upload-progress-storing = ; mae'r hwb yn eu cadw ac yn eu paru
upload-unreadable-file = Ni ellir darllen y ffeil: { $cause }
upload-reading-stopped = Daeth y darllen i ben cyn diwedd y ffeil (gweler y broblem olaf isod): cywirwch y ffeil a'i dewis eto
upload-no-records = Nid oes cofnodion yn y ffeil, dim ond rhes pennawd: nid oes dim i'w anfon
upload-none-encoded = Nid oedd modd amgodio'r un o'r { $n } cofnod (gweler y problemau isod): nid oes dim i'w anfon
upload-duplicate-ids = Mae { $n } rhif cofnod yn cael eu defnyddio ddwywaith (gweler y problemau isod): rhowch ei rif ei hun i bob cofnod, yna dewiswch y ffeil eto

## The encoder's and the hub's refusals (console::problems), keyed by their types

date-unreadable = disgwylid BBBB-MM-DD, DD/MM/BBBB (neu D/M/BBBB) neu BBBBMMDD
date-ambiguous-year = mae'r flwyddyn ddau ddigid `{ $year }` yn amwys (19{ $year } neu 20{ $year }?); ysgrifennwch y flwyddyn yn llawn: BBBB-MM-DD, DD/MM/BBBB (neu D/M/BBBB) neu BBBBMMDD
date-no-such-date = nid oes dyddiad o'r fath yn y calendr
date-before-1900 = cyn 1900
date-in-future = yn y dyfodol
name-empty = dim llythrennau Lladin ar ôl normaleiddio
name-placeholder = yn ddalfan, nid yn enw
problem-missing = mae'n ofynnol ond ar goll
problem-impossible-date = nid yw `{ $value }` yn ddyddiad geni posibl: { $reason }
problem-unusable-name = `{ $value }`: { $problem }
warning-invalid-identifier = nid yw `{ $value }` yn ddilys ({ $reason }); wedi'i hepgor
warning-unknown-la-code = nid yw cod ALl { $code } yn y rhestr hysbys
warning-unusable-name = `{ $value }`: { $problem }; wedi'i hepgor
warning-non-latin-dropped = hepgorwyd llythrennau y tu allan i'r wyddor Ladin
warning-unrecognised-sex = nid yw `{ $value }` yn rhyw cydnabyddedig; fe'i trinnir fel anhysbys
warning-unlikely-age = byddai'r plentyn yn { $age } oed heddiw, mwy na 2 flynedd y tu allan i oedran ysgol ({ $from } i { $to }); gwiriwch y dyddiad
warning-left-out = { $problem }; wedi'i hepgor
upn-length = mae gan UPN 13 nod, canfuwyd { $n }
upn-bad-check-letter = rhaid i nod { $position } (`{ $found }`) fod yn llythyren wirio (A–Z ac eithrio I, O, S)
upn-bad-digit = rhaid i nod { $position } (`{ $found }`) fod yn ddigid
upn-bad-last = rhaid i nod { $position } (`{ $found }`) fod yn ddigid, neu'n llythyren heblaw I, O, S
upn-check-letter = y llythyren wirio yw `{ $found }` ond mae'r digidau'n rhoi `{ $expected }`
scn-format = mae SCN yn 9 digid, canfuwyd `{ $value }`
scn-never-issued = ni all unrhyw SCN ddechrau gyda'r 8 digid hyn (gweddill mod-11 yw 1)
scn-check-digit = y digid gwirio yw { $found } ond mae'r digidau'n rhoi { $expected }
ppsn-format = mae PPSN yn 7 digid, llythyren wirio A–W ac yn ddewisol A, B, H, W, T neu X; canfuwyd `{ $value }`
ppsn-check-letter = y llythyren wirio yw `{ $found }` ond mae'r rhif yn rhoi `{ $expected }`
ni-pupil-id-format = mae rhif disgybl GI yn 1–20 o lythrennau a digidau; canfuwyd `{ $value }`
upload-already-kept = roedd y ffeil wedi'i chadw eisoes
error-hub-problem = { $what } (neges yr hwb, yn Saesneg: { $detail })
error-hub-unreachable = nid oedd modd cyrraedd yr hwb yn { $url }: gwiriwch y rhwydwaith, neu gofynnwch i weithredwr yr hwb a yw'n rhedeg
hub-problem-unknown = gwrthododd yr hwb y cais (statws { $status })
hub-problem-malformed-json = ni allai'r hwb ddarllen y cais (JSON diffygiol); nam yn y consol yw hwn: rhowch wybod amdano
hub-problem-invalid-request = gwrthododd yr hwb y cais fel un annilys
hub-problem-invalid-records = gwrthododd yr hwb rai o gofnodion yr uwchlwythiad
hub-problem-unsupported-protocol = nid yw'r hwb yn siarad fersiwn protocol y consol hwn: diweddarwch y consol
hub-problem-epoch-not-accepted = nid yw'r hwb yn derbyn cyfnod allwedd y gyfrinach cytundeb hon mwyach: gofynnwch am y gyfrinach cytundeb gyfredol
hub-problem-unauthenticated = ni dderbyniodd yr hwb allwedd API y consol hwn: gwiriwch PUPILMATCH_API_KEY
hub-problem-forbidden = nid yw'r hwb yn caniatáu i'r awdurdod hwn wneud hynny
hub-problem-not-found = nid oes gan yr hwb eitem o'r fath
hub-problem-batch-conflict = mae gan yr hwb uwchlwythiad gwahanol o dan id y swp hwn eisoes
hub-problem-batch-in-progress = mae'r hwb yn dal i dderbyn neu storio'r uwchlwythiad hwn: rhowch gynnig arall arni ymhen munud
hub-problem-case-closed = mae'r achos hwn wedi'i gau eisoes
hub-problem-payload-too-large = mae'r uwchlwythiad yn fwy nag y mae'r hwb yn ei dderbyn: rhannwch y ffeil
hub-problem-unsupported-media-type = ni allai'r hwb ddarllen fformat y cais; nam yn y consol yw hwn: rhowch wybod amdano
hub-problem-not-ready = nid yw'r hwb yn barod eto: rhowch gynnig arall arni ymhen munud
hub-problem-database-unavailable = nid yw cronfa ddata'r hwb ar gael am ennyd: rhowch gynnig arall arni ymhen munud
hub-problem-internal = methodd yr hwb wrth ateb: rhowch gynnig arall arni, a dywedwch wrth weithredwr yr hwb os yw'n dal i fethu
hub-problem-invalid-transition = ni chaniateir hyn yng nghyflwr presennol yr ymgeisydd
hub-problem-already-decided = mae'r awdurdod hwn eisoes wedi penderfynu ar yr ymgeisydd hwn
hub-problem-not-released = nid yw cofnod yr awdurdod arall wedi'i ryddhau eto: rhaid i'r ddwy ochr gadarnhau yn gyntaf
hub-problem-no-disclosure-key = mae allwedd ddatgelu ar goll: rhaid i bob awdurdod gofrestru un
hub-problem-stale-disclosure-key = newidiodd allwedd ddatgelu'r awdurdod arall ers dangos y dudalen hon: ail-lwythwch hi a gwiriwch yr ôl bys
hub-problem-concurrent-change = newidiodd rhywun arall hyn ar yr un pryd: ail-lwythwch y dudalen a rhowch gynnig arall arni
hub-problem-purged = mae hwn wedi'i ddileu ar ddiwedd ei gyfnod cadw
hub-problem-rate-limited = gormod o geisiadau i'r hwb ar hyn o bryd: arhoswch ennyd a rhowch gynnig arall arni
hub-problem-daily-limit-reached = mae'r awdurdod hwn wedi cyrraedd terfyn chwiliadau heddiw o dan y cytundeb hwn: rhowch gynnig arall arni yfory
hub-problem-unreadable-body = ni allai'r hwb ddarllen corff y cais; nam yn y consol yw hwn: rhowch wybod amdano

## The CME codes (domain notes §10) and upload roles

reason-ftt = FTT: methiant i drosglwyddo
reason-fse = FSE: methiant i ddechrau addysg
reason-ftr = FTR: methiant i gofrestru
reason-inf = INF: er gwybodaeth yn unig
reason-rtl = RTL: adroddwyd ei fod wedi gadael
source-aca = ACA: academi
source-frs = FRS: ysgol rydd
source-ehe = EHE: addysg ddewisol yn y cartref
source-ind = IND: ysgol annibynnol
source-los = LOS: disgyblion coll (S2S)
source-ola = OLA: awdurdod lleol arall
source-sch = SCH: ysgol a gynhelir
source-soc = SOC: gofal cymdeithasol
source-wla = WLA: o fewn yr awdurdod lleol
source-yos = YOS: gwasanaeth troseddau ieuenctid
source-hea = HEA: iechyd neu adran achosion brys
outcome-dec = DEC: wedi marw
outcome-ehe = EHE: addysg ddewisol yn y cartref
outcome-emi = EMI: wedi ymfudo neu fynd dramor
outcome-ind = IND: ysgol annibynnol
outcome-nca = NCA: nid o oedran ysgol gorfodol
outcome-ola = OLA: wedi'i ganfod mewn awdurdod lleol arall
outcome-wla = WLA: wedi'i ganfod yn ein hawdurdod lleol ni
outcome-s2s = S2S: wedi'i uwchlwytho i safle S2S
role-roll = Disgyblion ar ein cofrestr
role-missing = Plant sy'n Colli Addysg (achosion agored)

## The hub's codes (decisions, reasons, verdicts, states, jurisdictions)

code-confirm = Cadarnhau
code-reject = Gwrthod
code-identifier-agrees = Y dynodydd yn cytuno
code-names-and-dob-agree = Enwau a dyddiad geni yn cytuno
code-local-enquiries = Ymholiadau lleol
code-other = Arall
code-different-child = Plentyn gwahanol
code-dob-differs = Dyddiad geni yn wahanol
code-names-differ = Enwau yn wahanol
code-already-resolved = Wedi'i ddatrys eisoes
code-safeguarding-hold = Ataliad diogelu
code-same-child = Yr un plentyn
code-proposed = Wedi'i gynnig
code-confirmed-one = Un ochr wedi cadarnhau
code-confirmed-both = Y ddwy ochr wedi cadarnhau
code-disclosed = Wedi'i ddatgelu
code-verified-same = Wedi'i wirio: yr un plentyn
code-verified-different = Wedi'i wirio: plentyn gwahanol
code-rejected = Wedi'i wrthod
code-expired = Wedi dod i ben
code-withdrawn = Wedi'i dynnu'n ôl
code-case-closed = Achos wedi'i gau
code-england = Lloegr
code-wales = Cymru
code-scotland = Yr Alban
code-northern-ireland = Gogledd Iwerddon
code-ireland = Iwerddon

## A disclosed record's fields

field-forename = Enw cyntaf
field-middle-names = Enwau canol
field-surname = Cyfenw
field-former-surname = Cyfenw blaenorol
field-preferred-forename = Enw cyntaf dewisol
field-preferred-surname = Cyfenw dewisol
field-dob = Dyddiad geni
field-sex = Rhyw
field-upn = UPN
field-former-upn = UPN blaenorol
field-scn = SCN
field-ppsn = PPSN
field-ni-pupil-id = Rhif disgybl GI
field-school = Ysgol
field-address = Cyfeiriad
field-postcode = Cod post

## What each comparison level means

level-identifier-agree = yr un rhif disgybl
level-identifier-agree-names-close = yr un rhif disgybl ac enwau bron yn union yr un fath (mae'r dyddiad geni'n wahanol neu ar goll)
level-identifier-agree-names-similar = yr un rhif disgybl ac enwau tebyg (mae'r dyddiad geni'n wahanol neu ar goll)
level-identifier-agree-names-differ = yr un rhif disgybl ond enwau gwahanol (mae'r dyddiad geni'n wahanol neu ar goll)
level-identifier-near = rhifau disgybl sydd un gwall teipio ar wahân
level-identifier-disagree = rhifau disgybl gwahanol
level-dob-exact = yr un dyddiad geni
level-dob-transposed = yr un dyddiad geni ond gyda'r diwrnod a'r mis wedi'u cyfnewid
level-dob-one-off = mae'r dyddiad geni'n wahanol yn un o'r diwrnod, y mis neu'r flwyddyn
level-dob-salt-verified = cadarnhawyd mai'r un dyddiad geni ydyw (neu gyda'r diwrnod a'r mis wedi'u cyfnewid)
level-dob-check-names-close = yr un dyddiad geni yn ôl pob tebyg (yr un flwyddyn) ac enwau bron yn union yr un fath
level-dob-year-names-close = wedi'u geni yn yr un flwyddyn (diwrnod neu fis arall) gydag enwau bron yn union yr un fath
level-dob-check-names-similar = yr un dyddiad geni yn ôl pob tebyg (yr un flwyddyn) ac enwau tebyg
level-dob-year-names-similar = wedi'u geni yn yr un flwyddyn (diwrnod neu fis arall) gydag enwau tebyg
level-dob-check-agrees = efallai mai'r un dyddiad geni ydyw (mae gwiriad rhannol yn cytuno)
level-dob-disagree = dyddiadau geni gwahanol
level-forename-exact = yr un enw cyntaf
level-forename-alternative = mae'r enw cyntaf yn cyfateb i enw canol, enw dewisol neu ran o enw cyntaf
level-forename-equivalent = mae'r enwau cyntaf yn gyfwerth hysbys (e.e. llysenw, fel Liam am William)
level-forename-swapped = enw cyntaf a chyfenw wedi'u cyfnewid
level-forename-close = enwau cyntaf wedi'u sillafu bron yr un fath
level-forename-similar = enwau cyntaf wedi'u sillafu'n debyg
level-forename-weak = enwau cyntaf wedi'u sillafu ychydig yn debyg
level-forename-disagree = enwau cyntaf gwahanol
level-surname-exact = yr un cyfenw
level-surname-alternative = mae'r cyfenw'n cyfateb i gyfenw blaenorol, cyfenw dewisol, rhan o gyfenw, neu ei ffurf Aeleg neu Seisnigedig
level-surname-swapped = enw cyntaf a chyfenw wedi'u cyfnewid
level-surname-close = cyfenwau wedi'u sillafu bron yr un fath
level-surname-similar = cyfenwau wedi'u sillafu'n debyg
level-surname-weak = cyfenwau wedi'u sillafu ychydig yn debyg
level-surname-disagree = cyfenwau gwahanol
level-sex-agree = yr un rhyw
level-sex-disagree = rhyw gwahanol

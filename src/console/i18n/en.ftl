# The console's English messages. Every user-visible string of the console comes from here
# or from cy.ftl (src/console/i18n/mod.rs); the ids must be the same in both files
# (src/console/i18n/tests.rs checks it).

## Layout and navigation

page-title = { $title } — pupilmatch console, { $authority }
skip-to-content = Skip to main content
nav-main = Main
nav-dashboard = Dashboard
nav-search = National search
nav-uploads = Uploads
nav-cases = Cases
nav-fingerprints = Fingerprints
nav-data-protection = Data protection
signed-in-as = Signed in as
sign-out = Sign out
language-switch = Language
error-title = Error
error-heading = Something went wrong
back-to-dashboard = Back to the dashboard
form-refused = refused: this form has expired or did not come from this console; reload the page and try again

## Numbers and dates

percent-over = over 99.9%
percent-under = under 0.1%
# English keeps the ISO dates the console has always shown; the month names are for Welsh.
date = { $iso }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
in-days = in { $days }

## Problems

error-fingerprint-mismatch = the key the hub publishes for { $authority } does not have the fingerprint recorded for it: do not confirm; ring their coordinator and read the fingerprint again, and report a real mismatch to the hub's operator
error-no-counterpart-key = { $authority } has not registered a disclosure key yet; ask their coordinator to register one
error-own-record-missing = our record of this candidate is not in the workspace's pupil files (reference { $reference })
error-hub = { $cause }
error-other = { $cause }
staff-name-refused = a staff name has 1 to 100 characters and no control characters
staff-name-taken = a staff account named { $name } already exists
password-too-short = a password has at least { $n } characters
password-unhashable = hashing the password: { $cause }
upload-unreadable = the upload could not be read: { $cause }
export-failed = writing the export: { $cause }
error-fingerprint-not-recorded = no fingerprint of { $authority }'s disclosure key is recorded: ask their coordinator to read it out by phone and record it on the fingerprints page before you confirm
fingerprint-no-authority = choose the authority whose fingerprint this is
fingerprint-own-authority = { $authority } is this authority: record the fingerprints the other authorities' coordinators read out to you
fingerprint-malformed = a fingerprint is 32 letters and digits (0–9, A–F) in groups of four, and this has { $digits }: ask their coordinator to read it again
counterpart-key-unusable = the hub published an unusable key: { $cause }
contact-required = give a contact name and email address for the other authority
refuse-confirm-reason = choose a reason for confirming
refuse-reject-reason = choose a reason for rejecting
refuse-verdict = choose same child or different child
refuse-outcome = choose the case's outcome before closing it; nothing was closed
proxy-identity-unknown = The sign-in your organisation's system gave, “{ $name }”, is not a staff account of this console: ask the console's administrator to add one with that name. Nothing was shown or done.
setup-closed = this console already has staff accounts: sign in

## Sign-in and set-up

sign-in = Sign in
your-name = Your name
password = Password
password-with-minimum = Password (at least { $n } characters)
sign-in-refused = That name and password do not match a staff account of this console.
setup-title = Set up
setup-heading = Set up this console
setup-key-heading = Your disclosure key
setup-key-read-out = Read this fingerprint to the coordinators of the other authorities by phone:
setup-account-heading = Create the first staff account
setup-theirs = When the other authorities' coordinators read theirs out to you, record them on the page
fingerprints-theirs = The other authorities' keys
fingerprints-theirs-lead = For each authority we share an agreement with: whether the key the hub publishes for it has the fingerprint its coordinator read out to you. Confirmations are checked against it; if it does not match, do not confirm.
fingerprints-col-key = Their key
fingerprint-record-heading = Record a fingerprint read out to you
fingerprint-read-out-label = Their fingerprint, as their coordinator read it out
fingerprint-read-out-hint = 32 letters and digits; capitals or not, with spaces or dashes as you like.
fingerprint-record = Record fingerprint
fingerprint-recorded = Recorded the fingerprint { $authority }'s coordinator read out —
fingerprint-matches = checked by phone on { $date }: matches the key the hub publishes
fingerprint-differs = checked by phone on { $date }: does NOT match the key the hub publishes. Do not confirm; ring their coordinator, and report it to the hub's operator if it still differs
fingerprint-not-checked = not checked yet: ask their coordinator to read out their fingerprint and record it here
setup-create = Create account and sign in

## Dashboard

dashboard-title = Dashboard
dashboard-groups = Groups
group-new = New candidates
group-awaiting-me = Awaiting my decision
group-awaiting-them = Awaiting the other side
group-released = Released, ready to open
group-to-close = Verified, case to close
roll-stale = Your roll was last sent { $days } days ago.
roll-stale-why = Children registered since then are not matched against open cases anywhere.
roll-stale-upload = Upload the current roll
card-follow-ups-due = Follow-ups due
card-about-to-expire = About to expire
none = None.
none-due = None due.
col-candidate = Candidate
col-our-record = Our record
col-other-authority = Other authority
col-probability = Probability
col-proposed = Proposed
col-expires = Expires
col-check = Check
col-due = Due
candidate-n = Candidate { $id }
standing-ambiguous = ambiguous: another candidate for this child is nearly as strong
standing-runner-up = runner-up: a stronger candidate exists for this child
page-of = Page { $page } of { $pages }
page-previous = Previous page
page-next = Next page
expiring-why = Unless both sides confirm, these candidates expire and nothing is released. Decide them, or ask the other authority to.
expires-in = { $days ->
    [one] (within a day)
   *[other] (in { $days } days)
}
follow-up-after-closing = { $weeks } weeks after closing
audit-checkpoint-unavailable = Hub audit checkpoint not available: { $cause }
audit-checkpoint-kept = Hub audit log: { $n } events, signed checkpoint kept (hub key
not-in-our-files = not in our files

## Candidate and disclosure

done-confirmed = You confirmed this candidate. Our record was sealed to the other authority's key; it is released only when they confirm too.
done-rejected = You rejected this candidate. Nothing is released to either side.
done-verified = Your verdict is recorded.
match-weight-parenthesised = (match weight { $weight })
state = State
agreement = Agreement
key-epoch = key epoch { $epoch }
key-epoch-parenthesised = (key epoch { $epoch })
open-their-record = Open the other authority's record
why-proposed = Why the matcher proposed it
chart-title = How each field moved the evidence, from the starting point to the match weight
chart-even-odds = even odds
evidence-uncharted = The hub's evidence is in a form this console cannot chart.
own-record-missing = This record is not in the workspace's pupil files.
record-id = Record id
forename = Forename
middle-names = Middle names
surname = Surname
former-surname = Former surname
date-of-birth = Date of birth
sex = Sex
confirm = Confirm
confirm-hint = Our record is sealed to the other authority's key and released only when they confirm too.
reason = Reason
contact-name = Contact name
contact-email = Contact email
contact-phone = Contact telephone
school-optional = Current or last school (optional)
note-stored-in-clear = Note (no personal data: the hub stores it in clear)
note-no-personal-data = Note (no personal data)
confirm-and-send = Confirm and send our record sealed
reject = Reject
reject-hint = Nothing is released to either side.
decisions = Decisions
no-decision = No decision yet.
col-when = When
col-authority = Authority
col-decision = Decision
col-by = By
disclosure-title = Candidate { $id } disclosure
disclosure-heading = Candidate { $id }: the two records
record-of = Record of
sealed-at = sealed { $at }.
contact = Contact:
disclosure-opened-here = Opened here with our key; the hub only relayed the sealed record.
disclosure-differs-highlighted = Rows where the two records differ are highlighted.
col-field = Field
col-their-record = Their record
col-comparison = Comparison
your-verdict = Your verdict
verdict-question = Are these records the same child?
record-verdict = Record verdict
back-to-candidate = Back to the candidate
verdict-same = same
verdict-similar = similar (Jaro–Winkler { $jaro_winkler }, { $edits } edits)
verdict-day-month-swapped = day and month swapped
verdict-different-names = DIFFERENT (Jaro–Winkler { $jaro_winkler })
verdict-different = DIFFERENT
verdict-only-ours = only ours
verdict-only-theirs = only theirs

## Evidence

field-meaning = { $field }: { $meaning }
field-label-identifier = Pupil identifier
level-not-compared = not compared (missing on one side)
level-unknown = compared at a level this version does not know
step-starting-point = Starting point
step-starting-point-meaning = how likely two records picked at random are the same child
step-adjustment = Adjustment
step-match-weight = Match weight
step-match-weight-meaning = the evidence together: probability { $probability }
adjustment-sibling-pattern = same surname and date of birth but a different forename: often a twin or sibling

## Cases

case = Case
card-open-cases = open cases
card-follow-ups = follow-ups to make, { $due } due now
open-cases = Open cases
no-open-case = No open case. Cases are opened by uploading a file of children missing from education, or from a national search.
open-cases-hint = Oldest first. Close a case when the child is found or the enquiries end: it stops matching, and a child found in education gets follow-ups at 6 and 18 weeks.
col-referral = Referral
col-opened = Opened
col-age = Age
col-close-with-outcome = Close with outcome
col-done = Done?
reference = Reference
referred-on = referred on { $date }
since-referral = since referral
outcome-for = Outcome for { $record }
choose-outcome = Choose an outcome
close-case = Close case
follow-ups = Follow-ups
no-follow-up = No follow-up is waiting. A case closed as found in education (EHE, IND, OLA, WLA) is checked again at 6 and 18 weeks.
follow-ups-hint = Is the child still in education? Mark each check done when you have made it.
due-now = due now
mark-done = Mark done
check-for = { $check } for { $record }
case-closed = closed: { $outcome }.
case-closed-follow-ups = Its follow-ups at 6 and 18 weeks are listed below.
follow-up-done = Follow-up marked done.
follow-up-6-weeks = 6-week check
follow-up-18-weeks = 18-week check

## Data protection

dpo-lead = For the data-protection officer of { $authority }: the agreements under which its records are matched, and everything the hub recorded about them.
agreements = Agreements
no-agreement = This authority is not party to any agreement yet: the hub's operator adds it when the agreement is signed.
purpose = Purpose
lawful-basis = Lawful basis
retention = Retention
key-epochs = Key epochs accepted
key-epochs-none = none (the agreement is retired)
members-of = Members of { $agreement }
col-member = Member
us = us
audit-log = Audit log
audit-log-lead = Every submission, search, candidate decision, disclosure and export concerning this authority, as the hub recorded it. Downloading it is itself recorded.
download-csv = Download as CSV
download-jsonl = Download as JSON lines

## National search

search-lead = Look for one child across every authority you share an agreement with. The details are checked and encoded on this computer; only the encoding goes to the hub.
search-failed = The search could not be made
search-child = The child
search-before = Before you search
search-safety-first = Safety first.
search-safety = If you are worried about the child's safety, contact the police and children's social care now: this search is not the safeguarding route.
search-guidance-dob = Type the child's details as your referral gives them. A date of birth may be written
or = or
search-guidance-private = The hub never sees the name or date of birth, and nothing typed here is kept, by this console or your browser.
search-guidance-release = A match tells you which authority holds the child. Its record is released only after both of you confirm.
search-problems = The child cannot be searched for yet
middle-names-optional = Middle names (optional)
search-dob-hint = For example 2015-01-09 or 09/01/2015
sex-not-known = Not known
sex-female = Female
sex-male = Male
search-identifier-optional = Pupil identifier (optional)
search-identifier-kind = Kind of identifier
search-identifier = Identifier
scheme-upn = UPN (England, Wales)
scheme-scn = SCN (Scotland)
scheme-ppsn = PPSN (Ireland)
scheme-ni-pupil-id = NI pupil id (Northern Ireland)
search = Search
search-open-case-optional = Open as a CME case (optional)
search-open-case-hint = The hub keeps the child's encoding and matches every later registration against it; matches appear on your dashboard.
search-record-id = Your record id for this child
search-record-id-hint = The case's reference is made from it, so you can close the case later.
referral-reason = Referral reason
referral-source = Referral source
referred-on-label = Referred on
search-and-open-case = Search and open as a case
search-record-id-missing = give your record id for this child: the case's reference is made from it, so you can close the case later
search-reason-missing = choose why the case was opened
search-source-missing = choose who referred the child
search-referred-on-unreadable = give the referral date as YYYY-MM-DD
search-no-secret = this workspace holds no agreement secret: add its file to `agreement_secrets` in console.json
tag-problem = Problem
tag-left-out = Left out
results = Results
case-opened = Opened as a CME case
case-opened-under = under your record id
case-opened-candidates = The hub proposed { $n } { $n ->
    [one] candidate
   *[other] candidates
} for it, on your
case-opened-dashboard = dashboard
case-opened-under-new = under New candidates.
case-opened-stays-open = The case stays open: a later registration anywhere is matched against it.
case-in-our-files = Your pupil files hold a record with this id: the console shows it beside the case's candidates.
case-not-in-our-files = Your pupil files hold no record with this id yet. Add the child to your missing-children file under it (the console reads its files when it starts), so it can show our record beside the case's candidates and seal it when you confirm one.
case-not-opened = The hub answered the search but did not open a case: it may be older than this console. Submit the child with your missing-children file instead.
no-match = No match found
no-match-why = No authority in your agreements holds a record close enough to this child.
next-step = Next step
no-match-case-open = Carry on with your usual enquiries. If the child registers anywhere later, the match will appear on your dashboard.
no-match-open-case = Open it as a case, so that a later registration anywhere is matched against it: fill in
search-open-case = Open as a CME case
no-match-open-case-below = below and press Search and open as a case.
no-match-meanwhile = Carry on with your usual enquiries meanwhile.
possible-matches = { $n } { $n ->
    [one] possible match
   *[other] possible matches
}, strongest evidence first.
next-step-contact = To contact the authority that holds the child through the hub,
next-step-open-case = open it as a case
next-step-then = : the match becomes a candidate that both of you confirm before anything is released.
band-very-strong = Very strong match
band-strong = Strong match
band-possible = Possible match
band-weak = Weak match
band-name-very-strong = very strong
band-name-strong = strong
band-name-possible = possible
band-name-weak = weak
nation = Nation
not-given = not given
held-as = They hold it as
held-as-roll = a pupil on their roll
held-as-missing = a child missing from education (their open case)
confidence = Confidence
confidence-with-weight = { $band } (weight { $weight }), probability { $probability }
against-other-results = Against the other results
result-standing-best = the best: no other result comes close
result-standing-ambiguous = ambiguous: another result is nearly as strong; rule it out before acting on this one
result-standing-runner-up = behind a stronger result
the-evidence = The evidence
evidence-for = For
evidence-against = Against
evidence-not-used = Not used
evidence-as-chart = Show the evidence as a chart
evidence-unreadable = The hub's evidence is in a form this console cannot read.

## Uploads

upload-title = Upload a file
upload-lead = Choose a pupil file. The console reads and encodes it here, on this computer, and shows you what it found before anything is sent. Only encodings leave: names and dates of birth never do.
upload-file = Pupil file
upload-file-hint = A CSV file with a header row, or a DfE Common Transfer File (XML).
upload-what = What does the file hold?
upload-roll-hint = Children on your schools' rolls: they are matched against other authorities' missing children.
upload-missing-hint = Children missing from education: each becomes an open case, matched against every roll.
upload-whole-roll = The file is our whole roll
upload-whole-roll-hint = Pupils of ours the hub holds but who are not in this file are taken out of matching. Leave it unticked to add or update pupils only.
upload-missing-only = Only for children missing from education
upload-missing-only-hint = Every case in the file is opened with this referral. A roll ignores it.
upload-read = Read the file
upload-choose-file = Choose a CSV or CTF file to upload.
upload-no-secret = This workspace holds no agreement secret: add its file to `agreement_secrets` in console.json.
upload-encode-failed = The file could not be encoded; try again.
upload-choose-role = Choose what the file holds.
upload-choose-reason = Choose why the cases were opened.
upload-choose-source = Choose who referred the children.
upload-referred-on-unreadable = Give the referral date as YYYY-MM-DD.
upload-gone = this upload is not waiting any more: uploads are forgotten 30 minutes after they are read, and only the person who uploaded one sees it. Choose the file again.
upload-sent = Upload sent
upload-check = Check the file before sending
upload-stored = The hub stored { $n ->
    [one] { $n } record
   *[other] { $n } records
} from { $file }.
upload-replayed = It had already received this file; this is its first answer.
card-stored = stored
card-withdrawn = withdrawn
card-new-candidates = new candidates
upload-see-candidates = See the new candidates on your dashboard
upload-no-candidate = No new candidate: nothing the hub holds is close enough to these records. Matches found later appear on your
upload-kept = The console keeps the file in its workspace ({ $path }) so that it can show and seal our record beside each candidate.
upload-not-kept = The console could not keep the file in its workspace ({ $cause }): our record will not be shown beside candidates from it until you add the file to console.json's pupil_files.
upload-another = Upload another file
upload-sending = Sending
upload-sending-status = { $sent } of { $total } records sent
upload-cannot-send = This file cannot be sent
nothing-sent = Nothing was sent.
upload-choose-another = Choose another file
upload-choose-instead = Choose another file instead
upload-failed = The hub did not store the batch: { $cause }. Nothing was stored; you can send it again.
upload-nothing-sent-yet = Nothing has been sent yet.
upload-read-then-send = Read what the console found, then send.
file = File
it-holds = It holds
the-whole-roll = the whole roll
card-records-read = records read
card-ready-to-send = ready to send
card-skipped = skipped (not sent)
card-warnings = { $n ->
    [one] warning
   *[other] warnings
}
pupil-identifiers = Pupil identifiers
upload-no-identifier = The file holds no pupil identifier (UPN, SCN, PPSN or NI pupil id). Records are matched on names and dates of birth.
identifiers-by-scheme = Identifiers by scheme
col-valid = Valid
col-invalid = Invalid (left out)
col-not-given = Not given
columns-not-read = Columns not read
column-ignored = not recognised, ignored
did-you-mean = Did you mean
rename-header = Rename the header and choose the file again.
problems = Problems
problems-none-no-records = None found: the file has no records.
problems-none = None: every record can be sent as it is.
problems-hint = A record with a problem is not sent; a warning means the record is sent without that field.
problems-by-line = Every problem, by line
col-line = Line
col-record = Record
tag-not-sent = Not sent
tag-warning = Warning
upload-only-encodings = Only the encodings of these { $n ->
    [one] { $n } record
   *[other] { $n } records
} are sent. Sending a large roll can take a minute: keep this page open until the answer appears.
upload-send = Send { $n ->
    [one] { $n } record
   *[other] { $n } records
} to the hub
upload-sending-to-hub = Sending to the hub
upload-starting = Starting
upload-progress-storing = ; the hub is storing and matching them
upload-unreadable-file = The file cannot be read: { $cause }
upload-reading-stopped = Reading stopped before the end of the file (see the last problem below): correct the file and choose it again
upload-no-records = The file has no records, only a header row: there is nothing to send
upload-none-encoded = None of the { $n } record(s) could be encoded (see the problems below): there is nothing to send
upload-duplicate-ids = { $n } record id(s) are used twice (see the problems below): give every record its own id, then choose the file again

## The encoder's and the hub's refusals (console::problems), keyed by their types

date-unreadable = expected YYYY-MM-DD, DD/MM/YYYY (or D/M/YYYY) or YYYYMMDD
date-ambiguous-year = the two-digit year `{ $year }` is ambiguous (19{ $year } or 20{ $year }?); write the year in full: YYYY-MM-DD, DD/MM/YYYY (or D/M/YYYY) or YYYYMMDD
date-no-such-date = no such calendar date
date-before-1900 = before 1900
date-in-future = in the future
name-empty = no Latin letters left after normalisation
name-placeholder = is a placeholder, not a name
problem-missing = is required but missing
problem-impossible-date = `{ $value }` is not a possible date of birth: { $reason }
problem-unusable-name = `{ $value }` { $problem }
warning-invalid-identifier = `{ $value }` is not valid ({ $reason }); left out
warning-unknown-la-code = LA code { $code } is not in the known list
warning-unusable-name = `{ $value }` { $problem }; left out
warning-non-latin-dropped = letters outside the Latin script were dropped
warning-unrecognised-sex = `{ $value }` is not a recognised sex; treated as unknown
warning-unlikely-age = the child would be { $age } today, more than 2 years outside school age ({ $from } to { $to }); check the date
warning-left-out = { $problem }; left out
upn-length = a UPN has 13 characters, found { $n }
upn-bad-check-letter = character { $position } (`{ $found }`) must be a check letter (A–Z except I, O, S)
upn-bad-digit = character { $position } (`{ $found }`) must be a digit
upn-bad-last = character { $position } (`{ $found }`) must be a digit, or a letter other than I, O, S
upn-check-letter = check letter is `{ $found }` but the digits give `{ $expected }`
scn-format = an SCN is 9 digits, found `{ $value }`
scn-never-issued = no SCN can start with these 8 digits (mod-11 remainder 1)
scn-check-digit = check digit is { $found } but the digits give { $expected }
ppsn-format = a PPSN is 7 digits, a check letter A–W and optionally A, B, H, W, T or X; found `{ $value }`
ppsn-check-letter = check letter is `{ $found }` but the number gives `{ $expected }`
ni-pupil-id-format = an NI pupil identifier is 1–20 letters and digits; found `{ $value }`
upload-already-kept = the file was already kept
error-hub-problem = { $what } (the hub said: { $detail })
error-hub-unreachable = could not reach the hub at { $url }: check the network, or ask the hub's operator whether it is running
hub-problem-unknown = the hub refused the request (status { $status })
hub-problem-malformed-json = the hub could not read the request (malformed JSON); this is a fault in the console: report it
hub-problem-invalid-request = the hub refused the request as invalid
hub-problem-invalid-records = the hub refused some records of the upload
hub-problem-unsupported-protocol = the hub does not speak this console's protocol version: update the console
hub-problem-epoch-not-accepted = the hub no longer accepts this agreement secret's key epoch: ask for the current agreement secret
hub-problem-unauthenticated = the hub did not accept this console's API key: check PUPILMATCH_API_KEY
hub-problem-forbidden = the hub does not allow this authority to do that
hub-problem-not-found = the hub has no such item
hub-problem-batch-conflict = the hub already holds a different upload under this batch id
hub-problem-batch-in-progress = the hub is still receiving or storing this upload: try again in a minute
hub-problem-case-closed = this case is already closed
hub-problem-payload-too-large = the upload is larger than the hub accepts: split the file
hub-problem-unsupported-media-type = the hub could not read the request's format; this is a fault in the console: report it
hub-problem-not-ready = the hub is not ready yet: try again in a minute
hub-problem-database-unavailable = the hub's database is unavailable for a moment: try again in a minute
hub-problem-internal = the hub failed while answering: try again, and tell the hub's operator if it keeps failing
hub-problem-invalid-transition = this is not allowed in the candidate's present state
hub-problem-already-decided = this authority has already decided this candidate
hub-problem-not-released = the other authority's record is not released yet: both sides must confirm first
hub-problem-no-disclosure-key = a disclosure key is missing: each authority must register one
hub-problem-stale-disclosure-key = the other authority's disclosure key changed since this page was shown: reload it and check the fingerprint
hub-problem-concurrent-change = someone else changed this at the same moment: reload the page and try again
hub-problem-purged = this has been deleted at the end of its retention period
hub-problem-rate-limited = too many requests to the hub just now: wait a moment and try again
hub-problem-daily-limit-reached = this authority has reached today's limit of searches under this agreement: try again tomorrow
hub-problem-unreadable-body = the hub could not read the request's body; this is a fault in the console: report it

## The CME codes (domain notes §10) and upload roles

reason-ftt = FTT: failure to transfer
reason-fse = FSE: failure to start education
reason-ftr = FTR: failure to register
reason-inf = INF: information only
reason-rtl = RTL: reported to have left
source-aca = ACA: academy
source-frs = FRS: free school
source-ehe = EHE: elective home education
source-ind = IND: independent school
source-los = LOS: lost pupils (S2S)
source-ola = OLA: other LA
source-sch = SCH: maintained school
source-soc = SOC: social care
source-wla = WLA: within LA
source-yos = YOS: youth offending service
source-hea = HEA: health or A&E
outcome-dec = DEC: deceased
outcome-ehe = EHE: elective home education
outcome-emi = EMI: emigrated or gone abroad
outcome-ind = IND: independent school
outcome-nca = NCA: not of compulsory school age
outcome-ola = OLA: found in another LA
outcome-wla = WLA: found within our LA
outcome-s2s = S2S: uploaded to the S2S site
role-roll = Pupils on our roll
role-missing = Children missing from education (open cases)

## The hub's codes (decisions, reasons, verdicts, states, jurisdictions)

code-confirm = Confirm
code-reject = Reject
code-identifier-agrees = Identifier agrees
code-names-and-dob-agree = Names and dob agree
code-local-enquiries = Local enquiries
code-other = Other
code-different-child = Different child
code-dob-differs = Dob differs
code-names-differ = Names differ
code-already-resolved = Already resolved
code-safeguarding-hold = Safeguarding hold
code-same-child = Same child
code-proposed = Proposed
code-confirmed-one = Confirmed one
code-confirmed-both = Confirmed both
code-disclosed = Disclosed
code-verified-same = Verified same
code-verified-different = Verified different
code-rejected = Rejected
code-expired = Expired
code-withdrawn = Withdrawn
code-case-closed = Case closed
code-england = England
code-wales = Wales
code-scotland = Scotland
code-northern-ireland = Northern ireland
code-ireland = Ireland

## A disclosed record's fields

field-forename = Forename
field-middle-names = Middle names
field-surname = Surname
field-former-surname = Former surname
field-preferred-forename = Preferred forename
field-preferred-surname = Preferred surname
field-dob = Date of birth
field-sex = Sex
field-upn = UPN
field-former-upn = Former UPN
field-scn = SCN
field-ppsn = PPSN
field-ni-pupil-id = NI pupil id
field-school = School
field-address = Address
field-postcode = Postcode

## What each comparison level means (the command line's words: matcher::explain_words)

level-identifier-agree = the same pupil number
level-identifier-agree-names-close = the same pupil number and near-identical names (date of birth differs or is missing)
level-identifier-agree-names-similar = the same pupil number and similar names (date of birth differs or is missing)
level-identifier-agree-names-differ = the same pupil number but different names (date of birth differs or is missing)
level-identifier-near = pupil numbers one keying error apart
level-identifier-disagree = different pupil numbers
level-dob-exact = same date of birth
level-dob-transposed = same date of birth but day and month swapped
level-dob-one-off = date of birth differs in one of day, month or year
level-dob-salt-verified = date of birth confirmed the same (or with day and month swapped)
level-dob-check-names-close = date of birth probably the same (same year) and near-identical names
level-dob-year-names-close = born the same year (another day or month) with near-identical names
level-dob-check-names-similar = date of birth probably the same (same year) and similar names
level-dob-year-names-similar = born the same year (another day or month) with similar names
level-dob-check-agrees = date of birth possibly the same (a partial check agrees)
level-dob-disagree = different dates of birth
level-forename-exact = same forename
level-forename-alternative = forename matches a middle, preferred or part forename
level-forename-equivalent = forenames are known equivalents (e.g. a nickname, like Liam for William)
level-forename-swapped = forename and surname swapped
level-forename-close = forenames spelt almost the same
level-forename-similar = forenames spelt similarly
level-forename-weak = forenames spelt a little alike
level-forename-disagree = different forenames
level-surname-exact = same surname
level-surname-alternative = surname matches a former, preferred or part surname, or its Gaelic or anglicised form
level-surname-swapped = forename and surname swapped
level-surname-close = surnames spelt almost the same
level-surname-similar = surnames spelt similarly
level-surname-weak = surnames spelt a little alike
level-surname-disagree = different surnames
level-sex-agree = same sex
level-sex-disagree = different sex

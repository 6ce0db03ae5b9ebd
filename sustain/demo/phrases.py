"""What the demo's people write: a phrase book the demo stories are filled from."""

from __future__ import annotations

# One phrase a line under a [section] heading; an indented line continues the phrase above.
# Slots in braces are filled per ticket (see _Stories._context).
PHRASE_BOOK = """
[title:incident]
{component} unavailable for all users
Timeouts in {component} since {time}
{product} returns HTTP {code} after login
{component} very slow for our {region} office
Users logged out every few minutes in {product}
Nightly {component} job did not run
[title:service_request]
Please add {n} user accounts for the {region} team
Export of last quarter's {component} data
Reset MFA for a colleague
Refresh our staging environment from production
Change of billing contact
Renew the SSO certificate for {product}
[title:bug]
{component}: totals rounded incorrectly in {version}
Date picker in {component} starts the week on Sunday
{component} fails when a name contains an apostrophe
CSV export in {component} drops the last row
Wrong time zone in {component} notifications
{product} {version}: search ignores accented characters
[title:problem]
Recurring {component} outages on Monday mornings
Connection pool exhaustion in {component}
Intermittent HTTP {code} across {product}
Memory growth in {component} workers since {version}
[title:feature_request]
Bulk editing in {component}
Dark mode for the {product} web app
API endpoint for {component} history
Filter {component} by custom fields
Scheduled PDF reports from {component}
[title:change]
Upgrade the {product} database to PostgreSQL 17
Rotate TLS certificates for {product} ({env})
Move {component} to the {region} data centre
Enable rate limiting on the {product} public API
[title:maintenance_task]
Quarterly restore drill for {product}
Patch OS packages on {component} hosts
Archive {component} data older than 7 years
Prune unused {product} API tokens
Free disk space on {env} {component} servers
[title:vulnerability]
{cve} in {lib} used by {component}
Outdated {lib} in {product} {version} flagged by the scanner
Open redirect on the {product} login page
Session cookie without Secure flag in {env}
[title:technical_debt]
Remove the legacy {component} import path
Replace hand-written SQL in {component} reports
Split the {component} module, it has grown past 3,000 lines
Move {product} off the deprecated {lib} API
[body:incident]
Since {time} today we have trouble with {component}: {n} people at {org} are affected and
  cannot work normally.
Reported by several colleagues in our {region} office this morning, in {env}. We see error
  {code} now and then. Nothing changed on our side as far as we know.
Started around {time}. Browser: {browser}. We restarted our own proxies already; no change.
[body:service_request]
Could you take care of this for us? We need it before the end of the month. It concerns {n}
  people in the {region} office.
Our admin is away this week, so we are asking you directly. Details are below; ring us if
  anything is unclear.
[body:bug]
We noticed this on {day} after the update to {version}. Steps: open {component}, pick any
  record, save. The result is not what we expect.
Reproducible every time in {browser} on {product} {version}. Screenshots show the
  difference with what we expect.
[body:feature_request]
Our team spends a lot of time on this by hand; {n} people would use it daily. Is it on the
  roadmap?
This would save us a lot of clicks in {component}. Other tools we use have it already.
[body:problem]
The same symptoms came back {n} times this quarter, always in {component}. We need the
  underlying cause found, not another restart.
Grouping the recurring incidents around {component} since {version}; they look related.
[body:vulnerability]
The scanner report of {day} lists this for {product} {version} ({lib}). Exposure is limited
  to {env}; fix before the next release.
Our security team found this during the yearly penetration test of {product}. Please
  confirm whether our {env} environment is affected.
[body:change]
Planned change for {product} in {env}. Rollback plan and test steps are in the runbook;
  downtime expected under 15 minutes.
We would like this done in the next maintenance window; our {region} users are affected
  least on {day} evenings.
[body:maintenance_task]
Found during the weekly review of {product} {version}. Affects {component} in {env}.
  Proposal: handle it in the next maintenance window.
Recurring task from the maintenance plan for {product}; last done in the spring.
[body:technical_debt]
{component} has needed this for a while; {n} tickets last quarter trace back to it. Plan:
  small steps, each shippable on its own.
Slows every change to {component} down. Worth a sprint before the {next_version} work.
[closer]
Please let us know what you need from us.
We are on {product} {version}.
It affects roughly {n} users.
Happy to join a call if that helps.
Thanks in advance!
[first_reply]
Hi {first}, thanks for reaching out. I can see the problem on our side too and I'm looking
  into it now.
Hello {first}, thank you for the report. I've reproduced this on {product} {version} and
  will update you within a few hours.
Hi {first}, we're on it. First finding: it is limited to {component}; the rest of {product}
  looks healthy.
Thanks {first}. I've started the investigation and will send the next update by the end of
  the day.
[first_reply:staff]
Picked this up. First step: a dry run on staging with {version}.
Progress: the {component} part is done, {n} items left.
Planned for the maintenance window on {day}; the change plan is in the runbook.
[first_reply:request]
Hi {first}, thanks for the request. I'll take care of it and let you know when it is done.
Thanks {first}, we can do that. I need one internal approval and will come back to you.
[ask]
Hi {first}, to narrow this down, could you send us the exact time it happened and a
  screenshot of the error?
Could you tell us which users are affected and whether it also happens in {browser}?
Before we continue: can you confirm the {component} settings have not changed recently?
[ask:request]
Could you send us the names and e-mail addresses of the people involved?
We need an approval from your organisation's admin for this; could they reply here?
[info]
Here you go: it happened at {time} again, about {n} users saw it.
Confirmed, nothing changed on our side. It also happens in {browser}.
Sorry for the delay. The error code was {code}, first seen on {day}.
[info:request]
Here is the list: {n} people, all in the {region} team.
Approved by our admin, please go ahead.
[follow_up]
Thanks for the quick reply. Let us know if you need anything else.
Some more detail: it seems to happen mostly around {time}.
We cleared the browser caches as suggested; no change unfortunately.
[chase]
Any news on this? We are still affected.
Is there an estimate for a fix? Our {region} office keeps asking.
[note]
Reproduced on staging with {version}. The trace points at {component}; probably a
  regression from the last release.
Logs show {n} errors with code {code} since {time}. Nothing in the infrastructure alerts.
Workaround for now: restarting the {component} workers clears it for a few hours.
Checked the release notes of {version}; nothing obvious. Will pair on it tomorrow.
Customer is on the {tier} tier, so the short response target applies.
[vendor_note]
Raised with the hosting provider, their reference {ref}. Waiting for them.
The root cause is upstream in {lib}; reported to the maintainers as {ref}.
The third-party API confirmed a fault on their side ({ref}); waiting for their fix.
[fix]
Hi {first}, we found the cause: a misconfigured cache in {component}. It is fixed in
  production; could you confirm it works for you?
The fix is part of {product} {next_version}, deployed to your environment this morning. Let
  us know if you still see the problem.
We applied a workaround and scheduled the permanent fix for the next maintenance window.
  Everything should behave normally now.
Done, the change is live. Just reply if anything looks off.
[fix:request]
Hi {first}, this is done. Could you check that everything looks right?
All set: the request is completed on our side. Let us know if anything is missing.
[fix:staff]
Done: rolled out to {env} on {day}, no errors in the logs since.
Finished and verified on {product} {next_version}. Monitoring for a day before closing.
[thanks]
Confirmed, it works again. Thanks a lot!
All good on our side now, thank you.
Looks fine now. Thanks, {agent}!
[still_broken]
Unfortunately it happened again this morning at {time}.
Sorry, this is back: same error {code}.
[priority_reason]
Go-live for the customer is this week.
Blocks invoicing before month-end.
Regulatory deadline on Friday.
"""


def _phrases(book: str) -> dict[str, list[str]]:
    phrases: dict[str, list[str]] = {}
    section: list[str] = []
    for line in book.strip().splitlines():
        if line.startswith("["):
            section = phrases.setdefault(line.strip("[]"), [])
        elif line.startswith(" "):
            section[-1] += " " + line.strip()
        else:
            section.append(line)
    return phrases


PHRASES = _phrases(PHRASE_BOOK)

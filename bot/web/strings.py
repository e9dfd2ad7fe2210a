"""Every word the dashboard's browser code shows, from the gettext catalogs.

The page carries them as one JSON object in the reader's language (a data block, not a
script: the Content-Security-Policy allows no inline code), so the browser never holds a
word that did not come through the catalogs. Names of incident types and statuses reuse the
bot's own messages.
"""

from __future__ import annotations

from bot.handlers.render.oversight import status_name
from bot.handlers.words import incident_name
from bot.i18n import N_, _, current_language
from domain.enums import RequestStatus
from domain.incidents import IncidentType
from domain.matching.geo import cities

_WORDS: dict[str, str] = {
    "title": N_("Musaada operations dashboard"),
    "map": N_("Live map"),
    "figures": N_("Figures"),
    "sign_out": N_("Sign out"),
    "live": N_("Live"),
    "reconnecting": N_("Reconnecting…"),
    "open_requests": N_("Open requests: {n}"),
    "age": N_("Waiting"),
    "age_fresh": N_("under 5 minutes"),
    "age_late": N_("5 to 15 minutes"),
    "age_old": N_("over 15 minutes"),
    "state_dispatching": N_("searching"),
    "state_widened": N_("searching wider"),
    "state_assigned": N_("assigned"),
    "state_on_scene": N_("on scene"),
    "state_escalated": N_("escalated"),
    "cluster": N_("{n} requests here: zoom in"),
    "readiness": N_("Readiness: volunteers on duty now"),
    "readiness_city": N_("City"),
    "readiness_total": N_("On duty"),
    "readiness_gap": N_("No one on duty for this week's requests"),
    "all_types": N_("All types"),
    "request_no": N_("Request #{id}"),
    "close": N_("Close"),
    "status": N_("Status"),
    "area": N_("Area"),
    "location": N_("Location"),
    "requester": N_("Requester"),
    "volunteer": N_("Volunteer"),
    "volunteer_at": N_("Volunteer's last position, {time}"),
    "details": N_("Details"),
    "created": N_("Created"),
    "timeline": N_("Timeline"),
    "by": N_("by {name}"),
    "alerted": N_("alerted: {names}"),
    "actions": N_("Answer the escalation"),
    "act_wider": N_("🔁 Dispatch again, wider"),
    "act_assign": N_("👤 Assign a volunteer"),
    "act_officials": N_("🚓 Official services have it"),
    "act_false_alarm": N_("🚫 False alarm"),
    "no_candidates": N_("Nobody the wider search would reach is available."),
    "result_ok": N_("Done."),
    "result_closed": N_("Already answered, or the request moved on: nothing was changed."),
    "result_nobody": N_("Nobody new within the wider search: nothing was changed."),
    "result_busy": N_("This volunteer is on another job."),
    "result_not_yours": N_("This person is not a verified volunteer."),
    "result_unknown": N_("Not found."),
    "result_not_operator": N_("Only operators can do this."),
    "result_error": N_("Something went wrong: nothing was changed."),
    "no_actions": N_("Nothing to answer: the request is not escalated."),
    "period": N_("Period"),
    "period_today": N_("Today"),
    "period_week": N_("Last 7 days"),
    "period_month": N_("Last 30 days"),
    "city": N_("City"),
    "all_cities": N_("All cities"),
    "download_csv": N_("Download CSV"),
    "total_requests": N_("Requests"),
    "first_alert": N_("Time to first alert"),
    "first_accept": N_("Time to first accept"),
    "arrival": N_("Time to arrival"),
    "acceptance": N_("Acceptance rate"),
    "escalated_share": N_("Escalated"),
    "hours": N_("Hours credited"),
    "by_type": N_("Requests by type"),
    "median": N_("median"),
    "p90": N_("90th percentile"),
    "none": N_("—"),
    "seconds": N_("{n} s"),
    "minutes_short": N_("{n} min"),
    "hours_short": N_("{n} h"),
}


def page_words() -> dict[str, object]:
    """The words in the current locale, with the names of incident types, statuses and cities."""
    words: dict[str, object] = {key: _(msgid) for key, msgid in _WORDS.items()}
    words["incidents"] = {str(i): incident_name(i) for i in IncidentType}
    words["statuses"] = {str(s): status_name(str(s)) for s in RequestStatus}
    words["cities"] = {
        c.name_en: (c.name_ar if current_language() == "ar" else c.name_en) for c in cities()
    }
    return words

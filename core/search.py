"""Searches for a person never travel in a URL (issue 8 item 6: no sensitive data in URLs).

What a user types in a search box is often a child's name, an ID number or a caregiver's phone.
A query string ends up in proxy and server access logs, browser history, bookmarks and the
Referer header, so the HTML search forms POST their text instead. The server keeps the text in
the user's session under a short random key and redirects (POST/redirect/GET) to the list with
`?q=<key>`, which pagination, filter and export links carry in place of the text. A key means
nothing outside the session that made it: sent to someone else, or once the session has ended,
it finds nothing (never the whole list).

The access log (audit.services.record_search) still records the text searched for.
The API keeps its `?search=` filter: partner clients expect GET filters (README, "API").
"""

import secrets

from django.http import HttpRequest, HttpResponseRedirect, QueryDict

SESSION_KEY = "remembered_searches"
KEY_PARAM = "q"  # in the URL: the key of a remembered search
TEXT_FIELD = "search"  # in a POST body: the text searched for
MAX_TEXT = 100
KEPT = 20  # searches remembered per session, the newest
# Never copied from a POST into the URL of the results.
NOT_IN_URL = {"csrfmiddlewaretoken", TEXT_FIELD, KEY_PARAM, "page"}


def remember(request: HttpRequest, text: str) -> str:
    """The key of this search text in the session ("" for no text). The same text keeps its key."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return ""
    saved: dict[str, str] = dict(request.session.get(SESSION_KEY) or {})
    key = next((k for k, v in saved.items() if v == text), None) or secrets.token_urlsafe(6)
    saved.pop(key, None)
    saved[key] = text  # newest last
    request.session[SESSION_KEY] = dict(list(saved.items())[-KEPT:])
    return key


def recall(request: HttpRequest, key: str) -> str | None:
    """The text remembered under this key; None for a key this session does not know."""
    return (request.session.get(SESSION_KEY) or {}).get(key or "")


def results_redirect(request: HttpRequest, path: str) -> HttpResponseRedirect:
    """After a search form's POST: the results page, its filters in the URL and the text by key."""
    query = QueryDict(mutable=True)
    for name, values in request.POST.lists():
        if name not in NOT_IN_URL:
            kept = [v for v in values if v != ""]
            if kept:
                query.setlist(name, kept)
    key = remember(request, request.POST.get(TEXT_FIELD, ""))
    if key:
        query[KEY_PARAM] = key
    return HttpResponseRedirect(f"{path}?{query.urlencode()}" if query else path)


class SearchQuery:
    """A list page's GET parameters with the remembered text put back under `search`.

    `data` is what a FilterSet takes (None when nothing is asked). A `search` in the query string
    itself is ignored: a name in a URL is not a search. `expired` is true for a key the session
    does not know; the page then shows nothing and asks to search again."""

    def __init__(self, request: HttpRequest):
        data = request.GET.copy()
        data.pop(TEXT_FIELD, None)
        key = data.pop(KEY_PARAM, [""])[-1]
        text = recall(request, key) if key else ""
        self.expired = text is None
        self.text = text or ""
        if self.text:
            data[TEXT_FIELD] = self.text
        self.data = data or None

    def logged(self, request: HttpRequest) -> dict:
        """The query string as the access log records it: the text searched for, not its key."""
        query = {name: values for name, values in request.GET.lists() if name not in (KEY_PARAM, TEXT_FIELD)}
        if self.text:
            query[TEXT_FIELD] = [self.text]
        return query

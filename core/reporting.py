"""Error reports without personal data (issue 8 item 6: no sensitive data in logs or error reports).

Django's error report (the e-mail to ADMINS, and any handler that formats a request's exception)
lists the request's GET and POST parameters, uploaded file names, request.META (with the query
string) and, in the HTML version, every local variable of every frame. Here nearly every form
carries something about a child: a name, an abuse narrative, a caregiver's phone, an HIV status.
Marking fields one by one with `sensitive_post_parameters` would miss the next form, so with
DEBUG off (when Django's filter is active) these reports show parameter and variable *names*
only, never their values. Set in settings: DEFAULT_EXCEPTION_REPORTER_FILTER and
DEFAULT_EXCEPTION_REPORTER.
"""

from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# request.META entries that repeat the query string (WSGI, gunicorn, uWSGI).
URI_META = ("QUERY_STRING", "RAW_URI", "REQUEST_URI")


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Every POST value, every frame variable and the query string in request.META are withheld,
    not only what a view marked with sensitive_post_parameters or sensitive_variables."""

    def _withheld(self, values: MultiValueDict) -> MultiValueDict:
        cleansed = values.copy()
        for name in cleansed:
            cleansed.setlist(name, [self.cleansed_substitute])
        return cleansed

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return self._withheld(request.POST)

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        if not self.is_active(request):
            return super().get_cleansed_multivaluedict(request, multivaluedict)
        return self._withheld(multivaluedict)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if request is not None and self.is_active(request):
            for name in URI_META:
                if meta.get(name):
                    meta[name] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        # A view's locals are the child, the case, the text typed: names only.
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class PersonalDataExceptionReporter(ExceptionReporter):
    """Django's report, with the query-string values and uploaded file names withheld as well
    (Django lists request.GET, the full URL and the FILES names without asking the filter): a URL
    may still carry a name (the API's ?search=, an old bookmark), a file name a child's name."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        request = self.request
        if request is not None and self.filter.is_active(request):
            hidden = getattr(self.filter, "cleansed_substitute", SafeExceptionReporterFilter.cleansed_substitute)
            data["request_GET_items"] = [(name, hidden) for name in request.GET]
            data["request_FILES_items"] = [(name, hidden) for name in request.FILES]
            uri = data.get("request_insecure_uri") or ""
            if "?" in uri:
                data["request_insecure_uri"] = f"{uri.split('?', 1)[0]}?{hidden}"
        return data

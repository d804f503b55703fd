"""The admin site: Django's, with a login page that slows password guessing.

Each login attempt counts per client address (ADMIN_LOGIN_THROTTLE_RATE) and per username
(AUTH_USERNAME_THROTTLE_RATE, the same count the API's sign-in keeps), with the throttles of
vchata_social.throttling. Past either limit the page answers 429 with a message saying how
long to wait, and the password is not checked at all, the right one included."""

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from vchata_social.throttling import admin_login_wait

THROTTLED = "throttled"


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        THROTTLED: "Too many sign-in attempts. Try again in %(seconds)d seconds.",
    }
    wait_seconds: int | None = None

    def clean(self):
        wait = admin_login_wait(self.request)
        if wait is not None:
            self.wait_seconds = max(1, math.ceil(wait))
            message = self.error_messages[THROTTLED]
            raise ValidationError(message, code=THROTTLED, params={"seconds": self.wait_seconds})
        return super().clean()


class AdminSite(admin.AdminSite):
    login_form = ThrottledAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, THROTTLED):
            response.status_code = 429
            response["Retry-After"] = str(form.wait_seconds)
        return response

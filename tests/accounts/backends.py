"""The lockout backend for tests: Django's test client's login() passes no request."""

from axes.backends import AxesStandaloneBackend


class GuardUnlessTestClient(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # Client.login(): nothing to lock by, and nothing to protect
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

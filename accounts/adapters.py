from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by sign-up: these are records of children."""

    def is_open_for_signup(self, request) -> bool:
        return False

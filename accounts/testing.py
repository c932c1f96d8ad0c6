"""For tests of other apps: an organizer signed in as the admin wants it,
password and second factor both (sites.py)."""

from .sites import SECOND_FACTOR


def sign_in_staff(client, user):
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR] = user.pk
    session.save()
    return user

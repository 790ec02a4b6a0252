"""Password reset by e-mail with Django's views, in the portal's pages, its link built from SITE_URL."""

import re

from django.core import mail

from audit.models import AuditEvent, AuditKind
from tests import factories as f


def test_a_reset_link_by_e_mail_sets_a_new_password(client, db):
    f.UserFactory(username="ann", email="ann@example.com")
    response = client.post("/accounts/password-reset/", {"email": "ann@example.com"}, HTTP_HOST="127.0.0.1")
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)  # SITE_URL, not Host
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a long new secret 42", "new_password2": "a long new secret 42"}
    )
    assert done["Location"] == "/accounts/reset/done/"
    signed_in = client.post("/accounts/login/", {"username": "ann", "password": "a long new secret 42"})
    assert signed_in.status_code == 302
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {AuditKind.PASSWORD_RESET_REQUESTED, AuditKind.PASSWORD_CHANGED} <= kinds


def test_an_unknown_address_answers_alike_and_sends_nothing(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert not mail.outbox


def test_the_sign_in_page_offers_the_reset(client, db):
    assert 'href="/accounts/password-reset/"' in client.get("/accounts/login/").content.decode()

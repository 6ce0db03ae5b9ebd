"""The tests that span apps (the whole API's permission matrix, the search relevance set, the
e-mail corpus, the browser tests) get the persona fixtures of ``sustain/conftest.py`` here,
so each folder below needs only its own."""

from sustain.conftest import (  # noqa: F401  # fixtures shared with the unit tests
    acme,
    acme_admin,
    admin,
    alice,
    api_client,
    bob,
    bob_colleague,
    bobs_ticket,
    carol,
    dave,
    globex,
    lead,
    make_ticket,
    platform,
    product,
    support,
    viewer,
)
from tests.api_world import api_world  # noqa: F401  # something behind every API path

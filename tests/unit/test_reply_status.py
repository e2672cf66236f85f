"""The clients read Bitget's ``code`` whatever HTTP status carries it.

Bitget sends its refusals with HTTP 400 (bitget/sim/README.md, "HTTP status"), but a proxy or a future
change may put the same envelope under 200, 401, 403 or 404: the typed error must follow the code, never
the status, and a 200 with a refusal code must not pass for a success.
"""

from __future__ import annotations

import pytest

from bitget import errors
from tests.support.fake_bitget import Reply, fail
from tests.unit import test_client_http as v2
from tests.unit import test_client_v3_http as v3

STATUSES = (200, 400, 401, 403, 404)

fake = v2.fake
fake_uta = v3.fake


@pytest.mark.parametrize("status", STATUSES)
def test_v2_insufficient_balance_is_read_from_the_code(fake, status):
    client = v2.make_client(fake)
    client.position_mode()
    fake.script(v2.PLACE, Reply(status, fail("40762", "The order amount exceeds the balance", status)[1]))
    with pytest.raises(errors.InsufficientBalanceError) as info:
        client.place_order(v2.order())
    assert (info.value.code, info.value.http_status) == ("40762", status)
    assert len(fake.hits(v2.PLACE)) == 1  # a refusal is not resent, whatever its status


@pytest.mark.parametrize("status", STATUSES)
def test_v3_insufficient_margin_is_read_from_the_code(fake_uta, status):
    client = v3.make_client(fake_uta)
    fake_uta.script(v3.PLACE, Reply(status, fail("25203", "Insufficient margin", status)[1]))
    with pytest.raises(errors.InsufficientBalanceError) as info:
        client.place_order(v3.order())
    assert (info.value.code, info.value.http_status) == ("25203", status)

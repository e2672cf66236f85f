"""Signing: the worked vectors of docs/bitget-api-v2.md §1 must reproduce byte for byte."""

from __future__ import annotations

from bitget.auth import Credentials, auth_headers, base_headers, prehash, sign

SECRET = "ThisIsATestSecretKey-NotReal-0123456789"
TS = "1700000000000"
GET_PATH = "/api/v2/mix/account/account"
GET_QUERY = "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
POST_PATH = "/api/v2/mix/order/place-order"
POST_BODY = (
    '{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT",'
    '"size":"0.001","side":"buy","tradeSide":"open","orderType":"market","clientOid":"tv-0001"}'
)


def test_get_vector_prehash_and_signature():
    text = prehash(TS, "GET", GET_PATH, GET_QUERY, "")
    assert text == f"1700000000000GET{GET_PATH}?{GET_QUERY}"
    assert sign(SECRET, text) == "VKczG3UNHyIvZ/hXIj3t35bpCV+IM+fHown0VyGgSmo="


def test_post_vector_prehash_and_signature():
    text = prehash(TS, "POST", POST_PATH, "", POST_BODY)
    assert text == f"1700000000000POST{POST_PATH}{POST_BODY}"
    assert sign(SECRET, text) == "zvaZEYredawoJ+K8mPON3ywXpEVht9Z951tTXS1Btgs="


def test_post_vector_body_is_what_the_transport_serializes():
    from bitget.transport import serialize_body

    body = {
        "symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginMode": "crossed", "marginCoin": "USDT",
        "size": "0.001", "side": "buy", "tradeSide": "open", "orderType": "market", "clientOid": "tv-0001",
    }
    assert serialize_body(body) == POST_BODY


def test_method_is_upper_cased_and_empty_query_adds_no_question_mark():
    assert prehash(TS, "get", "/p", "", "") == "1700000000000GET/p"


def test_headers_carry_signature_timestamp_and_no_demo_flag_by_default():
    creds = Credentials("my-key", SECRET, "my-pass")
    headers = auth_headers(creds, TS, "GET", GET_PATH, GET_QUERY, "")
    assert headers == {
        "ACCESS-KEY": "my-key",
        "ACCESS-SIGN": "VKczG3UNHyIvZ/hXIj3t35bpCV+IM+fHown0VyGgSmo=",
        "ACCESS-TIMESTAMP": TS,
        "ACCESS-PASSPHRASE": "my-pass",
        "Content-Type": "application/json",
        "locale": "en-US",
    }


def test_demo_mode_adds_paptrading_header():
    creds = Credentials("k", SECRET, "p")
    assert auth_headers(creds, TS, "POST", POST_PATH, "", POST_BODY, demo=True)["paptrading"] == "1"
    assert base_headers(demo=True)["paptrading"] == "1"
    assert "paptrading" not in base_headers()


def test_credentials_repr_hides_everything():
    creds = Credentials("my-key", SECRET, "my-pass")
    for shown in (repr(creds), str(creds), f"{creds}"):
        assert "my-key" not in shown and SECRET not in shown and "my-pass" not in shown

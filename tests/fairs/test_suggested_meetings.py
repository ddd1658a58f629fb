"""A participant's request inbox suggests whom to meet at the fair, from Haihe's
partner matching, each with its reasons in words; asking through a suggestion makes a
request like any other."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from haihe.fairs import boards, queries
from haihe.web.app import create_app
from tests.conftest import signed_client

FAIR = "2023京津产业链供需对接会"


def _section(page: str) -> str:
    assert 'id="suggested-meetings"' in page
    return page.split('id="suggested-meetings"', 1)[1].split("</section>", 1)[0]


def test_suggested_meetings_are_fair_participants_with_reasons(demo_engine):
    with Session(demo_engine) as s:
        fair = queries.find_fair(s, FAIR)
        people = {p.id: p for p in boards.participants(s, fair.id)}
    client = signed_client(create_app(demo_engine), "winute")
    zh = _section(client.get(f"/fairs/{fair.id}/requests", params={"lang": "zh"}).text)
    ids = [int(i) for i in re.findall(r'name="requested_id" value="(\d+)"', zh)]
    assert ids, "no meeting suggested to a participant of the demo fair"
    mine = next(p for p in people.values() if "威努特" in p.name)
    assert mine.id not in ids and len(set(ids)) == len(ids)
    assert all(i in people for i in ids)  # only participants of this fair
    rows = zh.split("<tbody>", 1)[1].split("</tr>")[: len(ids)]
    assert all(re.search(r"<td>[^<]+</td>", row) for row in rows)  # each says why
    en = _section(client.get(f"/fairs/{fair.id}/requests", params={"lang": "en"}).text)
    assert "Ask to meet" in en and "请求对接" not in en

    # asking through the first suggestion makes a request, which leaves the suggestions
    r = client.post(
        f"/fairs/{fair.id}/requests",
        data={"requested_id": ids[0], "priority": 2},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(demo_engine) as s:
        sent = queries.list_requests(s, fair.id)
        assert any(q.requester_id == mine.id and q.requested_id == ids[0] for q in sent)
    again = client.get(f"/fairs/{fair.id}/requests").text
    if 'id="suggested-meetings"' in again:
        assert f'name="requested_id" value="{ids[0]}"' not in _section(again)

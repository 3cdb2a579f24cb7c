"""`flask demo seed`: the demo org, its project and generated traces."""

from __future__ import annotations

import uuid

from agentops import clickhouse
from agentops.demo.service import DEMO_ORG_ID, DEMO_PROJECT_ID
from agentops.extensions import db
from agentops.orgs.models import OrgMember

DEMO_QUERY = """
SELECT
    uniqExact(TraceId) AS traces,
    count() AS spans,
    uniqExactIf(SpanAttributes['gen_ai.request.model'],
                SpanAttributes['agentops.span.kind'] = 'llm') AS models,
    countIf(StatusCode = 'Error') AS errors,
    countIf(SpanAttributes['agentops.span.kind'] = 'tool') AS tools,
    countIf(SpanAttributes['agentops.span.kind'] = 'llm'
            AND toInt64OrZero(SpanAttributes['gen_ai.usage.input_tokens']) > 0
            AND toInt64OrZero(SpanAttributes['gen_ai.usage.output_tokens']) > 0)
        AS usage,
    countIf(SpanAttributes['agentops.span.kind'] = 'agent' AND ParentSpanId != '')
        AS nested_agents,
    dateDiff('day', min(Timestamp), max(Timestamp)) AS days
FROM {table}
WHERE project_id = {{project:String}}
"""


def demo_numbers(app) -> dict:
    with app.app_context():
        spans = clickhouse.store()
        return spans.query_dicts(
            DEMO_QUERY.format(table=spans.table), {"project": str(DEMO_PROJECT_ID)}
        )[0]


def test_seed_twice_adds_the_demo_once(make_app, tokens):
    app = make_app()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "seed"])
    numbers = demo_numbers(app)
    second = runner.invoke(args=["demo", "seed"])

    assert first.exit_code == 0, first.output
    assert "added 300 traces" in first.output
    assert f"demo org id: {DEMO_ORG_ID}" in first.output
    assert f"Set DEMO_ORG_ID={DEMO_ORG_ID}" in first.output
    assert second.exit_code == 0, second.output
    assert "already has its traces" in second.output
    assert demo_numbers(app) == numbers
    assert numbers["traces"] == 300
    assert numbers["spans"] > 1500
    assert numbers["models"] >= 4
    assert 0 < numbers["errors"] < numbers["spans"] / 10
    assert numbers["tools"] > 0
    assert numbers["nested_agents"] > 0
    assert numbers["usage"] > 600
    assert numbers["days"] >= 14


def test_new_users_join_the_seeded_demo_org(make_app, tokens):
    app = make_app(DEMO_ORG_ID=str(DEMO_ORG_ID))
    seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
    user = tokens.user()

    response = app.test_client().get("/opsboard/users/me", headers=user.headers)

    assert seeded.exit_code == 0, seeded.output
    assert "Set DEMO_ORG_ID" not in seeded.output
    assert response.status_code == 200
    with app.app_context():
        member = db.session.get(OrgMember, (DEMO_ORG_ID, uuid.UUID(user.id)))
        assert member is not None
        assert member.role == "business_user"
